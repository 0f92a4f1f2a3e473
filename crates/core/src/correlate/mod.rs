//! Correlation: whether two incidents share a cause, which component most likely caused an
//! incident, and which incidents form one cause group — with the evidence and a sentence in
//! German and English.
//!
//! Everything here is pure and deterministic: the inputs are neutral [`IncidentView`]s (built
//! from detector episodes, declared incidents or probe failures by their owners) and the
//! [`Topology`].
//!
//! # Relations ([`relate`])
//! The evidence of a pair, each kind structured ([`Evidence`]):
//! - **dependency**: a component both incidents' affected services (or declared / probed
//!   components) depend on that could explain all of them without contradicting services that
//!   show nothing — with the path from each side — or the absence of any such component (no
//!   shared dependency at all, or only shared components whose other dependents are quiet);
//! - **onset** order, lag and time overlap (a shared component explains two outages only if
//!   they began within half an hour of each other, within five minutes for two outages of one
//!   provider on different services);
//! - **region** overlap (Jaccard; a view without regions covers all);
//! - **symptoms**: cosine similarity of the problem-type profiles and the technologies;
//! - **causes**: declared categories and causes, or the category the symptoms point to;
//! - **spill-over**: a telecom's reports rising within minutes after an online service's
//!   outage (or up to an hour before the service declares it, and at most half an hour after
//!   the rise of the service's own reports where an episode shows that rise), in the same
//!   regions, with none
//!   of the telecom's own components confirmed down (a failed probe counts once a second check
//!   confirms it), with the problem types of users who cannot reach the service ("no
//!   internet", "slow", "login" at least as often as "no signal", "no calls", "no SMS") and,
//!   when the service's outage covers most of the telecom's country, over most of its
//!   customers there (by population, or by the shares the detector learned from the telecom's
//!   reports when the topology gives no populations: [`IncidentView::region_shares`])
//!   ([`SpillWeights`]). A rise that meets the timing but not the rest is evidence *against*
//!   ([`Evidence::NotSpillOver`]): coincidence in time is not relation;
//! - **call surge**: a customer-service signal of a provider during its own network outage;
//! - **local event**: two telecoms' networks failing in the same regions (Jaccard ≥ ½),
//!   within half an hour, both regional (at most half of each one's customers) and each across
//!   at least two services: a storm, a flood or a power cut takes out every operator's sites in
//!   an area, and a site that loses power drops everything it carries, while a fault of one
//!   component shows in one service ([`LocalEventRule`]). Nothing in the topology links them,
//!   so this is the weakest link, and each keeps its own root component.
//!
//! *Related* needs a mechanism (a shared explaining component at about the same onset, a
//! component known down that the other depends on — both only where the two meet: regional
//! outages in disjoint regions are two faults — spill-over, call surge, the same declared
//! cause, one outage of one provider split in two, or a local event). Two detected episodes
//! of one provider, one regional and one national, are neither one outage split in two nor
//! two outages of one component at the same onset: the detector kept them apart because the
//! national one's rise lies where the regional one's services stay quiet. And between two
//! outages of one provider, a component whose probes failed (not one the operator declared
//! down: a routing fault of the backbone need not reach every service on it) explains a
//! national episode only if fewer than half as many of the provider's services that need it
//! stay quiet there as show it (down everywhere, it would show in all of them: radio probes failing where a fibre
//! was cut do not explain calls failing nationwide). A component the operator declared down
//! explains an episode of its provider only if at least half of the episode's services
//! (besides the hotline) need it, as the product view claims episodes into a declaration: a
//! regional fibre cut takes calls too, but a declared voice-core fault does not explain its
//! data, SMS, fixed internet and TV. *Unrelated* needs
//! positive evidence: no explaining dependency **and** one of different causes, different
//! symptom profiles (dissimilar problems or disjoint technologies), disjoint regions or a
//! refused spill-over — but never for two telecoms down at once in the same place (the scene
//! of a local event, whatever their onsets and breadth: a storm's outage detected in
//! fragments). Anything else is *undetermined*.
//!
//! # Root causes ([`rank_root_causes`])
//! Candidates are the components of the affected services' dependency closures and any declared
//! or probed component. A candidate scores by the share of affected services that need it
//! (squared), is divided by `1 + 0.7·q` for `q` observed dependents that show nothing, is
//! weighted by how well its technology fits the affected technologies, gains a little for every
//! other full-coverage candidate it lies beneath (the deepest common dependency) — or, when the
//! outage is regional (at most half of the country's regions), above (the nearest one) — and
//! gains heavily from failed probes and declarations — except that the failed probes and
//! signal anomalies of a candidate that needs a component an operator declared down are that
//! component's symptoms and add nothing ([`Reason::NeedsDeclared`]: radio probes failing where
//! the declared transport is cut). An anomaly of an operator signal that
//! measures the candidate, during the incident, adds [`SIGNAL_BONUS`]: less than a failed
//! probe (a waiting time also rises with the calls about a fault elsewhere), enough to choose
//! between components the reports cannot tell apart. A fault propagates to its callers, so a
//! candidate whose anomalies are all *isolated* or *explained* adds only
//! [`ISOLATED_SIGNAL_SHARE`] of it and counts as without evidence
//! ([`RootCandidate::has_evidence`]). Isolated: every component of the closure that depends
//! directly on the candidate is measured, none is used directly by an affected service, and
//! none shows what the anomaly would cause there (a rise: a rise of the same unit, as latencies
//! add up and errors pass on; a fall of load: anything). Explained: a rise dwarfed by a
//! caller's rise of the same unit ([`OUTWEIGHED_RATIO`]), or a fall of load while a caller is
//! anomalous (it calls less). It never makes a candidate of a component
//! outside the incident's closure (so callers waiting during a network outage, a call surge,
//! do not make the hotline its root).
//!
//! # Groups ([`group`])
//! Related pairs are merged strongest first; a merge that would put two incidents with an
//! *unrelated* verdict into one group is refused unless that verdict is less sure than the link
//! being merged (e.g. a guessed difference of causes against a component declared down);
//! equally sure links go those between sides in the more alike regions first, then those
//! through a declared component, then closest onsets. A spill-over has one source: once an
//! incident's reports are explained by one service's outage, a link to another outage that
//! rests on spill-over alone (no shared dependency, no common cause) is not merged, so two
//! online services down at once do not become one cause through the ISP whose customers
//! report both. Likewise a detected episode has one cause: once a component known down
//! (declared or probed) explains it, a link through another known-down component on no chain
//! with the first is a second explanation and is not merged, so calls failing in a Land where
//! the radio's probes fail do not tie that radio fault to a declared national voice-core fault
//! through the calls both could explain. A group's root component is ranked over its causes;
//! where a group holds incidents joined by a local event only, each part joined otherwise keeps
//! its own root (the storm took out both networks' access, not one network's part).
//! Customer-service signals (episodes on the `customer-service` service or of hotline
//! complaints) are not merged pairwise but attached to
//! one explanation: the incident of the same provider whose onset most recently precedes theirs
//! — a network outage (the call surge: more callers) or a declared incident on a component
//! customer service needs (agents cannot help). So in May 2017 the hotline spike during the LTE
//! outage joins the LTE outage, while the CRM shutdown stays a group of its own.

