//! One count series: its seasonal baseline, its change detectors and its score, in ~360 bytes.
//!
//! The step that closes a minute ([`Series::step`]) is the hot loop of the detector; it does no
//! allocation, and it computes a logarithm or an exponential only when the series has counts or
//! an open excursion.

use super::DetectorConfig;

/// 24 hourly buckets × {weekday, weekend}.
pub(crate) const BUCKETS: usize = 48;

/// The series belongs to an open episode (its counts are anomalous; the baseline learns little).
pub(crate) const MEMBER: u8 = 1;
/// The series joined its episode on the slow test: it stays elevated while that test's
/// excursion lives and still passes the alarm threshold.
pub(crate) const SLOW: u8 = 2;
/// The smoothed rate is above the "still elevated" line (keeps episodes open).
pub(crate) const HOT: u8 = 4;
/// An open declared incident affects the series' service: its slow excursion stays open
/// and its baseline learns with the anomaly weight.
pub(crate) const DECLARED: u8 = 8;
/// An aggregate series (the provider, or one service, over all regions and problem types):
/// its slow test looks for a smaller rise, needs less evidence and may alarm sooner.
pub(crate) const AGGREGATE: u8 = 16;
/// The series' last alarm came while a host's open episode corroborated it
/// ([`BlockCtx::inv_evidence`]): as a member it lasts as long as that episode.
pub(crate) const HOSTED: u8 = 32;
/// A minute of the current dispersion block was not a quiet one (learnt with less than full
/// weight: anomalous, member, gap; in warm-up; or with a suspect score): the block teaches the
/// dispersion estimate nothing, so an outage's ramp is not learnt as a burst.
const TAINTED: u8 = 64;
/// A minute of the previous dispersion block was tainted (or there is none yet).
const PREV_TAINTED: u8 = 128;

/// Minutes per block of the dispersion estimate: the shortest excursion any test alarms on
/// (`slow_aggregate_min_minutes`' default), so the estimate speaks of the variation the
/// evidence of such an excursion must beat.
pub(crate) const DISPERSION_BLOCK: u32 = 10;
/// Blocks the dispersion estimate averages over at most: one day, the daily profile's period.
const DISPERSION_MEMORY: f32 = 144.0;

/// The slow test's CUSUM for a rise to ρ: increment `x·ln ρ − (ρ − 1)·l`, alarm threshold
/// `1 / inv_h`, shortest excursion `min_minutes`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlowTest {
    pub ln: f32,
    pub drift: f32,
    pub inv_h: f32,
    pub min_minutes: u32,
}

impl SlowTest {
    fn new(rise_ratio: f32, llr: f32, min_minutes: u32) -> SlowTest {
        let rho = rise_ratio.max(1.01);
        SlowTest {
            ln: rho.ln(),
            drift: rho - 1.0,
            inv_h: 1.0 / llr.max(1e-3),
            min_minutes,
        }
    }
}

/// Everything about the minute being closed that is the same for every series.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MinuteCtx {
    /// Minute index relative to the detector's epoch.
    pub minute: u32,
    /// Buckets whose centres bracket the middle of this minute, and the weight of the second.
    pub b0: usize,
    pub b1: usize,
    pub w1: f32,
    /// Bucket this minute's count is learnt into.
    pub upd: usize,
}

/// The bucket of the same hour of the other day type (weekday ↔ weekend).
#[inline]
fn other_day_type(b: usize) -> usize {
    if b >= 24 {
        b - 24
    } else {
        b + 24
    }
}

fn bucket_of_hour(abs_hour: i64) -> usize {
    let day = abs_hour.div_euclid(24);
    let hour = abs_hour.rem_euclid(24) as usize;
    // 1970-01-01 was a Thursday; with Monday = 0, Saturday = 5 and Sunday = 6.
    let dow = (day + 3).rem_euclid(7);
    hour + if dow >= 5 { 24 } else { 0 }
}

/// Absolute minute `m` (minutes since 1970-01-01T00:00Z) on the wall clock of `tz`: what the
/// daily profile is bucketed by, so a provider's 9 o'clock is the same bucket in summer and in
/// winter time.
pub(crate) fn local_minute(tz: chrono_tz::Tz, m: i64) -> i64 {
    use chrono::{Offset, TimeZone};
    match chrono::DateTime::from_timestamp(m.saturating_mul(60), 0) {
        Some(t) => {
            let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
            m + i64::from(offset.local_minus_utc()).div_euclid(60)
        }
        None => m,
    }
}

impl MinuteCtx {
    /// `local_minute` is the absolute minute index (since the epoch) in local time.
    pub fn new(minute: u32, local_minute: i64) -> Self {
        // Bucket centres lie at hh:30. Position of this minute's middle in "hours since the
        // centre of hour 0".
        let t = local_minute * 2 + 1 - 60; // in half-minutes, relative to 00:30
        let h0 = t.div_euclid(120);
        let frac = t.rem_euclid(120) as f32 / 120.0;
        MinuteCtx {
            minute,
            b0: bucket_of_hour(h0),
            b1: bucket_of_hour(h0 + 1),
            w1: frac,
            upd: bucket_of_hour(local_minute.div_euclid(60)),
        }
    }
}

