//! `radar replay`: feeds a scenario package through the detector in virtual time and turns its
//! episodes and the declared incidents of `events.jsonl` into `detections.json`.
//!
//! Reports are fed in time order. Before the first report of a new minute, every minute
//! boundary up to it is passed to [`Detector::advance_to`] (also through gaps without data), and
//! the events of `events.jsonl` are taken in up to the same boundary. Nothing is read ahead: a
//! decision at virtual time t uses only reports and events with time ≤ t. The detections are
//! the product's view at the end of the replay.
//!
//! Relations, cause groups and root components come from the core's correlation engine
//! ([`radar_core::correlate`]): every episode and declared incident becomes an
//! [`IncidentView`], and [`correlate`] turns the engine's groups into verdicts.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use radar_core::correlate::{self, IncidentView, Origin};
use radar_core::detect::{Detector, DetectorConfig, Episode};
use radar_core::event::{Event, IncidentCategory, IncidentId, IncidentState};
use radar_core::incident::IncidentBook;
use radar_core::topology::{ComponentRef, Topology};
use radar_core::{ProviderId, RegionId, ServiceId, Timestamp};

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
    pub stats: ReplayStats,
}

/// An operator-declared incident, folded from its `incident` lines.
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredIncident {
    pub id: String,
    pub provider: ProviderId,
    pub category: IncidentCategory,
    pub components: Vec<ComponentRef>,
    pub state: IncidentState,
    pub title: Option<String>,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

/// The product's verdict on one episode: its cause group, root component and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub cause_group: String,
    pub root_component: Option<String>,
    pub explanation: String,
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
        .min();
    let last = pkg
        .reports
        .last()
        .map(|r| r.time)
        .into_iter()
        .chain(pkg.events.last().map(|e| e.time()))
        .max();
    let mut stats = ReplayStats {
        reports: total,
        events: pkg.events.len(),
        ..ReplayStats::default()
    };
    let (Some(first), Some(last)) = (first, last) else {
        progress(0, 0);
        return ReplayOutput {
            detections: Detections::default(),
            episodes: Vec::new(),
            stats,
        };
    };

    let mut events_seen = 0usize;
    let mut boundary = (first.minute() + 1) * 60;
    let advance = |det: &mut Detector, boundary: i64, events_seen: &mut usize| {
        while *events_seen < pkg.events.len() && pkg.events[*events_seen].time().0 <= boundary {
            if let Event::Incident(inc) = &pkg.events[*events_seen] {
                det.declare_incident(inc, &pkg.topology);
            }
            *events_seen += 1;
        }
        det.advance_to(Timestamp(boundary));
    };
    for (i, r) in pkg.reports.iter().enumerate() {
        while r.time.0 >= boundary {
            advance(&mut det, boundary, &mut events_seen);
            stats.minutes += 1;
            boundary += 60;
        }
        det.observe(r);
        if i % 8192 == 0 {
            progress(i, total);
        }
    }
    // Close the minute of the last report and take in the remaining events.
    while boundary <= (last.minute() + 1) * 60 {
        advance(&mut det, boundary, &mut events_seen);
        stats.minutes += 1;
        boundary += 60;
    }
    let events = &pkg.events[..events_seen];

    let topology = &pkg.topology;
    let episodes = det.episodes().to_vec();
    let (declared, refused) = fold_events(events, topology);
    let (verdicts, declared_verdicts) = correlate_with(&episodes, &declared, events, topology);

    // An outage without any service can match no true outage (the format matches on shared
    // services): such episodes (e.g. hotline complaints of a provider without a
    // customer-service service) and declarations that name no component of the provider's own
    // (e.g. a third-party notice) inform the relations of the others but are not written.
    let mut outages = Vec::new();
    for (e, v) in episodes.iter().zip(&verdicts) {
        if e.services.is_empty() {
            continue;
        }
        let regions = if e.regions.is_empty() {
            topology.provider_regions(e.provider.as_str())
        } else {
            e.regions.clone()
        };
        outages.push(Detection {
            id: format!("ep-{}", e.id),
            provider: e.provider.clone(),
            services: e.services.clone(),
            regions: Regions::List(regions),
            start: e.start,
            detected_at: e.detected_at,
            end: e.end,
            cause_group: Some(v.cause_group.clone()),
            root_component: local_name(&e.provider, v.root_component.as_deref()),
            explanation: v.explanation.clone(),
            declared: false,
            components: Vec::new(),
        });
    }
    for (d, v) in declared.iter().zip(&declared_verdicts) {
        let comps: Vec<String> = d
            .components
            .iter()
            .filter_map(|c| local_name(&d.provider, Some(&c.to_string())))
            .collect();
        let services = services_depending_on(topology, &d.provider, &d.components);
        // A declaration on an own component stays even without services: it may stand for a
        // customer-service outage (see `eval`).
        if services.is_empty() && !d.components.iter().any(|c| c.provider == d.provider) {
            continue;
        }
        let regions = declared_regions(d, &v.cause_group, &episodes, &verdicts, events, topology);
        let mut explanation = format!(
            "Declared by {} as a {} incident ({}), state {}",
            d.provider, d.category, d.id, d.state
        );
        if let Some(t) = &d.title {
            explanation.push_str(&format!(": {t}"));
        }
        if !comps.is_empty() {
            explanation.push_str(&format!("; components: {}", comps.join(", ")));
        }
        explanation.push_str(". ");
        explanation.push_str(&v.explanation);
        outages.push(Detection {
            id: format!("incident-{}", d.id),
            provider: d.provider.clone(),
            services,
            regions: Regions::List(regions),
            start: d.start,
            detected_at: d.start,
            end: d.end,
            cause_group: Some(v.cause_group.clone()),
            root_component: local_name(&d.provider, v.root_component.as_deref()),
            explanation,
            declared: true,
            components: comps,
        });
    }

    stats.episodes = episodes.len();
    stats.declared = declared.len();
    stats.counted_reports = det.counted_reports();
    stats.duplicate_reports = det.duplicate_reports();
    stats.late_reports = det.late_reports();
    stats.refused_events = refused;
    stats.elapsed = started.elapsed();
    progress(total, total);
    ReplayOutput {
        detections: Detections { outages },
        episodes,
        stats,
    }
}