mod graph;
mod group;
mod relate;
mod root;
mod text;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::event::IncidentCategory;
use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::{Problem, Timestamp};
use crate::signal::SignalAnomaly;
use crate::topology::{ComponentRef, Topology};

pub use graph::ServiceKey;
pub use group::{group, GroupAssignment, Role};
pub use relate::{relate, relate_timed, LocalEventRule, SpillWeights, LOCAL_EVENT, SPILL_WEIGHTS};
pub use root::{
    rank_root_causes, rank_root_causes_of, Reason, RootCandidate, ISOLATED_SIGNAL_SHARE,
    OUTWEIGHED_RATIO, SIGNAL_BONUS,
};

/// Probes may fail this long before the reports of an outage rise.
pub const PROBE_LEAD_SECS: i64 = 600;

/// A failed probe is evidence only once confirmed: its component has failed at least this many
/// times in a row in the same region, each within [`PROBE_CONFIRM_SECS`] of the one before,
/// within the window considered (after isolated flaps between passed checks were left out,
/// [`failures_without_flaps`]). A single failed check is a flap (a timeout, a lost packet) —
/// monitoring tools retry before they alert for the same reason — and a flapping probe of a
/// telecom's radio network must neither make its rise "a fault of its own" beside an online
/// service's outage, nor add its region to an outage's scope. Value 2: the smallest that tells
/// a flap from a failure; a real failure keeps failing at every check (five-minute checks
/// confirm it five minutes after the first failure). Valid range ≥ 1 (1: every failure counts).
pub const PROBE_CONFIRMATIONS: usize = 2;

