//! The product view: what Outage Radar says is going on, built once from everything it knows
//! and read by every harness — the server's API and pages, `radar replay` (and so `radar eval`).
//!
//! Inputs ([`Inputs`]): the detector's episodes, the operator's declared incidents, component
//! statuses, failed probes, anomalies of operator signals ([`crate::signal`]) and the present
//! time. Output ([`ProductView`]): one [`Outage`] per
//! outage and a headline per provider and service ([`ProviderStatus`]).
//!
//! # One outage, one object
//! 1. Every episode and every declared incident becomes a correlation view
//!    ([`IncidentView`]); [`correlate::group`] gives each its cause group, root and sentence.
//! 2. An episode that the correlation puts in the cause group of a declared incident of the same
//!    provider, and that overlaps it in time (from [`LINK_LEAD_SECS`] before its start to its
//!    end, or to now while it is open), is *the same outage*: it is folded into the declared
//!    incident's outage, whose id is the incident's id and whose other ids (`ep-YYYYMMDD-HHMM`) stay
//!    fetchable as aliases. Its onset and detection time come from the earliest source; its
//!    lifecycle and end from the operator (when the operator resolves it, it is over, and the
//!    headline follows).
//!    A declaration that names no service and no component (yet) claims the episodes of its
//!    provider that it overlaps: correlation has nothing to go by, and such a declaration is
//!    about what users see.
//!    A declaration that names what is down claims only episodes at least half of whose
//!    services (besides the hotline, its call surge) depend on it: a regional fibre fault
//!    during a declared national voice-core incident is another fault of the same provider,
//!    though it takes calls too.
//!    An operator who declares an incident *for* a detected outage (`Incident::confirms`)
//!    links the two explicitly; that link holds whatever correlation says.
//!    A post-mortem (declared already resolved, with no start of its own,
//!    [`Incident::is_post_mortem`]) is about an outage that is over: it claims the latest
//!    unclaimed episode of its provider that it describes (as above) and that ended within
//!    [`POST_MORTEM_LOOKBACK_SECS`] before it. The outage keeps that episode's time, end and
//!    relations (correlation relates what overlaps in time, and a statement hours later
//!    overlaps nothing), and takes the root the declaration names.
//! 3. An episode that no declaration claims is an outage of its own, `ep-YYYYMMDD-HHMM`, suspected while
//!    open and resolved when it ends.
//!
//! # Ids
//! A declared outage keeps its incident id (`net-1`); a detected one is `ep-YYYYMMDD-HHMM` after the
//! detector's episode number. Both come from inputs that live and replay see alike, so the
//! same reports and events give the same ids.
//!
//! # Scope
//! Services: the declaration's, else the provider's services that depend on the declared
//! components, plus those of its episodes. Regions ([`RegionSet`]): the declaration's (its
//! regions, else those its title names, "Fibre cut (FR-HDF)": `declared_regions`, also what
//! correlation reads), else its episodes', else where probes of its components failed while it
//! was open, else the regions its statements name (a planned maintenance at night), else all
//! regions of the provider's country. An outage of customer service alone is national: one hotline
//! serves the whole country, and a region without complaints only had fewer callers.
//! An outage whose root is another provider's component (an MVNO's on its host's radio
//! network) gains the regions of that provider's outage of the same cause group that is down in
//! that component (`inherit_host_regions`): the host's scope rests on many more reports.
//!
//! # Operator signals
//! A signal anomaly never makes an outage. It bears on an outage when it measures a component
//! the outage's services need and begins while the outage lasts (or in the ten minutes before)
//! ([`IncidentView::attach_signal_anomalies`]): it is then evidence for that component as the
//! root (see [`crate::correlate`]) and named in the outage's summary; a regional anomaly also
//! adds its region to a regional episode, as a failed probe does. A regional anomaly that a
//! regional outage of its provider carries is that outage's alone, not evidence for a national
//! outage beside it (`explain_away_regional_anomalies`).
//!
//! # Headline
//! A service is affected while an open outage names it (national: major outage, regional:
//! partial outage, maintenance: maintenance) or while a component it depends on has an impaired
//! declared status; the provider's headline is its worst service, and an open outage that names
//! no service counts for the provider as a whole.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::correlate::{
    self, rank_root_causes, Explanation, IncidentView, Origin, Relation, Role, RootCandidate,
};
use crate::detect::Episode;
use crate::event::{ComponentStatus, IncidentCategory, IncidentState};
use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::incident::Incident;
use crate::report::{Problem, Timestamp};
use crate::signal::SignalAnomaly;
use crate::topology::{ComponentRef, Topology};

/// An episode overlapping a declared incident from this long before the declaration's start
/// belongs to it: operators declare after the reports rise, rarely more than an hour later.
pub const LINK_LEAD_SECS: i64 = 3600;

/// A post-mortem ([`Incident::is_post_mortem`]) is about an outage that ended at most this long
/// before it: operators publish one within the day.
pub const POST_MORTEM_LOOKBACK_SECS: i64 = 24 * 3600;

/// Prefix of the ids of outages found only by the detector.
pub const DETECTED_PREFIX: &str = "ep-";

/// The id of a detector episode's outage: `ep-` and the UTC minute it was detected
/// (`ep-20170517-1251`), with `-2`, `-3`, … for further episodes detected in that minute. Stable
/// across restarts and across the nodes of a cluster ([`Episode::id_of`]).
pub fn episode_id(e: &Episode) -> String {
    episode_id_of(e.id)
}

/// [`episode_id`] from the episode's numeric id.
pub fn episode_id_of(id: u64) -> String {
    let (minute, ordinal) = Episode::id_parts(id);
    let t = chrono::DateTime::from_timestamp(minute.0, 0).unwrap_or_default();
    match ordinal {
        0 => format!("{DETECTED_PREFIX}{}", t.format("%Y%m%d-%H%M")),
        k => format!("{DETECTED_PREFIX}{}-{}", t.format("%Y%m%d-%H%M"), k + 1),
    }
}

/// Where an outage is felt: every region of the provider's country, or some of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionSet {
    All,
    /// Sorted, without duplicates, never empty, never all of the provider's regions.
    Only(Vec<RegionId>),
}

impl RegionSet {
    /// From a list where empty means "all"; a list that names every region of the provider's
    /// country is also "all".
    pub fn from_list(list: &[RegionId], topology: &Topology, provider: &ProviderId) -> RegionSet {
        let set: BTreeSet<RegionId> = list.iter().cloned().collect();
        if set.is_empty() {
            return RegionSet::All;
        }
        let all = topology.provider_regions(provider.as_str());
        if all.iter().all(|r| set.contains(r)) {
            RegionSet::All
        } else {
            RegionSet::Only(set.into_iter().collect())
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, RegionSet::All)
    }

    pub fn contains(&self, r: &RegionId) -> bool {
        match self {
            RegionSet::All => true,
            RegionSet::Only(l) => l.contains(r),
        }
    }

    /// The regions as a list: "all" is the regions of the provider's country.
    pub fn expand(&self, topology: &Topology, provider: &ProviderId) -> Vec<RegionId> {
        match self {
            RegionSet::All => topology.provider_regions(provider.as_str()),
            RegionSet::Only(l) => l.clone(),
        }
    }

    /// As correlation wants it: None = all.
    fn as_option(&self) -> Option<Vec<RegionId>> {
        match self {
            RegionSet::All => None,
            RegionSet::Only(l) => Some(l.clone()),
        }
    }
}

impl Serialize for RegionSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RegionSet::All => s.serialize_str("*"),
            RegionSet::Only(l) => l.serialize(s),
        }
    }
}