/// Where a declared incident is felt. The operator's declaration names no regions, so: the
/// regions of the detected episodes of the same provider that the correlation put in its cause
/// group and that overlap it in time; else the regions where probes of its components failed
/// while it was open; else all regions of the provider's country.
fn declared_regions(
    d: &DeclaredIncident,
    group: &str,
    episodes: &[Episode],
    verdicts: &[Verdict],
    events: &[Event],
    topology: &Topology,
) -> Vec<RegionId> {
    let all = || topology.provider_regions(d.provider.as_str());
    let end = d.end.map_or(i64::MAX, |t| t.0);
    let linked: Vec<&Episode> = episodes
        .iter()
        .zip(verdicts)
        .filter(|(e, v)| {
            v.cause_group == group
                && e.provider == d.provider
                && !e.services.is_empty()
                && e.start.0 <= end
                && e.end.is_none_or(|t| t >= d.start)
        })
        .map(|(e, _)| e)
        .collect();
    if !linked.is_empty() {
        if linked.iter().any(|e| e.regions.is_empty()) {
            return all();
        }
        let set: BTreeSet<RegionId> = linked.iter().flat_map(|e| e.regions.clone()).collect();
        return set.into_iter().collect();
    }
    let probed: BTreeSet<RegionId> = events
        .iter()
        .filter_map(|ev| match ev {
            Event::Probe(p) if !p.ok && p.provider == d.provider => Some(p),
            _ => None,
        })
        .filter(|p| p.time.0 >= d.start.0 - 600 && p.time.0 <= end)
        .filter(|p| d.components.contains(&p.component.resolve(&p.provider)))
        .map(|p| p.region.clone())
        .collect();
    if probed.is_empty() {
        all()
    } else {
        probed.into_iter().collect()
    }
}

