//! Outage detection on crowd-report streams: distinct-reporter counts per minute, a learnt
//! seasonal baseline per series, an anomaly score, and outage episodes with onset, end and scope.
//!
//! # Pipeline
//! 1. **Counting.** A reporter counts once per provider per window: the first report of a
//!    reporter key for a provider counts, later reports of the same key for the same provider
//!    within [`DetectorConfig::dedup_window_minutes`] (default 60 minutes, measured from the
//!    counted report) are duplicates and ignored — as Downdetector counts only a user's first
//!    report per company. Replays and bots that reuse a key therefore add at most one per hour.
//!    A key that sends [`DetectorConfig::repeat_threshold`] (default 2) reports within its
//!    window is a *repeater* until it has been silent for a whole window. Floods come from
//!    repeaters, so a repeater is taken back out of the evidence: from the count of the minute
//!    still open if it counted there, else as an *allowance* of the series its counted report
//!    went into, for as long as their current excursion (see 4) contains it; and a live
//!    repeater whose window renews does not count again (a flood outlasting the window stays
//!    invisible). A flooder does count until its second report, so an alarm also needs
//!    `min_excess` (default 12) distinct reporters above baseline, and `flood_min_excess`
//!    (default 20, the largest "few reporters" flood) while the provider shows a flood
//!    signature (at least `flood_quick_flags` keys that repeated within `quick_repeat_minutes`
//!    of counting, in the last window).
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
//!    cold_z·sqrt(λ/(n+k0)) + cold_abs/(n+1)`. In a series' first `warmup_minutes` (a fresh
//!    store, a new provider) the baseline is a guess from the last minutes, so only a strong
//!    rise alarms: one whose excursion began after the series had seen `warmup_quiet_minutes`
//!    (its first minutes always look like a rise from nothing) and whose excess reaches
//!    `warmup_min_excess`, well above what a level misjudged from a few minutes explains. Such
//!    an alarm's series then learns as any member of an episode does (barely).
//!    *Robustness:* counts are winsorised at `λ + winsor_z·sqrt(λ) + 2` before learning; a
//!    series in alarm or in an open episode learns with weight `anomaly_weight` (0.02); one on a
//!    notable excursion (score ≥ `suspect_score` on a mature bucket, or any upward excursion
//!    while its provider has an open episode) with `suspect_weight` (0.25); and nothing is
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
//!    While a declared incident affects the
//!    series, the excursion does not end: it runs from the declaration on (a known change
//!    point), so the evidence of a weekend's few calls adds to Monday's.
//! 5. **Episodes.** An alarming series joins an open episode of its provider or opens a new
//!    episode. A series with a service joins the episode an alarm already attached that
//!    service to; else one that shows the service above baseline (see 6), or one opened less
//!    than `merge_minutes` ago or whose onset lies within `merge_minutes` of the series' own —
//!    these two only if the *regions fit*. An episode is *regional* when its attached services
//!    are above baseline in some regions only and, pooled over the other regions, their count
//!    since it opened favours the baseline over the rise a fault hitting all regions alike
//!    would bring there (the ratio of observed to expected over all regions) by a
//!    log-likelihood ratio of `scope_llr` (early in a national outage the first regions pass
//!    before the rest do, so a merely weaker rest keeps the episode national). A regional
//!    episode does not take a service whose excursion lies above baseline
//!    (`scope_min_excess`, `scope_llr`) outside its regions by more excess than inside them:
//!    that is another fault of the same provider (a national mobile-data fault beside a
//!    regional DSL fault), even where both services share a component such as the backbone,
//!    whose fault would not stop at the episode's regions. A national episode, or one whose
//!    regions are not known yet, takes any service starting about when it did (a core fault
//!    that shows in mobile data first and in DSL minutes later; the call surge at the hotline
//!    during a network outage). A series without a service joins the newest episode (one with
//!    neither service nor region: the first episode of that episode's split group, see below,
//!    while it is open). Onset = earliest CUSUM onset of the members (a slow test's onset
//!    only opens an episode or, when it is a declaration's, moves it; otherwise it is too
//!    rough to).
//!    *Split by region:* a series with a region that would join episode E joins instead the
//!    episode of E's *split group* (E and the episodes split off it) that has a member series
//!    in that region. Failing that, its rise is a separate fault of its own — a new episode of
//!    the group, with its own onset, detection time, regions and services (or it joins one of
//!    the group opened by a rise that began within `merge_minutes` of its own) — when all of
//!    these hold: its region was not in E's scope before the series' CUSUM onset; the alarm
//!    came within `merge_minutes` of that onset (a sharp rise); E's footprint (the regions in
//!    its scope before the onset) had stood still for `split_minutes` by then, i.e. every one
//!    of them had entered the scope at least that long before (a slowly spreading outage keeps
//!    adding regions, so it stays one episode); and E was regional: outside its footprint and
//!    the new region, pooled over E's services (else the service-less region series), the
//!    count favours the baseline over the rise a fault hitting all regions alike would bring
//!    (the test above, `scope_llr`). A national outage enters every region's scope within
//!    minutes and has no quiet rest, so it never splits.
//!    *Hysteresis:* an episode stays open while any member's fast EWMA (`fast_alpha`) is above
//!    `hot_ratio·λ + hot_abs` (in a split group, any member with a region, when it has one:
//!    the others carry the group's other faults too), and closes only after `quiet_minutes`
//!    without that; its end is the end of the last elevated minute. Members' excursions are
//!    reset on close.
//!    *Slow episodes* (opened by the slow test) also stay open while a member by the slow
//!    test is still elevated: its count over about the last `slow_memory_minutes` (decaying
//!    sums, started from its excursion's at the alarm) exceeds the expectation, so a quiet
//!    night keeps the evening's verdict; or its declared incident is still open. In an episode
//!    opened by the minute test, slow members do not keep it open (a sharp outage ends when
//!    its sharp rises do), and when it closes the slow excursions of the other series of its
//!    services and of the service-less series are reset (the slow test must not find its
//!    tail again). A slow episode does not count as an open episode for the learning rule
//!    of 3 (a modest rise of one service says nothing about the provider's other series).
//! 6. **Scope.** For every series of the provider an open episode keeps observed and expected
//!    sums since it opened; a series is above baseline when its excess is at least
//!    `scope_min_excess` and its log-likelihood ratio at least `scope_llr`. Services, regions and
//!    problems in scope are those of members and of series above baseline (regions and problems
//!    restricted to the episode's services, plus the service-less `P/R`, `P/Q`, `P/R/Q`); and
//!    when the regions left out, pooled, are still above baseline, the outage reaches beyond
//!    them and every region is in scope. Few reports in a region are no evidence that it is
//!    unaffected either: with each region's expectation taken as its population share of the
//!    services' national expectation, when the regions in scope carry most of it
//!    (`NATIONAL_MIN_SHARE`) and none left out favours its expectation over a fraction
//!    (`SPARSE_RISE_SHARE`) of the rise seen in scope by `scope_llr`, every region is in scope
//!    (small Länder are too small to tell, larger ones show a weaker rise of their own). While another episode of the provider is open, a
//!    service attached there is never in this episode's scope (unless an alarm attaches it
//!    here), also after that episode closed; and an episode with services then takes its
//!    regions and problems from its services only (the service-less series mix both faults).
//!    Likewise within a split group: a region where another open episode of the group has a
//!    member series and this one has none is never in this episode's scope, also after that
//!    episode closed; and an episode with such regions takes its services (besides those
//!    attached), problems (besides members), the pooled rest and its peak rate from the series
//!    of its own regions only.
//!    Technologies are those of the services in scope (a service's own list, else the
//!    technologies of the components it depends on), minus technologies carried by another
//!    service of the provider that has enough traffic to tell and is *not* above baseline —
//!    so an LTE-only fault on `mobile-data [lte, umts, gsm]` with `mobile-voice [umts, gsm]`
//!    quiet yields `lte`.
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
//! feeds each minute before closing it (the server's detection stage does).