/// How bad it is for a service or a provider, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Operational,
    Maintenance,
    Degraded,
    PartialOutage,
    MajorOutage,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Operational => "operational",
            Level::Maintenance => "maintenance",
            Level::Degraded => "degraded",
            Level::PartialOutage => "partial-outage",
            Level::MajorOutage => "major-outage",
        }
    }

    fn of_component(s: ComponentStatus) -> Level {
        match s {
            ComponentStatus::Operational => Level::Operational,
            ComponentStatus::Maintenance => Level::Maintenance,
            ComponentStatus::Degraded => Level::Degraded,
            ComponentStatus::PartialOutage => Level::PartialOutage,
            ComponentStatus::MajorOutage => Level::MajorOutage,
        }
    }
}

/// Everything the view is built from.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    pub topology: &'a Topology,
    /// The detector's episodes, in the detector's order.
    pub episodes: &'a [Episode],
    /// Declared incidents, in any order.
    pub incidents: &'a [Incident],
    /// Latest declared status per component.
    pub components: &'a [(ComponentRef, ComponentStatus, Timestamp)],
    /// Failed probes: component, region, time.
    pub failed_probes: &'a [(ComponentRef, RegionId, Timestamp)],
    /// Anomalies of operator signals ([`crate::signal::SignalWatcher::anomalies`]).
    pub signal_anomalies: &'a [SignalAnomaly],
    /// Detected episodes an operator dismissed (false alarms), by provider and onset: they
    /// are not outages.
    pub dismissed: &'a [(ProviderId, Timestamp)],
    pub now: Timestamp,
}

/// One outage as the product shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    /// The declared incident's id, else `ep-YYYYMMDD-HHMM`.
    pub id: String,
    /// Other ids of this outage: the `ep-YYYYMMDD-HHMM` of episodes folded into a declared incident.
    pub aliases: Vec<String>,
    pub provider: ProviderId,
    /// The operator's declaration, if any.
    pub incident: Option<Incident>,
    /// What the detector saw, if anything.
    pub episodes: Vec<Episode>,
    pub category: Option<IncidentCategory>,
    pub state: IncidentState,
    pub services: Vec<ServiceId>,
    pub components: Vec<ComponentRef>,
    pub technologies: Vec<String>,
    pub problems: Vec<Problem>,
    pub regions: RegionSet,
    pub start: Timestamp,
    /// When the product first showed it: the earliest detection or declaration.
    pub detected_at: Timestamp,
    /// None while open.
    pub end: Option<Timestamp>,
    pub cause_group: String,
    pub role: Role,
    /// The cause group's root component.
    pub root: Option<ComponentRef>,
    /// This outage's own ranking of likely root components, best first.
    pub root_candidates: Vec<RootCandidate>,
    /// What was seen and declared, in one or two sentences.
    pub summary: Explanation,
    /// Why it belongs to its cause group (and is unrelated to its contemporaries).
    pub explanation: Explanation,
    /// Its correlation view (for relation questions).
    pub view: IncidentView,
}

impl Outage {
    /// When the provider's reports rose, for a declared outage with an episode of it that
    /// began before the declaration: its start ([`correlate::relate_timed`]).
    fn rise(&self) -> Option<Timestamp> {
        (self.is_declared() && self.start < self.view.start).then_some(self.start)
    }

    /// Whether this outage and `other` are related, with the evidence: as correlation judged
    /// them in the cause groups, timed by the rise of a declared outage's own episode.
    pub fn relate(&self, other: &Outage, topology: &Topology) -> Relation {
        correlate::relate_timed(
            &self.view,
            &other.view,
            topology,
            [self.rise(), other.rise()],
        )
    }

    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }
    pub fn is_declared(&self) -> bool {
        self.incident.is_some()
    }
    pub fn is_detected(&self) -> bool {
        !self.episodes.is_empty()
    }
    /// Whether this id names this outage.
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|a| a == id)
    }
    /// How bad it is while open.
    pub fn level(&self) -> Level {
        if self.category == Some(IncidentCategory::Maintenance) {
            Level::Maintenance
        } else if self.regions.is_all() {
            Level::MajorOutage
        } else {
            Level::PartialOutage
        }
    }
    /// A customer-service outage: it names only the customer-service service.
    pub fn is_customer_service(&self) -> bool {
        !self.services.is_empty()
            && self
                .services
                .iter()
                .all(|s| s.as_str() == correlate::CUSTOMER_SERVICE)
    }
}

/// The status of one service of a provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceStatus {
    pub service: ServiceId,
    pub level: Level,
    /// Open outages that name it.
    pub outages: Vec<String>,
    /// Impaired components it depends on, with their status.
    pub components: Vec<(ComponentRef, ComponentStatus)>,
    /// Earliest start of its open outages.
    pub since: Option<Timestamp>,
}

/// The headline of one provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderStatus {
    pub provider: ProviderId,
    pub level: Level,
    /// Earliest start of its open outages.
    pub since: Option<Timestamp>,
    /// Its open outages, oldest first.
    pub open: Vec<String>,
    /// Services that are not operational, worst first.
    pub affected: Vec<ServiceId>,
    /// Every service of the provider, in topology order.
    pub services: Vec<ServiceStatus>,
}

/// The product's view at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductView {
    pub now: Timestamp,
    /// Oldest first (by start, then id).
    pub outages: Vec<Outage>,
    /// One per provider of the topology, in topology order.
    pub providers: Vec<ProviderStatus>,
}

/// Why a relation question has no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RelationError {
    #[error("no outage {0:?}")]
    Unknown(String),
    #[error("{0:?} and {1:?} are the same outage; ask about two different ones")]
    Same(String, String),
}

impl ProductView {
    /// An outage by its id or one of its aliases.
    pub fn outage(&self, id: &str) -> Option<&Outage> {
        self.outages
            .iter()
            .find(|o| o.id == id)
            .or_else(|| self.outages.iter().find(|o| o.answers_to(id)))
    }

    /// The outages of one provider, oldest first.
    pub fn outages_of<'a>(&'a self, provider: &'a ProviderId) -> impl Iterator<Item = &'a Outage> {
        self.outages.iter().filter(move |o| &o.provider == provider)
    }

    /// The headline of one provider.
    pub fn provider(&self, provider: &ProviderId) -> Option<&ProviderStatus> {
        self.providers.iter().find(|p| &p.provider == provider)
    }

    /// Whether two outages are related, with the evidence.
    pub fn relation(
        &self,
        a: &str,
        b: &str,
        topology: &Topology,
    ) -> Result<Relation, RelationError> {
        let x = self
            .outage(a)
            .ok_or_else(|| RelationError::Unknown(a.to_owned()))?;
        let y = self
            .outage(b)
            .ok_or_else(|| RelationError::Unknown(b.to_owned()))?;
        if x.id == y.id {
            return Err(RelationError::Same(a.to_owned(), b.to_owned()));
        }
        Ok(x.relate(y, topology))
    }

    /// The open outages that affect a caller in `region` who uses `services` of `provider`
    /// (the provider may be unknown; no services means any): those of the provider (any, if
    /// unknown) whose regions include the caller's, and that name one of the services, name
    /// no service at all (a component's outage), or are the provider's customer service
    /// itself (the hotline the caller is on). Declared ones first, then by start.
    pub fn affecting<'a>(
        &'a self,
        provider: Option<&ProviderId>,
        region: &RegionId,
        services: &[ServiceId],
    ) -> Vec<&'a Outage> {
        let mut out: Vec<&Outage> = self
            .outages
            .iter()
            .filter(|o| o.is_open())
            .filter(|o| provider.is_none_or(|p| o.provider == *p))
            .filter(|o| o.regions.contains(region))
            .filter(|o| {
                services.is_empty()
                    || o.services.is_empty()
                    || o.is_customer_service()
                    || services.iter().any(|s| o.services.contains(s))
            })
            .collect();
        out.sort_by_key(|o| (!o.is_declared(), o.start, o.id.clone()));
        out
    }

    /// Outages that overlap `o` in time, give or take an hour (the contemporaries a relation
    /// question is usually about).
    pub fn contemporaries<'a>(&'a self, o: &'a Outage) -> impl Iterator<Item = &'a Outage> {
        let now = self.now;
        let end = move |x: &Outage| x.end.unwrap_or(now).0;
        self.outages.iter().filter(move |x| {
            x.id != o.id && x.start.0 - 3600 <= end(o) && o.start.0 - 3600 <= end(x)
        })
    }
}

