//! `radar replay`: feeds a scenario package through the detector in virtual time and turns its
//! episodes and the declared incidents of `events.jsonl` into `detections.json`.
//!
//! Reports are fed in time order. Before the first report of a new minute, every minute
//! boundary up to it is passed to [`Detector::advance_to`] (also through gaps without data), and
//! the events of `events.jsonl` are taken in up to the same boundary. Nothing is read ahead: a
//! decision at virtual time t uses only reports and events with time ≤ t. The detections are
//! the product's view at the end of the replay.
//!
//! Relations and root causes come from [`group`], a rule-based first step: the place where a
//! correlation engine plugs in.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use radar_core::detect::{Detector, DetectorConfig, Episode};
use radar_core::event::{Event, IncidentCategory, IncidentState};
use radar_core::topology::{ComponentRef, ProviderKind, Topology};
use radar_core::{ProviderId, ServiceId, Timestamp};

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

    let episodes = det.episodes().to_vec();
    let verdicts = group(&episodes, events, &pkg.topology);
    let declared = declared_incidents(events, &pkg.topology);
    let all_regions: Vec<_> = pkg.topology.regions.iter().map(|r| r.id.clone()).collect();

    let mut outages = Vec::new();
    for (e, v) in episodes.iter().zip(&verdicts) {
        let regions = if e.regions.is_empty() {
            all_regions.clone()
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
            root_component: v.root_component.clone(),
            explanation: v.explanation.clone(),
            declared: false,
            components: Vec::new(),
        });
    }
    for d in &declared {
        let comps: Vec<String> = d.components.iter().map(|c| c.to_string()).collect();
        let services = services_depending_on(&pkg.topology, &d.provider, &d.components);
        let root = match d.components.as_slice() {
            [one] => Some(one.to_string()),
            _ => None,
        };
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
        explanation.push('.');
        outages.push(Detection {
            id: format!("incident-{}", d.id),
            provider: d.provider.clone(),
            services,
            regions: Regions::List(all_regions.clone()),
            start: d.start,
            detected_at: d.start,
            end: d.end,
            cause_group: Some(format!("incident:{}", d.id)),
            root_component: root,
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
    stats.elapsed = started.elapsed();
    progress(total, total);
    ReplayOutput {
        detections: Detections { outages },
        episodes,
        stats,
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
    let mut by_id: BTreeMap<String, DeclaredIncident> = BTreeMap::new();
    let mut order = Vec::new();
    for e in events {
        let Event::Incident(inc) = e else { continue };
        let comps: Vec<ComponentRef> = inc
            .components
            .iter()
            .map(|c| c.resolve(&inc.provider))
            .filter(|c| topology.component(c).is_some())
            .collect();
        let entry = by_id.entry(inc.id.as_str().to_owned()).or_insert_with(|| {
            order.push(inc.id.as_str().to_owned());
            DeclaredIncident {
                id: inc.id.as_str().to_owned(),
                provider: inc.provider.clone(),
                category: inc.category,
                components: Vec::new(),
                state: inc.state,
                title: None,
                start: inc.time,
                end: None,
            }
        });
        for c in comps {
            if !entry.components.contains(&c) {
                entry.components.push(c);
            }
        }
        entry.category = inc.category;
        entry.state = inc.state;
        if let Some(t) = &inc.title {
            entry.title = t.get("en").map(str::to_owned);
        }
        entry.end = (inc.state == IncidentState::Resolved).then_some(inc.time);
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect()
}

/// Services of the provider that depend on `c` (directly or transitively).
fn dependents(topology: &Topology, c: &ComponentRef) -> BTreeSet<ServiceId> {
    topology
        .services_of(c.provider.as_str())
        .filter(|s| topology.service_closure(s).contains(c))
        .map(|s| s.id.clone())
        .collect()
}

/// Among `cands`, the one every other candidate depends on, if there is exactly one.
fn deepest(topology: &Topology, cands: &[ComponentRef]) -> Option<ComponentRef> {
    if cands.len() == 1 {
        return Some(cands[0].clone());
    }
    let under_all: Vec<&ComponentRef> = cands
        .iter()
        .filter(|c| {
            cands.iter().all(|o| {
                o == *c
                    || topology
                        .closure(std::slice::from_ref(o))
                        .iter()
                        .any(|x| x == *c)
            })
        })
        .collect();
    match under_all.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// The most likely root component of an episode from the topology alone: a component whose
/// dependent services are exactly the affected ones (narrowed to the affected technologies when
/// the detector could tell them apart), the deepest of them if several; None if ambiguous.
pub fn topology_root(
    topology: &Topology,
    provider: &ProviderId,
    services: &[ServiceId],
    technologies: &[String],
) -> Option<ComponentRef> {
    if services.is_empty() {
        return None;
    }
    let svc: Vec<_> = services
        .iter()
        .filter_map(|s| topology.service(provider.as_str(), s.as_str()))
        .collect();
    if svc.is_empty() {
        return None;
    }
    // Components every affected service needs.
    let mut common: Option<BTreeSet<ComponentRef>> = None;
    for s in &svc {
        let c: BTreeSet<ComponentRef> = topology.service_closure(s).into_iter().collect();
        common = Some(match common {
            None => c,
            Some(prev) => prev.intersection(&c).cloned().collect(),
        });
    }
    let common: Vec<ComponentRef> = common.unwrap_or_default().into_iter().collect();
    let all_techs: BTreeSet<&String> = svc.iter().flat_map(|s| s.technologies.iter()).collect();
    let narrowed = !technologies.is_empty() && technologies.len() < all_techs.len();
    if narrowed {
        let by_tech: Vec<ComponentRef> = common
            .iter()
            .filter(|c| {
                topology
                    .component(c)
                    .and_then(|c| c.technology.as_ref())
                    .is_some_and(|t| technologies.contains(t))
            })
            .cloned()
            .collect();
        if let Some(c) = deepest(topology, &by_tech) {
            return Some(c);
        }
    }
    let want: BTreeSet<ServiceId> = svc.iter().map(|s| s.id.clone()).collect();
    let exact: Vec<ComponentRef> = common
        .iter()
        .filter(|c| c.provider == *provider && dependents(topology, c) == want)
        .cloned()
        .collect();
    deepest(topology, &exact)
}

/// How far apart the onsets of two episodes may be to count as one cause.
const SPILL_WINDOW_SECS: i64 = 15 * 60;

/// Groups episodes into causes and names a root component for each, from the topology, probe
/// results and declared incidents (`events` must hold only events up to the present). One
/// verdict per episode, in order.
///
/// Rules, in order: (1) failed probes of a component that the episode's services depend on,
/// during the episode, name the root; else [`topology_root`]. (2) Episodes of one provider
/// starting within 15 minutes of each other are one cause. (3) A telecom episode starting
/// within 15 minutes after an online service's episode is spill-over: the same cause, with the
/// online service's root. (4) An episode on services that depend on a component of a declared
/// incident of the same provider, overlapping it in time, belongs to that incident.
/// Everything else is its own cause.
pub fn group(episodes: &[Episode], events: &[Event], topology: &Topology) -> Vec<Verdict> {
    let n = episodes.len();
    let now = events
        .last()
        .map(|e| e.time())
        .unwrap_or(Timestamp(i64::MAX));
    let ep_end = |e: &Episode| e.end.unwrap_or(now);

    // (1) roots.
    let mut roots: Vec<Option<ComponentRef>> = Vec::with_capacity(n);
    let mut why: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut by_probe: Vec<bool> = vec![false; n];
    for (i, e) in episodes.iter().enumerate() {
        let needed: BTreeSet<ComponentRef> = e
            .services
            .iter()
            .filter_map(|s| topology.service(e.provider.as_str(), s.as_str()))
            .flat_map(|s| topology.service_closure(s))
            .collect();
        let mut failed: Vec<ComponentRef> = Vec::new();
        let mut failed_regions: BTreeSet<String> = BTreeSet::new();
        for ev in events {
            let Event::Probe(p) = ev else { continue };
            if p.ok || p.provider != e.provider {
                continue;
            }
            if p.time.0 < e.start.0 - 600 || p.time > ep_end(e) {
                continue;
            }
            let c = p.component.resolve(&p.provider);
            if needed.contains(&c) {
                failed_regions.insert(p.region.to_string());
                if !failed.contains(&c) {
                    failed.push(c);
                }
            }
        }
        let probe_root = deepest(topology, &failed).or_else(|| failed.first().cloned());
        match probe_root {
            Some(c) => {
                by_probe[i] = true;
                why[i].push(format!(
                    "root {c}: probes failed in {}",
                    failed_regions.into_iter().collect::<Vec<_>>().join(", ")
                ));
                roots.push(Some(c));
            }
            None => {
                let r = topology_root(topology, &e.provider, &e.services, &e.technologies);
                if let Some(c) = &r {
                    why[i].push(format!(
                        "root {c}: the one component that all affected services ({}) and no others depend on",
                        e.services
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                roots.push(r);
            }
        }
    }

    // Union-find over episodes.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while p[r] != r {
            r = p[r];
        }
        let mut x = i;
        while p[x] != r {
            let next = p[x];
            p[x] = r;
            x = next;
        }
        r
    }
    let kind = |e: &Episode| topology.provider(e.provider.as_str()).map(|p| p.kind);
    for a in 0..n {
        for b in a + 1..n {
            let (ea, eb) = (&episodes[a], &episodes[b]);
            let lag = eb.start.0 - ea.start.0;
            if ea.provider == eb.provider && lag.abs() <= SPILL_WINDOW_SECS {
                // (2): one cause; without probe evidence, the root over both scopes.
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[rb] = ra;
                if !by_probe[a] && !by_probe[b] {
                    let mut services = ea.services.clone();
                    services.extend(eb.services.iter().cloned());
                    services.sort();
                    services.dedup();
                    let mut techs = ea.technologies.clone();
                    techs.extend(eb.technologies.iter().cloned());
                    techs.sort();
                    techs.dedup();
                    if let Some(r) = topology_root(topology, &ea.provider, &services, &techs) {
                        roots[a] = Some(r.clone());
                        roots[b] = Some(r);
                    }
                }
                why[b].push(format!(
                    "started with episode ep-{} of the same provider",
                    ea.id
                ));
                continue;
            }
            // (3) spill-over, either order.
            let (online, telecom, lag) = match (kind(ea), kind(eb)) {
                (Some(ProviderKind::OnlineService), Some(ProviderKind::Telecom)) => (a, b, lag),
                (Some(ProviderKind::Telecom), Some(ProviderKind::OnlineService)) => (b, a, -lag),
                _ => continue,
            };
            if (-120..=SPILL_WINDOW_SECS).contains(&lag) && !by_probe[telecom] {
                let (ro, rt) = (find(&mut parent, online), find(&mut parent, telecom));
                parent[rt] = ro;
                let src = &episodes[online];
                roots[telecom] = roots[online].clone();
                why[telecom].retain(|w| !w.starts_with("root "));
                why[telecom].push(format!(
                    "spill-over: {} had an outage starting {} min earlier (ep-{})",
                    src.provider,
                    lag / 60,
                    src.id
                ));
            }
        }
    }

    // (4) declared incidents.
    let declared = declared_incidents(events, topology);
    let mut incident_of: Vec<Option<usize>> = vec![None; n];
    for (i, e) in episodes.iter().enumerate() {
        for (k, d) in declared.iter().enumerate() {
            if d.provider != e.provider {
                continue;
            }
            let overlaps = d.start <= ep_end(e) && e.start <= d.end.unwrap_or(Timestamp(i64::MAX));
            if !overlaps {
                continue;
            }
            let dep = services_depending_on(topology, &d.provider, &d.components);
            if !e.services.is_empty() && e.services.iter().all(|s| dep.contains(s)) {
                incident_of[i] = Some(k);
                if roots[i].is_none() {
                    roots[i] = d.components.first().cloned();
                }
                why[i].push(format!(
                    "explained by declared incident {} ({})",
                    d.id, d.category
                ));
                break;
            }
        }
    }

    // Name the groups.
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    for (i, inc) in incident_of.iter().enumerate() {
        let r = find(&mut parent, i);
        if let Some(k) = inc {
            names.insert(r, format!("incident:{}", declared[*k].id));
        }
    }
    let mut next = 1;
    let mut out = Vec::with_capacity(n);
    for (i, e) in episodes.iter().enumerate() {
        let r = find(&mut parent, i);
        let name = names
            .entry(r)
            .or_insert_with(|| {
                let s = format!("g{next}");
                next += 1;
                s
            })
            .clone();
        let mut text = describe(e);
        for w in &why[i] {
            text.push_str("; ");
            text.push_str(w);
        }
        text.push('.');
        out.push(Verdict {
            cause_group: name,
            root_component: roots[i].as_ref().map(|c| c.to_string()),
            explanation: text,
        });
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::topology_toml;

    fn topo() -> Topology {
        Topology::from_toml("t", &topology_toml()).unwrap()
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
        // Data and customer service share nothing.
        assert_eq!(root(&["mobile-data", "customer-service"], &[]), None);
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
        let v = group(&eps, &events, &t);
        assert_eq!(v[0].root_component.as_deref(), Some("o2-de:lte-ran"));
        assert!(v[0].explanation.contains("probes failed in DE-BY"));
        assert_eq!(v[1].cause_group, "incident:sec-1");
        assert_ne!(v[0].cause_group, v[1].cause_group);
        let d = declared_incidents(&events, &t);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].end, None);
    }
}