/// Failures of one probe further apart than this are separate flaps, not one failure
/// confirmed: a real failure fails again at the next check, and the packages known check a
/// failing component every 5 (generated, May 2017 around the outage), 10 (independent
/// generator) or 15 minutes. Counting any two failures of an outage's hours instead confirmed
/// flaps: a radio probe flapping three times in three hours (16:55, 17:50, 18:10) made a
/// national spill-over "a fault of its own" (third generator, look-at seed 2). Valid range:
/// at least the longest check interval of a deployment's probes.
pub const PROBE_CONFIRM_SECS: i64 = 15 * 60;

/// The failed checks of `checks` (component, region, time, passed; any order) that are not
/// isolated flaps, oldest first: a failed check whose previous and next checks of the same
/// probe (component and region) both passed was a flap and is left out, however close another
/// flap of that probe came ("two failures in a row" is what confirms, and a passed check in
/// between breaks the row). A failure whose next check has not come yet, or whose neighbours
/// are unknown (a source that reports failures only), is kept: [`confirmed_failures`] then
/// decides by [`PROBE_CONFIRM_SECS`]. The stores answer the same in SQL
/// (`failed_probes`).
pub fn failures_without_flaps(
    checks: &[(ComponentRef, RegionId, Timestamp, bool)],
) -> Vec<(ComponentRef, RegionId, Timestamp)> {
    let mut by_probe: std::collections::BTreeMap<(&ComponentRef, &RegionId), Vec<(i64, bool)>> =
        std::collections::BTreeMap::new();
    for (c, r, t, ok) in checks {
        by_probe.entry((c, r)).or_default().push((t.0, *ok));
    }
    let mut out = Vec::new();
    for ((c, r), mut runs) in by_probe {
        runs.sort_unstable();
        for (i, &(t, ok)) in runs.iter().enumerate() {
            let passed = |j: Option<usize>| j.and_then(|j| runs.get(j)).is_some_and(|x| x.1);
            let flap = passed(i.checked_sub(1)) && passed(Some(i + 1));
            if !ok && !flap {
                out.push((c.clone(), r.clone(), Timestamp(t)));
            }
        }
    }
    out.sort_by_key(|(_, _, t)| *t);
    out
}

/// Whether operator-signal anomaly `a` bears in time on an outage from `start` to `end` (`now`
/// while open). A detected outage: the anomaly began while it lasts, or in the
/// [`PROBE_LEAD_SECS`] before its onset; one already under way before the reports rose (a
/// weekly pattern the hourly band has not learnt, a fault of its own) is a change of its own.
/// A declared outage (`declared`): the anomaly overlaps it, since the operator declares when
/// the fault is found, often after the measurements moved.
pub fn signal_in_time(a: &SignalAnomaly, start: Timestamp, end: Timestamp, declared: bool) -> bool {
    let from = Timestamp(start.0 - PROBE_LEAD_SECS);
    if declared {
        a.overlaps(from, end)
    } else {
        a.began_within(from, end)
    }
}