/// An episode of the customer-service service alone. Customer service is one hotline for the
/// whole country: a region missing from its reports had fewer callers, not a working
/// hotline, so such an outage is everywhere the provider is.
fn is_hotline_only(e: &Episode) -> bool {
    !e.services.is_empty()
        && e.services
            .iter()
            .all(|s| s.as_str() == correlate::CUSTOMER_SERVICE)
}

/// When the product first showed a declared incident: its first timeline entry.
fn declared_at(i: &Incident) -> Timestamp {
    i.timeline.first().map_or(i.start, |t| t.time())
}

fn declared_view(topology: &Topology, i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id.to_string(),
        provider: i.provider.clone(),
        origin: Origin::Declared {
            category: i.category,
            cause: None,
        },
        services: i.affected_services(topology),
        components: i.components.clone(),
        regions: declared_regions(i, topology),
        technologies: Vec::new(),
        problems: Vec::new(),
        start: i.start,
        end: i.end,
        failed_probes: Vec::new(),
        signal_anomalies: Vec::new(),
        region_shares: Vec::new(),
    }
}

/// Whether an episode overlaps a declaration: from [`LINK_LEAD_SECS`] before its start to its
/// end (or now, while open).
fn overlaps(e: &Episode, i: &Incident, now: Timestamp) -> bool {
    e.start.0 <= i.end.unwrap_or(now).0 && e.end.unwrap_or(now).0 >= i.start.0 - LINK_LEAD_SECS
}

fn push_unique<T: PartialEq + Clone>(into: &mut Vec<T>, items: &[T]) {
    for x in items {
        if !into.contains(x) {
            into.push(x.clone());
        }
    }
}

/// Whether episode `e` can be the outage declaration `i` describes: when the declaration names
/// what is down (components or services), it must explain most of what the episode shows
/// ([`correlate::explains_most`]). A regional fibre fault that starts while the operator's
/// national voice-core incident is open is not that incident, however close in time, though
/// it takes calls too.
fn fits_declaration(e: &Episode, i: &Incident, topology: &Topology) -> bool {
    if i.names_nothing() {
        return true;
    }
    let affected = i.affected_services(topology);
    correlate::explains_most(&e.services, |s| affected.contains(s))
}

/// A regional episode with the regions where probes of a component its services need failed
/// during it added: a failing probe is evidence that its region is affected, also where few
/// reports came in (a national episode, without regions, stays as it is). So is a regional
/// operator signal of such a component that left its typical band as the episode began or
/// while it lasted ([`correlate::signal_in_time`]).
fn with_probed_regions(
    e: &Episode,
    failed: &[(ComponentRef, RegionId, Timestamp)],
    signals: &[SignalAnomaly],
    topology: &Topology,
    now: Timestamp,
) -> Episode {
    let mut e = e.clone();
    if e.regions.is_empty() {
        return e;
    }
    let needed: BTreeSet<ComponentRef> = e
        .services
        .iter()
        .filter_map(|s| topology.service(e.provider.as_str(), s.as_str()))
        .flat_map(|s| topology.service_closure(s))
        .collect();
    let end = e.end.unwrap_or(now);
    let lead = Timestamp(e.start.0 - correlate::PROBE_LEAD_SECS);
    for (_, r, _) in correlate::confirmed_failures(failed, lead, end, |c, _| needed.contains(c)) {
        if !e.regions.contains(r) {
            e.regions.push(r.clone());
        }
    }
    for a in signals {
        if let (Some(r), Some(c)) = (&a.region, &a.component) {
            if a.provider == e.provider
                && needed.contains(c)
                && correlate::signal_in_time(a, e.start, end, false)
                && !e.regions.contains(r)
            {
                e.regions.push(r.clone());
            }
        }
    }
    let order: Vec<&RegionId> = topology.regions.iter().map(|r| &r.id).collect();
    e.regions
        .sort_by_key(|r| order.iter().position(|x| *x == r).unwrap_or(usize::MAX));
    e
}

/// An outage whose root is another provider's component (an MVNO's, on its host's network)
/// is felt wherever that provider's outage of the same cause group, down in that component, is
/// felt: the root says the MVNO's customers there lose what the host's lose, and where few of
/// them reported, fewer were expected. Its regions gain the host outage's (in its own country;
/// "all" is then narrowed to the regions it serves like any national outage).
fn inherit_host_regions(outages: &mut [Outage], topology: &Topology) {
    let wider: Vec<(usize, RegionSet)> = outages
        .iter()
        .enumerate()
        .filter_map(|(k, o)| {
            let root = o.root.as_ref().filter(|r| r.provider != o.provider)?;
            if o.regions.is_all() {
                return None;
            }
            let hosts: Vec<&Outage> = outages
                .iter()
                .filter(|h| {
                    h.provider == root.provider
                        && h.cause_group == o.cause_group
                        && (h.root.as_ref() == Some(root) || h.components.contains(root))
                })
                .collect();
            if hosts.is_empty() {
                return None;
            }
            if hosts.iter().any(|h| h.regions.is_all()) {
                return Some((k, RegionSet::All));
            }
            let own = topology.provider_regions(o.provider.as_str());
            let mut list = o.regions.expand(topology, &o.provider);
            for h in hosts {
                let theirs = h.regions.expand(topology, &h.provider);
                let add: Vec<RegionId> = theirs.into_iter().filter(|r| own.contains(r)).collect();
                push_unique(&mut list, &add);
            }
            Some((k, RegionSet::from_list(&list, topology, &o.provider)))
        })
        .collect();
    for (k, regions) in wider {
        outages[k].regions = regions;
    }
}

/// A regional anomaly inside a regional outage of its provider is that outage's symptom, not
/// evidence for a national outage beside it: the national outage's own fault would show
/// wherever it is (traffic falls in every region's series). Without this, broadband sessions
/// falling in the one region of a fibre cut named the broadband gateways as the root of a
/// national voice outage that began beside the cut. An anomaly both carry stays with the
/// regional one only; an anomaly without a region, or outside every regional outage, stays with
/// every outage it bears on.
fn explain_away_regional_anomalies(views: &mut [IncidentView], topology: &Topology) {
    // An attached anomaly is of its view's provider and, when both have regions, in the view's
    // regions (`IncidentView::attach_signal_anomalies`): equality says the rest.
    let carried: Vec<SignalAnomaly> = views
        .iter()
        .filter(|v| v.is_regional(topology))
        .flat_map(|v| v.signal_anomalies.iter().filter(|a| a.region.is_some()))
        .cloned()
        .collect();
    for v in views.iter_mut().filter(|v| !v.is_regional(topology)) {
        v.signal_anomalies.retain(|a| !carried.contains(a));
    }
}