/// Tunables turned into what the hot loop needs.
#[derive(Clone, Debug)]
pub(crate) struct Params {
    pub min_rate: f32,
    pub rate_slack: f32,
    pub cold_z: f32,
    pub cold_abs: f32,
    pub cold_rel: f32,
    pub rho: f32,
    pub delta: f32,
    pub cusum_cap: f32,
    pub inv_h: f32,
    pub instant_excess: f32,
    /// The slow test in a single series and in an aggregate one ([`AGGREGATE`]).
    pub slow: SlowTest,
    pub slow_aggregate: SlowTest,
    pub slow_floor_share: f32,
    pub warmup: u32,
    pub warmup_quiet: u32,
    pub warmup_min_excess: f32,
    pub fast_alpha: f32,
    pub hot_ratio: f32,
    pub hot_abs: f32,
    pub anomaly_weight: f32,
    pub suspect_score: f32,
    pub suspect_weight: f32,
    pub level_alpha: f32,
    pub winsor_z: f32,
    /// Learning rate by bucket maturity n: max(1 / (n + k0), minimum), k0 the prior's weight.
    pub alpha: [f32; 256],
    /// Uncertainty of a bucket learnt from n minutes on top of a prior worth k0 minutes:
    /// 1 / sqrt(n + k0) (sampling), k0 / (n + k0) (share of the prior), 1 / (n + 1).
    pub inv_sqrt_nk: [f32; 256],
    pub prior_share: [f32; 256],
    pub inv_n1: [f32; 256],
}

impl Params {
    pub fn new(c: &DetectorConfig) -> Self {
        let mut alpha = [0f32; 256];
        let mut inv_sqrt_nk = [0f32; 256];
        let mut prior_share = [0f32; 256];
        let mut inv_n1 = [0f32; 256];
        let k0 = c.prior_weight.max(1.0);
        for n in 0..256 {
            let nf = n as f32;
            alpha[n] = (1.0 / (nf + k0)).max(c.learn_min_alpha);
            inv_sqrt_nk[n] = 1.0 / (nf + k0).sqrt();
            prior_share[n] = k0 / (nf + k0);
            inv_n1[n] = 1.0 / (nf + 1.0);
        }
        Params {
            min_rate: c.min_rate,
            rate_slack: c.rate_slack,
            cold_z: c.cold_z,
            cold_abs: c.cold_abs,
            cold_rel: c.cold_rel,
            rho: c.rise_ratio.max(1.01),
            delta: c.rise_abs.max(0.01),
            cusum_cap: c.cusum_cap.max(c.alarm_llr),
            inv_h: 1.0 / c.alarm_llr.max(1e-3),
            instant_excess: c.instant_excess,
            slow: SlowTest::new(c.slow_rise_ratio, c.alarm_llr, c.slow_min_minutes),
            slow_aggregate: SlowTest::new(
                c.slow_aggregate_rise_ratio,
                c.slow_aggregate_llr,
                c.slow_aggregate_min_minutes,
            ),
            slow_floor_share: c.slow_floor_share.max(0.0),
            warmup: c.warmup_minutes,
            warmup_quiet: c.warmup_quiet_minutes,
            warmup_min_excess: c.warmup_min_excess,
            fast_alpha: c.fast_alpha.clamp(0.01, 1.0),
            hot_ratio: c.hot_ratio,
            hot_abs: c.hot_abs,
            anomaly_weight: c.anomaly_weight.clamp(0.0, 1.0),
            suspect_score: c.suspect_score,
            suspect_weight: c.suspect_weight.clamp(0.0, 1.0),
            level_alpha: c.level_alpha.clamp(1e-6, 1.0),
            winsor_z: c.winsor_z,
            alpha,
            inv_sqrt_nk,
            prior_share,
            inv_n1,
        }
    }
}

/// How many times the Poisson evidence of an excursion of `minutes` overstates it, given the
/// overdispersion `kappa` and an expectation of `lam` a minute: the quasi-likelihood's scale
/// `1 + κ·L` for the expectation L of the excursion's span, up to one block (blocks farther
/// apart vary independently, so a longer excursion's variance grows like its mean).
#[inline]
fn overdispersion(kappa: f32, lam: f32, minutes: u32) -> f32 {
    1.0 + kappa * lam * minutes.clamp(1, DISPERSION_BLOCK) as f32
}

/// Poisson log-likelihood ratio of `x` observed against `l` expected, 0 unless `x > l`.
#[inline]
pub(crate) fn poisson_llr(x: f32, l: f32) -> f32 {
    if x > l && l > 0.0 {
        x * (x / l).ln() - (x - l)
    } else {
        0.0
    }
}

/// Maps evidence `v` against a threshold (1 / `inv_thr`) to [0, 1): 0.5 at the threshold.
#[inline]
fn squash(v: f32, inv_thr: f32) -> f32 {
    if v <= 0.0 {
        0.0
    } else {
        1.0 - (-v * inv_thr).exp2()
    }
}

/// What is the same for every series of one provider in the minute being closed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockCtx {
    /// The provider has an open episode.
    pub in_episode: bool,
    /// The provider's data looks cut off: learn nothing.
    pub gap: bool,
    /// 1 / the excess of distinct reporters an alarm needs.
    pub inv_min_excess: f32,
    /// 1 / the share of the usual evidence (log-likelihood ratio and excess) an alarm needs:
    /// 1 unless another provider's open episode already shows the fault this series would
    /// show (an MVNO's host down where the MVNO needs it).
    pub inv_evidence: f32,
    /// The provider's overdispersion κ ([`Series::dispersion`] of its total series): bursts
    /// of reports move all of a provider's series together, and its total, with the most
    /// counts, measures them best.
    pub dispersion: f32,
    /// The series is the provider's total: it learns the dispersion estimate.
    pub total: bool,
}