/// Of `failed` probe results (component, region, time), those in `[from, to]` that `keep`
/// accepts, of (component, region) pairs confirmed there ([`PROBE_CONFIRMATIONS`]).
pub fn confirmed_failures(
    failed: &[(ComponentRef, RegionId, Timestamp)],
    from: Timestamp,
    to: Timestamp,
    keep: impl Fn(&ComponentRef, &RegionId) -> bool,
) -> Vec<&(ComponentRef, RegionId, Timestamp)> {
    let within: Vec<&(ComponentRef, RegionId, Timestamp)> = failed
        .iter()
        .filter(|(c, r, t)| *t >= from && *t <= to && keep(c, r))
        .collect();
    // Per (component, region): the longest run of failures each within PROBE_CONFIRM_SECS of
    // the one before.
    let mut times: std::collections::BTreeMap<(&ComponentRef, &RegionId), Vec<i64>> =
        std::collections::BTreeMap::new();
    for (c, r, t) in &within {
        times.entry((c, r)).or_default().push(t.0);
    }
    let confirmed: BTreeSet<(&ComponentRef, &RegionId)> = times
        .into_iter()
        .filter_map(|(k, mut ts)| {
            ts.sort_unstable();
            ts.dedup();
            let mut run = 1;
            let confirmed = PROBE_CONFIRMATIONS <= 1
                || ts.windows(2).any(|w| {
                    run = if w[1] - w[0] <= PROBE_CONFIRM_SECS {
                        run + 1
                    } else {
                        1
                    };
                    run >= PROBE_CONFIRMATIONS
                });
            confirmed.then_some(k)
        })
        .collect();
    within
        .into_iter()
        .filter(|(c, r, _)| confirmed.contains(&(c, r)))
        .collect()
}

/// The service id whose reports are customer-service signals.
pub const CUSTOMER_SERVICE: &str = "customer-service";

/// Whether what an operator declared down explains an episode: at least half of the services
/// it shows, besides the hotline (callers of any outage reach it), are `explained` (need it).
/// A regional fibre cut takes calls too, but a declared voice-core fault does not explain its
/// data, SMS, fixed internet and TV. Half, not all: a declared fault's episode may show a
/// service it does not explain (reports that name the wrong service). The product view claims
/// episodes into a declaration by it, and correlation relates a declared component by it.
pub fn explains_most<'a>(
    services: impl IntoIterator<Item = &'a ServiceId>,
    explained: impl Fn(&ServiceId) -> bool,
) -> bool {
    let own: Vec<&ServiceId> = services
        .into_iter()
        .filter(|s| s.as_str() != CUSTOMER_SERVICE)
        .collect();
    2 * own.iter().filter(|s| explained(s)).count() >= own.len()
}

/// Where an incident comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// Found in crowd reports by the detector.
    Detected,
    /// Declared by the operator, with its category and, if known, a named cause.
    Declared {
        category: IncidentCategory,
        cause: Option<String>,
    },
    /// Failed active probes.
    Probe,
}

/// A neutral view of an incident, as correlation needs it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub provider: ProviderId,
    pub origin: Origin,
    /// Affected services of `provider` (empty: unknown, or derived from `components`).
    pub services: Vec<ServiceId>,
    /// Components named by a declaration (or probed), resolved.
    pub components: Vec<ComponentRef>,
    /// Affected regions; None = all regions.
    pub regions: Option<Vec<RegionId>>,
    pub technologies: Vec<String>,
    /// Problem types with their share of the reports (shares need not sum to 1).
    pub problems: Vec<(Problem, f64)>,
    pub start: Timestamp,
    /// None while open.
    pub end: Option<Timestamp>,
    /// Failed probes during the incident: component, region, time.
    pub failed_probes: Vec<(ComponentRef, RegionId, Timestamp)>,
    /// Anomalies of operator signals that bear on the incident
    /// ([`IncidentView::attach_signal_anomalies`]).
    pub signal_anomalies: Vec<SignalAnomaly>,
    /// Where the provider's customers are, by region (shares summing to 1), as the detector
    /// learned it from the provider's reports ([`crate::detect::Episode::region_shares`]);
    /// empty: the topology's populations (or equal shares) stand for it.
    pub region_shares: Vec<(RegionId, f64)>,
}

/// A verdict on two incidents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Related,
    Unrelated,
    Undetermined,
}

/// A sentence in German and English.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub de: String,
    pub en: String,
}

/// What a declaration or the symptoms say about an incident's cause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CauseInfo {
    /// Declared, or inferred from the symptoms (network problems → `network`).
    pub category: Option<IncidentCategory>,
    pub declared: bool,
    pub cause: Option<String>,
}