mod series;
mod validate;
pub use validate::ConfigError;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::event::{IncidentEvent, IncidentState};
use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::incident::Incident;
use crate::report::{Problem, Report, Timestamp};
use crate::topology::{ComponentRef, Topology};

use series::{
    poisson_llr, BlockCtx, MinuteCtx, Params, Series, AGGREGATE, DECLARED, HOT, MEMBER, SLOW,
};

/// Number of problem types (series per region/service are created for each).
const NQ: usize = Problem::ALL.len();

/// Tunables of the detector. The defaults are the documented operating point.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct DetectorConfig {
    /// A reporter counts once per provider per this many minutes.
    pub dedup_window_minutes: u32,
    /// Reports from one key to one provider within the window that make it a repeater.
    pub repeat_threshold: u32,
    /// Minutes a series needs before its baseline is trusted: until then only a strong rise
    /// alarms (`warmup_quiet_minutes`, `warmup_min_excess`). Two hours: every bucket of the
    /// hour has been seen once or twice, and the level has followed the daily ramp.
    pub warmup_minutes: u32,
    /// During warm-up, only an excursion that began after the series had seen this many
    /// minutes can alarm. A series that starts on a busy afternoon sees its first minutes as a
    /// rise from nothing; a quarter of an hour gives the level a first estimate to rise from.
    pub warmup_quiet_minutes: u32,
    /// During warm-up, the excess of distinct reporters an alarm needs (instead of
    /// `min_excess`). The baseline then rests on minutes, not days, so it can be off by the
    /// hour-to-hour swing of a busy series; 40 reporters above the cold margins is far beyond
    /// that for every series of the scenario suites, and a strong outage (dozens of reporters a
    /// minute) still passes it within two or three minutes.
    pub warmup_min_excess: f32,
    /// Expectation floor (reporters/minute), so a never-seen series is not infinitely surprised.
    pub min_rate: f32,
    /// Relative slack on the baseline for day-to-day variation.
    pub rate_slack: f32,
    /// Cold-start margin: `cold_z·sqrt(λ/(n+1)) + cold_abs/(n+1)`.
    pub cold_z: f32,
    pub cold_abs: f32,
    /// Cold-start margin relative to the rate, times the prior's share `k0/(n+k0)`.
    pub cold_rel: f32,
    /// Weight of a bucket's prior, in minutes: learning rate `1/(n+k0)` (k0 = this).
    pub prior_weight: f32,
    /// Rise the CUSUM looks for: `max(rise_ratio·λ, λ + rise_abs)`.
    pub rise_ratio: f32,
    pub rise_abs: f32,
    /// Upper bound of the CUSUM (in log-likelihood units).
    pub cusum_cap: f32,
    /// Log-likelihood ratio over the excursion needed for an alarm (score 0.5).
    pub alarm_llr: f32,
    /// Distinct reporters above baseline (after the repeater allowance) needed for an alarm.
    pub min_excess: f32,
    /// The same while the provider shows a flood signature: at least `flood_quick_flags`
    /// keys in the last window that repeated within `quick_repeat_minutes` of counting.
    pub flood_min_excess: f32,
    pub flood_quick_flags: u32,
    pub quick_repeat_minutes: u32,
    /// Excess at which an alarm needs no second minute of confirmation.
    pub instant_excess: f32,
    /// Slow test: the rise its CUSUM looks for, as a ratio to the expectation (a sustained
    /// rise below about `(ρ − 1)/ln ρ` times it drifts back to zero), and the shortest
    /// excursion it may alarm on.
    pub slow_rise_ratio: f32,
    pub slow_min_minutes: u32,
    /// The shortest excursion the slow test may alarm on in an aggregate series (the
    /// provider `P`, a service `P/S`). See the calibration table in the module
    /// documentation.
    pub slow_aggregate_min_minutes: u32,
    /// The log-likelihood ratio the slow test needs in an aggregate series (instead of
    /// `alarm_llr`).
    pub slow_aggregate_llr: f32,
    /// The rise the slow test's CUSUM looks for in an aggregate series (instead of
    /// `slow_rise_ratio`): early in a ramp the aggregate is up by a third, not doubled.
    pub slow_aggregate_rise_ratio: f32,
    /// A member by the slow test is still elevated while its count over about this many
    /// minutes exceeds the expectation (long enough to carry an evening over the night).
    pub slow_memory_minutes: u32,
    /// The slow test expects at least this share of the series' mean rate over the last day
    /// (night hours need a rise that would count in the daytime).
    pub slow_floor_share: f32,
    /// Minimum learning rate of a baseline bucket.
    pub learn_min_alpha: f32,
    /// Learning weight while a series is anomalous (0 = learn nothing).
    pub anomaly_weight: f32,
    /// Learning weight while a series' score is at least `suspect_score`, or it is on an
    /// upward excursion while its provider has an open episode.
    pub suspect_score: f32,
    pub suspect_weight: f32,
    /// The provider's data counts as cut off (no learning) after empty minutes that should
    /// have held this many reports.
    pub gap_expected: f32,
    /// Minimum rate of the recent level (prior of unseen buckets).
    pub level_alpha: f32,
    /// Counts are capped at `λ + winsor_z·sqrt(λ) + 2` before they are learnt.
    pub winsor_z: f32,
    /// "Still elevated": fast EWMA of counts ≥ `hot_ratio·λ + hot_abs`.
    pub fast_alpha: f32,
    pub hot_ratio: f32,
    pub hot_abs: f32,
    /// Minutes without any elevated member before an episode closes.
    pub quiet_minutes: u32,
    /// A new alarm on another service joins an episode younger than this, or one whose onset
    /// is this close to its own, if the regions fit (see the module documentation).
    pub merge_minutes: u32,
    /// A regional episode's footprint must have stood still this long before a separate rise
    /// in another region opens an episode of its own (see the module documentation).
    pub split_minutes: u32,
    /// A series is "above baseline" for the scope when, since the episode opened, its excess is
    /// at least `scope_min_excess` and its log-likelihood ratio at least `scope_llr`.
    pub scope_llr: f32,
    pub scope_min_excess: f32,
    /// A quiet service rules out its technologies only with this many expected reports.
    pub tech_min_expected: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            dedup_window_minutes: 60,
            repeat_threshold: 2,
            warmup_minutes: 120,
            warmup_quiet_minutes: 15,
            warmup_min_excess: 40.0,
            min_rate: 0.002,
            rate_slack: 0.15,
            cold_z: 2.0,
            cold_abs: 1.0,
            cold_rel: 0.5,
            prior_weight: 20.0,
            rise_ratio: 1.5,
            rise_abs: 2.0,
            cusum_cap: 60.0,
            alarm_llr: 13.0,
            min_excess: 12.0,
            flood_min_excess: 20.0,
            flood_quick_flags: 2,
            quick_repeat_minutes: 10,
            instant_excess: 30.0,
            slow_rise_ratio: 2.0,
            slow_min_minutes: 60,
            slow_aggregate_min_minutes: 10,
            slow_aggregate_rise_ratio: 1.3,
            slow_aggregate_llr: 8.0,
            slow_memory_minutes: 480,
            slow_floor_share: 0.25,
            learn_min_alpha: 1.0 / 240.0,
            anomaly_weight: 0.02,
            suspect_score: 0.2,
            suspect_weight: 0.25,
            gap_expected: 8.0,
            level_alpha: 1.0 / 30.0,
            winsor_z: 3.0,
            fast_alpha: 0.5,
            hot_ratio: 1.5,
            hot_abs: 1.0,
            quiet_minutes: 10,
            merge_minutes: 15,
            split_minutes: 20,
            scope_llr: 8.0,
            scope_min_excess: 3.0,
            tech_min_expected: 5.0,
        }
    }
}

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