/// What a closed minute said about one series.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Step {
    pub alarm: bool,
}

/// The state of one series. `repr(C)` keeps the layout (and `state_bytes`) predictable.
#[derive(Clone, Debug)]
#[repr(C)]
pub(crate) struct Series {
    /// Expected distinct reporters per minute, by bucket.
    pub profile: [f32; BUCKETS],
    /// Minutes learnt into each bucket (saturating).
    pub seen: [u8; BUCKETS],
    /// Recent level (slow EWMA of all minutes): the prior for buckets not yet seen.
    pub level: f32,
    /// Mean rate over about the last day (EWMA, learnt like the baseline).
    pub daily: f32,
    /// Fast EWMA of the observed count: "still elevated".
    pub fast: f32,
    /// One-sided Poisson CUSUM.
    pub cusum: f32,
    /// Observed and expected (inflated) counts since the CUSUM left zero.
    pub sum_x: f32,
    /// Reporters counted in this excursion that have since turned out to be repeaters.
    pub allow: f32,
    pub sum_l: f32,
    /// Expected count (baseline rate) of the last closed minute.
    pub expected: f32,
    /// Tested expectation (baseline with slack and cold-start margin) of the last minute.
    pub tested: f32,
    /// The expectation over a long window (an episode's scope): the baseline with its
    /// day-to-day slack and the uncertainty of its estimate, `λ·(1 + rate_slack) +
    /// cold_z·sqrt(λ/(n + k0))` — without the terms that guard a single minute (the prior's
    /// share, `cold_abs/(n + 1)`).
    pub steady: f32,
    /// Anomaly score of the last closed minute, in [0, 1].
    pub score: f32,
    /// Observed distinct count of the last closed minute.
    pub last_x: f32,
    /// Minute (epoch-relative) at which the CUSUM last left zero: the onset estimate (of the
    /// slow test's excursion when that test raised the alarm).
    pub onset: u32,
    /// Slow test: a Poisson CUSUM for a rise to `slow_rise_ratio` times the expectation, the
    /// minute it last left zero, and observed count, repeater allowance and expectation since.
    pub slow: f32,
    pub slow_onset: u32,
    pub slow_x: f32,
    pub slow_allow: f32,
    pub slow_l: f32,
    /// For a member by the slow test: evidence that its rate is back at the expectation
    /// rather than at the rise the test looked for (the slow CUSUM run the other way, a
    /// log-likelihood ratio). It ends the membership at the test's own threshold.
    pub end_llr: f32,
    /// For a member by the slow test: the rise its alarm showed (a low estimate of observed
    /// over expected since the excursion's onset, at least the test's own ratio); the end
    /// test holds the expectation against it.
    pub end_rho: f32,
    /// Distinct reporters counted in the minute that is still open.
    pub cur: u32,
    /// Closed minutes since the series was created (saturating).
    pub age: u32,
    /// Expected count accumulated over the current run of empty minutes (data-gap detector).
    pub quiet: f32,
    /// Overdispersion: observed and expected counts of the current and the previous block of
    /// [`DISPERSION_BLOCK`] minutes, and running means of the variance two consecutive
    /// blocks show beyond Poisson's and of their squared expectations; their ratio estimates
    /// κ in `Var(X) = L + κ·L²` ([`Series::dispersion`]).
    pub blk_x: f32,
    pub blk_l: f32,
    pub prev_x: f32,
    pub prev_l: f32,
    pub disp_num: f32,
    pub disp_den: f32,
    pub flags: u8,
}

impl Series {
    pub fn new() -> Self {
        Series {
            profile: [0.0; BUCKETS],
            seen: [0; BUCKETS],
            level: 0.0,
            daily: 0.0,
            fast: 0.0,
            cusum: 0.0,
            sum_x: 0.0,
            allow: 0.0,
            sum_l: 0.0,
            expected: 0.0,
            tested: 0.0,
            steady: 0.0,
            score: 0.0,
            last_x: 0.0,
            onset: 0,
            slow: 0.0,
            slow_onset: 0,
            slow_x: 0.0,
            slow_allow: 0.0,
            slow_l: 0.0,
            end_llr: 0.0,
            end_rho: 0.0,
            cur: 0,
            age: 0,
            quiet: 0.0,
            blk_x: 0.0,
            blk_l: 0.0,
            prev_x: 0.0,
            prev_l: 0.0,
            disp_num: 0.0,
            disp_den: 0.0,
            flags: PREV_TAINTED,
        }
    }

    /// The learnt value of bucket `b`, or its prior when it has never been seen: the same hour
    /// of the other day type, else the recent level.
    #[inline]
    fn value(&self, b: usize) -> f32 {
        if self.seen[b] > 0 {
            self.profile[b]
        } else {
            let alt = other_day_type(b);
            if self.seen[alt] > 0 {
                self.profile[alt]
            } else {
                self.level
            }
        }
    }

    /// The baseline rate for a minute, interpolated between hourly buckets.
    #[inline]
    pub fn baseline(&self, c: &MinuteCtx) -> f32 {
        let e0 = self.value(c.b0);
        let e1 = self.value(c.b1);
        (e0 + c.w1 * (e1 - e0)).max(0.0)
    }

    /// Whether an anomalous excursion of a series still in warm-up is strong enough to alarm:
    /// it began after the series had seen `warmup_quiet` minutes, and its excess reaches
    /// `warmup_min_excess`.
    #[inline]
    fn cold_alarm(&self, c: &MinuteCtx, p: &Params, excess: f32) -> bool {
        let since_onset = c.minute.saturating_sub(self.onset);
        self.age.saturating_sub(since_onset) > p.warmup_quiet && excess >= p.warmup_min_excess
    }

