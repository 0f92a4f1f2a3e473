//! Outage detection on crowd-report streams: distinct-reporter counts per minute, a learnt
//! seasonal baseline per series, an anomaly score, and outage episodes with onset, end and scope.
//!
//! # Pipeline
//! 1. **Counting** (`dedup`): a reporter counts once per provider per window; repeaters
//!    and floods are taken back out of the evidence.
//! 2. **Series.** Each counted report adds one to every series it belongs to: the provider `P`,
//!    per service `P/S`, `P/S/region`, `P/S/problem`, per region `P/R`, per problem `P/Q`, and
//!    per region and problem `P/R/Q`. Reports with no service (or an unknown service id) count in
//!    `P`, `P/Q`, `P/R` and `P/R/Q` only. All series of the topology exist from the start (an
//!    unknown provider gets its series on its first report); each minute every series is closed,
//!    also with a count of zero.
//! 3. **Baseline.** 48 hourly buckets (24 hours × weekday/weekend, in the provider's local time:
//!    [`Topology::time_zone`], so a bucket keeps its wall-clock hour across daylight-saving
//!    changes) of expected distinct reporters per minute, as `f32`,
//!    interpolated linearly between bucket centres. Each closed minute is learnt into its bucket
//!    with rate `max(1/(n+k0), learn_min_alpha)` (n = minutes the bucket has seen, k0 =
//!    `prior_weight`; the minimum gives a memory of about four days). *Cold start:* an unseen
//!    bucket starts from the same hour of the other day type, else from a recent level (an EWMA
//!    of all minutes with a memory of `1/level_alpha` minutes); the tested expectation carries a
//!    margin that shrinks as the bucket matures: `λ·(1 + rate_slack + cold_rel·k0/(n+k0)) +
//!    cold_z·sqrt(λ/(n+k0)) + cold_abs/(n'+1)`, where `n'` is the larger of `n` and the
//!    minutes of the other day type's same hour (a bucket seeded from that hour does not rest
//!    on nothing; the prior's share still marks it young). In a series' first
//!    `warmup_minutes` (a fresh store, a new provider) the baseline is a guess from the last
//!    minutes, so only a strong rise alarms: one whose excursion began after the series had
//!    seen `warmup_quiet_minutes` (its first minutes always look like a rise from nothing) and
//!    whose excess reaches
//!    `warmup_min_excess`, well above what a level misjudged from a few minutes explains. Such
//!    an alarm's series then learns as any member of an episode does (barely).
//!    *Robustness:* counts are winsorised at `λ + winsor_z·sqrt(λ) + 2` before learning; a
//!    series in alarm or in an open episode learns with weight `anomaly_weight` (0.02), and so
//!    does one on any upward excursion while its provider has an open episode, or while a
//!    provider its services depend on (an MVNO's host) has an open episode, fast or slow,
//!    showing a service that needs one of the same components: the MVNO's few customers
//!    ramp up slowly, and on a young bucket their rise was learnt as the new normal before it
//!    was evidence; one on a notable excursion (score ≥ `suspect_score` on a mature bucket)
//!    with `suspect_weight` (0.25); and nothing is
//!    learnt while the provider's data looks cut off (empty minutes at provider level that
//!    should have held `gap_expected` reports). So an outage does not become tomorrow's
//!    baseline, and neither does a data gap. *Declared incidents:* the harness passes every
//!    operator-declared incident ([`Declared`]: the services that depend on its components)
//!    to [`Detector::declare_at`], which takes it in just before the minute of its time closes
//!    — so a replay, a live server and a restarted one agree whenever the declaration arrived;
//!    while it is open, every series of
//!    those services learns with `anomaly_weight`, so a long outage the operator already
//!    announced (a customer system down for days) is not learnt as the new normal before the
//!    reports prove it.
//! 4. **Change detection and score.** Counts are Poisson-like, so they are tested as such (this
//!    copes with sparse night-time data where the baseline is near zero). A one-sided Poisson
//!    CUSUM for a rise to `max(rise_ratio·λ, λ + rise_abs)` finds the onset of an excursion (the
//!    minute it last left zero). Over the excursion the evidence is the Poisson log-likelihood
//!    ratio (a GLR: the rise is estimated, not assumed) of the observed sum minus the
//!    repeater allowance against the expected sum. The score in [0, 1] is
//!    `min(1 − 2^(−llr/alarm_llr), 1 − 2^(−excess/min_excess))`: it reaches 0.5 exactly when
//!    both the statistical evidence and the number of excess reporters reach their thresholds.
//!    That is an *alarm*; an excursion of a single minute alarms only with an excess of at
//!    least `instant_excess` (a one-minute burst may be a flood whose repeats are still to
//!    come).
//!    *Slow test.* The CUSUM above looks for at least `rise_abs` more reporters *a minute*, so
//!    a modest rise sustained for days (callers who cannot be helped while a customer system
//!    is down: a few more an hour) never starts an excursion. Beside it runs a second Poisson
//!    CUSUM for a purely relative rise to `slow_rise_ratio·l` (a sustained rise below about
//!    `(ρ − 1)/ln ρ` times the expectation, 1.44 for ρ = 2, drifts back to zero, so day-to-day
//!    variation does not accumulate). Its expectation `l` is the tested one without the
//!    absolute cold-start term `cold_abs/(n+1)` (a per-minute guard a long window does not
//!    need), and at least `slow_floor_share` of the series' mean rate over the last day (night
//!    baselines are small and night traffic bursty: at night it takes a rise that would count
//!    in the daytime). Over its excursion the evidence is scored as above (GLR against `l`,
//!    excess after the repeater allowance against `min_excess`), and it alarms once the
//!    excursion is at least `slow_min_minutes` old (anything shorter is the minute test's).
//!    Its onset is where that excursion left zero.
//!    *Aggregates.* In the aggregate series — the provider `P` and a service `P/S`, each
//!    over all regions and problem types — the slow test looks for a smaller rise
//!    (`slow_aggregate_rise_ratio`), needs less evidence (`slow_aggregate_llr`) and may alarm
//!    after `slow_aggregate_min_minutes`. A fault whose reports ramp up over half an hour
//!    (DNS, routing) raises each series slowly, but their sum clearly: its modest plateau
//!    may never double a series' expectation (the default slow test would then not see it
//!    at all), and the hour the default slow test waits is most of the ramp. There are few
//!    aggregates (1 + services per provider), so the lower threshold adds few chances for a
//!    false alarm. (Region aggregates `P/R` were tried too: they opened national ramps as
//!    one-Land episodes.) Its alarm opens a slow episode like the default slow test's. Calibration (scenario kinds `slow-national`,
//!    `slow-regional`, `ramp` and the false-alarm kinds `quiet-night`, `holiday`,
//!    `data-gap`, `spam-flood`, `bot-burst`, seeds 101 and 202 only; the sweeps ran with the
//!    region aggregates still in, the chosen point was re-run without them and gave the same
//!    figures):
//!
//!    | tunable | value | chosen by | sensitivity | valid range |
//!    |---|---|---|---|---|
//!    | `slow_aggregate_rise_ratio` | 1.3 | a plateau at 1.5× the tested expectation must keep the CUSUM above zero (`(ρ − 1)/ln ρ` = 1.14) | 1.3 and 1.5 gave the same figures on the tuning seeds; above 2 it is the default slow test again | ≥ 1.01 |
//!    | `slow_aggregate_llr` | 8 | smallest value without a false alarm: 5 added two false detections (holiday/flood kinds), 8 none | median delay of the slow kinds 1680/1350 s (13) → 1470/1170 s (8) | > 0; below about 6 false alarms |
//!    | `slow_aggregate_min_minutes` | 10 | long enough for a flood's repeats to have arrived (repeater allowance), short against a 30–60-minute ramp | 5: slow-national 1380 s, 10: 1470 s, 20: 1500 s; no false alarm at any | ≥ 1 |
//!
//!    *Bursts.* Crowd reports are not Poisson: a post that sends a few dozen people to the
//!    report form, a busy quarter of an hour, move all of a provider's series together for
//!    minutes. The provider's total series estimates how much (κ in `Var(X) = L + κ·L²` for
//!    the count X of a ten-minute block of expectation L, from the differences of consecutive
//!    blocks learnt with full weight, so a young baseline's error is not taken for a burst;
//!    over the last day of blocks; two standard errors low, so a small provider's noisy
//!    estimate stays at 0). An aggregate's slow test, which alarms on a rise of a third within
//!    ten minutes, divides its Poisson evidence by `1 + κ·L` (the quasi-likelihood's scale)
//!    for the expectation L of its excursion's span up to one block. The minute test and the
//!    single series' slow test, which look for a larger rise or a longer one, are not
//!    discounted: on bursty packages their false alarms were few, and their delay is what a
//!    fault's first minutes get. On Poisson data κ stays 0 and nothing changes.
//!    While a declared incident affects the
//!    series, the excursion does not end: it runs from the declaration on (a known change
//!    point), so the evidence of a weekend's few calls adds to Monday's.
//!    *End of a slow member.* Its end is evidence that the rate is back at the expectation
//!    rather than at the rise its alarm showed (a low estimate: the excursion's count two
//!    standard deviations low, over its expectation, at least the test's own ratio). Held
//!    against the test's doubling instead, a sparse series (an MVNO's region, a report an hour)
//!    would need days of silence to end, and its stale episode would take in later faults.
//!    *A host's outage as corroboration.* While a provider that this one's services depend on
//!    (an MVNO's host) has an open episode showing a service that needs the same components,
//!    the series of this provider's services that need them, in the regions that episode
//!    covers (a series over all regions only if it covers all), alarm on `host_evidence` (a
//!    half) of the usual log-likelihood ratio and excess, and a member of such a series stays
//!    elevated while that episode lasts, as one of a declared incident does; one whose alarm
//!    came under that corroboration ends with that episode. The host's
//!    fault makes the MVNO's the expected outcome; its few customers' reports need only show
//!    that they notice it.
//! 5. **Episodes** (`episodes`): an alarming series joins an open episode of its provider
//!    or opens one; episodes split by region and close with hysteresis.
//! 6. **Scope** (`scope`): services, regions, problems and technologies of an open
//!    episode, from the series above baseline since it opened.
//! 7. **Early alarms** (`early`): a minute is scored when it closes, but an outage is shown as
//!    soon as the reports counted so far settle what the close will decide
//!    ([`Detector::alarm_early`] for a caller that feeds reports as they come,
//!    [`Detector::preview_early`] for one that holds them until the minute closes); the close
//!    keeps it and its time.
//!
//! Configuration and its documented operating point: `config` (validated in `validate`);
//! what the detector shows of itself (status of a series, scores, state size): `status`.
//!
//! # State
//! A series is about 330 bytes (`repr(C)` [`series::Series`]: the 48-bucket `f32` profile, a
//! `u8` maturity per bucket and about twenty scalars); the reporter window adds one hash-map entry
//! per reporter active in the last window. `examples/detect_bench.rs` measures bytes per series
//! and the scoring rate for two million series.
//!
//! Everything is deterministic and free of IO and clocks: time comes in only through
//! [`Detector::advance_to`], which alone closes minutes, and a minute is closed only once time
//! has passed its end, so every decision at time t uses data with time ≤ t. A report counts in
//! its own minute, which must be the open one ([`Detector::observe`]): a report's own time never
//! moves the detector's clock, so a report dated ahead cannot close minutes that others are
//! still arriving for. A caller whose reports arrive out of order holds them per minute and
//! feeds each minute before closing it (the server's detection stage does). An early alarm at
//! time t ([`Detector::alarm_early`], [`Detector::preview_early`]) uses the reports and
//! declarations taken in up to t only.