/// The provider-level view of the last closed minute, for status pages and charts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SeriesStatus {
    pub minute_start: Timestamp,
    /// Distinct reporters in that minute.
    pub observed: f64,
    /// Baseline rate (distinct reporters per minute).
    pub expected: f64,
    /// Upper edge of the normal band: a single minute above it would be an alarm on its own.
    pub upper: f64,
    pub score: f64,
}

/// An outage episode of one provider.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub id: u64,
    pub provider: ProviderId,
    /// Services above baseline (empty = provider-wide or unspecified).
    pub services: Vec<ServiceId>,
    /// Regions above baseline.
    pub regions: Vec<RegionId>,
    pub technologies: Vec<String>,
    pub problems: Vec<Problem>,
    /// Estimated onset (can be before `detected_at`).
    pub start: Timestamp,
    /// Virtual time the episode was first emitted.
    pub detected_at: Timestamp,
    pub end: Option<Timestamp>,
    pub peak_score: f64,
    /// Distinct reporters per minute at the peak (over the episode's services, else provider;
    /// in its own regions only when split off by region).
    pub peak_rate: f64,
    /// Baseline rate at the peak minute.
    pub baseline_rate: f64,
}

/// Episodes detected in one minute, at most (more would share ids; none has come near).
pub const EPISODES_PER_MINUTE: u64 = 1000;

impl Episode {
    /// An episode's id: the minute it was detected and its place among the episodes detected
    /// in that minute. It depends on nothing before that minute, so detectors that warmed up
    /// over different stretches of the same reports (a restarted server, the nodes of a
    /// cluster) give the same outage the same id.
    pub fn id_of(detected_at: Timestamp, ordinal: u64) -> u64 {
        detected_at.0.div_euclid(60).max(0) as u64 * EPISODES_PER_MINUTE
            + ordinal.min(EPISODES_PER_MINUTE - 1)
    }

    /// The minute an id says its episode was detected, and its ordinal in that minute.
    pub fn id_parts(id: u64) -> (Timestamp, u64) {
        (
            Timestamp((id / EPISODES_PER_MINUTE) as i64 * 60),
            id % EPISODES_PER_MINUTE,
        )
    }
}

/// A series of a provider (service, region, problem; `None` = all) and its current score.
pub type SeriesScore = (Option<ServiceId>, Option<RegionId>, Option<Problem>, f64);

/// What [`Detector::observe`] did with a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Observed {
    /// Counted in the open minute.
    Counted,
    /// Its reporter already counted for the provider in the window (or is a live repeater).
    Duplicate,
    /// Its minute is closed: not counted.
    Late,
    /// Its minute is not open yet: not counted (hold it and observe it when it is).
    Early,
}

/// What changed in a call of [`Detector::advance_to`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EpisodeChange {
    Opened(u64),
    /// Scope or onset changed.
    Updated(u64),
    Closed(u64),
}

/// Which dimensions a series covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct SeriesKey {
    service: Option<usize>,
    region: Option<usize>,
    problem: Option<usize>,
}

/// One provider's block of series. Layout (ns services, nr regions, NQ problems):
/// `[P][P/S × ns][P/S/R × ns·nr][P/S/Q × ns·NQ][P/R × nr][P/Q × NQ][P/R/Q × nr·NQ]`.
#[derive(Clone, Debug)]
struct Block {
    id: ProviderId,
    services: Vec<ServiceId>,
    service_index: HashMap<ServiceId, usize>,
    techs: Vec<Vec<String>>,
    base: usize,
    ns: usize,
    nr: usize,
    /// Minutes at which a key was flagged soon after it counted: the signature of a flood.
    quick_flags: Vec<i64>,
    /// Index of the provider's time zone in [`Detector::zones`].
    zone: usize,
}

impl Block {
    fn len(&self) -> usize {
        let (ns, nr) = (self.ns, self.nr);
        1 + ns + ns * nr + ns * NQ + nr + NQ + nr * NQ
    }
    fn off_s(&self, s: usize) -> usize {
        1 + s
    }
    fn off_sr(&self, s: usize, r: usize) -> usize {
        1 + self.ns + s * self.nr + r
    }
    fn off_sq(&self, s: usize, q: usize) -> usize {
        1 + self.ns + self.ns * self.nr + s * NQ + q
    }
    fn off_r(&self, r: usize) -> usize {
        1 + self.ns + self.ns * self.nr + self.ns * NQ + r
    }
    fn off_q(&self, q: usize) -> usize {
        self.off_r(self.nr) + q
    }
    fn off_rq(&self, r: usize, q: usize) -> usize {
        self.off_q(NQ) + r * NQ + q
    }
    /// The series a report of `cell` counts in: offsets and how many.
    fn offsets(&self, cell: Cell) -> ([usize; 7], usize) {
        let q = usize::from(cell.problem);
        let mut offs = [0usize; 7];
        let mut n = 0;
        let mut push = |o: usize| {
            offs[n] = o;
            n += 1;
        };
        push(0);
        push(self.off_q(q));
        let r = (cell.region != u16::MAX).then_some(usize::from(cell.region));
        if cell.service != u16::MAX {
            let s = usize::from(cell.service);
            push(self.off_s(s));
            push(self.off_sq(s, q));
            if let Some(r) = r {
                push(self.off_sr(s, r));
            }
        }
        if let Some(r) = r {
            push(self.off_r(r));
            push(self.off_rq(r, q));
        }
        (offs, n)
    }

    fn key(&self, off: usize) -> SeriesKey {
        let (ns, nr) = (self.ns, self.nr);
        let mut k = SeriesKey::default();
        if off == 0 {
            return k;
        }
        let mut o = off - 1;
        if o < ns {
            k.service = Some(o);
            return k;
        }
        o -= ns;
        if o < ns * nr {
            k.service = Some(o / nr);
            k.region = Some(o % nr);
            return k;
        }
        o -= ns * nr;
        if o < ns * NQ {
            k.service = Some(o / NQ);
            k.problem = Some(o % NQ);
            return k;
        }
        o -= ns * NQ;
        if o < nr {
            k.region = Some(o);
            return k;
        }
        o -= nr;
        if o < NQ {
            k.problem = Some(o);
            return k;
        }
        o -= NQ;
        k.region = Some(o / NQ);
        k.problem = Some(o % NQ);
        k
    }
}

/// The dimensions of a counted report: indexes of service and region (`u16::MAX` = none) and
/// the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    service: u16,
    region: u16,
    problem: u8,
}

#[derive(Clone, Copy, Debug)]
struct Seen {
    /// Minute of the report that counted (start of the reporter's window).
    first: i64,
    /// Minute of the reporter's latest report.
    last: i64,
    /// Reports in the current window.
    count: u32,
    /// Where the counted report went.
    cell: Cell,
    /// A repeater, live until it has been silent for a whole window.
    flagged: bool,
}

/// Working state of an open episode.
#[derive(Clone, Debug)]
struct OpenEpisode {
    idx: usize,
    block: usize,
    opened: i64,
    last_hot: i64,
    /// Opened by the slow test: its members by that test keep it open too (in an episode
    /// opened by the minute test they do not: a sharp outage ends when its sharp rises do).
    slow: bool,
    members: Vec<usize>,
    /// Services attached by alarms.
    attached: Vec<bool>,
    /// Services attached to another open episode of the provider while this one was open:
    /// another fault's, never in this episode's scope unless an alarm attaches them here.
    foreign: Vec<bool>,
    /// Observed and expected sums since opening, per series of the block.
    acc: Vec<[f32; 2]>,
    /// Split group: the id of the episode this one was split off by region (transitively),
    /// else its own id. Region claims hold between episodes of one group only.
    group: u64,
    /// Per region, the first minute it was in this episode's scope (`i64::MAX`: never).
    entered: Vec<i64>,
    /// Regions claimed by another open episode of the group while this one was open (a member
    /// series there, none here): the other fault's, never in this episode's scope.
    foreign_regions: Vec<bool>,
}

