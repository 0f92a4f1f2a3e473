use serde::Serialize;

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
    /// The share of the usual evidence (log-likelihood ratio and excess of reporters) an
    /// alarm needs where a provider this one's services depend on (an MVNO's host) has an
    /// open episode showing a service that needs the same components, in the regions that
    /// episode covers; such a member also stays elevated while that episode lasts, and ends
    /// with it if its alarm came while it did.
    pub host_evidence: f32,
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
    /// The slow test expects at least this share of the series' mean rate over the last day
    /// (night hours need a rise that would count in the daytime).
    pub slow_floor_share: f32,
    /// Minimum learning rate of a baseline bucket.
    pub learn_min_alpha: f32,
    /// Learning weight while a series is anomalous, a member of an episode, or on an upward
    /// excursion while its provider has an open episode (0 = learn nothing).
    pub anomaly_weight: f32,
    /// Learning weight while a series' score is at least `suspect_score`.
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
            host_evidence: 0.5,
            flood_min_excess: 20.0,
            flood_quick_flags: 2,
            quick_repeat_minutes: 10,
            instant_excess: 30.0,
            slow_rise_ratio: 2.0,
            slow_min_minutes: 60,
            slow_aggregate_min_minutes: 10,
            slow_aggregate_rise_ratio: 1.3,
            slow_aggregate_llr: 8.0,
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