    /// The series' overdispersion κ (`Var(X) = L + κ·L²` for a block's count X of expectation
    /// L), at least 0: crowd reports come in bursts that a Poisson count does not have (a
    /// post that sends a few dozen people to the report form, a busy hour at a call centre).
    /// Only what the data shows clearly counts: the estimate two standard errors low (the
    /// standard error of a ratio estimate from n blocks of Poisson counts, `2/sqrt(n·mean(L1² +
    /// L0²))`), so a small provider's handful of reports a block, whose estimate is mostly
    /// noise, keeps a Poisson test.
    #[inline]
    pub fn dispersion(&self) -> f32 {
        if self.disp_den > 0.0 {
            let n = ((self.age / DISPERSION_BLOCK) as f32).min(DISPERSION_MEMORY);
            let se = 2.0 / (n * self.disp_den).sqrt();
            (self.disp_num / self.disp_den - 2.0 * se).max(0.0)
        } else {
            0.0
        }
    }

    /// Learns the minute's count `x` and expectation `lam` into the dispersion estimate. At
    /// the end of each block, the difference of two consecutive clean blocks' counts (learnt
    /// with full weight) is compared with what Poisson counts around the baseline would show.
    /// A difference rather than a deviation from the baseline: a young baseline's error is
    /// not a burst. Clipped at `winsor_z` standard deviations, like the baseline's learning.
    #[inline]
    fn learn_dispersion(&mut self, p: &Params, x: f32, lam: f32, w: f32) {
        if w < 1.0 || self.age <= p.warmup || self.score >= p.suspect_score {
            self.flags |= TAINTED;
        }
        self.blk_x += x;
        self.blk_l += lam;
        if !self.age.is_multiple_of(DISPERSION_BLOCK) {
            return;
        }
        if self.flags & (TAINTED | PREV_TAINTED) == 0 {
            let (x1, l1, x0, l0) = (self.blk_x, self.blk_l, self.prev_x, self.prev_l);
            let den = l1 * l1 + l0 * l0;
            if den > 0.0 {
                let k = self.dispersion();
                let var = l1 + l0 + k * den;
                let lim = p.winsor_z * var.sqrt() + 2.0;
                let d = (x1 - x0).clamp(-lim, lim);
                let dl = l1 - l0;
                let num = d * d - (x1 + x0) - dl * dl;
                let n = (self.age / DISPERSION_BLOCK) as f32;
                let a = (1.0 / n).max(1.0 / DISPERSION_MEMORY);
                self.disp_num += a * (num - self.disp_num);
                self.disp_den += a * (den - self.disp_den);
            }
        }
        self.prev_x = self.blk_x;
        self.prev_l = self.blk_l;
        self.blk_x = 0.0;
        self.blk_l = 0.0;
        if self.flags & TAINTED != 0 {
            self.flags |= PREV_TAINTED;
        } else {
            self.flags &= !PREV_TAINTED;
        }
        self.flags &= !TAINTED;
    }

    /// Forgets the current excursion (after its episode closed).
    pub fn reset_excursion(&mut self) {
        self.cusum = 0.0;
        self.sum_x = 0.0;
        self.allow = 0.0;
        self.sum_l = 0.0;
        self.reset_slow();
        self.flags &= !(MEMBER | SLOW | HOSTED);
    }

    /// Forgets the slow test's excursion.
    pub fn reset_slow(&mut self) {
        self.slow = 0.0;
        self.slow_x = 0.0;
        self.slow_allow = 0.0;
        self.slow_l = 0.0;
    }

    /// Opens a slow excursion at `minute` unless one is already open (a declared incident
    /// is a known change point; an excursion that began before it keeps its onset).
    pub fn open_slow(&mut self, minute: u32) {
        if self.slow <= 0.0 {
            self.slow = f32::MIN_POSITIVE;
            self.slow_onset = minute;
            self.slow_x = 0.0;
            self.slow_allow = 0.0;
            self.slow_l = 0.0;
        }
    }

    /// Whether the alarm's onset is the slow test's (its excursion's start): too rough to move
    /// an episode's onset, or to date one for joining by timing, unless a declaration marked
    /// it (a known change point).
    pub(crate) fn rough_onset(&self) -> bool {
        self.flags & (SLOW | DECLARED) == SLOW
    }