mod config;
mod dedup;
mod early;
mod episodes;
mod layout;
mod scope;
mod series;
mod status;
mod validate;

pub use config::DetectorConfig;
pub use dedup::Observed;
pub use episodes::{Episode, EpisodeChange, EPISODES_PER_MINUTE, SAME_ONSET_SECS};
pub use status::{SeriesScore, SeriesStatus};
pub use validate::ConfigError;

use dedup::Seen;
use episodes::OpenEpisode;
use layout::{Block, Cell};

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};

use crate::event::{IncidentEvent, IncidentState};
use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::incident::Incident;
use crate::report::{Minute, Problem, Timestamp};
use crate::topology::{ComponentRef, Topology};

use series::{BlockCtx, MinuteCtx, Params, Series, AGGREGATE, DECLARED};

/// Number of problem types (series per region/service are created for each).
const NQ: usize = Problem::ALL.len();

/// An operator's declaration (or resolution) of an incident, as detection takes it: the
/// services whose baselines must not learn while it is open.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub time: Timestamp,
    pub provider: ProviderId,
    pub id: String,
    /// Empty on a later line of an open incident: the services named before stay.
    pub services: Vec<ServiceId>,
    pub open: bool,
}

impl Declared {
    /// An `incident` line of `events.jsonl`: the services that depend on its components; open
    /// until its state is `resolved`.
    pub fn of_event(e: &IncidentEvent, topology: &Topology) -> Declared {
        let components: Vec<ComponentRef> = e
            .components
            .iter()
            .map(|c| c.resolve(&e.provider))
            .collect();
        Declared {
            time: e.time,
            provider: e.provider.clone(),
            id: e.id.to_string(),
            services: topology.services_depending_on(&e.provider, &components),
            open: e.state != IncidentState::Resolved,
        }
    }