/// Builds the product view.
pub fn build(inp: Inputs<'_>) -> ProductView {
    let topology = inp.topology;
    let now = inp.now;
    let episodes: Vec<Episode> = inp
        .episodes
        .iter()
        .filter(|e| !inp.dismissed.contains(&(e.provider.clone(), e.start)))
        .map(|e| with_probed_regions(e, inp.failed_probes, inp.signal_anomalies, topology, now))
        .collect();
    let inp = Inputs {
        episodes: &episodes,
        ..inp
    };
    let mut incidents: Vec<&Incident> = inp.incidents.iter().collect();
    incidents.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));

    // 1. Correlation over every source.
    let mut views: Vec<IncidentView> = inp
        .episodes
        .iter()
        .map(|e| {
            let mut v = IncidentView::detected(episode_id(e), e);
            v.attach_failed_probes(inp.failed_probes, topology, now);
            v.attach_signal_anomalies(inp.signal_anomalies, topology, now);
            v
        })
        .collect();
    views.extend(incidents.iter().map(|i| {
        let mut v = declared_view(topology, i);
        v.attach_signal_anomalies(inp.signal_anomalies, topology, now);
        v
    }));
    explain_away_regional_anomalies(&mut views, topology);
    let groups = correlate::group(&views, topology);
    let ne = inp.episodes.len();

    // 2. Episodes claimed by a declaration: same provider, same cause group, overlapping.
    let mut claimed: Vec<Option<usize>> = vec![None; ne];
    for (k, e) in inp.episodes.iter().enumerate() {
        let id = episode_id(e);
        if let Some(j) = incidents
            .iter()
            .position(|i| i.provider == e.provider && i.confirms.contains(&id))
        {
            claimed[k] = Some(j);
            continue;
        }
        let candidates: Vec<usize> = incidents
            .iter()
            .enumerate()
            .filter(|(j, i)| {
                i.provider == e.provider
                    && groups[ne + j].group == groups[k].group
                    && overlaps(e, i, now)
                    && fits_declaration(e, i, topology)
            })
            .map(|(j, _)| j)
            .collect();
        // The declaration that began last before the episode did, else the first one after.
        // (Incidents are sorted by start.)
        let best = candidates
            .iter()
            .copied()
            .rfind(|&j| incidents[j].start <= e.start)
            .or_else(|| candidates.first().copied());
        // A declaration that names no service and no component yet ("nationwide disruption",
        // declared while the fault is still being located) gives correlation nothing to go by;
        // it is about what users see, so it claims the episodes of its provider that it
        // overlaps, unless it is planned maintenance.
        let scopeless = || {
            incidents.iter().position(|i| {
                i.provider == e.provider
                    && i.names_nothing()
                    && i.category != IncidentCategory::Maintenance
                    && overlaps(e, i, now)
            })
        };
        claimed[k] = best.or_else(scopeless);
    }

    // 2a. A post-mortem is about an outage that is over: it claims the latest episode of its
    // provider that it can describe and that ended before it, within the lookback, unless a
    // declaration already claims it. Correlation, which relates what overlaps in time, does
    // not group a statement hours after the fact with its outage.
    for (j, i) in incidents.iter().enumerate() {
        if !i.is_post_mortem() || claimed.contains(&Some(j)) {
            continue;
        }
        let latest = inp
            .episodes
            .iter()
            .enumerate()
            .filter(|(k, e)| {
                claimed[*k].is_none()
                    && e.provider == i.provider
                    && e.end.is_some_and(|end| {
                        end <= i.start && i.start.0 - end.0 <= POST_MORTEM_LOOKBACK_SECS
                    })
                    && fits_declaration(e, i, topology)
            })
            .max_by_key(|(_, e)| e.end);
        if let Some((k, _)) = latest {
            claimed[k] = Some(j);
        }
    }

    // 2b. Callers about a network outage (a customer-service rise that correlation calls its
    // call surge) are part of that outage, not an outage of the hotline: the episode joins
    // the outage it is about, as one more of its episodes.
    let mut surge_of: Vec<Option<usize>> = vec![None; ne];
    for k in 0..ne {
        let Role::CallSurge { outage } = &groups[k].role else {
            continue;
        };
        if claimed[k].is_some() {
            continue;
        }
        match views.iter().position(|v| &v.id == outage) {
            Some(t) if t >= ne => claimed[k] = Some(t - ne),
            Some(t) => match claimed[t] {
                Some(j) => claimed[k] = Some(j),
                None => surge_of[k] = Some(t),
            },
            None => {}
        }
    }

    // 3. Outages.
    let mut outages: Vec<Outage> = Vec::new();
    for (j, i) in incidents.iter().enumerate() {
        let members: Vec<(usize, &Episode)> = inp
            .episodes
            .iter()
            .enumerate()
            .filter(|(k, _)| claimed[*k] == Some(j))
            .collect();
        // A declaration that names no service and no component ("incident at our host
        // network") gave correlation nothing to go by: its relations are those of the
        // episodes it claims (the first of them).
        // A post-mortem's relations are those of the outage it describes, in its time; its root
        // is what it names.
        let post_mortem = i.is_post_mortem() && !members.is_empty();
        let a = match members.first() {
            Some(&(k, _)) if i.names_nothing() || post_mortem => &groups[k],
            _ => &groups[ne + j],
        };
        let root = if post_mortem {
            groups[ne + j].root.clone().or_else(|| a.root.clone())
        } else {
            a.root.clone()
        };
        let mut view = views[ne + j].clone();
        let mut technologies = Vec::new();
        let mut problems: Vec<Problem> = Vec::new();
        let mut region_list: Vec<RegionId> = Vec::new();
        let mut national = false;
        let with_network = members
            .iter()
            .any(|&(k, _)| !views[k].is_customer_service_signal());
        for &(k, e) in &members {
            push_unique(&mut view.services, &e.services);
            push_unique(&mut technologies, &e.technologies);
            push_unique(&mut problems, &e.problems);
            push_unique(&mut view.failed_probes, &views[k].failed_probes);
            push_unique(&mut view.signal_anomalies, &views[k].signal_anomalies);
            // A call surge's regions are its callers', not the outage's.
            if views[k].is_customer_service_signal() && with_network {
                continue;
            }
            if e.regions.is_empty() {
                national = true;
            }
            push_unique(&mut region_list, &e.regions);
        }
        // The declaration's own regions, as its correlation view holds them (`declared_view`).
        let regions = match &views[ne + j].regions {
            Some(l) => RegionSet::from_list(l, topology, &i.provider),
            None if !members.is_empty() => {
                if national || members.iter().all(|(_, e)| is_hotline_only(e)) {
                    RegionSet::All
                } else {
                    RegionSet::from_list(&region_list, topology, &i.provider)
                }
            }
            None => {
                let end = i.end.unwrap_or(now);
                let probed: Vec<RegionId> = inp
                    .failed_probes
                    .iter()
                    .filter(|(c, _, t)| {
                        t.0 >= i.start.0 - correlate::PROBE_LEAD_SECS
                            && *t <= end
                            && i.components.contains(c)
                    })
                    .map(|(_, r, _)| r.clone())
                    .collect();
                // The scope of last resort, for a declaration with neither episodes nor
                // failed probes (a planned maintenance at night): a region its statements
                // name is a better answer than the whole country.
                if probed.is_empty() {
                    RegionSet::from_list(&regions_named(i, topology, true), topology, &i.provider)
                } else {
                    RegionSet::from_list(&probed, topology, &i.provider)
                }
            }
        };
        view.regions = regions.as_option();
        view.technologies = technologies.clone();
        let share = 1.0 / problems.len().max(1) as f64;
        view.problems = problems.iter().map(|p| (*p, share)).collect();
        let start = members.iter().map(|(_, e)| e.start).fold(i.start, Ord::min);
        let detected_at = members
            .iter()
            .map(|(_, e)| e.detected_at)
            .fold(declared_at(i), Ord::min);
        let root_candidates = rank_root_causes(&view, topology);
        let mut summary = declared_summary(i);
        for (_, e) in &members {
            let d = describe(e);
            summary.en.push_str(&format!(" {}", d.en));
            summary.de.push_str(&format!(" {}", d.de));
        }
        view.signal_anomalies.sort_by_key(|a| a.start);
        append_signals(&mut summary, &view.signal_anomalies);
        outages.push(Outage {
            id: i.id.to_string(),
            aliases: members.iter().map(|(_, e)| episode_id(e)).collect(),
            provider: i.provider.clone(),
            incident: Some((*i).clone()),
            episodes: members.iter().map(|(_, e)| (*e).clone()).collect(),
            category: Some(i.category),
            state: i.state,
            services: view.services.clone(),
            components: i.components.clone(),
            technologies,
            problems,
            regions,
            start,
            detected_at,
            // The operator's post-mortem says it is over, not when it ended: the reports do.
            end: if post_mortem {
                members.iter().filter_map(|(_, e)| e.end).max().or(i.end)
            } else {
                i.end
            },
            cause_group: a.group.clone(),
            role: a.role.clone(),
            root,
            root_candidates,
            summary,
            explanation: a.explanation.clone(),
            view,
        });
    }
    for (k, e) in inp.episodes.iter().enumerate() {
        if claimed[k].is_some() || surge_of[k].is_some() {
            continue;
        }
        let a = &groups[k];
        let view = views[k].clone();
        let surges: Vec<(usize, &Episode)> = inp
            .episodes
            .iter()
            .enumerate()
            .filter(|(s, _)| surge_of[*s] == Some(k))
            .collect();
        let mut services = e.services.clone();
        for (_, s) in &surges {
            push_unique(&mut services, &s.services);
        }
        outages.push(Outage {
            id: episode_id(e),
            aliases: surges.iter().map(|(_, s)| episode_id(s)).collect(),
            provider: e.provider.clone(),
            incident: None,
            episodes: std::iter::once(e.clone())
                .chain(surges.iter().map(|(_, s)| (*s).clone()))
                .collect(),
            category: view.cause_info().category,
            state: if e.end.is_some() {
                IncidentState::Resolved
            } else {
                IncidentState::Suspected
            },
            services,
            components: Vec::new(),
            technologies: e.technologies.clone(),
            problems: e.problems.clone(),
            regions: if is_hotline_only(e) {
                RegionSet::All
            } else {
                RegionSet::from_list(&e.regions, topology, &e.provider)
            },
            start: e.start,
            detected_at: e.detected_at,
            end: e.end,
            cause_group: a.group.clone(),
            role: a.role.clone(),
            root: a.root.clone(),
            root_candidates: rank_root_causes(&view, topology),
            summary: {
                let mut s = describe(e);
                let mut signals = view.signal_anomalies.clone();
                for &(k, surge) in &surges {
                    let d = describe(surge);
                    s.en.push_str(&format!(" {}", d.en));
                    s.de.push_str(&format!(" {}", d.de));
                    push_unique(&mut signals, &views[k].signal_anomalies);
                }
                signals.sort_by_key(|a| a.start);
                append_signals(&mut s, &signals);
                s
            },
            explanation: a.explanation.clone(),
            view,
        });
    }
    inherit_host_regions(&mut outages, topology);
    // A provider that serves only some regions (a cable operator's footprint): its "all
    // regions" are those it serves, as its latest episode's learned rates show them.
    let mut served: BTreeMap<&ProviderId, &Vec<RegionId>> = BTreeMap::new();
    for e in inp.episodes {
        served.insert(&e.provider, &e.served);
    }
    for o in &mut outages {
        if !o.regions.is_all() {
            continue;
        }
        if let Some(served) = served.get(&o.provider).filter(|s| !s.is_empty()) {
            let list: Vec<RegionId> = topology
                .provider_regions(o.provider.as_str())
                .into_iter()
                .filter(|r| served.contains(r))
                .collect();
            o.regions = RegionSet::from_list(&list, topology, &o.provider);
        }
    }
    outages.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));

    let providers = topology
        .providers
        .iter()
        .map(|p| headline(topology, &p.id, &outages, inp.components))
        .collect();
    ProductView {
        now,
        outages,
        providers,
    }
}