/// Why a dependency connection is absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NoPath {
    /// The two dependency closures share no component.
    DisjointClosures {
        a_components: usize,
        b_components: usize,
    },
    /// Components are shared, but each would also have taken down services that show nothing.
    ContradictedShared {
        shared: Vec<ComponentRef>,
        quiet_services: Vec<String>,
    },
}

/// One piece of evidence about a pair of incidents.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// A component that could explain both: the path from an affected service (or declared
    /// component) of each side down to it. `known_down`: declared or probed as failing.
    DependencyPath {
        via: ComponentRef,
        path_a: Vec<String>,
        path_b: Vec<String>,
        known_down: bool,
    },
    /// No dependency could explain both.
    NoDependencyPath(NoPath),
    /// Onset order: `lag_secs` = onset of b − onset of a; overlap of the two periods (open ends
    /// count as ongoing up to the later onset plus a day) and the gap between them.
    Onset {
        first: String,
        lag_secs: i64,
        overlap_secs: i64,
        gap_secs: i64,
    },
    /// Region overlap: Jaccard, and containment (shared regions over the smaller side's).
    Regions {
        jaccard: f64,
        containment: f64,
        shared: usize,
        a: usize,
        b: usize,
    },
    /// Problem-type profile similarity (None if a side has no reports) and technologies.
    Symptoms {
        cosine: Option<f64>,
        shared_technologies: Vec<String>,
        technologies_disjoint: bool,
    },
    /// Declared or inferred causes; `same` None when one side is unknown.
    Causes {
        a: CauseInfo,
        b: CauseInfo,
        same: Option<bool>,
    },
    /// `target`'s reports are explained by `source`'s outage of a service its customers use.
    SpillOver {
        source: String,
        target: String,
        lag_secs: i64,
        regions_containment: f64,
    },
    /// A telecom's rise at the time of an online service's outage that is *not* its
    /// spill-over: its problem types are the telecom's own (`problem_margin`: share of "no
    /// internet"/"slow"/"login" minus share of "no signal"/"no calls"/"no SMS", below the
    /// spill-over minimum), its footprint is a small part of the source's (`footprint`:
    /// population share), or a component of its own is known down.
    NotSpillOver {
        source: String,
        target: String,
        lag_secs: i64,
        problem_margin: f64,
        footprint: f64,
        own_component_down: bool,
    },
    /// A customer-service signal during a network outage of the same provider.
    CallSurge {
        outage: String,
        signal: String,
        lag_secs: i64,
    },
    /// Two telecoms failing in the same regions at about the same time, each across several
    /// services: one local event (a storm, a power cut), not two faults
    /// ([`LocalEventRule`]). `lag_secs`: onset of b − onset of a.
    LocalEvent { lag_secs: i64, jaccard: f64 },
    /// Two episodes of one provider on the same services at the same time: one outage.
    SameOutage {
        provider: ProviderId,
        shared_services: Vec<ServiceId>,
        lag_secs: i64,
    },
}

/// The verdict on two incidents, with evidence and explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Relation {
    pub a: String,
    pub b: String,
    pub verdict: Verdict,
    /// In [0, 1]: how strongly the evidence supports the verdict.
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    pub explanation: Explanation,
}

const NETWORK_PROBLEMS: &[Problem] = &[
    Problem::NoSignal,
    Problem::NoInternet,
    Problem::SlowInternet,
    Problem::NoCalls,
    Problem::NoSms,
    Problem::TotalOutage,
];
const CARE_PROBLEMS: &[Problem] = &[Problem::Hotline, Problem::Billing, Problem::Login];
/// A detected incident's cause category is guessed from its symptoms only when one family of
/// problems (network, or customer care) holds at least this share of its reports: a clear
/// majority, so that a mixed bag stays without a category. Valid range (0.5, 1].
const CATEGORY_SHARE: f64 = 0.6;
/// A detected incident without services is a customer-service signal when hotline complaints
/// are at least this share of its reports (the largest single problem). Valid range (0, 1].
const HOTLINE_SIGNAL_SHARE: f64 = 0.5;