    /// The slow test this series runs: an aggregate's looks for a smaller rise.
    #[inline]
    fn slow_test<'p>(&self, p: &'p Params) -> &'p SlowTest {
        if self.flags & AGGREGATE != 0 {
            &p.slow_aggregate
        } else {
            &p.slow
        }
    }

    /// Evidence of the slow excursion, as a score in [0, 1] (0.5 = alarm threshold).
    #[inline]
    fn slow_score(&self, p: &Params, inv_min_excess: f32, inv_evidence: f32) -> f32 {
        let xa = self.slow_x - self.slow_allow;
        let excess = xa - self.slow_l;
        if self.slow <= 0.0 || excess <= 0.0 {
            return 0.0;
        }
        squash(
            poisson_llr(xa, self.slow_l),
            self.slow_test(p).inv_h * inv_evidence,
        )
        .min(squash(excess, inv_min_excess))
    }

    /// Closes one minute: scores the count accumulated in `cur` against the baseline, updates
    /// the change detector and learns the count into the baseline. `allowance` is the number
    /// of distinct reporters the provider's recent repeaters could account for.
    #[inline]
    pub fn step(&mut self, c: &MinuteCtx, p: &Params, b: &BlockCtx) -> Step {
        let BlockCtx {
            in_episode,
            gap,
            inv_min_excess,
            inv_evidence,
            dispersion,
            total,
        } = *b;
        let inv_min_excess = inv_min_excess * inv_evidence;
        let x = self.cur as f32;
        self.cur = 0;
        self.last_x = x;
        self.age = self.age.saturating_add(1);

        let lambda = self.baseline(c);
        self.expected = lambda;
        let n = self.seen[c.upd] as usize;
        let lam = lambda.max(p.min_rate);
        let sd = lam.sqrt();
        // What a long window is held against: the baseline, some slack for day-to-day
        // variation, and the uncertainty of its estimate. A single minute is tested against
        // more: the prior's share of a young bucket and a per-minute cold-start term.
        let steady = lam * (1.0 + p.rate_slack) + p.cold_z * sd * p.inv_sqrt_nk[n];
        // The per-minute cold-start term guards a baseline that rests on no minutes of its
        // hour; a bucket seeded from the same hour of the other day type rests on that
        // bucket's minutes (the prior's share above still marks it as young).
        let n_abs = n.max(usize::from(self.seen[other_day_type(c.upd)]));
        let cold = p.cold_abs * p.inv_n1[n_abs];
        let lt = steady + lam * p.cold_rel * p.prior_share[n] + cold;
        self.tested = lt;
        self.steady = steady;
        if x > 0.0 {
            self.quiet = 0.0;
        } else {
            self.quiet += lt;
        }

        // One-sided Poisson CUSUM for a rise to l1.
        let l1 = (lt * p.rho).max(lt + p.delta);
        let mut s = self.cusum - (l1 - lt);
        if x > 0.0 {
            s += x * (l1 / lt).ln();
        }
        let mut anomalous = false;
        let mut alarm = false;
        if s <= 0.0 {
            self.cusum = 0.0;
            self.sum_x = 0.0;
            self.allow = 0.0;
            self.sum_l = 0.0;
            self.score = 0.0;
        } else {
            if self.cusum == 0.0 {
                self.onset = c.minute;
                self.sum_x = 0.0;
                self.allow = 0.0;
                self.sum_l = 0.0;
            }
            self.cusum = s.min(p.cusum_cap);
            self.sum_x += x;
            self.sum_l += lt;
            // Evidence since the onset, at the best-fitting rise (a GLR), without the reporters
            // that have since turned out to be repeaters.
            let xa = self.sum_x - self.allow;
            let excess = xa - self.sum_l;
            if excess > 0.0 {
                let g = poisson_llr(xa, self.sum_l);
                let score = squash(g, p.inv_h * inv_evidence).min(squash(excess, inv_min_excess));
                self.score = score;
                anomalous = score >= 0.5;
                // A marginal alarm must span two minutes: a one-minute burst may be a flood
                // whose repeats have not arrived yet.
                alarm = anomalous
                    && (excess >= p.instant_excess || self.onset != c.minute)
                    && (self.age > p.warmup || self.cold_alarm(c, p, excess));
            } else {
                self.score = 0.0;
            }
        }

        // The slow test: the same evidence over a CUSUM excursion for a relative rise only
        // (no absolute step, and without the absolute cold-start term, which a long window
        // does not need), so a modest rise sustained for hours passes. While a declared
        // incident affects the series the excursion stays open from the declaration on.
        // At night the expectation is at least a share of the day's mean rate: night
        // baselines are small and night traffic is bursty, so a long window there needs a
        // rise that would count in the daytime too.
        let ls = (lt - cold).max(p.slow_floor_share * self.daily);
        let test = self.slow_test(p);
        // This minute's evidence for the rise; the end evidence is the same, run the other way.
        let rise = x * test.ln - test.drift * ls;
        let q = self.slow + rise;
        if self.flags & SLOW != 0 {
            // Each minute at the expectation adds `(ρ − 1 − ln ρ)·l`; each at the rise takes
            // away more. A busy series ends within the hour after its reports fall back.
            let rho = self.end_rho.max(1.01);
            let back = x * rho.ln() - (rho - 1.0) * ls;
            self.end_llr = (self.end_llr - back).max(0.0);
        }
        if q <= 0.0 && self.flags & DECLARED == 0 {
            self.reset_slow();
        } else {
            if self.slow <= 0.0 {
                self.slow_onset = c.minute;
                self.slow_x = 0.0;
                self.slow_allow = 0.0;
                self.slow_l = 0.0;
            }
            self.slow = q.clamp(f32::MIN_POSITIVE, p.cusum_cap);
            self.slow_x += x;
            self.slow_l += ls;
        }
        let phi = if self.flags & AGGREGATE != 0 {
            overdispersion(dispersion, lam, c.minute - self.slow_onset + 1)
        } else {
            1.0
        };
        let slow_score = self.slow_score(p, inv_min_excess, inv_evidence / phi);
        if slow_score > self.score {
            self.score = slow_score;
            // Only an excursion of an hour or more: anything shorter is the minute test's,
            // with its rules for bursts.
            // An aggregate's counts are large enough for a shorter window: a slow ramp shows
            // there long before any single series holds an hour's evidence.
            if slow_score >= 0.5 && c.minute - self.slow_onset >= self.slow_test(p).min_minutes {
                anomalous = true;
                if !alarm && self.age > p.warmup && self.flags & MEMBER == 0 {
                    alarm = true;
                    self.onset = self.slow_onset;
                    self.flags |= SLOW;
                    // From here on "still elevated" is judged by the evidence for its end.
                    self.end_llr = 0.0;
                    // The rise the alarm showed, at least: the count two standard deviations
                    // low (an alarm fires where its evidence peaks, so the count itself
                    // overstates the rise), over the expectation.
                    let xa = self.slow_x - self.slow_allow;
                    self.end_rho = ((xa - 2.0 * xa.max(0.0).sqrt()) / self.slow_l.max(1e-6))
                        .max(test.ln.exp());
                }
            }
        }
        if alarm {
            if inv_evidence > 1.0 {
                self.flags |= HOSTED;
            } else {
                self.flags &= !HOSTED;
            }
        }
        let step = Step { alarm };
        // How much this minute may teach the baseline: nothing much while anomalous or part
        // of an episode; less while on a notable excursion (once the bucket is learnt well
        // enough to call it one), or on any upward excursion while the provider has an open
        // episode; nothing while the provider's data is cut off.
        let weight = if gap {
            0.0
        } else if self.age <= p.warmup && !alarm && self.flags & MEMBER == 0 {
            1.0
        } else if anomalous
            || self.flags & (MEMBER | DECLARED) != 0
            || (in_episode && self.cusum > 0.0)
        {
            p.anomaly_weight
        } else if self.score >= p.suspect_score && p.prior_share[n] < 0.25 {
            p.suspect_weight
        } else {
            1.0
        };
        if total {
            self.learn_dispersion(p, x, lambda, weight);
        }
        self.learn(c, p, x, lt, sd, n, weight, step, inv_evidence > 1.0)
    }

    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn learn(
        &mut self,
        c: &MinuteCtx,
        p: &Params,
        x: f32,
        lt: f32,
        sd: f32,
        n: usize,
        w: f32,
        step: Step,
        held: bool,
    ) -> Step {
        // "Still elevated": a fast EWMA above a line over the baseline; for a member by the
        // slow test, less evidence for its end than the test needed for its start, or its
        // declared incident still open (a weekend's few calls do not end what the operator
        // says goes on).
        self.fast += p.fast_alpha * (x - self.fast);
        // A member that a host's open episode corroborates (`BlockCtx::inv_evidence`) stays
        // elevated while that episode lasts, as a declared one does while its incident is open;
        // one that alarmed on that corroboration ends with it.
        let hot = if held && self.flags & MEMBER != 0 {
            true
        } else if self.flags & (HOSTED | MEMBER) == HOSTED | MEMBER {
            false
        } else if self.flags & SLOW != 0 {
            self.end_llr * self.slow_test(p).inv_h < 1.0 || self.flags & DECLARED != 0
        } else {
            self.fast >= lt * p.hot_ratio + p.hot_abs
        };
        if hot {
            self.flags |= HOT;
        } else {
            self.flags &= !HOT;
        }

        // Learn, robustly: winsorise the count, and learn (almost) nothing while anomalous.
        let xu = x.min(lt + p.winsor_z * sd + 2.0);
        let b = c.upd;
        if n == 0 {
            self.profile[b] = self.value(b);
        }
        self.profile[b] += w * p.alpha[n] * (xu - self.profile[b]);
        self.seen[b] = self.seen[b].saturating_add(1);
        let la = (1.0 / self.age as f32).max(p.level_alpha) * w;
        self.level += la * (xu - self.level);
        let da = (1.0 / self.age as f32).max(1.0 / 1440.0) * w;
        self.daily += da * (xu - self.daily);
        step
    }
}