/// The headline of one provider from its open outages and its components' statuses.
fn headline(
    topology: &Topology,
    provider: &ProviderId,
    outages: &[Outage],
    components: &[(ComponentRef, ComponentStatus, Timestamp)],
) -> ProviderStatus {
    let open: Vec<&Outage> = outages
        .iter()
        .filter(|o| &o.provider == provider && o.is_open())
        .collect();
    let mut services = Vec::new();
    for s in topology.services_of(provider.as_str()) {
        let mine: Vec<&&Outage> = open.iter().filter(|o| o.services.contains(&s.id)).collect();
        let closure: BTreeSet<ComponentRef> = topology.service_closure(s).into_iter().collect();
        let comps: Vec<(ComponentRef, ComponentStatus)> = components
            .iter()
            .filter(|(c, st, _)| {
                closure.contains(c) && (st.is_impaired() || *st == ComponentStatus::Maintenance)
            })
            .map(|(c, st, _)| (c.clone(), *st))
            .collect();
        let level = mine
            .iter()
            .map(|o| o.level())
            .chain(comps.iter().map(|(_, st)| Level::of_component(*st)))
            .max()
            .unwrap_or(Level::Operational);
        services.push(ServiceStatus {
            service: s.id.clone(),
            level,
            outages: mine.iter().map(|o| o.id.clone()).collect(),
            components: comps,
            since: mine.iter().map(|o| o.start).min(),
        });
    }
    let unnamed = open
        .iter()
        .filter(|o| o.services.is_empty())
        .map(|o| o.level());
    let level = services
        .iter()
        .map(|s| s.level)
        .chain(unnamed)
        .max()
        .unwrap_or(Level::Operational);
    let mut affected: Vec<&ServiceStatus> = services
        .iter()
        .filter(|s| s.level != Level::Operational)
        .collect();
    affected.sort_by_key(|s| std::cmp::Reverse(s.level));
    ProviderStatus {
        provider: provider.clone(),
        level,
        since: open.iter().map(|o| o.start).min(),
        open: open.iter().map(|o| o.id.clone()).collect(),
        affected: affected.iter().map(|s| s.service.clone()).collect(),
        services,
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the detector saw, in a sentence.
pub fn describe(e: &Episode) -> Explanation {
    let mut en = format!(
        "{} reports rose to {:.0}/min against a baseline of {:.1}/min (score {:.2}) from {}",
        e.provider, e.peak_rate, e.baseline_rate, e.peak_score, e.start
    );
    let mut de = format!(
        "Meldungen zu {} stiegen ab {} auf {:.0}/min bei üblich {:.1}/min (Wert {:.2})",
        e.provider, e.start, e.peak_rate, e.baseline_rate, e.peak_score
    );
    if !e.services.is_empty() {
        en.push_str(&format!("; services: {}", join(&e.services)));
        de.push_str(&format!("; Dienste: {}", join(&e.services)));
    }
    if !e.technologies.is_empty() {
        en.push_str(&format!("; technologies: {}", e.technologies.join(", ")));
        de.push_str(&format!("; Technologien: {}", e.technologies.join(", ")));
    }
    if e.regions.is_empty() {
        en.push_str("; no single region stands out (nationwide)");
        de.push_str("; keine Region sticht heraus (bundesweit)");
    } else {
        en.push_str(&format!("; regions: {}", join(&e.regions)));
        de.push_str(&format!("; Regionen: {}", join(&e.regions)));
    }
    if !e.problems.is_empty() {
        en.push_str(&format!("; problems: {}", join(&e.problems)));
        de.push_str(&format!("; Probleme: {}", join(&e.problems)));
    }
    en.push('.');
    de.push('.');
    Explanation { de, en }
}

/// Names the operator-signal anomalies that bear on an outage, as evidence.
fn append_signals(summary: &mut Explanation, anomalies: &[SignalAnomaly]) {
    if anomalies.is_empty() {
        return;
    }
    let list: Vec<Explanation> = anomalies.iter().map(|a| a.describe()).collect();
    let en: Vec<&str> = list.iter().map(|d| d.en.as_str()).collect();
    let de: Vec<&str> = list.iter().map(|d| d.de.as_str()).collect();
    summary
        .en
        .push_str(&format!(" Operator signals: {}.", en.join("; ")));
    summary
        .de
        .push_str(&format!(" Betreibersignale: {}.", de.join("; ")));
}

/// Where a declaration says its incident is: its regions, else those its title names
/// ([`regions_named`]), else nothing (it may be national). Operators often write the place
/// into the title only ("Fibre cut (FR-HDF)", "Störung in Bayern"; the scenario format's
/// incidents have no regions field): that is their word for the scope as much as a field, and
/// it keeps a regional fault from claiming a national outage of the same provider beside it.
/// Statements are left out here: they tell how the incident goes ("restored in Bayern").
fn declared_regions(i: &Incident, topology: &Topology) -> Option<Vec<RegionId>> {
    i.regions.clone().or_else(|| {
        let named = regions_named(i, topology, false);
        (!named.is_empty()).then_some(named)
    })
}

/// The regions of the provider's country that a declaration's own words name, in its title
/// (and, with `statements`, in a statement), in any language: a region's id (`DE-BY`) or its
/// name (`Bayern`, any case), as a whole word.
fn regions_named(i: &Incident, topology: &Topology, statements: bool) -> Vec<RegionId> {
    let texts: Vec<String> = i
        .title
        .0
        .values()
        .chain(
            i.statements
                .iter()
                .filter(|_| statements)
                .flat_map(|s| s.text.0.values()),
        )
        .map(|t| t.to_lowercase())
        .collect();
    topology
        .provider_regions(i.provider.as_str())
        .into_iter()
        .filter(|r| {
            let name = topology.region(r.as_str()).map(|x| x.name.to_lowercase());
            let id = r.as_str().to_lowercase();
            texts
                .iter()
                .any(|t| names_word(t, &id) || name.as_deref().is_some_and(|n| names_word(t, n)))
        })
        .collect()
}

/// Whether `word` (not empty) occurs in `text` with no letter, digit or hyphen on either side.
fn names_word(text: &str, word: &str) -> bool {
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-');
    !word.is_empty()
        && text.match_indices(word).any(|(at, _)| {
            !joins(text[..at].chars().next_back()) && !joins(text[at + word.len()..].chars().next())
        })
}

/// What the operator declared, in a sentence.
fn declared_summary(i: &Incident) -> Explanation {
    let comps: Vec<String> = i.components.iter().map(|c| c.to_string()).collect();
    let mut en = format!(
        "Declared by {} as a {} incident ({}), state {}",
        i.provider, i.category, i.id, i.state
    );
    let mut de = format!(
        "Von {} als Störung der Art {} gemeldet ({}), Stand {}",
        i.provider, i.category, i.id, i.state
    );
    if let Some(t) = i.title.get("en") {
        en.push_str(&format!(": {t}"));
    }
    if let Some(t) = i.title.get("de") {
        de.push_str(&format!(": {t}"));
    }
    if !comps.is_empty() {
        en.push_str(&format!("; components: {}", comps.join(", ")));
        de.push_str(&format!("; Komponenten: {}", comps.join(", ")));
    }
    en.push('.');
    de.push('.');
    Explanation { de, en }
}

/// A component as `topology.toml` and `truth.json` write it: its bare id when it belongs to
/// `provider`, `provider:component` when it belongs to another provider.
pub fn local_name(provider: &ProviderId, c: &ComponentRef) -> String {
    if &c.provider == provider {
        c.component.to_string()
    } else {
        c.to_string()
    }
}

/// The statuses of an [`crate::incident::IncidentBook`] as [`Inputs::components`] takes them.
pub fn component_list(
    m: &BTreeMap<ComponentRef, (ComponentStatus, Timestamp)>,
) -> Vec<(ComponentRef, ComponentStatus, Timestamp)> {
    m.iter().map(|(c, (s, t))| (c.clone(), *s, *t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::SignalAnomaly;
    use crate::topology::germany;

    const T0: i64 = 1_494_547_200;

    fn topo() -> Topology {
        let extra = "\n[[signals]]\nprovider = \"o2-de\"\nid = \"lte-sessions\"\nname = \"LTE sessions\"\nunit = \"sessions\"\ncomponent = \"ran-lte\"\n\n[[signals]]\nprovider = \"o2-de\"\nid = \"crm-latency\"\nname = \"CRM response time\"\nunit = \"s\"\ncomponent = \"crm-dsl\"\n";
        Topology::from_toml("t", &format!("{}{extra}", germany::TOPOLOGY_TOML)).unwrap()
    }

    fn ep(id: u64, services: &[&str], techs: &[&str], start: i64) -> Episode {
        Episode {
            id,
            provider: "o2-de".parse().unwrap(),
            services: services.iter().map(|s| s.parse().unwrap()).collect(),
            regions: vec![],
            technologies: techs.iter().map(|t| t.to_string()).collect(),
            problems: vec![],
            start: Timestamp(start),
            detected_at: Timestamp(start + 120),
            end: Some(Timestamp(start + 3 * 3600)),
            peak_score: 0.9,
            peak_rate: 20.0,
            baseline_rate: 2.0,
            region_shares: Vec::new(),
            served: Vec::new(),
        }
    }

    fn anomaly(signal: &str, component: &str, region: Option<&str>, start: i64) -> SignalAnomaly {
        SignalAnomaly {
            provider: "o2-de".parse().unwrap(),
            signal: signal.parse().unwrap(),
            region: region.map(|r| r.parse().unwrap()),
            name: "Hotline waiting time".into(),
            unit: Some("s".into()),
            component: Some(ComponentRef {
                provider: "o2-de".parse().unwrap(),
                component: component.parse().unwrap(),
            }),
            start: Timestamp(start),
            end: Some(Timestamp(start + 2 * 3600)),
            rising: true,
            peak: 2400.0,
            peak_at: Timestamp(start + 1800),
            typical: 120.0,
            band: (60.0, 180.0),
            score: 0.6,
        }
    }

    fn view(t: &Topology, episodes: &[Episode], signals: &[SignalAnomaly]) -> ProductView {
        build_at(t, episodes, &[], &[], signals, T0 + 86_400)
    }

    /// The view of these inputs (no component statuses, nothing dismissed) at `now`.
    fn build_at(
        topology: &Topology,
        episodes: &[Episode],
        incidents: &[Incident],
        failed_probes: &[(ComponentRef, RegionId, Timestamp)],
        signal_anomalies: &[SignalAnomaly],
        now: i64,
    ) -> ProductView {
        build(Inputs {
            topology,
            episodes,
            incidents,
            components: &[],
            failed_probes,
            signal_anomalies,
            dismissed: &[],
            now: Timestamp(now),
        })
    }

    /// An incident of O2 on one component, declared at `now` (its start) with an English title.
    fn declare_o2(
        t: &Topology,
        id: &str,
        category: IncidentCategory,
        state: IncidentState,
        title: &str,
        component: &str,
        now: i64,
    ) -> Incident {
        use crate::event::{IncidentId, LocalizedText};
        use crate::incident::Declaration;
        Incident::declare(
            Declaration {
                id: Some(IncidentId::parse(id).unwrap()),
                provider: Some("o2-de".parse().unwrap()),
                category: Some(category),
                state: Some(state),
                title: Some(LocalizedText(BTreeMap::from([(
                    "en".to_owned(),
                    title.to_owned(),
                )]))),
                components: vec![component.into()],
                ..Declaration::default()
            },
            t,
            Timestamp(now),
            || IncidentId::parse("generated").unwrap(),
            false,
        )
        .unwrap()
    }

    /// An outage's regions, "all" expanded, as ids.
    fn region_names(o: &Outage, t: &Topology) -> Vec<String> {
        o.regions
            .expand(t, &o.provider)
            .iter()
            .map(|r| r.to_string())
            .collect()
    }

    fn root(o: &Outage) -> String {
        o.root.as_ref().map(|c| c.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_signal_anomaly_raises_the_component_it_measures_as_root_and_is_named() {
        let t = topo();
        let calls = [ep(1, &["customer-service"], &[], T0)];
        let plain = view(&t, &calls, &[]);
        assert_eq!(root(&plain.outages[0]), "o2-de:hotline-telephony");
        // A signal of the DSL customer system that left its band at the time: now the likelier
        // root, and named as the reason.
        let mut crm = anomaly("crm-latency", "crm-dsl", None, T0 - 300);
        crm.name = "CRM response time".into();
        let v = view(&t, &calls, std::slice::from_ref(&crm));
        let o = &v.outages[0];
        assert_eq!(root(o), "o2-de:crm-dsl");
        assert_eq!(o.view.signal_anomalies, [crm.clone()]);
        let named = "CRM response time 40 min, typically 2 min, since 2017-05-11 23:55 UTC";
        assert!(o.explanation.en.contains(named), "{}", o.explanation.en);
        assert!(o.summary.en.contains(named), "{}", o.summary.en);
        let best = &o.root_candidates[0];
        assert!(best
            .reasons
            .iter()
            .any(|r| matches!(r, correlate::Reason::SignalAnomaly { signal, .. } if signal == "crm-latency")));
        // An anomaly long after it is no evidence.
        let late = anomaly("crm-latency", "crm-dsl", None, T0 + 6 * 3600);
        let v = view(&t, &calls, &[late]);
        assert!(v.outages[0].view.signal_anomalies.is_empty());
        assert_eq!(root(&v.outages[0]), "o2-de:hotline-telephony");
    }

    #[test]
    fn callers_waiting_during_a_network_outage_do_not_make_the_hotline_its_root() {
        let t = topo();
        let mut net = ep(1, &["mobile-data", "mobile-voice"], &["lte"], T0);
        net.problems = vec![Problem::NoInternet, Problem::NoSignal];
        let mut calls = ep(2, &["customer-service"], &[], T0 + 600);
        calls.problems = vec![Problem::Hotline];
        let eps = [net, calls];
        let wait = anomaly("hotline-wait", "hotline-telephony", None, T0 + 600);
        let v = view(&t, &eps, &[wait]);
        let net = v.outage(&episode_id_of(1)).unwrap();
        assert_eq!(root(net), "o2-de:ran-lte");
        assert!(net.view.signal_anomalies.is_empty());
        // The callers are the network outage's call surge: one outage, which shows them and
        // the wait.
        assert_eq!(v.outages.len(), 1, "{:#?}", v.outages);
        assert_eq!(net.aliases, [episode_id_of(2)]);
        assert!(std::ptr::eq(v.outage(&episode_id_of(2)).unwrap(), net));
        assert!(net
            .services
            .iter()
            .any(|s| s.as_str() == "customer-service"));
        assert!(net.summary.en.contains("Hotline waiting time 40 min"));
    }

    #[test]
    fn a_regional_signal_anomaly_adds_its_region_to_a_regional_outage_only() {
        let t = topo();
        let mut e = ep(1, &["mobile-data"], &["lte"], T0);
        e.regions = vec!["DE-BY".parse().unwrap()];
        let hh = anomaly("lte-sessions", "ran-lte", Some("DE-HH"), T0 + 300);
        let v = view(&t, std::slice::from_ref(&e), std::slice::from_ref(&hh));
        let got = region_names(&v.outages[0], &t);
        assert_eq!(got, ["DE-BY", "DE-HH"]);
        // Not of a component the outage's services need: no evidence of scope.
        let mut dsl = hh.clone();
        dsl.component = Some(ComponentRef {
            provider: "o2-de".parse().unwrap(),
            component: "access-dsl".parse().unwrap(),
        });
        let v = view(&t, std::slice::from_ref(&e), &[dsl]);
        assert_eq!(v.outages[0].regions.expand(&t, &e.provider).len(), 1);
        // Under way hours before the outage began (a weekly pattern the band has not learnt):
        // a change of its own, no evidence of scope or root, though it overlaps the outage.
        let mut before = hh.clone();
        before.start = Timestamp(T0 - 6 * 3600);
        before.end = None;
        let v = view(&t, std::slice::from_ref(&e), std::slice::from_ref(&before));
        assert_eq!(v.outages[0].regions.expand(&t, &e.provider).len(), 1);
        assert!(v.outages[0].view.signal_anomalies.is_empty());
        // Alone, a signal anomaly is no outage.
        assert!(view(&t, &[], &[hh]).outages.is_empty());
    }

    /// A declaration with neither episodes nor failed probes is scoped by the regions its own
    /// words name (id or name, as whole words, in the title or a statement), else national.
    #[test]
    fn a_declaration_without_evidence_is_scoped_by_the_regions_it_names() {
        use crate::event::LocalizedText;
        use crate::incident::Statement;
        let t = topo();
        let declare = |en: &str, statement: Option<&str>| {
            let mut i = declare_o2(
                &t,
                "maint-1",
                IncidentCategory::Maintenance,
                IncidentState::Confirmed,
                en,
                "ran-lte",
                T0,
            );
            if let Some(text) = statement {
                i.statements.push(Statement {
                    time: Timestamp(T0 + 60),
                    text: LocalizedText(BTreeMap::from([("de".to_owned(), text.to_owned())])),
                    workaround: None,
                });
            }
            let v = build_at(&t, &[], std::slice::from_ref(&i), &[], &[], T0 + 3600);
            region_names(&v.outages[0], &t)
        };
        assert_eq!(
            declare("Planned maintenance of the LTE network (DE-BY)", None),
            ["DE-BY"]
        );
        assert_eq!(
            declare(
                "Planned maintenance",
                Some("Arbeiten in bayern und Berlin, 2-4 Uhr")
            ),
            ["DE-BE", "DE-BY"]
        );
        // Not a whole word: a longer id, a name inside a word, an id inside a hyphenated word.
        let national = declare("Maintenance DE-BYX, Bayernwerk, X-DE-BE", None);
        assert_eq!(national.len(), 16, "{national:?}");
    }

    /// A national outage of a provider that serves some regions only covers those regions.
    #[test]
    fn a_national_outage_covers_the_regions_its_provider_serves() {
        let t = topo();
        let mut e = ep(1, &["mobile-data"], &["lte"], T0);
        let national = view(&t, std::slice::from_ref(&e), &[]);
        assert_eq!(national.outages[0].regions, RegionSet::All);
        e.served = vec!["DE-NW".parse().unwrap(), "DE-BY".parse().unwrap()];
        let v = view(&t, std::slice::from_ref(&e), &[]);
        let got = region_names(&v.outages[0], &t);
        assert_eq!(got, ["DE-BY", "DE-NW"]);
        // A regional outage keeps its own regions.
        e.regions = vec!["DE-HH".parse().unwrap()];
        let v = view(&t, std::slice::from_ref(&e), &[]);
        assert_eq!(v.outages[0].regions.expand(&t, &e.provider).len(), 1);
    }

    /// An operator's post-mortem ("incident resolved; analysis under way", declared resolved
    /// hours after the fact) is about the outage its provider had: it claims the latest
    /// episode it can describe that ended within the day before it, and the outage keeps the
    /// episode's time and takes the declaration's root. One it cannot describe, or one a day
    /// and more later, stays apart.
    #[test]
    fn a_post_mortem_claims_the_outage_it_describes() {
        let t = topo();
        let post_mortem = |component: &str, at: i64| {
            let i = declare_o2(
                &t,
                "pm-1",
                IncidentCategory::Network,
                IncidentState::Resolved,
                "Disruption resolved",
                component,
                at,
            );
            assert!(i.is_post_mortem());
            i
        };
        let e = ep(1, &["mobile-data"], &["lte"], T0);
        let end = e.end.unwrap();
        let build_with = |i: &Incident| {
            build_at(
                &t,
                std::slice::from_ref(&e),
                std::slice::from_ref(i),
                &[],
                &[],
                T0 + 2 * 86_400,
            )
        };
        // Five hours after the episode ended, naming the LTE radio network: one outage.
        let v = build_with(&post_mortem("ran-lte", end.0 + 5 * 3600));
        assert_eq!(v.outages.len(), 1, "{:#?}", v.outages);
        let o = &v.outages[0];
        assert_eq!(o.id, "pm-1");
        assert_eq!(o.aliases, [episode_id_of(1)]);
        assert_eq!(
            (o.start, o.detected_at, o.end),
            (e.start, e.detected_at, e.end)
        );
        assert_eq!(root(o), "o2-de:ran-lte");
        // Naming the customer-management system, which mobile data does not need: two.
        assert_eq!(
            build_with(&post_mortem("crm-dsl", end.0 + 5 * 3600))
                .outages
                .len(),
            2
        );
        // A day and more after the episode ended: two.
        assert_eq!(
            build_with(&post_mortem("ran-lte", end.0 + 25 * 3600))
                .outages
                .len(),
            2
        );
    }

    /// An MVNO's outage whose root is its host's component is felt wherever the host's outage
    /// of that cause is: 1&1's few reports from Bavaria do not make Vodafone's national LTE
    /// fault a Bavarian one for 1&1's customers, who roam on Vodafone's radio network.
    #[test]
    fn an_mvno_outage_rooted_in_its_hosts_fault_is_as_wide_as_the_hosts() {
        let t = topo();
        let mut host = ep(1, &["mobile-data", "mobile-voice"], &["lte"], T0);
        host.provider = "vodafone-de".parse().unwrap();
        let mut mvno = ep(2, &["mobile-data", "mobile-voice"], &["lte"], T0 + 240);
        mvno.provider = "1und1-de".parse().unwrap();
        mvno.regions = vec!["DE-BY".parse().unwrap()];
        let mvno_of = |v: &ProductView| {
            v.outages
                .iter()
                .find(|o| o.provider.as_str() == "1und1-de")
                .unwrap()
                .clone()
        };
        // Vodafone's LTE probes fail (twice each): its radio network is known down.
        let lte = ComponentRef {
            provider: "vodafone-de".parse().unwrap(),
            component: "ran-lte".parse().unwrap(),
        };
        let probes: Vec<(ComponentRef, RegionId, Timestamp)> = ["DE-BE", "DE-BY"]
            .iter()
            .flat_map(|r| {
                [T0 + 60, T0 + 360].map(|at| (lte.clone(), r.parse().unwrap(), Timestamp(at)))
            })
            .collect();
        let view = |t: &Topology, episodes: &[Episode], _: &[SignalAnomaly]| {
            build_at(t, episodes, &[], &probes, &[], T0 + 3 * 86_400)
        };
        let v = view(&t, &[host.clone(), mvno.clone()], &[]);
        let o = mvno_of(&v);
        assert_eq!(root(&o), "vodafone-de:ran-lte", "{}", o.explanation.en);
        assert_eq!(o.regions, RegionSet::All);
        // The host's outage in two Länder: the MVNO's in those two.
        let mut regional = host.clone();
        regional.regions = vec!["DE-BE".parse().unwrap(), "DE-BY".parse().unwrap()];
        let v = view(&t, &[regional, mvno.clone()], &[]);
        assert_eq!(region_names(&mvno_of(&v), &t), ["DE-BE", "DE-BY"]);
        // A day later the two are not one cause: the MVNO's outage keeps its own regions.
        let mut later = mvno.clone();
        later.start = Timestamp(T0 + 86_400);
        later.detected_at = Timestamp(T0 + 86_400 + 120);
        later.end = Some(Timestamp(T0 + 86_400 + 3600));
        let v = view(&t, &[host, later], &[]);
        assert_eq!(region_names(&mvno_of(&v), &t), ["DE-BY"]);
    }

    /// An operator who writes the place into the title only ("LTE disruption in Bayern", the
    /// scenario format's incidents have no regions field) has declared a regional fault: it is
    /// the outage of the Bavarian episode, and calls failing nationwide twenty minutes later
    /// are another outage, though calls need the LTE radio too.
    #[test]
    fn a_declaration_placed_by_its_title_does_not_claim_a_national_outage_beside_it() {
        let t = topo();
        let mut cut = ep(1, &["mobile-data", "mobile-voice"], &["lte"], T0);
        cut.regions = vec!["DE-BY".parse().unwrap()];
        let voice = ep(2, &["mobile-voice"], &["lte"], T0 + 1200);
        let declare = |title: &str| {
            declare_o2(
                &t,
                "net-1",
                IncidentCategory::Network,
                IncidentState::Identified,
                title,
                "ran-lte",
                T0 + 1800,
            )
        };
        let outages = |title: &str| {
            let v = build_at(
                &t,
                &[cut.clone(), voice.clone()],
                &[declare(title)],
                &[],
                &[],
                T0 + 2 * 3600,
            );
            let mut list: Vec<(String, Vec<String>, Vec<String>)> = v
                .outages
                .iter()
                .map(|o| {
                    let regions = match &o.regions {
                        RegionSet::All => vec!["*".to_owned()],
                        RegionSet::Only(l) => l.iter().map(|r| r.to_string()).collect(),
                    };
                    (o.id.clone(), o.aliases.clone(), regions)
                })
                .collect();
            list.sort();
            list
        };
        let (cut_id, voice_id) = (episode_id_of(1), episode_id_of(2));
        assert_eq!(
            outages("LTE disruption in Bayern"),
            [
                (voice_id, vec![], vec!["*".to_owned()]),
                ("net-1".to_owned(), vec![cut_id], vec!["DE-BY".to_owned()]),
            ]
        );
        // Without a place the declaration may be national: it claims both.
        let both = outages("LTE disruption");
        assert_eq!(both.len(), 1, "{both:?}");
        assert_eq!(both[0].0, "net-1");
    }

    /// LTE sessions falling in Bavaria during a Bavarian data outage are its symptom; a
    /// national voice outage that began beside it would show in every Land's sessions, so the
    /// Bavarian anomaly is no evidence for it (it named the wrong root in such a pair).
    #[test]
    fn a_regional_anomaly_inside_a_regional_outage_is_not_evidence_for_a_national_one() {
        let t = topo();
        let mut regional = ep(1, &["mobile-data"], &["lte"], T0);
        regional.regions = vec!["DE-BY".parse().unwrap()];
        let national = ep(2, &["mobile-voice"], &["lte"], T0 + 1200);
        let carried = |component: &str, region: Option<&str>| {
            let a = anomaly("lte-sessions", component, region, T0 + 1500);
            let v = view(&t, &[regional.clone(), national.clone()], &[a]);
            let has = |id: u64| {
                let o = v
                    .outages
                    .iter()
                    .find(|o| o.id == episode_id_of(id))
                    .unwrap();
                !o.view.signal_anomalies.is_empty()
            };
            (has(1), has(2))
        };
        assert_eq!(carried("ran-lte", Some("DE-BY")), (true, false));
        // Not the regional outage's symptom (mobile data does not need the voice platform), or
        // without a region: evidence for the national one.
        assert_eq!(carried("ims-voice", Some("DE-BY")), (false, true));
        assert_eq!(carried("ran-lte", None), (true, true));
    }
}
