//! `radar replay`: feeds a scenario package through the detector in virtual time and turns its
//! episodes and the declared incidents of `events.jsonl` into `detections.json`.
//!
//! Reports are fed in time order. Before the first report of a new minute, every minute
//! boundary up to it is passed to [`Detector::advance_to`] (also through gaps without data), and
//! the events of `events.jsonl` and the samples of `signals.csv` (to the signal watcher, whose
//! bins close at the same boundaries) are taken in up to the same boundary. Nothing is read ahead: a
//! decision at virtual time t uses only reports and events with time ≤ t. The detections are
//! the product's view at the end of the replay.
//!
//! What is written is the product view ([`radar_core::view`]), the same function the server
//! answers from: one outage per declared incident (with the episodes it claims) or unclaimed
//! episode, with cause groups, roots and explanations from the core's correlation engine.

use std::time::{Duration, Instant};

use radar_core::detect::{Declared, Detector, DetectorConfig, Episode};
use radar_core::event::Event;
use radar_core::incident::{Incident, IncidentBook};
use radar_core::signal::{SignalAnomaly, SignalConfig, SignalWatcher};
use radar_core::topology::{ComponentRef, Topology};
use radar_core::view::{self, ProductView};
use radar_core::{RegionId, Timestamp};

use crate::eval::{Detection, Detections, Regions};
use crate::package::Package;

/// Figures about a replay.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ReplayStats {
    pub reports: usize,
    pub events: usize,
    pub minutes: u64,
    pub episodes: usize,
    pub declared: usize,
    pub counted_reports: u64,
    pub duplicate_reports: u64,
    pub late_reports: u64,
    /// Operator-signal samples fed, and the anomalies found in them.
    pub signal_samples: usize,
    pub signal_anomalies: usize,
    /// Event lines the incident rules refused (line index, reason).
    pub refused_events: Vec<(usize, String)>,
    pub elapsed: Duration,
}