impl Default for Series {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Rng;
    use super::*;
    use chrono_tz::Europe::Berlin;

    /// The minute of a UTC time given as RFC 3339.
    fn minute(t: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp() / 60
    }

    fn bucket(tz: chrono_tz::Tz, t: &str) -> usize {
        MinuteCtx::new(0, local_minute(tz, minute(t))).upd
    }

    /// The default configuration, its parameters and a quiet block (no episode, no gap).
    fn defaults() -> (crate::detect::DetectorConfig, Params, BlockCtx) {
        let cfg = crate::detect::DetectorConfig::default();
        let p = Params::new(&cfg);
        let b = BlockCtx {
            in_episode: false,
            gap: false,
            inv_min_excess: 1.0 / cfg.min_excess,
            inv_evidence: 1.0,
            dispersion: 0.0,
            total: false,
        };
        (cfg, p, b)
    }

    #[test]
    fn a_local_hour_keeps_its_bucket_across_daylight_saving_changes() {
        // Berlin: CET (UTC+1) until Sunday 31 March 2024 02:00, CEST (UTC+2) until Sunday
        // 27 October 2024 03:00. 09:xx local time is bucket 9 on a weekday, 24 + 9 at weekends.
        for (winter, summer) in [
            ("2024-03-29T08:10:00Z", "2024-04-02T07:10:00Z"), // Fri / Tue 09:10 local
            ("2024-03-30T08:59:00Z", "2024-03-31T07:59:00Z"), // Sat / the Sunday of the change
            ("2024-10-28T08:00:00Z", "2024-10-25T07:00:00Z"), // Mon after / Fri before
            ("2024-10-27T08:30:00Z", "2024-10-26T07:30:00Z"), // the Sunday of the change / Sat
        ] {
            let (w, s) = (bucket(Berlin, winter), bucket(Berlin, summer));
            assert_eq!(w, s, "{winter} and {summer} are the same local hour");
            assert_eq!(w % 24, 9, "{winter}");
        }
        assert_eq!(bucket(Berlin, "2024-03-29T08:10:00Z"), 9);
        assert_eq!(bucket(Berlin, "2024-03-31T07:59:00Z"), 24 + 9);
        // In UTC the same wall-clock hours fall into different buckets.
        assert_ne!(
            bucket(chrono_tz::UTC, "2024-03-29T08:10:00Z"),
            bucket(chrono_tz::UTC, "2024-04-02T07:10:00Z")
        );
        // The weekend starts at local midnight: 23:30Z on a Friday in summer is Saturday.
        assert_eq!(bucket(Berlin, "2024-06-07T23:30:00Z"), 24 + 1);
        assert_eq!(bucket(chrono_tz::UTC, "2024-06-07T23:30:00Z"), 23);
    }