impl IncidentView {
    /// The view of a detected episode under `id`: its scope, its problems with equal shares,
    /// no probes yet ([`IncidentView::attach_failed_probes`]).
    pub fn detected(id: String, e: &crate::detect::Episode) -> IncidentView {
        let share = 1.0 / e.problems.len().max(1) as f64;
        IncidentView {
            id,
            provider: e.provider.clone(),
            origin: Origin::Detected,
            services: e.services.clone(),
            components: Vec::new(),
            regions: (!e.regions.is_empty()).then(|| e.regions.clone()),
            technologies: e.technologies.clone(),
            problems: e.problems.iter().map(|p| (*p, share)).collect(),
            start: e.start,
            end: e.end,
            failed_probes: Vec::new(),
            signal_anomalies: Vec::new(),
            region_shares: e.region_shares.clone(),
        }
    }

    /// Keeps, of `failed` probe results (component, region, time), those that bear on this
    /// incident: of components its services need, in its regions (any region when it has
    /// none), from ten minutes before its onset to its end (or to `now` while open).
    pub fn attach_failed_probes(
        &mut self,
        failed: &[(ComponentRef, RegionId, Timestamp)],
        topology: &Topology,
        now: Timestamp,
    ) {
        let needed: BTreeSet<ComponentRef> = self
            .services
            .iter()
            .filter_map(|s| topology.service(self.provider.as_str(), s.as_str()))
            .flat_map(|s| topology.service_closure(s))
            .collect();
        let end = self.end.unwrap_or(now);
        let start = Timestamp(self.start.0 - PROBE_LEAD_SECS);
        self.failed_probes = confirmed_failures(failed, start, end, |c, r| {
            needed.contains(c) && self.regions.as_ref().is_none_or(|rs| rs.contains(r))
        })
        .into_iter()
        .cloned()
        .collect();
    }

    /// Keeps, of operator-signal `anomalies`, those that bear on this incident: of its
    /// provider, on a component its services need or it names, in time ([`signal_in_time`])
    /// and, when both have regions, in one of its regions. A signal without a component bears
    /// on nothing.
    pub fn attach_signal_anomalies(
        &mut self,
        anomalies: &[SignalAnomaly],
        topology: &Topology,
        now: Timestamp,
    ) {
        let mut needed: BTreeSet<ComponentRef> = self
            .services
            .iter()
            .filter_map(|s| topology.service(self.provider.as_str(), s.as_str()))
            .flat_map(|s| topology.service_closure(s))
            .collect();
        needed.extend(self.components.iter().cloned());
        let end = self.end.unwrap_or(now);
        let declared = self.is_declared();
        self.signal_anomalies = anomalies
            .iter()
            .filter(|a| {
                a.provider == self.provider
                    && a.component.as_ref().is_some_and(|c| needed.contains(c))
                    && signal_in_time(a, self.start, end, declared)
                    && match (&a.region, &self.regions) {
                        (Some(r), Some(rs)) => rs.contains(r),
                        _ => true,
                    }
            })
            .cloned()
            .collect();
    }

    fn problem_share(&self, set: &[Problem]) -> f64 {
        let total: f64 = self.problems.iter().map(|p| p.1.max(0.0)).sum();
        if total <= 0.0 {
            return 0.0;
        }
        self.problems
            .iter()
            .filter(|p| set.contains(&p.0))
            .map(|p| p.1.max(0.0))
            .sum::<f64>()
            / total
    }

    /// A customer-service signal: a detected incident on the `customer-service` service only,
    /// or, without services, one dominated by hotline complaints.
    /// Regional: it names its regions, at most half of its provider's country (a view without
    /// regions covers all).
    pub fn is_regional(&self, topology: &Topology) -> bool {
        self.regions.as_ref().is_some_and(|r| {
            !r.is_empty() && r.len() * 2 <= topology.provider_regions(self.provider.as_str()).len()
        })
    }

    pub fn is_customer_service_signal(&self) -> bool {
        if !matches!(self.origin, Origin::Detected) {
            return false;
        }
        if !self.services.is_empty() {
            return self.services.iter().all(|s| s.as_str() == CUSTOMER_SERVICE);
        }
        self.problem_share(&[Problem::Hotline]) >= HOTLINE_SIGNAL_SHARE
    }