/// The streaming outage detector. See the module documentation for the algorithm.
#[derive(Clone, Debug)]
pub struct Detector {
    config: DetectorConfig,
    params: Params,
    regions: Vec<RegionId>,
    /// Population share of each region (uniform without populations): its share of a
    /// provider's expected reports (module doc, 6).
    region_weight: Vec<f32>,
    region_index: HashMap<RegionId, usize>,
    blocks: Vec<Block>,
    provider_index: HashMap<ProviderId, usize>,
    series: Vec<Series>,
    seen: HashMap<(u32, u64), Seen>,
    /// Keys currently flagged as repeaters (for expiry).
    flagged: Vec<(u32, u64)>,
    last_prune: i64,
    epoch: Option<i64>,
    /// First minute not yet closed (absolute minute index).
    next_close: i64,
    episodes: Vec<Episode>,
    open: Vec<OpenEpisode>,
    pending: Vec<EpisodeChange>,
    alarms: Vec<(usize, usize)>,
    /// The distinct time zones of the providers, and the context of the minute being closed
    /// in each: computed once per zone per minute, not per series.
    zones: Vec<chrono_tz::Tz>,
    zone_ctx: Vec<MinuteCtx>,
    /// Open declared incidents: block, incident id, indexes of the services they affect.
    declared: Vec<(usize, String, Vec<usize>)>,
    /// Declarations not taken in yet, in time order ([`Detector::declare_at`]).
    incoming: Vec<Declared>,
    late_reports: u64,
    early_reports: u64,
    duplicate_reports: u64,
    counted_reports: u64,
}

/// A region left out of a national footprint counts as unaffected only when its count favours
/// its expectation over a rise of this share of the rise seen in scope (`1 + share·(ρ − 1)`):
/// reporting keenness differs between regions (cities report more), so a national fault may
/// show there at a fraction of its strength. Value 0.25, chosen on the `national-sparse` kind
/// (seeds 101 202: Länder with a third of the in-scope rise must not count as unaffected)
/// against `regional`, `partial`, `same-region` and `same-provider-concurrent` (the other large
/// Länder, flat, must). Sensitivity on seeds 101 202 303 404 over those kinds and `national`,
/// `lte`, `ramp`, `concurrent`, `coincident-unrelated`: 0.5 under-scopes `national-sparse`
/// (region accuracy 0.77 instead of 1.00), 0.1 changes nothing there; lower values make a
/// flat large Land weaker evidence of a regional fault. Valid range (0, 1].
const SPARSE_RISE_SHARE: f32 = 0.25;
/// The regions in scope must carry at least this share of the expected reports (population
/// share) before the regions too small to tell join them: a fault seen in one or two Länder is
/// not national for lack of evidence elsewhere. Value 0.5 (a majority); valid range (0, 1].
const NATIONAL_MIN_SHARE: f32 = 0.5;