impl ReplayStats {
    /// Reports replayed per second of wall time.
    pub fn reports_per_sec(&self) -> f64 {
        self.reports as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// What a replay produced.
#[derive(Clone, Debug)]
pub struct ReplayOutput {
    pub detections: Detections,
    pub episodes: Vec<Episode>,
    /// Anomalies of the operator signals of `signals.csv`.
    pub signal_anomalies: Vec<SignalAnomaly>,
    /// The product view at the end of the replay, which `detections` is written from.
    pub view: ProductView,
    pub stats: ReplayStats,
}

/// Replays a package with the default detector configuration.
pub fn replay(pkg: &Package) -> ReplayOutput {
    replay_with(pkg, DetectorConfig::default(), &mut |_, _| {})
}

/// Replays a package. `progress(done, total)` is called every few thousand reports and at the
/// end.
pub fn replay_with(
    pkg: &Package,
    config: DetectorConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> ReplayOutput {
    let started = Instant::now();
    let mut det = Detector::new(&pkg.topology, config);
    let total = pkg.reports.len();
    let first = pkg
        .reports
        .first()
        .map(|r| r.time)
        .into_iter()
        .chain(pkg.events.first().map(|e| e.time()))
        .chain(pkg.signals.first().map(|s| s.time))
        .min();
    let last = pkg
        .reports
        .last()
        .map(|r| r.time)
        .into_iter()
        .chain(pkg.events.last().map(|e| e.time()))
        .chain(pkg.signals.last().map(|s| s.time))
        .max();
    let mut stats = ReplayStats {
        reports: total,
        events: pkg.events.len(),
        signal_samples: pkg.signals.len(),
        ..ReplayStats::default()
    };
    let (Some(first), Some(last)) = (first, last) else {
        progress(0, 0);
        return ReplayOutput {
            detections: Detections::default(),
            episodes: Vec::new(),
            signal_anomalies: Vec::new(),
            view: product_view(
                &[],
                &IncidentBook::default(),
                &[],
                &[],
                &pkg.topology,
                Timestamp(0),
            ),
            stats,
        };
    };

    let mut events_seen = 0usize;
    let mut watcher = SignalWatcher::new(&pkg.topology, SignalConfig::default());
    let mut signals_seen = 0usize;
    let mut boundary = first.minute().end().0;
    // Up to each minute boundary: the events and the signal samples up to it, then the
    // minutes (and signal bins) that end there are closed.
    let mut advance = |det: &mut Detector, boundary: i64, events_seen: &mut usize| {
        while *events_seen < pkg.events.len() && pkg.events[*events_seen].time().0 <= boundary {
            if let Event::Incident(inc) = &pkg.events[*events_seen] {
                det.declare_at(Declared::of_event(inc, &pkg.topology));
            }
            *events_seen += 1;
        }
        while signals_seen < pkg.signals.len() && pkg.signals[signals_seen].time.0 <= boundary {
            // The package was checked against the topology when it was read.
            let _ = watcher.observe(&pkg.signals[signals_seen]);
            signals_seen += 1;
        }
        watcher.advance_to(Timestamp(boundary));
        det.advance_to(Timestamp(boundary));
    };
    for (i, r) in pkg.reports.iter().enumerate() {
        while r.time.0 >= boundary {
            advance(&mut det, boundary, &mut events_seen);
            stats.minutes += 1;
            boundary += 60;
        }
        det.observe(r);
        // An outage is shown as soon as the reports so far settle it, not at the minute's end.
        det.alarm_early(r.time);
        if i % 8192 == 0 {
            progress(i, total);
        }
    }
    // Close the minute of the last report and take in the remaining events.
    while boundary <= last.minute().end().0 {
        advance(&mut det, boundary, &mut events_seen);
        stats.minutes += 1;
        boundary += 60;
    }
    let events = &pkg.events[..events_seen];
    let signal_anomalies = watcher.anomalies();

    let topology = &pkg.topology;
    let episodes = det.episodes().to_vec();
    let (book, refused) = fold_events(events, topology);
    let view = product_view(
        &episodes,
        &book,
        events,
        &signal_anomalies,
        topology,
        Timestamp(boundary - 60),
    );
    let outages = detections(&view, topology);
    let declared = book.incidents.len();

    stats.episodes = episodes.len();
    stats.declared = declared;
    stats.counted_reports = det.counted_reports();
    stats.duplicate_reports = det.duplicate_reports();
    stats.late_reports = det.late_reports();
    stats.refused_events = refused;
    stats.signal_anomalies = signal_anomalies.len();
    stats.elapsed = started.elapsed();
    progress(total, total);
    ReplayOutput {
        detections: Detections { outages },
        episodes,
        signal_anomalies,
        view,
        stats,
    }
}

/// Folds the events through the incident rules of the core (the same path as the operator
/// API). Returns the book and the lines the rules refused (index into `events`, reason), e.g.
/// a resolved incident set back to monitoring.
pub fn fold_events(events: &[Event], topology: &Topology) -> (IncidentBook, Vec<(usize, String)>) {
    let mut book = IncidentBook::default();
    let mut refused = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if let Err(err) = book.apply(e, topology) {
            refused.push((i, err.to_string()));
        }
    }
    (book, refused)
}

/// Every failed probe of `events` that is not an isolated flap (both neighbouring checks of
/// its probe passed, [`radar_core::correlate::failures_without_flaps`]): component, region,
/// time.
fn failed_probes(events: &[Event]) -> Vec<(ComponentRef, RegionId, Timestamp)> {
    let checks: Vec<_> = events
        .iter()
        .filter_map(|ev| match ev {
            Event::Probe(p) => Some((
                p.component.resolve(&p.provider),
                p.region.clone(),
                p.time,
                p.ok,
            )),
            _ => None,
        })
        .collect();
    radar_core::correlate::failures_without_flaps(&checks)
}

/// The product view ([`radar_core::view`]) of episodes, the events and the operator-signal
/// anomalies up to `now` — the same function the server answers from.
pub fn product_view(
    episodes: &[Episode],
    book: &IncidentBook,
    events: &[Event],
    signal_anomalies: &[SignalAnomaly],
    topology: &Topology,
    now: Timestamp,
) -> ProductView {
    let incidents: Vec<Incident> = book.incidents.values().cloned().collect();
    let components = view::component_list(&book.components);
    let failed = failed_probes(events);
    view::build(view::Inputs {
        topology,
        episodes,
        incidents: &incidents,
        components: &components,
        failed_probes: &failed,
        signal_anomalies,
        dismissed: &[],
        now,
    })
}

/// The outages of the view as `detections.json` writes them. An outage without any service
/// can match no true outage (the format matches on shared services): such outages (e.g.
/// hotline complaints of a provider without a customer-service service, a third-party notice
/// naming no own component) inform the relations of the others but are not written; a
/// declaration on a component of the provider's own stays even without services, as it may
/// stand for a customer-service outage (see `eval`).
pub fn detections(view: &ProductView, topology: &Topology) -> Vec<Detection> {
    view.outages
        .iter()
        .filter(|o| !o.services.is_empty() || o.components.iter().any(|c| c.provider == o.provider))
        .map(|o| Detection {
            id: o.id.clone(),
            provider: o.provider.clone(),
            services: o.services.clone(),
            regions: Regions::List(o.regions.expand(topology, &o.provider)),
            start: o.start,
            detected_at: o.detected_at,
            end: o.end,
            cause_group: Some(o.cause_group.clone()),
            root_component: o.root.as_ref().map(|c| view::local_name(&o.provider, c)),
            explanation: format!("{} {}", o.summary.en, o.explanation.en),
            declared: o.is_declared(),
            components: o
                .components
                .iter()
                .map(|c| view::local_name(&o.provider, c))
                .collect(),
        })
        .collect()
}

/// Writes detections as pretty JSON.
pub fn to_json(d: &Detections) -> String {
    serde_json::to_string_pretty(d).expect("detections serialise") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::topology_toml;
    use crate::package::Package;

    use radar_core::correlate::{rank_root_causes, IncidentView, Origin};
    use radar_core::{ProviderId, ServiceId};

    fn topo() -> Topology {
        Topology::from_toml("t", &topology_toml()).unwrap()
    }

    /// The product view of episodes and events, at the end of them.
    fn view_of(episodes: &[Episode], events: &[Event], topology: &Topology) -> ProductView {
        let (book, refused) = fold_events(events, topology);
        assert!(refused.is_empty(), "{refused:?}");
        product_view(episodes, &book, events, &[], topology, Timestamp(40 * 3600))
    }

    /// The most likely root component of an episode from the topology alone (the best candidate of
    /// [`rank_root_causes`]), None if no component is a plausible root.
    fn topology_root(
        topology: &Topology,
        provider: &ProviderId,
        services: &[ServiceId],
        technologies: &[String],
    ) -> Option<ComponentRef> {
        if services.is_empty() {
            return None;
        }
        let view = IncidentView {
            id: "root".into(),
            provider: provider.clone(),
            origin: Origin::Detected,
            services: services.to_vec(),
            components: Vec::new(),
            regions: None,
            technologies: technologies.to_vec(),
            problems: Vec::new(),
            start: Timestamp(0),
            end: None,
            failed_probes: Vec::new(),
            signal_anomalies: Vec::new(),
            region_shares: Vec::new(),
        };
        rank_root_causes(&view, topology)
            .into_iter()
            .next()
            .filter(|c| {
                c.reasons
                    .iter()
                    .any(|r| matches!(r, radar_core::correlate::Reason::SharedByAll { .. }))
            })
            .map(|c| c.component)
    }
    fn p(s: &str) -> ProviderId {
        ProviderId::parse(s).unwrap()
    }
    fn svcs(s: &[&str]) -> Vec<ServiceId> {
        s.iter().map(|x| ServiceId::parse(x).unwrap()).collect()
    }
    fn ep(id: u64, provider: &str, services: &[&str], techs: &[&str], start: i64) -> Episode {
        Episode {
            id,
            provider: p(provider),
            services: svcs(services),
            regions: vec![],
            technologies: techs.iter().map(|t| t.to_string()).collect(),
            problems: vec![],
            start: Timestamp(start),
            detected_at: Timestamp(start + 120),
            end: Some(Timestamp(start + 3600)),
            peak_score: 0.9,
            peak_rate: 20.0,
            baseline_rate: 2.0,
            region_shares: Vec::new(),
            served: Vec::new(),
        }
    }

    fn events(lines: &[&str]) -> Vec<Event> {
        lines
            .iter()
            .map(|l| crate::package::parse_event_line(l).unwrap())
            .collect()
    }

    fn eid(n: u64) -> String {
        radar_core::view::episode_id_of(n)
    }

    fn regions_of(v: Vec<RegionId>) -> Vec<String> {
        v.iter().map(|r| r.to_string()).collect()
    }

    const NET_1: &str = r#"{"time":"1970-01-01T10:00:00Z","type":"incident","id":"net-1","provider":"o2-de","category":"network","components":["lte-ran"],"state":"confirmed"}"#;
    const PROBE_HH: &str = r#"{"time":"1970-01-01T10:05:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-HH","ok":false}"#;
    /// The next check of the same probe: a failure is evidence once confirmed.
    const PROBE_HH_AGAIN: &str = r#"{"time":"1970-01-01T10:10:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-HH","ok":false}"#;
    const PROBE_BE_OK: &str = r#"{"time":"1970-01-01T10:06:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BE","ok":true}"#;
    const PROBE_NW_DSL: &str = r#"{"time":"1970-01-01T10:07:00Z","type":"probe","provider":"o2-de","component":"dsl-access","region":"DE-NW","ok":false}"#;

    /// 1&1 says only "an incident at our host network" (no service, no component), two hours
    /// after its customers' reports rose, ten minutes after O2's mobile-data outage began
    /// (O2's probes of its mobile core fail).
    /// The declaration gives correlation nothing to go by, so the outage it makes of 1&1's
    /// episode is related by what that episode shows: O2's core, which 1&1's core runs on.
    #[test]
    fn a_declaration_naming_nothing_is_related_by_the_episodes_it_claims() {
        let t = Topology::from_toml("t", &crate::generate::topology_toml_mvno()).unwrap();
        let host = ep(1, "o2-de", &["mobile-data"], &[], 36_000);
        let mvno = ep(2, "1und1-de", &["mobile-data"], &[], 36_000 + 600);
        const HOST_NOTICE: &str = r#"{"time":"1970-01-01T12:00:00Z","type":"incident","id":"host-1","provider":"1und1-de","category":"third-party","components":[],"state":"identified"}"#;
        const CORE_PROBE: &str = r#"{"time":"1970-01-01T10:05:00Z","type":"probe","provider":"o2-de","component":"mobile-core","region":"DE-BY","ok":false}"#;
        const CORE_PROBE_AGAIN: &str = r#"{"time":"1970-01-01T10:10:00Z","type":"probe","provider":"o2-de","component":"mobile-core","region":"DE-BY","ok":false}"#;
        let ev = events(&[CORE_PROBE, CORE_PROBE_AGAIN, HOST_NOTICE]);
        let v = view_of(&[host.clone(), mvno.clone()], &ev, &t);
        let notice = v.outage("host-1").expect("the declaration is an outage");
        assert_eq!(notice.aliases, [radar_core::view::episode_id(&mvno)]);
        let o2 = v.outage(&radar_core::view::episode_id(&host)).unwrap();
        assert_eq!(notice.cause_group, o2.cause_group, "{:#?}", v.outages);
        assert_eq!(
            notice.root.as_ref().map(|c| c.to_string()).as_deref(),
            Some("o2-de:mobile-core")
        );
    }

    #[test]
    fn a_declaration_claims_only_episodes_most_of_whose_services_need_what_it_names() {
        let t = topo();
        const VOICE: &str = r#"{"time":"1970-01-01T10:05:00Z","type":"incident","id":"voice-1","provider":"o2-de","category":"network","components":["voice-core"],"state":"identified"}"#;
        // Calls fail everywhere from 10:00; at 10:10 a cut in Bayern takes data, calls and DSL
        // there. Calls need the voice core, but data and DSL do not: the cut is another fault.
        let calls = ep(1, "o2-de", &["mobile-voice"], &[], 36_000);
        let mut cut = ep(
            2,
            "o2-de",
            &["mobile-data", "mobile-voice", "dsl"],
            &[],
            36_600,
        );
        cut.regions = vec![RegionId::parse("DE-BY").unwrap()];
        let v = view_of(&[calls, cut.clone()], &events(&[VOICE]), &t);
        let voice = v.outage("voice-1").expect("the declaration is an outage");
        assert_eq!(voice.aliases, [eid(1)], "{:#?}", v.outages);
        let own = v.outage(&eid(2)).expect("the cut is an outage of its own");
        assert_eq!(own.id, eid(2));
        assert_eq!(regions_of(own.regions.expand(&t, &own.provider)), ["DE-BY"]);
        assert!(!voice.services.iter().any(|s| s.as_str() == "dsl"));
        // An episode of calls in Bayern alone is the declared fault's.
        let mut calls_by = cut;
        calls_by.services = svcs(&["mobile-voice", "customer-service"]);
        let v = view_of(&[calls_by], &events(&[VOICE]), &t);
        assert_eq!(v.outage("voice-1").unwrap().aliases, [eid(2)]);
    }

    #[test]
    fn a_declared_incident_and_its_episode_are_one_outage_with_the_episodes_and_probed_regions() {
        let t = topo();
        let ev = events(&[NET_1, PROBE_HH, PROBE_BE_OK, PROBE_NW_DSL, PROBE_HH_AGAIN]);
        let mut e = ep(1, "o2-de", &["mobile-data"], &["lte"], 36_000 - 600);
        e.regions = vec![RegionId::parse("DE-BY").unwrap()];
        let v = view_of(&[e.clone()], &ev, &t);
        assert_eq!(v.outages.len(), 1, "{:#?}", v.outages);
        let o = &v.outages[0];
        assert_eq!(o.id, "net-1");
        assert_eq!(o.aliases, [eid(1)]);
        assert!(std::ptr::eq(v.outage(&eid(1)).unwrap(), o));
        // The detected onset and detection time; the operator's lifecycle.
        assert_eq!(o.start, e.start);
        assert_eq!(o.detected_at, e.detected_at);
        assert_eq!(o.end, None, "open until the operator resolves it");
        // The episode's region, and where a probe of a component it needs (LTE radio) failed
        // during it; the failed DSL probe in DE-NW is of a component it does not need.
        assert_eq!(
            regions_of(o.regions.expand(&t, &o.provider)),
            ["DE-BY", "DE-HH"]
        );
        // A national episode: every region of the provider's country.
        let mut national = e.clone();
        national.regions.clear();
        let v = view_of(&[national], &ev, &t);
        assert!(v.outages[0].regions.is_all());
    }

    #[test]
    fn a_declared_incident_without_episodes_is_where_its_probes_failed_else_everywhere() {
        let t = topo();
        let v = view_of(
            &[],
            &events(&[NET_1, PROBE_HH, PROBE_BE_OK, PROBE_NW_DSL]),
            &t,
        );
        let o = v.outage("net-1").unwrap();
        assert_eq!(regions_of(o.regions.expand(&t, &o.provider)), ["DE-HH"]);
        let v = view_of(&[], &events(&[NET_1]), &t);
        assert_eq!(
            v.outage("net-1").unwrap().regions.expand(&t, &p("o2-de")),
            t.provider_regions("o2-de")
        );
    }

    #[test]
    fn resolving_the_declaration_ends_the_outage_and_the_headline() {
        let t = topo();
        let resolved = r#"{"time":"1970-01-01T12:00:00Z","type":"incident","id":"net-1","provider":"o2-de","category":"network","components":["lte-ran"],"state":"resolved"}"#;
        let mut e = ep(1, "o2-de", &["mobile-data"], &["lte"], 36_000 - 600);
        e.end = None; // reports still decaying
        let open = view_of(&[e.clone()], &events(&[NET_1]), &t);
        let h = open.provider(&p("o2-de")).unwrap();
        assert_eq!(h.open, ["net-1"]);
        assert!(h.level > view::Level::Operational);
        let v = view_of(&[e], &events(&[NET_1, resolved]), &t);
        assert_eq!(v.outages.len(), 1);
        assert_eq!(v.outages[0].end, Some(Timestamp(12 * 3600)));
        let h = v.provider(&p("o2-de")).unwrap();
        assert!(h.open.is_empty(), "{h:?}");
        assert_eq!(h.level, view::Level::Operational);
    }

    #[test]
    fn outages_without_services_are_not_written() {
        let t = topo();
        let pkg = Package {
            dir: "mem".into(),
            topology: t,
            reports: Vec::new(),
            events: events(&[
                r#"{"time":"1970-01-01T10:00:00Z","type":"incident","id":"tp-1","provider":"o2-de","category":"third-party","components":[],"state":"identified"}"#,
                r#"{"time":"1970-01-01T10:01:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm"],"state":"identified"}"#,
            ]),
            signals: Vec::new(),
        };
        let out = replay(&pkg);
        let ids: Vec<&str> = out
            .detections
            .outages
            .iter()
            .map(|o| o.id.as_str())
            .collect();
        assert_eq!(ids, ["sec-1"]);
        assert_eq!(out.stats.declared, 2);
        // Both are in the view all the same, and the CRM shutdown is a customer-service
        // problem of the provider.
        assert_eq!(out.view.outages.len(), 2);
        let h = out.view.provider(&p("o2-de")).unwrap();
        assert_eq!(h.affected, svcs(&["customer-service"]));
    }

    #[test]
    fn topology_roots() {
        let t = topo();
        let root = |s: &[&str], tech: &[&str]| {
            topology_root(
                &t,
                &p("o2-de"),
                &svcs(s),
                &tech.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            )
            .map(|c| c.to_string())
        };
        assert_eq!(
            root(&["mobile-data", "mobile-voice"], &["lte", "umts", "gsm"]).as_deref(),
            Some("o2-de:mobile-core")
        );
        assert_eq!(
            root(&["mobile-data"], &["lte"]).as_deref(),
            Some("o2-de:lte-ran")
        );
        assert_eq!(
            root(&["mobile-data", "mobile-voice", "dsl"], &[]).as_deref(),
            Some("o2-de:ip-backbone")
        );
        assert_eq!(
            root(&["dsl"], &["dsl"]).as_deref(),
            Some("o2-de:dsl-access")
        );
        assert_eq!(
            root(&["customer-service"], &[]).as_deref(),
            Some("o2-de:crm")
        );
        assert_eq!(root(&[], &[]), None);
        // Customer-service reports within a network outage are its call surge: the root is
        // the network's.
        assert_eq!(
            root(&["mobile-data", "customer-service"], &["lte"]).as_deref(),
            Some("o2-de:lte-ran")
        );
    }

    #[test]
    fn spill_over_joins_the_online_service_cause() {
        let t = topo();
        let eps = vec![
            ep(1, "whatsapp", &["messaging"], &[], 36_000),
            ep(
                2,
                "o2-de",
                &["mobile-data"],
                &["lte", "umts", "gsm"],
                36_180,
            ),
            ep(3, "vodafone-de", &["dsl"], &["dsl"], 36_000 + 3 * 3600),
        ];
        let v = view_of(&eps, &[], &t);
        let o = |id: &str| v.outage(id).unwrap();
        assert_eq!(o(&eid(1)).cause_group, o(&eid(2)).cause_group);
        assert_ne!(o(&eid(1)).cause_group, o(&eid(3)).cause_group);
        let root = |id: &str| o(id).root.as_ref().map(|c| c.to_string());
        assert_eq!(root(&eid(1)).as_deref(), Some("whatsapp:messaging"));
        assert_eq!(root(&eid(2)).as_deref(), Some("whatsapp:messaging"));
        assert!(
            o(&eid(2)).explanation.en.contains("spill-over"),
            "{}",
            o(&eid(2)).explanation.en
        );
        assert_eq!(root(&eid(3)).as_deref(), Some("vodafone-de:dsl-access"));
    }

    #[test]
    fn probes_name_the_root_and_incidents_group() {
        let t = topo();
        let ev = events(&[
            r#"{"time":"1970-01-01T10:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm"],"state":"identified"}"#,
            r#"{"time":"1970-01-01T10:05:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false}"#,
            r#"{"time":"1970-01-01T10:10:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false}"#,
        ]);
        let eps = vec![
            ep(1, "o2-de", &["mobile-data", "mobile-voice"], &[], 36_000),
            ep(2, "o2-de", &["customer-service"], &[], 36_000 + 7200),
        ];
        let v = view_of(&eps, &ev, &t);
        let net = v.outage(&eid(1)).unwrap();
        assert_eq!(
            net.root.as_ref().map(|c| c.to_string()).as_deref(),
            Some("o2-de:lte-ran")
        );
        assert!(
            net.explanation.en.contains("probes failed in Bayern"),
            "{}",
            net.explanation.en
        );
        assert!(
            net.explanation.en.contains("Unrelated"),
            "{}",
            net.explanation.en
        );
        // The hotline episode after the network outage belongs to the CRM shutdown: one
        // outage, the declared one.
        let crm = v.outage(&eid(2)).unwrap();
        assert_eq!(crm.id, "sec-1");
        assert_eq!(
            crm.root.as_ref().map(|c| c.to_string()).as_deref(),
            Some("o2-de:crm")
        );
        assert_ne!(net.cause_group, crm.cause_group);
        assert_eq!(crm.end, None);
        assert_eq!(
            v.relation(&eid(1), "sec-1", &t).unwrap().verdict,
            radar_core::correlate::Verdict::Unrelated
        );
        assert!(v.relation(&eid(2), "sec-1", &t).is_err(), "one outage");
    }
}