/// Services (of any provider) whose dependency closure contains one of `components`; for a
/// provider's own components, its own services come first.
fn services_depending_on(
    topology: &Topology,
    provider: &ProviderId,
    components: &[ComponentRef],
) -> Vec<ServiceId> {
    let wanted: BTreeSet<&ComponentRef> = components.iter().collect();
    topology
        .services
        .iter()
        .filter(|s| &s.provider == provider)
        .filter(|s| {
            topology
                .service_closure(s)
                .iter()
                .any(|c| wanted.contains(c))
        })
        .map(|s| s.id.clone())
        .collect()
}

/// Folds the `incident` lines into incidents (first line = start, `resolved` = end).
pub fn declared_incidents(events: &[Event], topology: &Topology) -> Vec<DeclaredIncident> {
    fold_events(events, topology).0
}

/// Folds the events through the incident rules of the core (the same path as the operator
/// API). Returns the incidents in order of declaration and the lines the rules refused (index
/// into `events`, reason), e.g. a resolved incident set back to monitoring.
pub fn fold_events(
    events: &[Event],
    topology: &Topology,
) -> (Vec<DeclaredIncident>, Vec<(usize, String)>) {
    let mut book = IncidentBook::default();
    let mut order: Vec<IncidentId> = Vec::new();
    let mut refused = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if let Event::Incident(inc) = e {
            if !order.contains(&inc.id) {
                order.push(inc.id.clone());
            }
        }
        if let Err(err) = book.apply(e, topology) {
            refused.push((i, err.to_string()));
        }
    }
    let incidents = order
        .iter()
        .filter_map(|id| book.incidents.get(id))
        .map(|inc| DeclaredIncident {
            id: inc.id.as_str().to_owned(),
            provider: inc.provider.clone(),
            category: inc.category,
            components: inc.components.clone(),
            state: inc.state,
            title: inc.title.get("en").map(str::to_owned),
            start: inc.start,
            end: inc.end,
        })
        .collect();
    (incidents, refused)
}

/// Every failed probe of `events`: component, region, time.
fn failed_probes(events: &[Event]) -> Vec<(ComponentRef, RegionId, Timestamp)> {
    events
        .iter()
        .filter_map(|ev| match ev {
            Event::Probe(p) if !p.ok => {
                Some((p.component.resolve(&p.provider), p.region.clone(), p.time))
            }
            _ => None,
        })
        .collect()
}

/// The correlation view of a detector episode: its scope, problems (equal shares) and the
/// failed probes of components its services need, in its regions (any region when it is
/// national), from ten minutes before its onset to its end (or to `now` while open).
fn episode_view(
    e: &Episode,
    failed: &[(ComponentRef, RegionId, Timestamp)],
    topology: &Topology,
    now: Timestamp,
) -> IncidentView {
    let mut view = IncidentView::detected(format!("ep-{}", e.id), e);
    view.attach_failed_probes(failed, topology, now);
    view
}

/// The correlation view of a declared incident.
fn declared_view(d: &DeclaredIncident, topology: &Topology) -> IncidentView {
    IncidentView {
        id: format!("incident-{}", d.id),
        provider: d.provider.clone(),
        origin: Origin::Declared {
            category: d.category,
            cause: None,
        },
        services: services_depending_on(topology, &d.provider, &d.components),
        components: d.components.clone(),
        regions: None,
        technologies: Vec::new(),
        problems: Vec::new(),
        start: d.start,
        end: d.end,
        failed_probes: Vec::new(),
    }
}