/// Whether a footprint (`regions` in scope among `allowed`) is national (module doc, 6): the
/// regions in scope carry at least [`NATIONAL_MIN_SHARE`] of the expectation, and no allowed
/// region left out favours its expectation over a rise of [`SPARSE_RISE_SHARE`] of the one in
/// scope by `scope_llr`. `observed` and `expected` per region, since the episode opened
/// (expected: the episode's services nationally, by population share).
fn national_footprint(
    regions: &[usize],
    allowed: &[bool],
    observed: &[f32],
    expected: &[f32],
    cfg: &DetectorConfig,
) -> bool {
    let sum = |f: &dyn Fn(usize) -> bool, v: &[f32]| -> f32 {
        (0..v.len()).filter(|&r| f(r)).map(|r| v[r]).sum()
    };
    let in_scope = |r: usize| regions.contains(&r);
    let all = sum(&|r| allowed[r], expected);
    let ins_l = sum(&in_scope, expected);
    if all <= 0.0 || ins_l < NATIONAL_MIN_SHARE * all {
        return false;
    }
    let rho = sum(&in_scope, observed) / ins_l.max(cfg.min_rate);
    if rho <= 1.0 {
        return false;
    }
    let weak = 1.0 + SPARSE_RISE_SHARE * (rho - 1.0);
    (0..allowed.len())
        .filter(|&r| allowed[r] && !in_scope(r))
        .all(|r| {
            // How much the region favours its expectation over the weak rise.
            let (x, l) = (observed[r], expected[r]);
            l * (weak - 1.0) - x * weak.ln() < cfg.scope_llr
        })
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
            .region_weights()
            .iter()
            .map(|(_, w)| *w as f32)
            .collect();
        let mut d = Detector {
            config,
            params,
            regions,
            region_weight,
            region_index,
            blocks: Vec::new(),
            provider_index: HashMap::new(),
            series: Vec::new(),
            seen: HashMap::new(),
            flagged: Vec::new(),
            last_prune: i64::MIN,
            epoch: None,
            next_close: 0,
            episodes: Vec::new(),
            open: Vec::new(),
            pending: Vec::new(),
            alarms: Vec::new(),
            zones: Vec::new(),
            zone_ctx: Vec::new(),
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
            let tz = topology.time_zone(p.id.as_str());
            d.add_block(p.id.clone(), ids, techs, tz);
        }
        d
    }

    fn add_block(
        &mut self,
        id: ProviderId,
        services: Vec<ServiceId>,
        techs: Vec<Vec<String>>,
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

    /// Counts a report in its minute, which must be the open one (the first minute not yet
    /// closed; before the first call of [`Detector::advance_to`], the first report's minute
    /// opens). A report of a closed minute is [`Observed::Late`], one of a later minute
    /// [`Observed::Early`]; neither counts, and neither moves the clock: only
    /// [`Detector::advance_to`] closes minutes.
    pub fn observe(&mut self, report: &Report) -> Observed {
        let m = report.time.minute();
        if self.epoch.is_none() {
            self.epoch = Some(m);
            self.next_close = m;
        }
        if m < self.next_close {
            self.late_reports += 1;
            return Observed::Late;
        }
        if m > self.next_close {
            self.early_reports += 1;
            return Observed::Early;
        }
        let bi = match self.provider_index.get(&report.provider) {
            Some(&b) => b,
            None => {
                self.add_block(
                    report.provider.clone(),
                    Vec::new(),
                    Vec::new(),
                    chrono_tz::UTC,
                );
                self.blocks.len() - 1
            }
        };
        let window = i64::from(self.config.dedup_window_minutes.max(1));
        if m.saturating_sub(self.last_prune) >= window {
            self.seen
                .retain(|_, v| m - v.first < window || (v.flagged && m - v.last < window));
            self.last_prune = m;
        }
        let key = (bi as u32, report.reporter.short());
        let threshold = self.config.repeat_threshold.max(2);
        let b = &self.blocks[bi];
        let s = report
            .service
            .as_ref()
            .and_then(|s| b.service_index.get(s).copied());
        let r = self.region_index.get(&report.region).copied();
        let q = report.problem.index();
        let cell = Cell {
            service: s.map_or(u16::MAX, |s| s as u16),
            region: r.map_or(u16::MAX, |r| r as u16),
            problem: q as u8,
        };
        match self.seen.get_mut(&key) {
            Some(v) if m - v.first < window => {
                v.count = v.count.saturating_add(1);
                v.last = m;
                self.duplicate_reports += 1;
                if v.count >= threshold && !v.flagged {
                    v.flagged = true;
                    self.flagged.push(key);
                    let (first, cell) = (v.first, v.cell);
                    if m - first <= i64::from(self.config.quick_repeat_minutes) {
                        self.blocks[bi].quick_flags.push(m);
                    }
                    self.discount(bi, first, cell, m);
                }
                return Observed::Duplicate;
            }
            Some(v) => {
                // A new window. A live repeater does not count again; anyone else does.
                let flagged = v.flagged;
                v.first = m;
                v.last = m;
                v.count = 1;
                v.cell = cell;
                if flagged {
                    self.duplicate_reports += 1;
                    return Observed::Duplicate;
                }
            }
            None => {
                self.seen.insert(
                    key,
                    Seen {
                        first: m,
                        last: m,
                        count: 1,
                        flagged: false,
                        cell,
                    },
                );
            }
        }
        self.counted_reports += 1;
        let (offs, n) = self.blocks[bi].offsets(cell);
        let base = self.blocks[bi].base;
        for &o in &offs[..n] {
            self.series[base + o].cur += 1;
        }
        Observed::Counted
    }

    /// The open minute (absolute minute index): the first not yet closed. `None` before the
    /// first report or [`Detector::advance_to`].
    pub fn open_minute(&self) -> Option<i64> {
        self.epoch.map(|_| self.next_close)
    }

    /// A reporter counted at minute `first` into the series of `cell` has just turned out to
    /// be a repeater: take its count back from the minute still open, or grant its series an
    /// allowance if their current excursion contains it.
    fn discount(&mut self, bi: usize, first: i64, cell: Cell, m: i64) {
        let (offs, n) = self.blocks[bi].offsets(cell);
        let base = self.blocks[bi].base;
        let rel = first - self.epoch.unwrap_or(first);
        for &o in &offs[..n] {
            let s = &mut self.series[base + o];
            if first == m && first >= self.next_close {
                s.cur = s.cur.saturating_sub(1);
            } else {
                if s.cusum > 0.0 && i64::from(s.onset) <= rel {
                    s.allow += 1.0;
                }
                if s.slow > 0.0 && i64::from(s.slow_onset) <= rel {
                    s.slow_allow += 1.0;
                }
            }
        }
    }

    /// Closes every minute that ends at or before `now`, scores it and updates episodes.
    pub fn advance_to(&mut self, now: Timestamp) -> Vec<EpisodeChange> {
        let target = now.0.div_euclid(60);
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
    fn close_through(&mut self, until: i64) {
        while self.next_close < until {
            let m = self.next_close;
            let due = self.incoming.partition_point(|d| d.time.0 <= (m + 1) * 60);
            for d in self.incoming.drain(..due).collect::<Vec<_>>() {
                self.declare(&d.provider, &d.id, &d.services, d.open);
            }
            self.close_minute(m);
            self.next_close = m + 1;
        }
    }

    fn close_minute(&mut self, m: i64) {
        let epoch = self.epoch.unwrap_or(m);
        let rel = (m - epoch).clamp(0, u32::MAX as i64) as u32;
        self.zone_ctx.clear();
        for &tz in &self.zones {
            self.zone_ctx
                .push(MinuteCtx::new(rel, series::local_minute(tz, m)));
        }
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
        for (bi, b) in self.blocks.iter_mut().enumerate() {
            if !b.quick_flags.is_empty() {
                b.quick_flags.retain(|&f| m - f < window);
            }
            let flood = b.quick_flags.len() >= self.config.flood_quick_flags.max(1) as usize;
            let min_excess = if flood {
                self.config.flood_min_excess
            } else {
                self.config.min_excess
            };
            // A slow episode (a modest rise of some series) says nothing about the others.
            let in_episode = self.open.iter().any(|o| o.block == bi && !o.slow);
            let base = b.base;
            let len = b.len();
            // A run of empty minutes at provider level that should have held many reports is
            // a data gap, not a quiet spell: it teaches the baseline nothing.
            let bctx = BlockCtx {
                in_episode,
                gap: self.series[base].quiet >= self.config.gap_expected,
                inv_min_excess: 1.0 / min_excess.max(1e-3),
            };
            let ctx = &self.zone_ctx[b.zone];
            for (k, s) in self.series[base..base + len].iter_mut().enumerate() {
                if s.step(ctx, &self.params, &bctx).alarm {
                    self.alarms.push((bi, base + k));
                }
            }
        }
        self.update_episodes(m);
    }

    fn minute_time(&self, rel: u32) -> Timestamp {
        Timestamp((self.epoch.unwrap_or(0) + i64::from(rel)) * 60)
    }

    fn update_episodes(&mut self, m: i64) {
        // Accumulate since-open sums and hotness.
        for ep in &mut self.open {
            let b = &self.blocks[ep.block];
            let ss = &self.series[b.base..b.base + b.len()];
            for (acc, s) in ep.acc.iter_mut().zip(ss) {
                acc[0] += s.last_x;
                acc[1] += s.tested;
            }
            // Split off by region: the series of its own regions tell whether it is still
            // elevated (the region-less ones also carry the other fault of the group).
            let regional_members = ep.foreign_regions.iter().any(|&f| f)
                && ep
                    .members
                    .iter()
                    .any(|&i| b.key(i - b.base).region.is_some());
            if ep.members.iter().any(|&i| {
                let f = self.series[i].flags;
                f & HOT != 0
                    && (ep.slow || f & SLOW == 0)
                    && (!regional_members || b.key(i - b.base).region.is_some())
            }) {
                ep.last_hot = m;
            }
        }

        // Attach alarms to episodes, or open new ones.
        let mut touched: Vec<usize> = Vec::new();
        let alarms = std::mem::take(&mut self.alarms);
        for &(bi, i) in &alarms {
            if self.series[i].flags & MEMBER != 0 {
                continue;
            }
            let b = &self.blocks[bi];
            let key = b.key(i - b.base);
            let onset = self.minute_time(self.series[i].onset);
            let merge = self.config.merge_minutes as i64 * 60;
            let mut of_block = self.open.iter().enumerate().filter(|(_, o)| o.block == bi);
            let target = match key.service {
                Some(s) => {
                    // An episode that already has this service, else one that shows it above
                    // baseline, else one that began about when this series' excursion did —
                    // the last two only if the regions fit (see `fits`).
                    let with = of_block
                        .clone()
                        .find(|(_, o)| o.attached[s])
                        .or_else(|| {
                            of_block.clone().find(|(_, o)| {
                                !o.foreign[s]
                                    && self.episodes[o.idx].services.contains(&b.services[s])
                                    && self.fits(o, s)
                            })
                        })
                        .map(|(k, _)| k);
                    with.or_else(|| {
                        of_block
                            .rfind(|(_, o)| {
                                let start = self.episodes[o.idx].start.0;
                                (m - o.opened < merge / 60 || (onset.0 - start).abs() < merge)
                                    && self.fits(o, s)
                            })
                            .map(|(k, _)| k)
                    })
                }
                None => of_block.next_back().map(|(k, _)| k),
            };
            // A regional series: the episode of the target's split group that claims its
            // region takes it; else a separate rise in a region of its own opens an episode
            // (or joins one of the group opened by a rise that began about when this did).
            let mut group = None;
            let target = match (target, key.region) {
                (Some(k), Some(r)) => {
                    let g = self.open[k].group;
                    let sibling = |o: &OpenEpisode| o.block == bi && o.group == g;
                    if let Some(j) = (0..self.open.len())
                        .find(|&j| sibling(&self.open[j]) && self.claims(&self.open[j], r))
                    {
                        Some(j)
                    } else if self.separate_rise(k, i, r, m) {
                        group = Some(g);
                        (0..self.open.len()).find(|&j| {
                            let o = &self.open[j];
                            j != k
                                && sibling(o)
                                && o.group != self.episodes[o.idx].id
                                && (onset.0 - self.episodes[o.idx].start.0).abs() < merge
                        })
                    } else {
                        Some(k)
                    }
                }
                // A series with neither service nor region carries every fault of the group:
                // it goes to the group's first episode while that is open.
                (Some(k), None) if key.service.is_none() => {
                    let g = self.open[k].group;
                    (0..self.open.len())
                        .find(|&j| {
                            self.open[j].block == bi && self.episodes[self.open[j].idx].id == g
                        })
                        .or(Some(k))
                }
                (t, _) => t,
            };
            self.series[i].flags |= MEMBER;
            match target {
                Some(k) => {
                    let ep = &mut self.open[k];
                    ep.members.push(i);
                    ep.last_hot = m;
                    if let Some(s) = key.service {
                        ep.attached[s] = true;
                    }
                    let e = &mut self.episodes[ep.idx];
                    // The slow test's onset is too rough to move an episode's, unless it is
                    // a declaration's (a known change point).
                    let f = self.series[i].flags;
                    if onset < e.start && (f & SLOW == 0 || f & DECLARED != 0) {
                        e.start = onset;
                    }
                    touched.push(k);
                }
                None => {
                    let b = &self.blocks[bi];
                    let acc = self.series[b.base..b.base + b.len()]
                        .iter()
                        .map(|s| [s.sum_x, s.sum_l])
                        .collect();
                    let mut attached = vec![false; b.ns];
                    if let Some(s) = key.service {
                        attached[s] = true;
                    }
                    let detected = (m + 1) * 60;
                    let same_minute = self
                        .episodes
                        .iter()
                        .rev()
                        .take_while(|e| e.detected_at.0 == detected)
                        .count() as u64;
                    let id = Episode::id_of(Timestamp(detected), same_minute);
                    self.episodes.push(Episode {
                        id,
                        provider: b.id.clone(),
                        services: Vec::new(),
                        regions: Vec::new(),
                        technologies: Vec::new(),
                        problems: Vec::new(),
                        start: onset,
                        detected_at: Timestamp(detected),
                        end: None,
                        peak_score: 0.0,
                        peak_rate: 0.0,
                        baseline_rate: 0.0,
                    });
                    self.open.push(OpenEpisode {
                        idx: self.episodes.len() - 1,
                        block: bi,
                        opened: m,
                        last_hot: m,
                        slow: self.series[i].flags & SLOW != 0,
                        members: vec![i],
                        foreign: vec![false; attached.len()],
                        attached,
                        acc,
                        group: group.unwrap_or(id),
                        entered: vec![i64::MAX; b.nr],
                        foreign_regions: vec![false; b.nr],
                    });
                    self.pending.push(EpisodeChange::Opened(id));
                }
            }
        }
        self.alarms = alarms;

        // Scope, peaks, closing.
        let mut k = 0;
        while k < self.open.len() {
            let changed = self.refresh_scope(k, m);
            let ep = &self.open[k];
            let id = self.episodes[ep.idx].id;
            let just_opened = ep.opened == m;
            if m - ep.last_hot >= i64::from(self.config.quiet_minutes) {
                let ep = self.open.remove(k);
                let end = Timestamp((ep.last_hot + 1) * 60);
                let e = &mut self.episodes[ep.idx];
                e.end = Some(end.max(e.start));
                for &i in &ep.members {
                    self.series[i].reset_excursion();
                }
                // A sharp outage is over: the slow test must not find it again in the series
                // of its services (and the service-less ones) that did not join it.
                if !ep.slow {
                    let b = &self.blocks[ep.block];
                    let services = &self.episodes[ep.idx].services;
                    for o in 0..b.len() {
                        let of_episode = b
                            .key(o)
                            .service
                            .is_none_or(|s| services.contains(&b.services[s]));
                        let se = &mut self.series[b.base + o];
                        if of_episode && se.flags & (MEMBER | DECLARED) == 0 {
                            se.reset_slow();
                        }
                    }
                }
                self.pending.push(EpisodeChange::Closed(id));
                continue;
            }
            if !just_opened && (changed || touched.contains(&k)) {
                self.pending.push(EpisodeChange::Updated(id));
            }
            k += 1;
        }
    }

    /// Whether a new alarm on service `s` fits open episode `o` by region (module doc, 5):
    /// false only when the episode is regional and `s` lies above baseline mostly outside
    /// its regions.
    fn fits(&self, o: &OpenEpisode, s: usize) -> bool {
        let b = &self.blocks[o.block];
        let cfg = &self.config;
        let above =
            |[x, l]: [f32; 2]| x - l >= cfg.scope_min_excess && poisson_llr(x, l) >= cfg.scope_llr;
        let own: Vec<usize> = (0..b.ns).filter(|&t| o.attached[t]).collect();
        let pass = |off: usize| o.members.contains(&(b.base + off)) || above(o.acc[off]);
        let inside: Vec<bool> = (0..b.nr)
            .map(|r| own.iter().any(|&t| pass(b.off_sr(t, r))))
            .collect();
        let n = inside.iter().filter(|&&r| r).count();
        if n == 0 || n == b.nr {
            return true;
        }
        let (mut rest, mut ins) = ([0.0f32; 2], [0.0f32; 2]);
        for (r, &is_inside) in inside.iter().enumerate() {
            let sum = if is_inside { &mut ins } else { &mut rest };
            for &t in &own {
                let [x, l] = o.acc[b.off_sr(t, r)];
                sum[0] += x;
                sum[1] += l;
            }
        }
        // Regional only when the rest is clearly quieter than a national fault would make it
        // (early in a national outage the first regions pass before the rest does): the rest's
        // count must favour its baseline `l` over `ρ·l` by `scope_llr`, with `ρ` the ratio of
        // observed to expected over all regions (the rise of a fault that hits all alike).
        if self.regional_llr(ins, rest) < cfg.scope_llr {
            return true;
        }
        // The new service over its own excursion: in the episode's regions, and elsewhere
        // (the service's excursion less the part in the episode's regions).
        let ss = &self.series[b.base..b.base + b.len()];
        let mut within = [0.0f32; 2];
        for r in (0..b.nr).filter(|&r| inside[r]) {
            let se = &ss[b.off_sr(s, r)];
            within[0] += se.sum_x - se.allow;
            within[1] += se.sum_l;
        }
        let total = &ss[b.off_s(s)];
        let beyond = [
            (total.sum_x - total.allow - within[0]).max(0.0),
            (total.sum_l - within[1]).max(0.0),
        ];
        !(above(beyond) && beyond[0] - beyond[1] > within[0] - within[1])
    }

    /// How much the count `rest = [observed, expected]` of the regions outside an episode's
    /// footprint favours their baseline over the rise a fault hitting all regions alike would
    /// bring there: the ratio of observed to expected over footprint (`ins`) and rest together.
    fn regional_llr(&self, ins: [f32; 2], rest: [f32; 2]) -> f32 {
        let rho = (ins[0] + rest[0]) / (ins[1] + rest[1]).max(self.config.min_rate);
        let [x, l] = rest;
        let national = l * rho.max(1.0);
        (national - l) - x * rho.max(1.0).ln()
    }

    /// Whether open episode `o` has a member series in region `r`.
    fn claims(&self, o: &OpenEpisode, r: usize) -> bool {
        let b = &self.blocks[o.block];
        o.members
            .iter()
            .any(|&i| b.key(i - b.base).region == Some(r))
    }

    /// Whether the alarm of series `i` in region `r` at minute `m` is a rise of its own beside
    /// open episode `k` rather than its growth (module doc, 5): it rose sharply (alarm within
    /// `merge_minutes` of its onset) in a region outside the episode's footprint before the
    /// onset; that footprint had stood still for `split_minutes` when the rise began; and the
    /// episode was regional, its rest (neither footprint nor `r`) clearly quieter than a fault
    /// hitting all regions alike would make it.
    fn separate_rise(&self, k: usize, i: usize, r: usize, m: i64) -> bool {
        let o = &self.open[k];
        let b = &self.blocks[o.block];
        let cfg = &self.config;
        let onset = self.epoch.unwrap_or(m) + i64::from(self.series[i].onset);
        if m - onset > i64::from(cfg.merge_minutes) || o.entered[r] < onset || self.claims(o, r) {
            return false;
        }
        let old: Vec<bool> = (0..b.nr)
            .map(|x| o.entered[x] < onset && !o.foreign_regions[x])
            .collect();
        let n = old.iter().filter(|&&x| x).count();
        let others = (0..b.nr)
            .filter(|&x| x != r && !old[x] && !o.foreign_regions[x])
            .count();
        if n == 0 || others == 0 {
            return false;
        }
        let settled = (0..b.nr)
            .filter(|&x| old[x])
            .map(|x| o.entered[x])
            .fold(o.opened, i64::max);
        if onset - settled < i64::from(cfg.split_minutes) {
            return false;
        }
        let own: Vec<usize> = (0..b.ns).filter(|&s| o.attached[s]).collect();
        let (mut ins, mut rest) = ([0.0f32; 2], [0.0f32; 2]);
        for x in (0..b.nr).filter(|&x| x != r && !o.foreign_regions[x]) {
            let sum = if old[x] { &mut ins } else { &mut rest };
            let mut add = |off: usize| {
                sum[0] += o.acc[off][0];
                sum[1] += o.acc[off][1];
            };
            if own.is_empty() {
                add(b.off_r(x));
            } else {
                own.iter().for_each(|&s| add(b.off_sr(s, x)));
            }
        }
        self.regional_llr(ins, rest) >= cfg.scope_llr
    }

    /// Recomputes scope and peak of open episode `k`; true when the scope changed.
    fn refresh_scope(&mut self, k: usize, m: i64) -> bool {
        // Services another open episode of the provider has are that episode's: while two
        // faults of one provider are open at once, each keeps its own services, and its
        // regions and problems come from its services only.
        let block = self.open[k].block;
        let mut concurrent = false;
        for j in 0..self.open.len() {
            if j == k || self.open[j].block != block {
                continue;
            }
            concurrent = true;
            for s in 0..self.open[k].foreign.len() {
                if self.open[j].attached[s] && !self.open[k].attached[s] {
                    self.open[k].foreign[s] = true;
                }
            }
            // Likewise the regions another episode of the split group claims.
            if self.open[j].group == self.open[k].group {
                let b = &self.blocks[block];
                let claimed: Vec<usize> = self.open[j]
                    .members
                    .iter()
                    .filter_map(|&i| b.key(i - b.base).region)
                    .collect();
                for r in claimed {
                    if !self.claims(&self.open[k], r) {
                        self.open[k].foreign_regions[r] = true;
                    }
                }
            }
        }
        let ep = &self.open[k];
        concurrent |= ep.foreign.iter().any(|&f| f);
        let b = &self.blocks[ep.block];
        let base = b.base;
        let cfg = &self.config;
        // Regions of its own: not claimed by another episode of the split group, unless a
        // member here claims them too. A split episode takes services and problems from the
        // series of its own regions (the others mix in the other fault).
        let allowed: Vec<bool> = (0..b.nr)
            .map(|r| !ep.foreign_regions[r] || self.claims(ep, r))
            .collect();
        let split = allowed.iter().any(|&a| !a);
        let n_allowed = allowed.iter().filter(|&&a| a).count();
        let pass = |off: usize| -> bool {
            if ep.members.contains(&(base + off)) {
                return true;
            }
            let [x, l] = ep.acc[off];
            x - l >= cfg.scope_min_excess && poisson_llr(x, l) >= cfg.scope_llr
        };
        let services: Vec<usize> = (0..b.ns)
            .filter(|&s| {
                ep.attached[s]
                    || (!ep.foreign[s]
                        && if split {
                            (0..b.nr).any(|r| allowed[r] && pass(b.off_sr(s, r)))
                        } else {
                            pass(b.off_s(s))
                                || (0..b.nr).any(|r| pass(b.off_sr(s, r)))
                                || (0..NQ).any(|q| pass(b.off_sq(s, q)))
                        })
            })
            .collect();
        let own_only = concurrent && !services.is_empty();
        let mut regions: Vec<usize> = (0..b.nr)
            .filter(|&r| {
                allowed[r]
                    && (services.iter().any(|&s| pass(b.off_sr(s, r)))
                        || (!own_only
                            && (pass(b.off_r(r)) || (0..NQ).any(|q| pass(b.off_rq(r, q))))))
            })
            .collect();
        // The regions not in scope, pooled (over the episode's services, if any): if they are
        // still above baseline together, the outage reaches beyond the regions found one by
        // one (a weak national outage), so all regions (of its own) are in scope.
        if !regions.is_empty() && regions.len() < n_allowed {
            let (mut x, mut l) = (0.0f32, 0.0f32);
            for r in (0..b.nr).filter(|&r| allowed[r] && !regions.contains(&r)) {
                let offs: Vec<usize> = if services.is_empty() {
                    vec![b.off_r(r)]
                } else {
                    services.iter().map(|&s| b.off_sr(s, r)).collect()
                };
                for o in offs {
                    x += ep.acc[o][0];
                    l += ep.acc[o][1];
                }
            }
            if x - l >= cfg.scope_min_excess && poisson_llr(x, l) >= cfg.scope_llr {
                regions = (0..b.nr).filter(|&r| allowed[r]).collect();
            }
        }
        // Few reports in a region are no evidence that it is unaffected: expected by population
        // share, the regions left out are either too small to tell or show a rise of their own;
        // when none of them is positively unaffected and the regions in scope carry most of the
        // expectation, the footprint is national.
        if !split && !regions.is_empty() && regions.len() < n_allowed {
            let offs = |r: usize| -> Vec<usize> {
                if services.is_empty() {
                    vec![b.off_r(r)]
                } else {
                    services.iter().map(|&s| b.off_sr(s, r)).collect()
                }
            };
            let total: f32 = if services.is_empty() {
                ep.acc[0][1]
            } else {
                services.iter().map(|&s| ep.acc[b.off_s(s)][1]).sum()
            };
            let observed: Vec<f32> = (0..b.nr)
                .map(|r| offs(r).iter().map(|&o| ep.acc[o][0]).sum())
                .collect();
            let expected: Vec<f32> = (0..b.nr)
                .map(|r| total * self.region_weight.get(r).copied().unwrap_or(0.0))
                .collect();
            if national_footprint(&regions, &allowed, &observed, &expected, cfg) {
                regions = (0..b.nr).filter(|&r| allowed[r]).collect();
            }
        }
        let problems: Vec<usize> = (0..NQ)
            .filter(|&q| {
                if split {
                    return ep.members.contains(&(base + b.off_q(q)))
                        || services
                            .iter()
                            .any(|&s| ep.members.contains(&(base + b.off_sq(s, q))))
                        || regions.iter().any(|&r| pass(b.off_rq(r, q)));
                }
                services.iter().any(|&s| pass(b.off_sq(s, q)))
                    || (!own_only && (pass(b.off_q(q)) || (0..b.nr).any(|r| pass(b.off_rq(r, q)))))
            })
            .collect();
        let mut affected: BTreeSet<&String> = BTreeSet::new();
        for &s in &services {
            affected.extend(b.techs[s].iter());
        }
        let mut ruled_out: BTreeSet<&String> = BTreeSet::new();
        for s in 0..b.ns {
            if services.contains(&s) {
                continue;
            }
            let [x, l] = ep.acc[b.off_s(s)];
            if l >= cfg.tech_min_expected && x < l * 1.5 + cfg.scope_min_excess {
                ruled_out.extend(b.techs[s].iter());
            }
        }
        let narrowed: Vec<String> = affected
            .iter()
            .filter(|t| !ruled_out.contains(*t))
            .map(|t| (*t).clone())
            .collect();
        let technologies = if narrowed.is_empty() {
            affected.into_iter().cloned().collect()
        } else {
            narrowed
        };

        let (rate, base_rate) = if split {
            // Over the series of its own regions only.
            let offs: Vec<usize> = if services.is_empty() {
                regions.iter().map(|&r| b.off_r(r)).collect()
            } else {
                services
                    .iter()
                    .flat_map(|&s| regions.iter().map(move |&r| b.off_sr(s, r)))
                    .collect()
            };
            offs.iter().fold((0.0, 0.0), |(x, l), &o| {
                let se = &self.series[base + o];
                (x + se.last_x, l + se.expected)
            })
        } else if services.is_empty() {
            let s = &self.series[base];
            (s.last_x, s.expected)
        } else {
            services.iter().fold((0.0, 0.0), |(x, l), &s| {
                let se = &self.series[base + b.off_s(s)];
                (x + se.last_x, l + se.expected)
            })
        };
        let score = ep
            .members
            .iter()
            .map(|&i| self.series[i].score)
            .fold(0.0f32, f32::max);

        let services: Vec<ServiceId> = services.iter().map(|&s| b.services[s].clone()).collect();
        let idx = ep.idx;
        for &r in &regions {
            let e = &mut self.open[k].entered[r];
            *e = (*e).min(m);
        }
        let regions: Vec<RegionId> = regions.iter().map(|&r| self.regions[r].clone()).collect();
        let problems: Vec<Problem> = problems.iter().map(|&q| Problem::ALL[q]).collect();
        let e = &mut self.episodes[idx];
        let changed = e.services != services
            || e.regions != regions
            || e.problems != problems
            || e.technologies != technologies;
        e.services = services;
        e.regions = regions;
        e.problems = problems;
        e.technologies = technologies;
        e.peak_score = e.peak_score.max(f64::from(score));
        if f64::from(rate) > e.peak_rate {
            e.peak_rate = f64::from(rate);
            e.baseline_rate = f64::from(base_rate);
        }
        changed
    }

    /// All episodes, open and closed, in order of opening.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    pub fn open_episodes(&self) -> impl Iterator<Item = &Episode> {
        self.open.iter().map(|o| &self.episodes[o.idx])
    }

    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Bytes of detector state (series, reporter window, indexes, episode work areas).
    pub fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        let series = self.series.capacity() * size_of::<Series>();
        let seen = self.seen.capacity() * (size_of::<((u32, u64), Seen)>() + 1)
            + self.flagged.capacity() * size_of::<(u32, u64)>();
        let blocks: usize = self
            .blocks
            .iter()
            .map(|b| {
                size_of::<Block>()
                    + b.services.capacity() * size_of::<ServiceId>()
                    + b.service_index.capacity() * (size_of::<(ServiceId, usize)>() + 1)
                    + b.services.iter().map(|s| s.as_str().len()).sum::<usize>() * 2
            })
            .sum();
        let index = self.provider_index.capacity() * (size_of::<(ProviderId, usize)>() + 1)
            + self.region_index.capacity() * (size_of::<(RegionId, usize)>() + 1);
        let open: usize = self
            .open
            .iter()
            .map(|o| {
                size_of::<OpenEpisode>()
                    + o.acc.capacity() * 8
                    + o.members.capacity() * 8
                    + o.attached.capacity()
                    + o.foreign.capacity()
                    + o.entered.capacity() * 8
                    + o.foreign_regions.capacity()
            })
            .sum();
        let episodes = self.episodes.capacity() * size_of::<Episode>();
        size_of::<Self>() + series + seen + blocks + index + open + episodes
    }

    /// Reports ignored because their minute was already closed.
    pub fn late_reports(&self) -> u64 {
        self.late_reports
    }
    /// Reports ignored because their minute was not open yet.
    pub fn early_reports(&self) -> u64 {
        self.early_reports
    }
    /// Reports ignored because their reporter already counted for the provider in the window.
    pub fn duplicate_reports(&self) -> u64 {
        self.duplicate_reports
    }
    /// Reports that counted.
    pub fn counted_reports(&self) -> u64 {
        self.counted_reports
    }

    /// Provider-level status of the last closed minute.
    pub fn provider_status(&self, provider: &ProviderId) -> Option<SeriesStatus> {
        self.series_status(provider, None, None, None)
    }

    /// Status of one series for the last closed minute. The series that exist: the provider
    /// (all `None`), per service, service × region, service × problem, per region, per problem
    /// and region × problem.
    pub fn series_status(
        &self,
        provider: &ProviderId,
        service: Option<&ServiceId>,
        region: Option<&RegionId>,
        problem: Option<Problem>,
    ) -> Option<SeriesStatus> {
        let &bi = self.provider_index.get(provider)?;
        self.epoch?;
        let b = &self.blocks[bi];
        let s = match service {
            Some(id) => Some(*b.service_index.get(id)?),
            None => None,
        };
        let r = match region {
            Some(id) => Some(*self.region_index.get(id)?),
            None => None,
        };
        let q = problem.map(Problem::index);
        let off = match (s, r, q) {
            (None, None, None) => 0,
            (Some(s), None, None) => b.off_s(s),
            (Some(s), Some(r), None) => b.off_sr(s, r),
            (Some(s), None, Some(q)) => b.off_sq(s, q),
            (None, Some(r), None) => b.off_r(r),
            (None, None, Some(q)) => b.off_q(q),
            (None, Some(r), Some(q)) => b.off_rq(r, q),
            (Some(_), Some(_), Some(_)) => return None,
        };
        let s = &self.series[b.base + off];
        let l = f64::from(s.tested.max(self.config.min_rate));
        let h = f64::from(self.config.alarm_llr);
        // Solve x·ln(x/l) − (x − l) = h for x > l (Newton).
        let mut x = l + (2.0 * h * l).sqrt() + h / 3.0;
        for _ in 0..20 {
            let f = x * (x / l).ln() - (x - l) - h;
            let d = (x / l).ln().max(1e-9);
            let nx = (x - f / d).max(l * (1.0 + 1e-9));
            if (nx - x).abs() < 1e-9 {
                break;
            }
            x = nx;
        }
        Some(SeriesStatus {
            minute_start: Timestamp((self.next_close - 1) * 60),
            observed: f64::from(s.last_x),
            expected: f64::from(s.expected),
            upper: x,
            score: f64::from(s.score),
        })
    }

    /// The score of every series of a provider for the last closed minute, with its key
    /// (service, region, problem), for charts and debugging.
    pub fn provider_scores(&self, provider: &ProviderId) -> Vec<SeriesScore> {
        let Some(&bi) = self.provider_index.get(provider) else {
            return Vec::new();
        };
        let b = &self.blocks[bi];
        (0..b.len())
            .map(|o| {
                let k = b.key(o);
                (
                    k.service.map(|s| b.services[s].clone()),
                    k.region.map(|r| self.regions[r].clone()),
                    k.problem.map(|q| Problem::ALL[q]),
                    f64::from(self.series[b.base + o].score),
                )
            })
            .collect()
    }
}