    /// Declared cause, or the category the symptoms point to.
    pub fn cause_info(&self) -> CauseInfo {
        match &self.origin {
            Origin::Declared { category, cause } => CauseInfo {
                category: Some(*category),
                declared: true,
                cause: cause.clone(),
            },
            Origin::Probe => CauseInfo {
                category: Some(IncidentCategory::Network),
                declared: false,
                cause: None,
            },
            Origin::Detected => {
                let category = if self.is_customer_service_signal() {
                    None
                } else if !self.failed_probes.is_empty()
                    || self.problem_share(NETWORK_PROBLEMS) >= CATEGORY_SHARE
                {
                    Some(IncidentCategory::Network)
                } else if self.problem_share(CARE_PROBLEMS) >= CATEGORY_SHARE {
                    Some(IncidentCategory::ItSystem)
                } else {
                    None
                };
                CauseInfo {
                    category,
                    declared: false,
                    cause: None,
                }
            }
        }
    }

    /// The problem profile as a vector over all problem types, None without reports.
    fn profile(&self) -> Option<Vec<f64>> {
        let mut v = vec![0.0; Problem::ALL.len()];
        for (p, s) in &self.problems {
            v[p.index()] += s.max(0.0);
        }
        v.iter().any(|x| *x > 0.0).then_some(v)
    }

    /// Components known to be down: declared or with failed probes.
    pub fn known_down(&self) -> BTreeSet<ComponentRef> {
        let mut s: BTreeSet<ComponentRef> = self.components.iter().cloned().collect();
        s.extend(self.failed_probes.iter().map(|p| p.0.clone()));
        s
    }

    fn is_declared(&self) -> bool {
        matches!(self.origin, Origin::Declared { .. })
    }

    /// Affected services as keys: the listed ones, else the provider's services that depend on
    /// the named components.
    ///
    /// A detected incident on network services *and* customer service counts only the network
    /// services: the customer-service reports are its call surge, not a second failure.
    fn affected(&self, g: &graph::Graph) -> BTreeSet<ServiceKey> {
        let mixed = matches!(self.origin, Origin::Detected)
            && self.services.iter().any(|s| s.as_str() == CUSTOMER_SERVICE)
            && self.services.iter().any(|s| s.as_str() != CUSTOMER_SERVICE);
        let listed: BTreeSet<ServiceKey> = self
            .services
            .iter()
            .filter(|s| !mixed || s.as_str() != CUSTOMER_SERVICE)
            .map(|s| (self.provider.clone(), s.clone()))
            .collect();
        if !listed.is_empty() || self.components.is_empty() {
            return listed;
        }
        let mut own = BTreeSet::new();
        let mut any = BTreeSet::new();
        for c in &self.components {
            for s in g.dependents(c) {
                if s.0 == self.provider {
                    own.insert(s.clone());
                }
                any.insert(s.clone());
            }
        }
        if own.is_empty() {
            any
        } else {
            own
        }
    }

    /// Components this incident may stem from: for a declaration naming components, those and
    /// what they depend on; else the closure of the affected services; plus probed components.
    fn closure(&self, g: &graph::Graph) -> BTreeSet<ComponentRef> {
        let down: Vec<ComponentRef> = self.known_down().into_iter().collect();
        let mut out = g.closure(&down);
        if !self.is_declared() || self.components.is_empty() {
            for s in self.affected(g) {
                out.extend(g.service_closure(&s));
            }
        }
        out
    }

    /// End for overlap computations: open incidents count as ongoing until `horizon`.
    fn end_or(&self, horizon: Timestamp) -> Timestamp {
        self.end.unwrap_or(horizon).max(self.start)
    }

    /// Regions as a set; None = all of the provider's ([`Self::market`]).
    fn region_set(&self, topo: &Topology) -> BTreeSet<RegionId> {
        match &self.regions {
            Some(l) if !l.is_empty() => l.iter().cloned().collect(),
            _ => self.market(topo),
        }
    }

    /// The provider's market: the regions of its country.
    fn market(&self, topo: &Topology) -> BTreeSet<RegionId> {
        topo.provider_regions(self.provider.as_str())
            .into_iter()
            .collect()
    }
}