/// Verdicts for the episodes and for the declared incidents, from the correlation engine
/// ([`radar_core::correlate::group`]) over both. `events` must hold only events up to the
/// present.
pub fn correlate(
    episodes: &[Episode],
    events: &[Event],
    topology: &Topology,
) -> (Vec<Verdict>, Vec<Verdict>) {
    correlate_with(
        episodes,
        &declared_incidents(events, topology),
        events,
        topology,
    )
}

/// [`correlate`] with the declared incidents already folded from `events`.
fn correlate_with(
    episodes: &[Episode],
    declared: &[DeclaredIncident],
    events: &[Event],
    topology: &Topology,
) -> (Vec<Verdict>, Vec<Verdict>) {
    let now = events
        .last()
        .map(|e| e.time())
        .into_iter()
        .chain(episodes.iter().map(|e| e.end.unwrap_or(e.detected_at)))
        .max()
        .unwrap_or(Timestamp(0));
    let failed = failed_probes(events);
    let mut views: Vec<IncidentView> = episodes
        .iter()
        .map(|e| episode_view(e, &failed, topology, now))
        .collect();
    views.extend(declared.iter().map(|d| declared_view(d, topology)));
    let groups = correlate::group(&views, topology);
    let mut out: Vec<Verdict> = groups
        .into_iter()
        .map(|a| Verdict {
            cause_group: a.group,
            root_component: a.root.map(|c| c.to_string()),
            explanation: a.explanation.en,
        })
        .collect();
    let dec = out.split_off(episodes.len());
    for (v, e) in out.iter_mut().zip(episodes) {
        v.explanation = format!("{}. {}", describe(e), v.explanation);
    }
    (out, dec)
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One sentence on what the detector saw.
fn describe(e: &Episode) -> String {
    let mut s = format!(
        "{} reports rose to {:.0}/min against a baseline of {:.1}/min (score {:.2}) from {}",
        e.provider, e.peak_rate, e.baseline_rate, e.peak_score, e.start
    );
    if !e.services.is_empty() {
        s.push_str(&format!("; services: {}", join(&e.services)));
    }
    if !e.technologies.is_empty() {
        s.push_str(&format!("; technologies: {}", e.technologies.join(", ")));
    }
    if e.regions.is_empty() {
        s.push_str("; no single region stands out (nationwide)");
    } else {
        s.push_str(&format!("; regions: {}", join(&e.regions)));
    }
    if !e.problems.is_empty() {
        s.push_str(&format!("; problems: {}", join(&e.problems)));
    }
    s
}

/// Writes detections as pretty JSON.
pub fn to_json(d: &Detections) -> String {
    serde_json::to_string_pretty(d).expect("detections serialise") + "\n"
}

/// A component as `topology.toml` and `truth.json` write it: its bare id when it belongs to
/// `provider`, `provider:component` when it belongs to another provider.
fn local_name(provider: &ProviderId, component: Option<&str>) -> Option<String> {
    let c = component?;
    Some(
        c.strip_prefix(provider.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or(c)
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::topology_toml;

    use radar_core::correlate::rank_root_causes;

    fn topo() -> Topology {
        Topology::from_toml("t", &topology_toml()).unwrap()
    }

    /// The verdicts of the episodes alone.
    fn group(episodes: &[Episode], events: &[Event], topology: &Topology) -> Vec<Verdict> {
        correlate(episodes, events, topology).0
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
        }
    }

    fn events(lines: &[&str]) -> Vec<Event> {
        lines
            .iter()
            .map(|l| crate::package::parse_event_line(l).unwrap())
            .collect()
    }

    fn regions_of(v: Vec<RegionId>) -> Vec<String> {
        v.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn declared_incidents_take_regions_from_their_episodes_then_probes() {
        let t = topo();
        let ev = events(&[
            r#"{"time":"1970-01-01T10:00:00Z","type":"incident","id":"net-1","provider":"o2-de","category":"network","components":["lte-ran"],"state":"confirmed"}"#,
            r#"{"time":"1970-01-01T10:05:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-HH","ok":false}"#,
            r#"{"time":"1970-01-01T10:06:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BE","ok":true}"#,
            r#"{"time":"1970-01-01T10:07:00Z","type":"probe","provider":"o2-de","component":"dsl-access","region":"DE-NW","ok":false}"#,
        ]);
        let d = &declared_incidents(&ev, &t)[0];
        let mut e = ep(1, "o2-de", &["mobile-data"], &["lte"], 36_000);
        e.regions = vec![RegionId::parse("DE-BY").unwrap()];
        let v = |group: &str| Verdict {
            cause_group: group.into(),
            root_component: None,
            explanation: String::new(),
        };
        // In its cause group and overlapping in time: the episode's regions.
        let r = declared_regions(d, "g1", &[e.clone()], &[v("g1")], &ev, &t);
        assert_eq!(regions_of(r), ["DE-BY"]);
        // A national episode: every region of the provider's country.
        let mut national = e.clone();
        national.regions.clear();
        let r = declared_regions(d, "g1", &[national], &[v("g1")], &ev, &t);
        assert_eq!(r, t.provider_regions("o2-de"));
        // Not linked: where probes of its own components failed.
        let r = declared_regions(d, "g1", &[e], &[v("g2")], &ev, &t);
        assert_eq!(regions_of(r), ["DE-HH"]);
        // Nothing to go by: all regions.
        let r = declared_regions(d, "g1", &[], &[], &ev[..1], &t);
        assert_eq!(r, t.provider_regions("o2-de"));
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
        };
        let out = replay(&pkg);
        let ids: Vec<&str> = out
            .detections
            .outages
            .iter()
            .map(|o| o.id.as_str())
            .collect();
        assert_eq!(ids, ["incident-sec-1"]);
        assert_eq!(out.stats.declared, 2);
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
        let v = group(&eps, &[], &t);
        assert_eq!(v[0].cause_group, v[1].cause_group);
        assert_ne!(v[0].cause_group, v[2].cause_group);
        assert_eq!(v[0].root_component.as_deref(), Some("whatsapp:messaging"));
        assert_eq!(v[1].root_component.as_deref(), Some("whatsapp:messaging"));
        assert!(
            v[1].explanation.contains("spill-over"),
            "{}",
            v[1].explanation
        );
        assert_eq!(
            v[2].root_component.as_deref(),
            Some("vodafone-de:dsl-access")
        );
    }

    #[test]
    fn probes_name_the_root_and_incidents_group() {
        let t = topo();
        let lines = [
            r#"{"time":"1970-01-01T10:00:00Z","type":"incident","id":"sec-1","provider":"o2-de","category":"security","components":["crm"],"state":"identified"}"#,
            r#"{"time":"1970-01-01T10:05:00Z","type":"probe","provider":"o2-de","component":"lte-ran","region":"DE-BY","ok":false}"#,
        ];
        let events: Vec<Event> = lines
            .iter()
            .map(|l| crate::package::parse_event_line(l).unwrap())
            .collect();
        let eps = vec![
            ep(1, "o2-de", &["mobile-data", "mobile-voice"], &[], 36_000),
            ep(2, "o2-de", &["customer-service"], &[], 36_000 + 7200),
        ];
        let (v, dv) = correlate(&eps, &events, &t);
        assert_eq!(v[0].root_component.as_deref(), Some("o2-de:lte-ran"));
        assert!(
            v[0].explanation.contains("probes failed in DE-BY"),
            "{}",
            v[0].explanation
        );
        // The hotline episode after the network outage belongs to the CRM shutdown.
        assert_eq!(v[1].cause_group, dv[0].cause_group);
        assert_eq!(v[1].root_component.as_deref(), Some("o2-de:crm"));
        assert_ne!(v[0].cause_group, v[1].cause_group);
        assert!(
            v[0].explanation.contains("Unrelated"),
            "{}",
            v[0].explanation
        );
        let d = declared_incidents(&events, &t);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].end, None);
    }
}