    #[test]
    fn interpolation_brackets_follow_local_time() {
        // The minute from 10:00 local on a summer weekday: its middle lies just past halfway
        // between the bucket centres 09:30 and 10:30.
        let c = MinuteCtx::new(0, local_minute(Berlin, minute("2024-06-04T08:00:00Z")));
        assert_eq!((c.b0, c.b1, c.upd), (9, 10, 10));
        assert!((c.w1 - 61.0 / 120.0).abs() < 1e-6, "{}", c.w1);
    }

    /// A member by the slow test stays elevated through its rise and is judged ended within
    /// about an hour once its reports are back at the expectation. (The decaying eight-hour
    /// sums this replaced kept a four-hour rise elevated for 464 minutes.)
    #[test]
    fn a_slow_member_ends_on_evidence_that_its_rate_is_back() {
        let (_, p, b) = defaults();
        let mut s = Series::new();
        let start = minute("2024-06-03T00:00:00Z"); // a Monday, UTC
        let rise = 3 * 24 * 60 + 10 * 60; // Thursday 10:00
        let end = rise + 4 * 60;
        let mut slow_from = None;
        let mut ended = None;
        for i in 0..(4 * 24 * 60) {
            let c = MinuteCtx::new(i, local_minute(chrono_tz::UTC, start + i64::from(i)));
            // Half a report a minute, then one and a half for four hours.
            let pattern = if (rise..end).contains(&i) {
                [1, 2]
            } else {
                [0, 1]
            };
            s.cur = pattern[i as usize % 2];
            let step = s.step(&c, &p, &b);
            if step.alarm && slow_from.is_none() {
                assert!(s.flags & SLOW != 0, "the minute test alarmed at {i}");
                // As the episode that takes it in would.
                s.flags |= MEMBER;
                slow_from = Some(i);
            }
            if slow_from.is_some() {
                if i < end {
                    assert!(s.flags & HOT != 0, "elevated during the rise, minute {i}");
                } else if s.flags & HOT == 0 {
                    ended = Some(i - end);
                    break;
                }
            }
        }
        assert!(slow_from.is_some(), "the slow test never alarmed");
        let ended = ended.expect("ended");
        assert!(ended <= 120, "ended {ended} minutes after the rise");
    }

    /// While its provider has an open episode, a minute on an upward excursion of a series
    /// that is not a member (a region's share of a weak national rise, pooled into the
    /// episode's footprint, too weak to alarm alone) teaches the baseline as little as a
    /// member's minute does. Taught at a quarter weight, a day and a half of history leaves
    /// young buckets that take in a doubled rate within the hour, and the scope step then
    /// loses the regions of a spill-over.
    #[test]
    fn a_rising_minute_during_its_providers_episode_hardly_teaches_the_baseline() {
        let (_, p, quiet) = defaults();
        let open = BlockCtx {
            in_episode: true,
            ..quiet
        };
        let start = minute("2024-06-03T00:00:00Z"); // a Monday, UTC
        let mut s = Series::new();
        let rise = 24 * 60 + 13 * 60; // Tuesday 13:00: a day and a half of history
        for i in 0..rise {
            let c = MinuteCtx::new(i, local_minute(chrono_tz::UTC, start + i64::from(i)));
            s.cur = u32::from(i % 3 == 0); // a report every three minutes
            s.step(&c, &p, &quiet);
        }
        let c = MinuteCtx::new(rise, local_minute(chrono_tz::UTC, start + i64::from(rise)));
        // One minute of two reports: above the expectation, not yet an anomaly.
        let taught = |b: &BlockCtx| {
            let mut t = s.clone();
            t.cur = 2;
            let before = t.profile[c.upd];
            t.step(&c, &p, b);
            assert!(t.cusum > 0.0 && t.flags & MEMBER == 0);
            t.profile[c.upd] - before
        };
        let (alone, during) = (taught(&quiet), taught(&open));
        assert!(alone > 0.0, "{alone}");
        assert!(
            during <= alone * p.anomaly_weight * 1.01,
            "{during} against {alone}"
        );
    }