    /// A declared incident as it stands, at `time`.
    pub fn of_incident(i: &Incident, topology: &Topology, time: Timestamp) -> Declared {
        Declared {
            time,
            provider: i.provider.clone(),
            id: i.id.to_string(),
            services: i.affected_services(topology),
            open: i.is_open(),
        }
    }
}

/// The streaming outage detector. See the module documentation for the algorithm.
#[derive(Clone, Debug)]
pub struct Detector {
    config: DetectorConfig,
    params: Params,
    regions: Vec<RegionId>,
    /// Population share of each region, its share of a provider's expected reports (`scope`
    /// module doc); `None` when the topology gives no populations (each region's learned base
    /// rate is used instead).
    region_weight: Option<Vec<f32>>,
    region_index: HashMap<RegionId, usize>,
    blocks: Vec<Block>,
    provider_index: HashMap<ProviderId, usize>,
    /// Per block, the other providers whose components its services depend on (an MVNO's
    /// host): each host's block and the host's services that depend on one of those
    /// components. While such a service is in an open episode of the host, this block's
    /// rising series barely learn (`block_context`).
    hosts: Vec<Vec<(usize, Vec<usize>)>>,
    series: Vec<Series>,
    seen: HashMap<(u32, u64), Seen>,
    /// Keys currently flagged as repeaters (for expiry).
    flagged: Vec<(u32, u64)>,
    last_prune: Minute,
    epoch: Option<Minute>,
    /// First minute not yet closed (absolute minute index).
    next_close: Minute,
    episodes: Vec<Episode>,
    open: Vec<OpenEpisode>,
    /// Slow episodes closed less than [`episodes::REOPEN_MINUTES`] ago, with the minute they
    /// closed and their densest member by the slow test: the same rise back in that series
    /// reopens the episode.
    reopenable: Vec<(OpenEpisode, Minute, usize)>,
    pending: Vec<EpisodeChange>,
    alarms: Vec<(usize, usize)>,
    /// Series counted into since the last [`Detector::alarm_early`] in the open minute.
    dirty: Vec<u32>,
    /// Early alarms of the open minute (`early`): block, series, the time it was shown, and
    /// the id of the episode it was shown in.
    early: Vec<(usize, usize, Timestamp, u64)>,
    /// Series of the open minute whose alarm has been tried on a copy of the detector.
    early_tried: Vec<usize>,
    /// Where the episodes shown early (before their minute closed) begin in `episodes`:
    /// the close of the minute replaces them.
    early_from: Option<usize>,
    /// The distinct time zones of the providers (the context of a minute is computed once per
    /// zone, not per series).
    zones: Vec<chrono_tz::Tz>,
    /// Open declared incidents: block, incident id, indexes of the services they affect.
    declared: Vec<(usize, String, Vec<usize>)>,
    /// Declarations not taken in yet, in time order ([`Detector::declare_at`]).
    incoming: Vec<Declared>,
    late_reports: u64,
    early_reports: u64,
    duplicate_reports: u64,
    counted_reports: u64,
}

/// Technologies of a service: its own list, else those of the components it depends on.
fn service_techs(topology: &Topology, s: &crate::topology::Service) -> Vec<String> {
    let mut t: BTreeSet<String> = s.technologies.iter().cloned().collect();
    if t.is_empty() {
        for c in topology.service_closure(s) {
            if let Some(tech) = topology.component(&c).and_then(|c| c.technology.clone()) {
                t.insert(tech);
            }
        }
    }
    t.into_iter().collect()
}

impl Detector {
    pub fn new(topology: &Topology, config: DetectorConfig) -> Self {
        let params = Params::new(&config);
        let regions: Vec<RegionId> = topology.regions.iter().map(|r| r.id.clone()).collect();
        let region_index = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i))
            .collect();
        let mut by_provider: HashMap<&str, Vec<&crate::topology::Service>> = HashMap::new();
        for s in &topology.services {
            by_provider.entry(s.provider.as_str()).or_default().push(s);
        }
        let region_weight = topology
            .regions
            .iter()
            .any(|r| r.population.is_some())
            .then(|| {
                topology
                    .region_weights()
                    .iter()
                    .map(|(_, w)| *w as f32)
                    .collect()
            });
        let mut d = Detector {
            config,
            params,
            regions,
            region_weight,
            region_index,
            blocks: Vec::new(),
            provider_index: HashMap::new(),
            hosts: Vec::new(),
            series: Vec::new(),
            seen: HashMap::new(),
            flagged: Vec::new(),
            last_prune: Minute(i64::MIN),
            epoch: None,
            next_close: Minute(0),
            episodes: Vec::new(),
            open: Vec::new(),
            reopenable: Vec::new(),
            pending: Vec::new(),
            alarms: Vec::new(),
            dirty: Vec::new(),
            early: Vec::new(),
            early_tried: Vec::new(),
            early_from: None,
            zones: Vec::new(),
            declared: Vec::new(),
            incoming: Vec::new(),
            late_reports: 0,
            early_reports: 0,
            duplicate_reports: 0,
            counted_reports: 0,
        };
        for p in &topology.providers {
            let services = by_provider.get(p.id.as_str()).cloned().unwrap_or_default();
            let ids: Vec<ServiceId> = services.iter().map(|s| s.id.clone()).collect();
            let techs = services
                .iter()
                .map(|s| service_techs(topology, s))
                .collect();
            let deps = services
                .iter()
                .map(|s| {
                    let mut c = topology.service_closure(s);
                    c.sort();
                    c
                })
                .collect();
            let tz = topology.time_zone(p.id.as_str());
            d.add_block(p.id.clone(), ids, techs, deps, tz);
        }
        d.hosts = (0..d.blocks.len()).map(|bi| d.hosts_of(bi)).collect();
        d
    }

    /// The providers block `bi`'s services depend on (other than itself), each with its
    /// services that need one of those components.
    fn hosts_of(&self, bi: usize) -> Vec<(usize, Vec<usize>)> {
        let own = &self.blocks[bi].id;
        let needed: BTreeSet<&ComponentRef> = self.blocks[bi]
            .deps
            .iter()
            .flatten()
            .filter(|c| &c.provider != own)
            .collect();
        let mut hosts: Vec<(usize, Vec<usize>)> = Vec::new();
        for (hi, h) in self.blocks.iter().enumerate() {
            if hi == bi {
                continue;
            }
            let services: Vec<usize> = (0..h.ns)
                .filter(|&s| h.deps[s].iter().any(|c| needed.contains(c)))
                .collect();
            if !services.is_empty() {
                hosts.push((hi, services));
            }
        }
        hosts
    }

    fn add_block(
        &mut self,
        id: ProviderId,
        services: Vec<ServiceId>,
        techs: Vec<Vec<String>>,
        deps: Vec<Vec<ComponentRef>>,
        tz: chrono_tz::Tz,
    ) {
        if self.provider_index.contains_key(&id) {
            return;
        }
        let zone = match self.zones.iter().position(|&z| z == tz) {
            Some(z) => z,
            None => {
                self.zones.push(tz);
                self.zones.len() - 1
            }
        };
        let block = Block {
            id: id.clone(),
            service_index: services
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i))
                .collect(),
            ns: services.len(),
            services,
            techs,
            deps,
            base: self.series.len(),
            nr: self.regions.len(),
            quick_flags: Vec::new(),
            zone,
        };
        let n = block.len();
        let first = self.series.len();
        self.series.resize(first + n, Series::new());
        // The aggregates: the provider and each service (all regions and problem types).
        self.series[first].flags |= AGGREGATE;
        for s in 0..block.ns {
            self.series[first + block.off_s(s)].flags |= AGGREGATE;
        }
        self.provider_index.insert(id, self.blocks.len());
        self.blocks.push(block);
    }

    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// An operator declared incident `id` of `provider` open (`open`), or resolved it, naming
    /// the `services` that depend on its components (empty on a later line of an open
    /// incident: keep those named before). Until it is resolved, every series of those
    /// services learns with the anomaly weight and keeps a slow excursion open from the
    /// declaration on (a known change point; module doc, 3 and 4). Pure: it only marks series.
    pub fn declare(&mut self, provider: &ProviderId, id: &str, services: &[ServiceId], open: bool) {
        let Some(&bi) = self.provider_index.get(provider) else {
            return;
        };
        let b = &self.blocks[bi];
        let idx: Vec<usize> = services
            .iter()
            .filter_map(|s| b.service_index.get(s).copied())
            .collect();
        let known = self.declared.iter().position(|d| d.0 == bi && d.1 == id);
        match (known, open) {
            (Some(k), true) if !idx.is_empty() => self.declared[k].2 = idx,
            (Some(_), true) => {}
            (Some(k), false) => {
                self.declared.remove(k);
            }
            (None, true) if !idx.is_empty() => self.declared.push((bi, id.to_owned(), idx)),
            (None, _) => {}
        }
        let minute = (self.next_close - self.epoch.unwrap_or(self.next_close)).max(0) as u32;
        let b = &self.blocks[bi];
        for s in 0..b.ns {
            let on = self.declared.iter().any(|d| d.0 == bi && d.2.contains(&s));
            let offs = std::iter::once(b.off_s(s))
                .chain((0..b.nr).map(|r| b.off_sr(s, r)))
                .chain((0..NQ).map(|q| b.off_sq(s, q)));
            for o in offs {
                let se = &mut self.series[b.base + o];
                if on && se.flags & DECLARED == 0 {
                    se.flags |= DECLARED;
                    se.open_slow(minute);
                } else if !on {
                    se.flags &= !DECLARED;
                }
            }
        }
    }

    /// Takes in a declaration at its time: it is applied ([`Detector::declare`]) just before
    /// the minute that contains its time closes (an event at time t before the minute ending
    /// at the first minute boundary ≥ t), or before the next minute closes if that one has
    /// already closed.
    pub fn declare_at(&mut self, d: Declared) {
        let at = self.incoming.partition_point(|x| x.time <= d.time);
        self.incoming.insert(at, d);
    }

    /// The open minute (absolute minute index): the first not yet closed. `None` before the
    /// first report or [`Detector::advance_to`].
    pub fn open_minute(&self) -> Option<Minute> {
        self.epoch.map(|_| self.next_close)
    }

    /// Closes every minute that ends at or before `now`, scores it and updates episodes.
    pub fn advance_to(&mut self, now: Timestamp) -> Vec<EpisodeChange> {
        let target = now.minute();
        if self.epoch.is_none() {
            self.epoch = Some(target);
            self.next_close = target;
        }
        if target > self.next_close {
            self.close_through(target);
        }
        std::mem::take(&mut self.pending)
    }

    /// Closes minutes `next_close .. until`.
    fn close_through(&mut self, until: Minute) {
        while self.next_close < until {
            let m = self.next_close;
            let due = self.incoming.partition_point(|d| d.time <= m.end());
            for d in self.incoming.drain(..due).collect::<Vec<_>>() {
                self.declare(&d.provider, &d.id, &d.services, d.open);
            }
            self.close_minute(m);
            self.next_close = m + 1;
        }
    }

    /// The time context of minute `m` in each time zone of the providers.
    fn zone_contexts(&self, m: Minute) -> Vec<MinuteCtx> {
        let epoch = self.epoch.unwrap_or(m);
        let rel = (m - epoch).clamp(0, u32::MAX as i64) as u32;
        self.zones
            .iter()
            .map(|&tz| MinuteCtx::new(rel, series::local_minute(tz, m.0)))
            .collect()
    }

    /// What closing minute `m` needs to know of block `bi` (its flood signature counts the
    /// quick flags of the last window).
    fn block_context(&self, bi: usize, m: Minute) -> BlockCtx {
        let window = i64::from(self.config.dedup_window_minutes.max(1));
        let b = &self.blocks[bi];
        let quick = b.quick_flags.iter().filter(|&&f| m - f < window).count();
        let flood = quick >= self.config.flood_quick_flags.max(1) as usize;
        let min_excess = if flood {
            self.config.flood_min_excess
        } else {
            self.config.min_excess
        };
        // A slow episode (a modest rise of some series) says nothing about the others.
        let own = self.open.iter().any(|o| o.block == bi && !o.slow);
        BlockCtx {
            // A host's outage in a service that needs what this provider's services need (an
            // MVNO on its host's radio network) is this provider's too: its rising series
            // must not learn the rise as normal before their evidence is in.
            in_episode: own || self.host_down(bi),
            // A run of empty minutes at provider level that should have held many reports is
            // a data gap, not a quiet spell: it teaches the baseline nothing.
            gap: self.series[b.base].quiet >= self.config.gap_expected,
            inv_min_excess: 1.0 / min_excess.max(1e-3),
            inv_evidence: 1.0,
            dispersion: self.series[b.base].dispersion(),
            total: false,
        }
    }

    /// Where block `bi` would show a fault that a provider its services depend on (an MVNO's
    /// host) already shows: per service of `bi`, whether it needs a component that a service
    /// in a host's open episode needs too, and per region, whether that episode covers it.
    /// `None` when no host has such an episode.
    pub(super) fn host_corroboration(&self, bi: usize) -> Option<(Vec<bool>, Vec<bool>)> {
        let hosts = self.hosts.get(bi).filter(|h| !h.is_empty())?;
        let b = &self.blocks[bi];
        let mut services = vec![false; b.ns];
        let mut regions = vec![false; b.nr];
        for (h, needs) in hosts {
            let hb = &self.blocks[*h];
            for o in self.open.iter().filter(|o| o.block == *h) {
                let shown: Vec<usize> = needs
                    .iter()
                    .copied()
                    .filter(|&s| self.episode_has(o, s))
                    .collect();
                if shown.is_empty() {
                    continue;
                }
                let mut any = false;
                for (s, flag) in services.iter_mut().enumerate() {
                    if b.deps[s].iter().any(|c| {
                        c.provider == hb.id && shown.iter().any(|&hs| hb.deps[hs].contains(c))
                    }) {
                        *flag = true;
                        any = true;
                    }
                }
                if !any {
                    continue;
                }
                let e = &self.episodes[o.idx];
                if e.regions.is_empty() {
                    regions.iter_mut().for_each(|r| *r = true);
                }
                for r in &e.regions {
                    if let Some(&i) = self.region_index.get(r) {
                        regions[i] = true;
                    }
                }
            }
        }
        services.iter().any(|&f| f).then_some((services, regions))
    }

    /// The context of series `k` of block `bi`: `bctx`, needing only
    /// [`DetectorConfig::host_evidence`] of the usual evidence where a host's episode already
    /// shows the fault (`host_corroboration`).
    pub(super) fn series_context(
        &self,
        bctx: &BlockCtx,
        cor: &Option<(Vec<bool>, Vec<bool>)>,
        bi: usize,
        k: usize,
    ) -> BlockCtx {
        let Some((services, regions)) = cor else {
            return *bctx;
        };
        let key = self.blocks[bi].key(k);
        // A series over all regions is corroborated only by a host episode over all of them.
        let fits = key.service.is_none_or(|s| services[s])
            && match key.region {
                Some(r) => regions[r],
                None => regions.iter().all(|&r| r),
            };
        if !fits {
            return *bctx;
        }
        BlockCtx {
            inv_evidence: 1.0 / self.config.host_evidence.max(1e-3),
            ..*bctx
        }
    }

    /// Whether a provider that block `bi`'s services depend on (an MVNO's host) has an open
    /// episode (fast or slow) showing one of its services that need the same components.
    fn host_down(&self, bi: usize) -> bool {
        let Some(hosts) = self.hosts.get(bi) else {
            return false;
        };
        hosts.iter().any(|(h, needs)| {
            self.open
                .iter()
                .any(|o| o.block == *h && needs.iter().any(|&s| self.episode_has(o, s)))
        })
    }

    /// Whether open episode `o` shows service `s` of its block: attached by an alarm or in
    /// its scope.
    fn episode_has(&self, o: &OpenEpisode, s: usize) -> bool {
        o.attached[s]
            || self.episodes[o.idx]
                .services
                .contains(&self.blocks[o.block].services[s])
    }

    fn close_minute(&mut self, m: Minute) {
        // What was shown early is replaced by what the close decides (`early`).
        if let Some(from) = self.early_from.take() {
            self.episodes.truncate(from);
        }
        self.dirty.clear();
        self.early_tried.clear();
        let zone_ctx = self.zone_contexts(m);
        let window = i64::from(self.config.dedup_window_minutes.max(1));
        self.alarms.clear();
        // Repeaters silent for a whole window are no longer granted an allowance.
        let seen = &mut self.seen;
        self.flagged.retain(|key| match seen.get_mut(key) {
            Some(v) if m - v.last < window => true,
            Some(v) => {
                v.flagged = false;
                false
            }
            None => false,
        });
        for bi in 0..self.blocks.len() {
            self.blocks[bi].quick_flags.retain(|&f| m - f < window);
            let bctx = self.block_context(bi, m);
            let cor = self.host_corroboration(bi);
            let (base, len) = (self.blocks[bi].base, self.blocks[bi].len());
            let ctx = &zone_ctx[self.blocks[bi].zone];
            for k in 0..len {
                let sctx = BlockCtx {
                    total: k == 0,
                    ..self.series_context(&bctx, &cor, bi, k)
                };
                if self.series[base + k].step(ctx, &self.params, &sctx).alarm {
                    self.alarms.push((bi, base + k));
                }
            }
        }
        self.confirm_early();
        self.update_episodes(m);
        self.date_early(m);
    }

    fn minute_time(&self, rel: u32) -> Timestamp {
        (self.epoch.unwrap_or(Minute(0)) + i64::from(rel)).start()
    }
}