    #[test]
    fn the_long_window_expectation_leaves_out_the_single_minute_margins() {
        // A weekday of two reports a minute, then the first minutes of a Saturday bucket: the
        // tested expectation carries the prior's share and the per-minute cold-start term,
        // the long-window one only the slack and the estimate's uncertainty.
        let (cfg, p, b) = defaults();
        let mut s = Series::new();
        let start = minute("2024-06-07T00:00:00Z"); // a Friday, UTC
        let mut last = None;
        for i in 0..(24 * 60 + 10) {
            let m = start + i;
            let c = MinuteCtx::new(i as u32, local_minute(chrono_tz::UTC, m));
            s.cur = 2;
            s.step(&c, &p, &b);
            last = Some(c);
        }
        let c = last.unwrap();
        let n = s.seen[c.upd] as usize - 1;
        assert!(n < 20, "a young weekend bucket: {n} minutes");
        let lam = s.expected.max(cfg.min_rate);
        let steady = lam * (1.0 + cfg.rate_slack)
            + cfg.cold_z * (lam / (n as f32 + cfg.prior_weight)).sqrt();
        assert!(
            (s.steady - steady).abs() < 1e-4,
            "{} against {steady}",
            s.steady
        );
        // The Saturday bucket was seeded from Friday's same hour, which saw 60 minutes: the
        // cold-start term rests on those, the prior's share on the bucket's own minutes.
        let margins = cfg.cold_rel * cfg.prior_weight / (n as f32 + cfg.prior_weight) * lam
            + cfg.cold_abs / (60.0 + 1.0);
        assert!(
            (s.tested - s.steady - margins).abs() < 1e-4,
            "{} {} {margins}",
            s.tested,
            s.steady
        );
        // Over three hours those margins alone are many reports.
        assert!(180.0 * margins > 50.0, "{margins}");
    }

    #[test]
    fn the_cold_start_term_is_full_only_for_an_hour_with_no_minutes_of_either_day_type() {
        let (cfg, p, b) = defaults();
        let mut s = Series::new();
        let start = minute("2024-06-07T00:00:00Z"); // a Friday, UTC
        for i in 0..(24 * 60 + 10) {
            let c = MinuteCtx::new(i as u32, local_minute(chrono_tz::UTC, start + i));
            s.cur = 2;
            s.step(&c, &p, &b);
            let n = s.seen[c.upd] as usize - 1;
            let share = cfg.cold_rel * cfg.prior_weight / (n as f32 + cfg.prior_weight);
            let lam = s.expected.max(cfg.min_rate);
            let cold = s.tested - s.steady - share * lam;
            if i < 24 * 60 {
                // Friday: no bucket of this hour has been seen before.
                assert!(
                    (cold - cfg.cold_abs / (n as f32 + 1.0)).abs() < 1e-4,
                    "{i}: {cold}"
                );
            } else {
                // Saturday's first minutes rest on Friday's hour.
                assert!((cold - cfg.cold_abs / 61.0).abs() < 1e-4, "{i}: {cold}");
            }
        }
    }

    /// Two days of a provider's total at four reports a minute, its rate multiplied by a
    /// log-normal factor of spread `sigma` that changes every ten minutes (0: Poisson counts);
    /// the dispersion the series learnt.
    fn learnt_dispersion(sigma: f64, seed: u64) -> f32 {
        let (_, p, quiet) = defaults();
        let b = BlockCtx {
            total: true,
            ..quiet
        };
        let start = minute("2024-06-03T00:00:00Z");
        let (mut s, mut rng, mut factor) = (Series::new(), Rng(seed), 1.0);
        for i in 0..(2 * 24 * 60) {
            if i % 10 == 0 {
                factor = (sigma * rng.normal() - sigma * sigma / 2.0).exp();
            }
            let c = MinuteCtx::new(i, local_minute(chrono_tz::UTC, start + i64::from(i)));
            s.cur = rng.poisson(4.0 * factor);
            s.step(&c, &p, &b);
        }
        s.dispersion()
    }

    /// Poisson counts show no overdispersion; bursts that move the rate by a quarter for ten
    /// minutes at a time (κ = e^{σ²} − 1 ≈ 0.065) are measured, two standard errors low.
    #[test]
    fn the_dispersion_estimate_tells_bursty_counts_from_poisson_ones() {
        for seed in 1..4 {
            let poisson = learnt_dispersion(0.0, seed);
            assert!(poisson < 0.01, "seed {seed}: Poisson counts, κ {poisson}");
            let bursty = learnt_dispersion(0.25, seed);
            assert!(
                (0.025..0.1).contains(&bursty),
                "seed {seed}: bursty counts, κ {bursty}"
            );
        }
    }

    /// An aggregate's slow test looks for a small rise; where a provider's reports come in
    /// bursts, the Poisson evidence of a short rise overstates it by `1 + κ·L` (L the
    /// expectation of a ten-minute block), and the test discounts it. The minute test, which
    /// looks for a larger rise, is not discounted.
    #[test]
    fn an_aggregates_slow_test_discounts_the_evidence_of_a_bursty_provider() {
        let (_, p, quiet) = defaults();
        let start = minute("2024-06-03T00:00:00Z");
        let rise = 24 * 60 + 10 * 60; // Tuesday 10:00, after a day at four a minute
        let first_alarm = |dispersion: f32| {
            let b = BlockCtx {
                dispersion,
                ..quiet
            };
            let mut s = Series::new();
            s.flags |= AGGREGATE;
            for i in 0..rise + 30 {
                let c = MinuteCtx::new(i, local_minute(chrono_tz::UTC, start + i64::from(i)));
                s.cur = if i < rise { 4 } else { 9 };
                if s.step(&c, &p, &b).alarm {
                    return Some((i - rise, s.flags & SLOW != 0));
                }
            }
            None
        };
        let (poisson_at, by_slow) = first_alarm(0.0).expect("alarm on Poisson counts");
        assert!(
            poisson_at < 15 && by_slow,
            "{poisson_at} min, slow test {by_slow}"
        );
        let (bursty_at, by_slow) = first_alarm(0.065).expect("the minute test still alarms");
        assert!(
            bursty_at > poisson_at + 3 && !by_slow,
            "{bursty_at} min, slow test {by_slow}"
        );
    }
}
