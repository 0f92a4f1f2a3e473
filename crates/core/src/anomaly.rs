//! A streaming anomaly detector for one real-valued series: several errors (against the last
//! value, the time-of-day and time-of-week baselines, and the slow level) each ranked against
//! its own decaying histogram and turned into a surprise (−log10 of the tail probability, extended
//! beyond the largest error seen); the recent mean surprise is ranked against its own history
//! too (sustained anomalies). A context novelty joins them: the value is cut into a few levels
//! of the range seen so far, and a row whose short level sequence (last 1..=depth rows, and the
//! level pair with the time-of-day block) was never seen before is surprising in proportion to
//! how rarely this series produces novel contexts. The score is the largest of these surprises,
//! and a row only alerts when it is clearly above every recent row and no alert was raised in
//! the last `refract` rows (one event, one alert: the rows around an alert are scaled down).
//!
//! Streaming and deterministic: the score of a row depends on that row and the rows before it,
//! nothing else. The per-series state is small and bounded (1,992 bytes at the defaults: the
//! error histograms and the baselines in 16 bits a bin).

mod calibrated;

use std::sync::Arc;

use calibrated::Calibrated;
pub use calibrated::CalibratedConfig;

/// Which model scores the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// The first model: the largest of several empirical surprises, with the suppression rules
    /// of `suppress_*` and `refract` (every field of [`AnomalyConfig`] but `learning` and
    /// `calibrated`).
    Surprise,
    /// The calibrated model of [`CalibratedConfig`]: time constants relative to the learning
    /// period, one alert per event, six tunables.
    Calibrated,
}

/// Tuning of the detector. One configuration serves every series.
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyConfig {
    /// The model that scores the rows.
    pub model: Model,
    /// Learning period, rows (the calibrated model's time unit): NAB's probation period
    /// (15 % of the file, at most 750 rows) on the benchmark, the warm-up on operator signals.
    pub learning: u32,
    /// Tunables of the calibrated model.
    pub calibrated: CalibratedConfig,
    /// Rows during which the detector only learns (score 0).
    pub warmup: u32,
    /// Smoothing of the fast level.
    pub alpha_fast: f64,
    /// Smoothing of the slow level.
    pub alpha_slow: f64,
    /// Smoothing of a time-of-day bin's level and of a time-of-week offset.
    pub alpha_season: f64,
    /// Half-life, in rows, of the error histograms.
    pub half_life: f64,
    /// Pseudo-count added to tail counts (limits the surprise of a short history).
    pub prior: f64,
    /// Smoothing of the recent mean surprise (the "likelihood" feature).
    pub alpha_recent: f64,
    /// Rows after an alert during which scores not clearly above it are suppressed.
    pub suppress_rows: u32,
    /// How much more surprise (decades) a row needs to alert again within `suppress_rows`.
    pub suppress_delta: f64,
    /// Surprise (decades) from which a row counts as an alert.
    pub alert_min: f64,
    /// Suppression rule: 0 after an alert of at least `alert_min`, 1 against the recent
    /// maximum surprise, 2 against a fading maximum, 3 against the recent maximum and the last
    /// alert of the same test only.
    pub suppress_mode: u32,
    /// Bit 0: rank the recent mean surprise against its history (sustained anomalies);
    /// bit 1: rank the combined surprise against its own history; bit 2: rank the recent mean
    /// level surprise (sustained shifts and drifts); bit 3: rank how still the series has
    /// recently been (a stuck sensor or a stalled feed).
    pub meta: u32,
    /// Bit mask of the enabled features: bits 0..=2 the predictors (last value, time of day,
    /// time of week), bit 3 the distance from the slow level.
    pub features: u32,
    /// A predictor counts while its mean error is within this factor of the best one's.
    pub credible: f64,
    /// Smoothing of the predictors' mean errors.
    pub alpha_err: f64,
    /// Smoothing of each feature's error scale (errors are ranked relative to it).
    pub alpha_scale: f64,
    /// Extra surprise (decades) per octave by which an error exceeds the largest one seen.
    pub beyond: f64,
    /// Levels into which the seen range is cut for the context novelty (0 disables it).
    pub nov_levels: u32,
    /// Longest context (rows) whose novelty is checked.
    pub nov_depth: u32,
    /// Smoothing of the long-run rate of novel contexts.
    pub nov_alpha: f64,
    /// Weight of the novelty surprise.
    pub nov_weight: f64,
    /// Bit 0: how the novelty surprise joins the others (clear: max, set: sum); bit 1: number
    /// the contexts exactly instead of hashing them; bit 2 (with bit 1): in contexts of two or
    /// more rows the current level counts only as below, inside or at the top of the range
    /// (see `Novelty`).
    pub nov_mode: u32,
    /// Time-of-day blocks in the novelty contexts (0: none).
    pub nov_tod: u32,
    /// Rows after an alert (a row of at least `alert_min` that was not suppressed) during
    /// which no row alerts: one event, one alert (0 disables).
    pub refract: u32,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            model: Model::Surprise,
            learning: 750,
            calibrated: CalibratedConfig::default(),
            warmup: 100,
            alpha_fast: 0.1,
            alpha_slow: 0.003,
            alpha_season: 0.3,
            half_life: 3000.0,
            prior: 0.3,
            alpha_recent: 0.05,
            suppress_rows: 200,
            suppress_delta: 0.45,
            alert_min: 3.0,
            features: 0xf,
            meta: 1,
            suppress_mode: 1,
            credible: 1.2,
            alpha_err: 0.01,
            beyond: 0.5,
            alpha_scale: 0.0002,
            nov_levels: 5,
            nov_depth: 3,
            nov_alpha: 0.001,
            nov_weight: 8.0,
            nov_mode: 0,
            nov_tod: 4,
            refract: 100,
        }
    }
}

impl AnomalyConfig {
    /// Sets one field by name (for tuning harnesses); integer fields are rounded.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), String> {
        if let Some(k) = key.strip_prefix("cal.") {
            return self
                .calibrated
                .set(k, value)
                .ok_or_else(|| format!("unknown detector setting {key:?}"));
        }
        match key {
            "model" => {
                self.model = match value.round() as u32 {
                    0 => Model::Surprise,
                    1 => Model::Calibrated,
                    _ => return Err(format!("model {value}: 0 (surprise) or 1 (calibrated)")),
                }
            }
            "learning" => self.learning = value.round() as u32,
            "warmup" => self.warmup = value.round() as u32,
            "alpha_fast" => self.alpha_fast = value,
            "alpha_slow" => self.alpha_slow = value,
            "alpha_season" => self.alpha_season = value,
            "half_life" => self.half_life = value,
            "prior" => self.prior = value,
            "alpha_recent" => self.alpha_recent = value,
            "suppress_rows" => self.suppress_rows = value.round() as u32,
            "suppress_delta" => self.suppress_delta = value,
            "alert_min" => self.alert_min = value,
            "suppress_mode" => self.suppress_mode = value.round() as u32,
            "meta" => self.meta = value.round() as u32,
            "features" => self.features = value.round() as u32,
            "credible" => self.credible = value,
            "alpha_err" => self.alpha_err = value,
            "beyond" => self.beyond = value,
            "alpha_scale" => self.alpha_scale = value,
            "nov_levels" => self.nov_levels = value.round() as u32,
            "nov_depth" => self.nov_depth = value.round() as u32,
            "nov_alpha" => self.nov_alpha = value,
            "nov_weight" => self.nov_weight = value,
            "nov_mode" => self.nov_mode = value.round() as u32,
            "nov_tod" => self.nov_tod = value.round() as u32,
            "refract" => self.refract = value.round() as u32,
            _ => return Err(format!("unknown detector setting {key:?}")),
        }
        Ok(())
    }
}

const DAY_BINS: usize = 288;
const WEEK_BINS: usize = 168;
/// Bins of an error histogram: errors from 2^-8 to 2^10.7 of the feature's scale, a third of an
/// octave each (smaller ones share the first bin, larger ones the last). Of the 895,405 errors
/// ranked on the development split, 3,250 (0.4 %, exact zeros aside) fell in the 12 bins
/// below 2^-8 that the former range 2^-12..2^14 had, and 15 in the 10 bins above 2^10.7;
/// cutting them changed no NAB score by 0.01.
const HIST_BINS: usize = 56;
/// Histogram bins per factor 2 of error.
const BINS_PER_OCTAVE: f64 = 3.0;
/// The bin edges inside an octave: 2^(1/3) and 2^(2/3).
const BIN_EDGES: [f64; 2] = [1.259_921_049_894_873_2, 1.587_401_051_968_199_4];
const _: () = assert!(BINS_PER_OCTAVE == 3.0);
/// Smallest error relative to the feature's scale that gets its own bin: 2^-8.
const LOG2_FLOOR: f64 = -8.0;
const FEATURES: usize = 4;
const PREDICTORS: usize = 3;
/// The tests whose surprises make a row's (see `Surprise::update`).
const TESTS: usize = 4;

/// Takes surprise `r` of test `test` as the row's if it is the largest so far.
fn raise(a: &mut f64, src: &mut usize, r: f64, test: usize) {
    if r > *a {
        *src = test;
    }
    *a = a.max(r);
}

/// A decaying histogram of log-scaled errors, answering "how rare is an error this large".
///
/// It keeps the tail sums rather than the counts: `tail[i]` is the weight of the errors in bin
/// `i` and above (`tail[0]` is the total), so the question is answered with two reads and
/// learning one error adds its weight to the bins at and below it, one independent addition
/// each (vectorised). A bin's own count is the difference of two neighbouring tail sums.
///
/// Forgetting: instead of decaying every weight a little each row, the weight of the next
/// error grows by `growth` (the half-life's factor per row). The tail sums are 16-bit integers
/// sharing one scale: an error adds its weight rounded to an integer, and when the total would
/// no longer fit, every sum and the weight are halved (rounded down, which keeps the sums
/// non-increasing). In steady state the weight of an error is 8 to 15, so rounding moves one
/// error's weight by at most a fifteenth, and an isolated error is forgotten after about four
/// half-lives, as with exact weights and the extrapolation's floor of a twentieth.
#[derive(Clone, Debug)]
struct TailHist {
    tail: [u16; HIST_BINS],
    /// Weight of the next error, in the units of `tail`.
    weight: f32,
}

/// Weight of a histogram's first error: large, so that the first errors are weighed finely;
/// halvings bring it down once the total fills the 16 bits.
const FIRST_WEIGHT: f32 = 1024.0;

impl TailHist {
    fn new() -> Self {
        TailHist {
            tail: [0; HIST_BINS],
            weight: FIRST_WEIGHT,
        }
    }

    /// The weight in bins above `b`.
    fn above(&self, b: usize) -> u16 {
        self.tail.get(b + 1).copied().unwrap_or(0)
    }

    /// `floor((log2(rel) − LOG2_FLOOR) · BINS_PER_OCTAVE)`, clamped to the bins, read off the
    /// float's exponent and its mantissa against the two thirds of an octave (no logarithm:
    /// this runs five times a row).
    fn bin(rel: f64) -> usize {
        if rel.is_nan() || rel < f64::MIN_POSITIVE {
            return 0;
        }
        if rel.is_infinite() {
            return HIST_BINS - 1;
        }
        let bits = rel.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let mant = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
        let third = i64::from(mant >= BIN_EDGES[0]) + i64::from(mant >= BIN_EDGES[1]);
        let b = (exp - LOG2_FLOOR as i64) * 3 + third;
        b.clamp(0, HIST_BINS as i64 - 1) as usize
    }

    /// Surprise of `rel` (−log10 of its tail probability) against the history, then learns it.
    fn surprise_and_learn(&mut self, rel: f64, prior: f64, growth: f32, beyond: f64) -> f64 {
        self.rank_and_learn(rel, prior, growth, beyond).surprise()
    }

    /// The tail of `rel` against the history (its surprise before the logarithm), then learns
    /// it.
    fn rank_and_learn(&mut self, rel: f64, prior: f64, growth: f32, beyond: f64) -> Rank {
        let b = Self::bin(rel);
        let above = self.above(b);
        // (tail/w + prior) / (total/w + prior), with one division; the bin itself counts half.
        let w = f64::from(self.weight);
        let tail = 0.5 * (f64::from(self.tail[b]) + f64::from(above));
        let total = f64::from(self.tail[0]);
        let ratio = (tail + prior * w) / (total + prior * w);
        let mut extra = None;
        // Beyond the largest error in the (decayed) history, a bin holding at least a
        // twentieth of a fresh error's weight: extrapolate the tail.
        let floor = 0.05 * w;
        if f64::from(above) < floor && total > 0.0 {
            let top = (0..HIST_BINS)
                .rposition(|i| f64::from(self.tail[i] - self.above(i)) >= floor)
                .unwrap_or(0);
            if b > top {
                extra = Some(beyond * (b - top) as f64 / BINS_PER_OCTAVE);
            }
        }
        // Rounded to the nearest integer, at least 1 (`as` truncates, cheaper than `round`).
        let mut add = ((self.weight + 0.5) as u16).max(1);
        if self.tail[0] > u16::MAX - add {
            for t in &mut self.tail {
                *t >>= 1;
            }
            self.weight *= 0.5;
            add = ((self.weight + 0.5) as u16).max(1);
        }
        for t in &mut self.tail[..=b] {
            *t += add;
        }
        self.weight *= growth;
        Rank { ratio, extra }
    }
}

/// How rare a value is against a [`TailHist`]: the share of the history at least as large
/// (with the prior), and the extrapolated surprise when it lies beyond the largest one seen.
/// The logarithm is taken only when the surprise is needed (it is most of a row's cost).
#[derive(Clone, Copy, Debug)]
struct Rank {
    ratio: f64,
    extra: Option<f64>,
}

impl Rank {
    /// −log10 of the ratio, plus the extrapolation.
    fn surprise(self) -> f64 {
        let s = -self.ratio.ln() * std::f64::consts::LOG10_E;
        match self.extra {
            Some(e) => s + e,
            None => s,
        }
    }

    /// The least of the surprises of `tails` with one logarithm for all that are not
    /// extrapolated (−ln is decreasing: the least surprise is that of the largest ratio);
    /// infinity for none.
    fn least_surprise(ranks: impl Iterator<Item = Rank>) -> f64 {
        let mut least = f64::INFINITY;
        let mut largest_ratio: Option<f64> = None;
        for t in ranks {
            if t.extra.is_some() {
                least = least.min(t.surprise());
            } else {
                largest_ratio = Some(largest_ratio.map_or(t.ratio, |r| r.max(t.ratio)));
            }
        }
        match largest_ratio {
            Some(ratio) => least.min(Rank { ratio, extra: None }.surprise()),
            None => least,
        }
    }
}

/// A fixed set of `64·W` bits.
#[derive(Clone, Copy, Debug)]
struct Bits<const W: usize>([u64; W]);

impl<const W: usize> Default for Bits<W> {
    fn default() -> Self {
        Bits([0; W])
    }
}

impl<const W: usize> Bits<W> {
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 != 0
    }
    /// Sets bit `i`; whether it was clear.
    fn insert(&mut self, i: usize) -> bool {
        insert_bit(&mut self.0, i)
    }
}

/// Sets bit `i` of `words`; whether it was clear.
fn insert_bit(words: &mut [u64], i: usize) -> bool {
    let (w, b) = (i / 64, 1u64 << (i % 64));
    let new = words[w] & b == 0;
    words[w] |= b;
    new
}

/// Slots of the hashed context set (and the largest exact one, in bits).
const NOV_MAX_BITS: usize = 1 << 16;
const NOV_MAX_DEPTH: usize = 8;

/// Context novelty: the value is cut into levels of the range seen so far; the contexts are the
/// level sequences of the last 1..=depth rows (optionally also the current level and the
/// previous one together with the time-of-day block). A row's novelty is the share of its
/// contexts never seen before, and its surprise that share times −log10 of the long-run rate of
/// novel contexts.
///
/// **How contexts are remembered.** By default (`nov_mode` bit 1 clear) each context is hashed
/// into one of [`NOV_MAX_BITS`] slots. The hash mixes poorly: at the defaults (5 levels, depth
/// 3, 4 blocks of the day: 623 contexts) it maps them onto 216 slots. Level sequences that end
/// in a level below the range seen stay apart, but e.g. two-row sequences whose current level
/// is in the middle of the range mostly share a slot with those of the same previous level,
/// and the time-of-day contexts of a single level mostly share one across blocks. That
/// coarsening is part of the tuned detector: every default was chosen with it, and exact
/// contexts score lower on the development split (docs/anomaly.md, "Exact novelty
/// contexts"). The slots are numbered densely once per configuration ([`SharedConfig`]: each
/// context's number maps to the rank of its slot), and a series keeps one bit per slot (216
/// bits at the defaults): the same answers as a 65,536-bit table of slots. A configuration with
/// too many contexts to enumerate keeps the slots it has used in a small hash table
/// ([`SlotSet`]) instead.
///
/// With `nov_mode` bit 1 set, contexts are numbered exactly: with `v = levels + 2` level values
/// (below and above the range included) there are `v + v² + … + v^depth` sequence contexts and
/// `tod·(v + v²)` time-of-day contexts, one bit each (80 bytes at the defaults). With bit 2 as
/// well, the current level of a context of two or more rows and of the time-of-day contexts is
/// coarsened on purpose, to below, inside or at the top of the range: a stated rule that comes
/// within half a point of the hashed contexts on every measure (docs/anomaly.md). A
/// configuration with more than [`NOV_MAX_BITS`] contexts is hashed in either mode.
#[derive(Clone, Debug)]
struct Novelty {
    seen: Seen,
    levels: [i8; NOV_MAX_DEPTH],
    /// The range seen so far, which the levels cut.
    lo: f64,
    hi: f64,
    rate: f64,
    rows: f64,
}

/// The contexts (or hash slots) a series has seen.
#[derive(Clone, Debug)]
enum Seen {
    /// Hash slots in a small open-addressing table (contexts too many to enumerate).
    Slots(SlotSet),
    /// One bit per context number, or per hash slot when the slots are numbered densely
    /// ([`SharedConfig`]).
    Bits(Box<[u64]>),
}

/// Settings shared by every series that uses them, with the tables derived from them once:
/// none of it is state of a series.
#[derive(Debug)]
pub struct SharedConfig {
    cfg: AnomalyConfig,
    /// Hashed novelty contexts (see [`Novelty`]): the dense number of each context's hash slot,
    /// indexed by the exact context number. None when the contexts are numbered exactly or are
    /// too many to enumerate (then the slots a series uses go into a [`SlotSet`]).
    slot_of: Option<Box<[u16]>>,
    /// Bits a series keeps, one per slot: the distinct slots `slot_of` numbers (216 of 623
    /// contexts at the defaults), or the contexts when they are numbered exactly; 0 when they
    /// are too many to enumerate (a [`SlotSet`] instead).
    slots: usize,
}

impl SharedConfig {
    pub fn new(cfg: AnomalyConfig) -> Arc<Self> {
        let depth = (cfg.nov_depth as usize).clamp(1, NOV_MAX_DEPTH);
        let contexts = novelty_contexts(cfg.nov_levels, depth, cfg.nov_tod);
        let (slot_of, slots) = if cfg.nov_levels == 0 || contexts > NOV_MAX_BITS {
            (None, 0)
        } else if cfg.nov_mode & 2 != 0 {
            (None, contexts)
        } else {
            let (table, slots) = dense_slots(cfg.nov_levels, depth, cfg.nov_tod, contexts);
            (Some(table), slots)
        };
        Arc::new(SharedConfig {
            cfg,
            slot_of,
            slots,
        })
    }
}

/// Two shared configurations are equal when their settings are: the tables follow from them.
impl PartialEq for SharedConfig {
    fn eq(&self, other: &Self) -> bool {
        self.cfg == other.cfg
    }
}

/// The hash slot of a context key (see [`Novelty`]).
fn hash_slot(key: u64) -> u16 {
    ((key >> 17) as usize % NOV_MAX_BITS) as u16
}

/// Numbers the hash slots of every context densely: for each exact context number (of
/// [`exact_keys`]) the rank of its slot among the distinct slots, and how many there are. The
/// same contexts then share a bit exactly as they shared a slot, so the scores are those of the
/// hashed set, with one bit per slot instead of a table entry.
fn dense_slots(levels: u32, depth: usize, tod: u32, contexts: usize) -> (Box<[u16]>, usize) {
    let v = levels as usize + 2;
    let mut slot = vec![0u16; contexts];
    let mut record = |lv: &[i8; NOV_MAX_DEPTH], t: Option<u8>| {
        let (mut hashed, mut exact) = ([0u64; NOV_MAX_DEPTH + 2], [0u64; NOV_MAX_DEPTH + 2]);
        let n = hashed_keys(lv, depth, t, &mut hashed);
        let m = exact_keys(lv, depth, t, levels, tod, false, &mut exact);
        debug_assert_eq!(n, m);
        for (&h, &e) in hashed[..n].iter().zip(&exact[..n]) {
            slot[e as usize] = hash_slot(h);
        }
    };
    // Every sequence of `depth` levels (and of two for the time-of-day contexts), each digit
    // one of the v level values −1..=levels; then every block of the day with every pair.
    let level = |d: usize| d as i8 - 1;
    let mut lv = [0i8; NOV_MAX_DEPTH];
    let tuples = v.pow(depth as u32);
    for code in 0..tuples {
        let mut c = code;
        for l in lv.iter_mut().take(depth) {
            *l = level(c % v);
            c /= v;
        }
        record(&lv, None);
    }
    for t in 0..tod {
        for pair in 0..v * v {
            let mut lv = [0i8; NOV_MAX_DEPTH];
            lv[0] = level(pair % v);
            lv[1] = level(pair / v);
            record(&lv, Some(t as u8));
        }
    }
    let mut distinct = slot.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let table = slot
        .iter()
        .map(|s| distinct.binary_search(s).unwrap_or(0) as u16)
        .collect();
    (table, distinct.len())
}

/// A set of 16-bit slots: open addressing with linear probing, at most half full (a table of
/// 512 entries, 1 KiB, holds the 216 slots of the default configuration). Entry 0 is "empty",
/// so slot 0 is kept in a flag of its own.
#[derive(Clone, Debug, Default)]
struct SlotSet {
    table: Vec<u16>,
    len: usize,
    zero: bool,
}

impl SlotSet {
    /// Inserts `slot`; whether it was new.
    fn insert(&mut self, slot: u16) -> bool {
        if slot == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut i = usize::from(slot) & mask;
        loop {
            match self.table[i] {
                0 => {
                    self.table[i] = slot;
                    self.len += 1;
                    return true;
                }
                v if v == slot => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(64);
        let old = std::mem::replace(&mut self.table, vec![0; size]);
        let mask = self.table.len() - 1;
        for v in old.into_iter().filter(|&v| v != 0) {
            let mut i = usize::from(v) & mask;
            while self.table[i] != 0 {
                i = (i + 1) & mask;
            }
            self.table[i] = v;
        }
    }
}

/// The number of distinct novelty contexts of a configuration (saturating).
const fn novelty_contexts(levels: u32, depth: usize, tod: u32) -> usize {
    let v = levels as usize + 2;
    let mut total = 0usize;
    let mut p = 1usize;
    let mut j = 0;
    while j < depth {
        p = p.saturating_mul(v);
        total = total.saturating_add(p);
        j += 1;
    }
    let tod_contexts = (tod as usize).saturating_mul(v.saturating_add(v.saturating_mul(v)));
    total.saturating_add(tod_contexts)
}

impl Novelty {
    fn new(shared: &SharedConfig) -> Self {
        let seen = if shared.slots > 0 {
            Seen::Bits(vec![0; shared.slots.div_ceil(64)].into_boxed_slice())
        } else {
            Seen::Slots(SlotSet::default())
        };
        Novelty {
            seen,
            levels: [0; NOV_MAX_DEPTH],
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            rate: 1.0,
            rows: 1.0,
        }
    }

    /// Whether context `k` (a context number, or a hash when slots are kept) is new;
    /// remembers it. `slot_of` numbers the slots densely ([`SharedConfig`]).
    fn check(&mut self, k: u64, slot_of: Option<&[u16]>) -> bool {
        match &mut self.seen {
            Seen::Slots(slots) => slots.insert(hash_slot(k)),
            Seen::Bits(bits) => match slot_of {
                Some(slot) => insert_bit(bits, usize::from(slot[k as usize])),
                None => insert_bit(bits, k as usize),
            },
        }
    }

    /// Bytes held outside the struct.
    fn heap_bytes(&self) -> usize {
        match &self.seen {
            Seen::Slots(slots) => slots.table.len() * 2,
            Seen::Bits(bits) => bits.len() * 8,
        }
    }

    fn surprise(
        &mut self,
        x: f64,
        tod: Option<u8>,
        shared: &SharedConfig,
        learn_only: bool,
    ) -> f64 {
        let cfg = &shared.cfg;
        if self.lo > self.hi {
            self.lo = x;
            self.hi = x;
        }
        let range = (self.hi - self.lo).max(1e-9 * (1.0 + x.abs()));
        let l = f64::from(cfg.nov_levels);
        let level = ((x - self.lo) / range * l).floor().clamp(-1.0, l) as i8;
        self.lo = self.lo.min(x);
        self.hi = self.hi.max(x);
        self.levels.copy_within(0..NOV_MAX_DEPTH - 1, 1);
        self.levels[0] = level;
        let depth = (cfg.nov_depth as usize).clamp(1, NOV_MAX_DEPTH);
        let mut keys = [0u64; NOV_MAX_DEPTH + 2];
        let slot_of = shared.slot_of.as_deref();
        let total = if matches!(self.seen, Seen::Slots(_)) {
            hashed_keys(&self.levels, depth, tod, &mut keys)
        } else {
            // Densely numbered slots are looked up by the exact (uncoarsened) context number.
            let coarse = slot_of.is_none() && cfg.nov_mode & 4 != 0;
            exact_keys(
                &self.levels,
                depth,
                tod,
                cfg.nov_levels,
                cfg.nov_tod,
                coarse,
                &mut keys,
            )
        };
        let novel = keys[..total]
            .iter()
            .filter(|&&k| self.check(k, slot_of))
            .count();
        let frac = novel as f64 / total as f64;
        // No novel context, no surprise (and no logarithm).
        let s = if novel == 0 {
            0.0
        } else {
            frac * -(self.rate.max(1e-6)).log10()
        };
        self.rows += 1.0;
        self.rate += cfg.nov_alpha.max(1.0 / self.rows) * (frac - self.rate);
        if learn_only {
            0.0
        } else {
            s
        }
    }
}

/// The keys of a row's contexts under the hash (see [`Novelty`]): the level sequences of the
/// last 1..=depth rows (`levels`, newest first), then the current level and the previous one
/// with the block of the day. Returns how many were written.
fn hashed_keys(
    levels: &[i8; NOV_MAX_DEPTH],
    depth: usize,
    tod: Option<u8>,
    keys: &mut [u64; NOV_MAX_DEPTH + 2],
) -> usize {
    let mix = |h: u64, v: u64| (h ^ v).wrapping_mul(0x100_0000_01B3).rotate_left(29);
    let mut n = 0;
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for (j, &l) in levels[..depth].iter().enumerate() {
        h = mix(h, (l as u8 as u64) | ((j as u64) << 8));
        keys[n] = h;
        n += 1;
    }
    if let Some(t) = tod {
        let mut g = mix(0x51_7CC1_B727_220A, u64::from(t) | (1 << 16));
        for &l in &levels[..2] {
            g = mix(g, l as u8 as u64);
            keys[n] = g;
            n += 1;
        }
    }
    n
}

/// The numbers of a row's contexts when numbered exactly (see [`Novelty`]), in the order of
/// [`hashed_keys`]: sequences of j + 1 levels are numbered after all shorter ones, then per
/// block of the day the current level (v contexts) and it with the previous one (v²). With
/// `nov_mode` bit 2 the current level of the longer contexts is only below, inside or at the
/// top of the range (digits 0, 1 and v − 1).
fn exact_keys(
    levels: &[i8; NOV_MAX_DEPTH],
    depth: usize,
    tod: Option<u8>,
    nov_levels: u32,
    nov_tod: u32,
    coarsen: bool,
    keys: &mut [u64; NOV_MAX_DEPTH + 2],
) -> usize {
    let v = u64::from(nov_levels) + 2;
    let digit = |l: i8| (i64::from(l) + 1) as u64;
    let coarse = |l: i8| -> u64 {
        if !coarsen {
            digit(l)
        } else if l < 0 {
            0
        } else if u32::from(l as u8) >= nov_levels {
            v - 1
        } else {
            1
        }
    };
    let mut n = 0;
    let (mut code, mut base, mut span) = (0u64, 0u64, 1u64);
    for (j, &l) in levels[..depth].iter().enumerate() {
        code += digit(l) * span;
        keys[n] = base + code;
        n += 1;
        if j == 0 {
            code = coarse(l);
        }
        span *= v;
        base += span;
    }
    if let Some(t) = tod {
        let t = u64::from(t);
        let blocks = u64::from(nov_tod);
        let current = coarse(levels[0]);
        // `base` is now the number of sequence contexts.
        keys[n] = base + t * v + current;
        keys[n + 1] = base + blocks * v + t * v * v + current + digit(levels[1]) * v;
        n += 2;
    }
    n
}

/// The time-of-day baseline (a level per bin of the day) and the time-of-week one (an offset
/// from it per hour of the week), each learned by exponential smoothing.
///
/// Both are kept in 16 bits a bin against one value range ([`Codec`]): a level as its place in
/// the range, an offset as a signed share of the range's width. The range covers every value
/// learned, with a quarter of its width to spare on the side it last grew, so a drifting series
/// re-codes the bins a logarithmic number of times, not every row. A level is then exact to
/// 1/131,070 of the range: inside the first error bin (2^-8 of the feature's scale) for any
/// series whose mean error is at least a five-hundredth of its range.
#[derive(Clone, Debug)]
struct Seasons {
    codec: Codec,
    day: [u16; DAY_BINS],
    week: [i16; WEEK_BINS],
    /// Which time-of-day and time-of-week bins have been seen (one bit each).
    day_seen: Bits<{ DAY_BINS.div_ceil(64) }>,
    week_seen: Bits<{ WEEK_BINS.div_ceil(64) }>,
}

/// A value range cut into 65,535 steps (see [`Seasons`]); empty until the first value.
#[derive(Clone, Copy, Debug, Default)]
struct Codec {
    lo: f64,
    /// Width of one step, and its inverse; 0 while no value was learned.
    step: f64,
    inv: f64,
}

impl Codec {
    const STEPS: f64 = 65_535.0;
    /// Steps of a signed offset: half the range's on either side.
    const HALF: f64 = 32_767.0;

    fn level(&self, q: u16) -> f64 {
        self.lo + f64::from(q) * self.step
    }
    /// The nearest step (`as` saturates: a value below the range is step 0, above it the
    /// last; and it is a truncation, cheaper than `round` on the baseline x86-64).
    fn encode_level(&self, x: f64) -> u16 {
        ((x - self.lo) * self.inv + 0.5) as u16
    }
    fn offset(&self, q: i16) -> f64 {
        f64::from(q) * self.step * (Self::STEPS / Self::HALF)
    }
    /// The nearest signed step, saturating (see `encode_level`).
    fn encode_offset(&self, off: f64) -> i16 {
        let v = off * self.inv * (Self::HALF / Self::STEPS);
        (if v >= 0.0 { v + 0.5 } else { v - 0.5 }) as i16
    }
    fn contains(&self, x: f64) -> bool {
        self.step > 0.0 && x >= self.lo && x <= self.lo + Self::STEPS * self.step
    }
    /// The range grown to hold `x`, with a quarter of the new width to spare on the side that
    /// grew.
    fn grown(&self, x: f64) -> Codec {
        let (lo, hi) = if self.step > 0.0 {
            (self.lo, self.lo + Self::STEPS * self.step)
        } else {
            (x, x)
        };
        let (mut nlo, mut nhi) = (lo.min(x), hi.max(x));
        let width = (nhi - nlo).max(1e-9 * (1.0 + x.abs()));
        if x < lo || self.step == 0.0 {
            nlo -= 0.25 * width;
        }
        if x > hi || self.step == 0.0 {
            nhi += 0.25 * width;
        }
        let step = (nhi - nlo) / Self::STEPS;
        Codec {
            lo: nlo,
            step,
            inv: 1.0 / step,
        }
    }
}

impl Default for Seasons {
    fn default() -> Self {
        Seasons {
            codec: Codec::default(),
            day: [0; DAY_BINS],
            week: [0; WEEK_BINS],
            day_seen: Bits::default(),
            week_seen: Bits::default(),
        }
    }
}

impl Seasons {
    /// The time-of-day prediction (`fast` where the bin was never seen) and the time-of-week
    /// one (the time-of-day one where the hour was never seen).
    fn predict(&self, dbin: usize, wbin: usize, fast: f64) -> (f64, f64) {
        let day = if self.day_seen.get(dbin) {
            self.codec.level(self.day[dbin])
        } else {
            fast
        };
        let week = if self.week_seen.get(wbin) {
            day + self.codec.offset(self.week[wbin])
        } else {
            day
        };
        (day, week)
    }

    /// Learns `x` in its bin of the day and hour of the week.
    fn learn(&mut self, dbin: usize, wbin: usize, x: f64, alpha: f64) {
        if !self.codec.contains(x) {
            let new = self.codec.grown(x);
            let old = std::mem::replace(&mut self.codec, new);
            for (i, q) in self.day.iter_mut().enumerate() {
                if self.day_seen.get(i) {
                    *q = new.encode_level(old.level(*q));
                }
            }
            for (i, q) in self.week.iter_mut().enumerate() {
                if self.week_seen.get(i) {
                    *q = new.encode_offset(old.offset(*q));
                }
            }
        }
        let c = self.codec;
        let day = if self.day_seen.insert(dbin) {
            x
        } else {
            let d = c.level(self.day[dbin]);
            d + alpha * (x - d)
        };
        self.day[dbin] = c.encode_level(day);
        let off = x - c.level(self.day[dbin]);
        let week = if self.week_seen.insert(wbin) {
            off
        } else {
            let w = c.offset(self.week[wbin]);
            w + alpha * (off - w)
        };
        self.week[wbin] = c.encode_offset(week);
    }
}

/// The state of one series under the surprise model.
#[derive(Clone, Debug)]
struct Surprise {
    /// Shared by every series with the same settings: not state of the series.
    shared: Arc<SharedConfig>,
    growth: f32,
    n: u32,
    prev: f64,
    fast: f64,
    slow: f64,
    lo: f64,
    hi: f64,
    recent: f64,
    /// The time-of-day and time-of-week baselines.
    seasons: Seasons,
    hists: [TailHist; FEATURES],
    /// History of the recent mean surprise.
    sustained_hist: TailHist,
    /// History of the combined surprise, kept only when it is ranked (`meta` bit 1).
    combined_hist: Option<Box<TailHist>>,
    /// Recent mean of the level surprise, and its history (sustained shifts and drifts).
    recent_level: f64,
    level_hist: Option<Box<TailHist>>,
    /// Recent mean of the last-value error (in its own scale), and the history of its
    /// inverse (a series gone still: a stuck sensor or a stalled feed).
    recent_err: f64,
    quiet_hist: Option<Box<TailHist>>,
    /// Mean relative error of each predictor (last value, time of day, time of week).
    mean_err: [f64; PREDICTORS],
    /// Mean error of each feature: the unit in which its errors are ranked.
    scale: [f64; FEATURES],
    /// Per test (see `update`; every test is test 0 unless `suppress_mode` is 3): the row of
    /// its last alert, and its largest surprise in the current and the previous block of
    /// `suppress_rows / 2` rows.
    last_alert: [Option<u32>; TESTS],
    recent_max: [[f64; 2]; TESTS],
    block_rows: u32,
    /// Surprise of the last alert (`suppress_mode` 0 reads it).
    last_alert_level: f64,
    /// Exponentially fading maximum of the recent surprises.
    fading_max: f64,
    novelty: Novelty,
}

impl Surprise {
    fn new(shared: Arc<SharedConfig>) -> Self {
        let cfg = &shared.cfg;
        let growth = (2f64.powf(1.0 / cfg.half_life.max(1.0))) as f32;
        let (combined_on, level_on, quiet_on) =
            (cfg.meta & 2 != 0, cfg.meta & 4 != 0, cfg.meta & 8 != 0);
        let novelty = Novelty::new(&shared);
        Surprise {
            shared,
            growth,
            n: 0,
            prev: 0.0,
            fast: 0.0,
            slow: 0.0,
            lo: 0.0,
            hi: 0.0,
            recent: 0.0,
            seasons: Seasons::default(),
            hists: std::array::from_fn(|_| TailHist::new()),
            sustained_hist: TailHist::new(),
            combined_hist: combined_on.then(|| Box::new(TailHist::new())),
            recent_level: 0.0,
            // Kept only when their test is on (`meta` bits 2 and 3).
            level_hist: level_on.then(|| Box::new(TailHist::new())),
            recent_err: 1.0,
            quiet_hist: quiet_on.then(|| Box::new(TailHist::new())),
            mean_err: [0.0; PREDICTORS],
            scale: [0.0; FEATURES],
            last_alert: [None; TESTS],
            recent_max: [[0.0; 2]; TESTS],
            block_rows: 0,
            last_alert_level: 0.0,
            fading_max: 0.0,
            novelty,
        }
    }

    fn state_bytes(&self) -> usize {
        let optional = [&self.level_hist, &self.quiet_hist, &self.combined_hist]
            .iter()
            .filter(|h| h.is_some())
            .count();
        std::mem::size_of::<Self>()
            + self.novelty.heap_bytes()
            + optional * std::mem::size_of::<TailHist>()
    }

    fn update(&mut self, timestamp_secs: i64, value: f64) -> f64 {
        let x = if value.is_finite() { value } else { self.prev };
        if self.n == 0 {
            self.prev = x;
            self.fast = x;
            self.slow = x;
            self.lo = x;
            self.hi = x;
        }
        // The range seen before this row: a new extreme must not dilute its own error.
        let range = (self.hi - self.lo).max(1e-9 * (1.0 + x.abs()));
        self.lo = self.lo.min(x);
        self.hi = self.hi.max(x);
        let tod = timestamp_secs.rem_euclid(86_400) as usize;
        let dbin = tod * DAY_BINS / 86_400;
        // 1970-01-01 was a Thursday; the week bin only needs to be consistent.
        let wbin = (timestamp_secs.rem_euclid(7 * 86_400) / 3600) as usize;
        let (day_pred, week_pred) = self.seasons.predict(dbin, wbin, self.fast);
        let errs = [
            (x - self.prev).abs(),
            (x - day_pred).abs(),
            (x - week_pred).abs(),
            (x - self.slow).abs(),
        ];
        let c = &self.shared.cfg;
        // Before learning (the first rows) every rank is "no surprise" (ratio 1).
        let mut ranks = [Rank {
            ratio: 1.0,
            extra: None,
        }; FEATURES];
        let floor = 1e-6 * range;
        let learn = self.n >= 10;
        // The last-value error in its own scale (the stillness test's input).
        let rel0 = errs[0] / (self.scale[0] + floor);
        for k in 0..FEATURES {
            let e = errs[k];
            let rel = e / (self.scale[k] + floor);
            if learn {
                ranks[k] = self.hists[k].rank_and_learn(rel, c.prior, self.growth, c.beyond);
            }
            let a = c.alpha_scale.max(1.0 / f64::from(self.n + 1));
            self.scale[k] += a * (e - self.scale[k]);
        }
        // Predictive surprise: the least surprised of the credible predictors.
        let best = self.mean_err.iter().cloned().fold(f64::INFINITY, f64::min);
        let credible = (0..PREDICTORS)
            .filter(|&k| {
                c.features & (1 << k) != 0 && self.mean_err[k] <= best * c.credible + 1e-12
            })
            .map(|k| ranks[k]);
        let mut pred = if learn {
            Rank::least_surprise(credible)
        } else {
            0.0
        };
        if !pred.is_finite() {
            pred = 0.0;
        }
        // The level's surprise (the one feature that is not a predictor), where it is read.
        let level_on = c.features & (1 << PREDICTORS) != 0;
        let level = if learn && (level_on || self.level_hist.is_some()) {
            ranks[PREDICTORS].surprise()
        } else {
            0.0
        };
        for (m, e) in self.mean_err.iter_mut().zip(errs) {
            *m += c.alpha_err * (e / range - *m);
        }
        let mut a = pred;
        // Which test gave the row its surprise: 0 a prediction error or the level, 1 a
        // sustained change, 2 stillness, 3 novelty.
        let mut src = 0usize;
        if level_on {
            a = a.max(level);
        }
        self.recent += c.alpha_recent * (pred - self.recent);
        if self.n >= 10 {
            let r = self.sustained_hist.rank_and_learn(
                self.recent + 1e-3,
                c.prior,
                self.growth,
                c.beyond,
            );
            if c.meta & 1 != 0 {
                raise(&mut a, &mut src, r.surprise(), 1);
            }
            // Sustained level change, and stillness: a recent mean, ranked against its history.
            let (g, p, b) = (self.growth, c.prior, c.beyond);
            let ema = |m: &mut f64, x: f64| {
                *m += c.alpha_recent * (x - *m);
                *m
            };
            if let Some(h) = self.level_hist.as_deref_mut() {
                let m = ema(&mut self.recent_level, level);
                raise(&mut a, &mut src, h.surprise_and_learn(m + 1e-3, p, g, b), 1);
            }
            if let Some(h) = self.quiet_hist.as_deref_mut() {
                let m = ema(&mut self.recent_err, rel0.min(1e3));
                raise(
                    &mut a,
                    &mut src,
                    h.surprise_and_learn(1.0 / (m + 1e-3), p, g, b),
                    2,
                );
            }
            if let Some(h) = &mut self.combined_hist {
                a = h.surprise_and_learn(a + 1e-3, c.prior, self.growth, c.beyond);
            }
        }
        if c.nov_levels > 0 {
            let tod = (c.nov_tod > 0).then(|| (tod * c.nov_tod as usize / 86_400) as u8);
            let ns = self.novelty.surprise(x, tod, &self.shared, self.n < 10);
            if c.nov_mode & 1 == 0 {
                raise(&mut a, &mut src, c.nov_weight * ns, 3);
            } else {
                a += c.nov_weight * ns;
            }
        }
        // Learn the levels.
        self.prev = x;
        self.fast += c.alpha_fast * (x - self.fast);
        self.slow += c.alpha_slow * (x - self.slow);
        self.seasons.learn(dbin, wbin, x, c.alpha_season);
        self.n += 1;
        let n = self.n;
        if n <= c.warmup || !a.is_finite() {
            return 0.0;
        }
        // Mode 3: each test against its own recent maximum and last alert, so one test's
        // alert (or noise) does not silence another's event; otherwise all are test 0.
        let t = if c.suppress_mode == 3 { src } else { 0 };
        let mut suppressed = match c.suppress_mode {
            1 | 3 => {
                // Only a row clearly above every recent row's surprise (of its test) counts.
                let recent = self.recent_max[t][0].max(self.recent_max[t][1]);
                self.recent_max[t][1] = self.recent_max[t][1].max(a);
                self.block_rows += 1;
                if self.block_rows >= (c.suppress_rows / 2).max(1) {
                    for m in &mut self.recent_max {
                        *m = [m[1], 0.0];
                    }
                    self.block_rows = 0;
                }
                a <= recent + c.suppress_delta
            }
            2 => {
                let recent = self.fading_max;
                let k = 0.5f64.powf(1.0 / f64::from(c.suppress_rows.max(1)));
                self.fading_max = (self.fading_max * k).max(a);
                a <= recent + c.suppress_delta
            }
            _ => {
                // Within `suppress_rows` of an alert, only a clearly stronger row counts.
                let recent_alert = self.last_alert[0].is_some_and(|at| n - at <= c.suppress_rows);
                let suppressed = recent_alert && a <= self.last_alert_level + c.suppress_delta;
                if !suppressed && a >= c.alert_min {
                    self.last_alert[0] = Some(n);
                    self.last_alert_level = a;
                }
                suppressed
            }
        };
        if c.refract > 0 && c.suppress_mode != 0 {
            // Refractory period: after an alert, the same event does not alert again.
            if self.last_alert[t].is_some_and(|at| n - at <= c.refract) {
                suppressed = true;
            }
            if !suppressed && a >= c.alert_min {
                self.last_alert[t] = Some(n);
                self.last_alert_level = a;
            }
        }
        let out = if suppressed { a * 0.25 } else { a };
        // Map surprise (decades, >= 0) monotonically into [0, 1).
        out / (out + 5.0)
    }
}

#[derive(Clone, Debug)]
enum Engine {
    Surprise(Box<Surprise>),
    Calibrated(Box<Calibrated>),
}

/// The detector state of one series.
#[derive(Clone, Debug)]
pub struct AnomalyDetector {
    engine: Engine,
    last: f64,
}

impl AnomalyDetector {
    pub fn new(cfg: AnomalyConfig) -> Self {
        Self::shared(SharedConfig::new(cfg))
    }

    /// A detector whose settings are shared with other series' detectors (the settings are
    /// not per-series state: a watcher of many series keeps one copy).
    pub fn shared(shared: Arc<SharedConfig>) -> Self {
        let cfg = &shared.cfg;
        let engine = match cfg.model {
            Model::Surprise => Engine::Surprise(Box::new(Surprise::new(shared.clone()))),
            Model::Calibrated => Engine::Calibrated(Box::new(Calibrated::new(
                cfg.calibrated.clone(),
                cfg.learning,
            ))),
        };
        AnomalyDetector { engine, last: 0.0 }
    }

    /// Bytes of state this detector keeps for its series.
    pub fn state_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + match &self.engine {
                Engine::Surprise(s) => s.state_bytes(),
                Engine::Calibrated(c) => c.state_bytes(),
            }
    }

    /// Feeds one row and returns its anomaly score in [0, 1]. A value that is not finite
    /// counts as the last finite one.
    pub fn update(&mut self, timestamp_secs: i64, value: f64) -> f64 {
        let x = if value.is_finite() { value } else { self.last };
        self.last = x;
        match &mut self.engine {
            Engine::Surprise(s) => s.update(timestamp_secs, x),
            Engine::Calibrated(c) => c.update(timestamp_secs, x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surprise() -> AnomalyConfig {
        AnomalyConfig {
            model: Model::Surprise,
            ..AnomalyConfig::default()
        }
    }

    /// The bin read off the float's bits is the logarithm's bin, over 26 octaves and beyond
    /// both ends (a value within rounding of a bin edge may fall either side: those are
    /// skipped).
    #[test]
    fn histogram_bin_matches_the_logarithm() {
        let by_log = |rel: f64| -> usize {
            let b = ((rel.log2() - LOG2_FLOOR) * BINS_PER_OCTAVE).floor();
            b.clamp(0.0, (HIST_BINS - 1) as f64) as usize
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut checked = 0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // log2 of rel uniform over [−20, 20).
            let l2 = (x >> 11) as f64 / (1u64 << 53) as f64 * 40.0 - 20.0;
            let rel = l2.exp2();
            let edge = (rel.log2() - LOG2_FLOOR) * BINS_PER_OCTAVE;
            if (edge - edge.round()).abs() < 1e-9 {
                continue;
            }
            assert_eq!(TailHist::bin(rel), by_log(rel), "rel {rel}");
            checked += 1;
        }
        assert!(checked > 190_000);
        assert_eq!(BIN_EDGES[0], (1.0f64 / 3.0).exp2());
        assert_eq!(BIN_EDGES[1], (2.0f64 / 3.0).exp2());
        for rel in [0.0, -1.0, f64::NAN, 1e-310, f64::MIN_POSITIVE] {
            assert_eq!(TailHist::bin(rel), 0, "rel {rel}");
        }
        assert_eq!(TailHist::bin(f64::INFINITY), HIST_BINS - 1);
        assert_eq!(TailHist::bin(1e300), HIST_BINS - 1);
        assert_eq!(TailHist::bin(1.0), by_log(1.0));
        assert_eq!(TailHist::bin(0.5), by_log(0.5));
    }

    #[test]
    fn scores_are_in_unit_interval_and_deterministic() {
        let run = || {
            let mut d = AnomalyDetector::new(surprise());
            (0..3000)
                .map(|i| {
                    let v = (i as f64 / 20.0).sin() + if i == 2000 { 10.0 } else { 0.0 };
                    d.update(i * 300, v)
                })
                .collect::<Vec<f64>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().all(|s| (0.0..=1.0).contains(s)));
        let peak = a[2000..2010].iter().cloned().fold(0.0, f64::max);
        let before = a[1000..1990].iter().cloned().fold(0.0, f64::max);
        assert!(peak > before, "{peak} vs {before}");
    }

    /// The next value in [-0.5, 0.5) of a deterministic generator (a 64-bit LCG).
    fn uniform_noise(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (*seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }

    /// A deterministic noisy daily pattern with a level shift at row 2500.
    fn shifted_series(cfg: AnomalyConfig) -> Vec<f64> {
        let mut d = AnomalyDetector::new(cfg);
        let mut seed: u64 = 7;
        (0..4000)
            .map(|i| {
                let noise = uniform_noise(&mut seed);
                let day = (i as f64 * std::f64::consts::TAU / 288.0).sin();
                let shift = if i >= 2500 { 4.0 } else { 0.0 };
                d.update(i * 300, 10.0 + day + 0.3 * noise + shift)
            })
            .collect()
    }

    #[test]
    fn a_level_shift_alerts_few_times() {
        // Roughly the score from which NAB counts a detection with the default settings.
        let cut = 0.37;
        let alerts = |s: &[f64]| s[2500..].iter().filter(|&&v| v >= cut).count();
        let s = shifted_series(surprise());
        assert!(
            s[2500..2510].iter().any(|&v| v >= cut),
            "the shift is not detected"
        );
        let tight = alerts(&s);
        assert!(tight <= 2, "{tight} alerts for one shift");
        // Without the suppression of repeated alerts the same shift alerts more often.
        let loose = AnomalyConfig {
            refract: 0,
            suppress_delta: -10.0,
            ..surprise()
        };
        assert!(alerts(&shifted_series(loose)) > tight);
    }

    /// Noise around a level; from row 2500 the value freezes (a stuck sensor).
    fn stuck_series(cfg: AnomalyConfig) -> Vec<f64> {
        let mut d = AnomalyDetector::new(cfg);
        let mut seed: u64 = 11;
        let mut last = 0.0;
        (0..3000)
            .map(|i| {
                let noise = uniform_noise(&mut seed);
                if i < 2500 {
                    last = 10.0 + noise;
                }
                d.update(i * 300, last)
            })
            .collect()
    }

    #[test]
    fn a_frozen_series_alerts_only_with_the_stillness_test() {
        let cut = 0.37;
        let with = stuck_series(AnomalyConfig {
            meta: 1 | 8,
            ..surprise()
        });
        let without = stuck_series(surprise());
        let peak = |s: &[f64]| s[2500..].iter().cloned().fold(0.0, f64::max);
        assert!(peak(&with) >= cut, "stuck sensor missed: {}", peak(&with));
        assert!(peak(&without) < cut, "{}", peak(&without));
        // Before the freeze the stillness test adds no alert of its own.
        let before = with[500..2500].iter().filter(|&&v| v >= cut).count();
        let base = without[500..2500].iter().filter(|&&v| v >= cut).count();
        assert!(
            before <= base + 1,
            "{before} alerts before the freeze, {base} without the test"
        );
    }

    #[test]
    fn with_per_test_suppression_a_stillness_alert_does_not_silence_a_spike() {
        // A stuck stretch (rows 2500..2600) and then, 60 rows after it ends, a spike of about
        // four noise deviations: strong enough to alert, weaker than the stillness alert.
        let run = |cfg: AnomalyConfig| {
            let mut d = AnomalyDetector::new(cfg);
            let mut seed: u64 = 5;
            (0..3000)
                .map(|i| {
                    let noise = uniform_noise(&mut seed);
                    let v = match i {
                        2500..2600 => 10.0,
                        2660 => 11.0,
                        _ => 10.0 + noise,
                    };
                    d.update(i * 300, v)
                })
                .collect::<Vec<f64>>()
        };
        let cut = 0.37;
        let per_test = run(AnomalyConfig {
            meta: 1 | 8,
            suppress_mode: 3,
            ..surprise()
        });
        let shared = run(AnomalyConfig {
            meta: 1 | 8,
            ..surprise()
        });
        let stuck = |s: &[f64]| s[2500..2600].iter().any(|&v| v >= cut);
        let spike = |s: &[f64]| s[2660..2663].iter().any(|&v| v >= cut);
        assert!(stuck(&per_test) && stuck(&shared));
        assert!(
            spike(&per_test),
            "spike silenced under per-test suppression"
        );
        assert!(
            !spike(&shared),
            "the shared recent maximum no longer silences the spike"
        );
    }

    #[test]
    fn a_level_shift_is_also_seen_by_the_sustained_level_test() {
        // The shift of `shifted_series` still alerts at once, and only a few times, with the
        // recent mean of the level surprise ranked too.
        let cut = 0.37;
        let s = shifted_series(AnomalyConfig {
            meta: 1 | 4,
            ..surprise()
        });
        assert!(s[2500..2510].iter().any(|&v| v >= cut));
        assert!(s[2500..].iter().filter(|&&v| v >= cut).count() <= 3);
    }

    /// The histogram keeps 16-bit tail sums with a growing weight, halved when the total
    /// fills the 16 bits; its answers are those of plain exponentially decaying counts (kept
    /// here in f64), through hundreds of halvings, within 0.1 decades of surprise (alerts
    /// begin at 3): rounding one error's weight of 8 to 15 to an integer moves it by up to a
    /// sixteenth, and each halving rounds down, which matters most in a tail of a few errors
    /// (measured: 0.087 decades at a tail of 10⁻⁴). The extrapolation beyond the largest error
    /// (a sixth of a decade a bin) must begin on the same rows.
    #[test]
    fn sixteen_bit_tail_sums_answer_as_decaying_counts_do() {
        let growth = 2f32.powf(1.0 / 3000.0);
        let decay = 1.0 / f64::from(growth);
        let mut h = TailHist::new();
        let mut counts = [0f64; HIST_BINS];
        let mut seed: u64 = 11;
        let (mut worst, mut extrapolated) = (0f64, 0);
        for i in 0..250_000 {
            // Errors over about nine octaves, with rare large ones, and quieter stretches of
            // ten half-lives in which the largest errors are forgotten.
            let u = uniform_noise(&mut seed) + 0.5;
            let quiet = (i / 30_000) % 2 == 1;
            let rel = if i % 997 == 0 && !quiet {
                300.0 * u
            } else {
                (u * 6.0).exp2() * if quiet { 0.01 } else { 0.05 }
            };
            let b = TailHist::bin(rel);
            let above: f64 = counts[b + 1..].iter().sum();
            let total: f64 = counts.iter().sum();
            let mut want = Rank {
                ratio: (above + 0.5 * counts[b] + 0.3) / (total + 0.3),
                extra: None,
            };
            if above < 0.05 && total > 0.0 {
                let top = (0..HIST_BINS).rposition(|i| counts[i] >= 0.05).unwrap_or(0);
                if b > top {
                    want.extra = Some(0.5 * (b - top) as f64 / BINS_PER_OCTAVE);
                }
            }
            let got = h.rank_and_learn(rel, 0.3, growth, 0.5);
            extrapolated += usize::from(want.extra.is_some());
            if i > 100 {
                let d = (got.surprise() - want.surprise()).abs();
                worst = worst.max(d);
                assert_eq!(got.extra, want.extra, "row {i}");
            }
            counts.iter_mut().for_each(|c| *c *= decay);
            counts[b] += 1.0;
        }
        assert!(worst <= 0.1, "largest difference {worst} decades");
        assert!(
            extrapolated >= 4,
            "large errors after each quiet stretch: {extrapolated}"
        );
    }

    /// An isolated large error is remembered (an equal one is not extrapolated) for three
    /// half-lives and forgotten after five: exact weights forget it after 4.3, where its
    /// weight falls below the extrapolation's floor of a twentieth.
    #[test]
    fn an_isolated_large_error_is_forgotten_after_four_or_five_half_lives() {
        let growth = 2f32.powf(1.0 / 3000.0);
        let mut seed: u64 = 5;
        let after = |rows: u32, seed: &mut u64| {
            let mut h = TailHist::new();
            for _ in 0..20_000 {
                h.rank_and_learn(uniform_noise(seed) + 1.0, 0.3, growth, 0.5);
            }
            h.rank_and_learn(500.0, 0.3, growth, 0.5);
            for _ in 0..rows {
                h.rank_and_learn(uniform_noise(seed) + 1.0, 0.3, growth, 0.5);
            }
            h.rank_and_learn(500.0, 0.3, growth, 0.5).extra
        };
        assert_eq!(
            after(9_000, &mut seed),
            None,
            "remembered for three half-lives"
        );
        assert!(after(15_000, &mut seed).is_some(), "forgotten after five");
    }

    #[test]
    fn state_is_small() {
        let mut d = AnomalyDetector::new(surprise());
        let mut seed: u64 = 3;
        for i in 0..20_000i64 {
            let day = (i as f64 * std::f64::consts::TAU / 288.0).sin();
            d.update(i * 300, 10.0 + day + uniform_noise(&mut seed));
        }
        // 1,992 bytes measured: 16-bit error histograms and baselines, the novelty slots of
        // the defaults in 216 bits, and the seen time-of-day and time-of-week bins one bit each.
        assert!(d.state_bytes() <= 2_048, "{}", d.state_bytes());
    }

    /// The 16-bit baselines answer as f64 ones do, to a step of their range, through a drift
    /// that re-codes them; a drift of a million rows re-codes them about log₁.₂₅(10⁶) ≈ 62
    /// times (58 measured), not every row.
    #[test]
    fn sixteen_bit_baselines_answer_as_exact_ones_do() {
        let mut s = Seasons::default();
        let (mut day, mut week) = ([None::<f64>; DAY_BINS], [None::<f64>; WEEK_BINS]);
        let mut seed: u64 = 9;
        let mut worst = 0f64;
        for i in 0..40_000usize {
            let (dbin, wbin) = (i % DAY_BINS, (i / 12) % WEEK_BINS);
            let x = 100.0 + 0.01 * i as f64 + (i as f64 * 0.02).sin() + uniform_noise(&mut seed);
            let fast = 7.0;
            let (dp, wp) = s.predict(dbin, wbin, fast);
            let want_d = day[dbin].unwrap_or(fast);
            let want_w = want_d + week[wbin].unwrap_or(0.0);
            let step = s.codec.step.max(1e-12);
            worst = worst
                .max((dp - want_d).abs() / step)
                .max((wp - want_w).abs() / step);
            s.learn(dbin, wbin, x, 0.3);
            let d = day[dbin].map_or(x, |d| d + 0.3 * (x - d));
            day[dbin] = Some(d);
            let off = x - d;
            week[wbin] = Some(week[wbin].map_or(off, |w| w + 0.3 * (off - w)));
        }
        // A few steps (3.3 measured): each learned value is rounded to a step, and the
        // level's rounding carries into the offset.
        assert!(worst <= 5.0, "{worst} steps");
        let mut c = Codec::default();
        let mut recodes = 0;
        for i in 0..1_000_000 {
            let x = f64::from(i);
            if !c.contains(x) {
                c = c.grown(x);
                recodes += 1;
            }
        }
        assert!(recodes <= 70, "{recodes} re-codings");
    }

    /// The default contexts land on 216 hash slots, numbered densely once per configuration;
    /// a series keeps one bit per slot, and every score is the one the table of hash slots
    /// gives.
    #[test]
    fn densely_numbered_slots_score_as_the_hash_slots_do() {
        let dense = SharedConfig::new(surprise());
        assert_eq!(dense.slots, 216);
        let table = dense
            .slot_of
            .as_deref()
            .expect("the defaults number their slots");
        assert_eq!(table.len(), 623);
        assert!(table.iter().all(|&d| usize::from(d) < 216));
        let by_table = Arc::new(SharedConfig {
            cfg: surprise(),
            slot_of: None,
            slots: 0,
        });
        for (levels, depth, tod) in [(5, 3, 4), (3, 2, 0), (7, 4, 6)] {
            let cfg = AnomalyConfig {
                nov_levels: levels,
                nov_depth: depth,
                nov_tod: tod,
                ..surprise()
            };
            let dense = SharedConfig::new(cfg.clone());
            assert!(dense.slot_of.is_some());
            let by_table = Arc::new(SharedConfig {
                cfg,
                slot_of: None,
                slots: 0,
            });
            let (mut a, mut b) = (
                AnomalyDetector::shared(dense),
                AnomalyDetector::shared(by_table),
            );
            let mut seed: u64 = 17;
            let mut novel = 0;
            for i in 0..30_000i64 {
                let day = (i as f64 * std::f64::consts::TAU / 288.0).sin();
                let jump = if i % 5_000 == 4_000 { 8.0 } else { 0.0 };
                let v = 10.0 + day + jump + uniform_noise(&mut seed) * (1.0 + (i / 7_000) as f64);
                let (x, y) = (a.update(i * 300, v), b.update(i * 300, v));
                assert_eq!(x.to_bits(), y.to_bits(), "row {i}, {levels}/{depth}/{tod}");
                novel += usize::from(x > 0.3);
            }
            assert!(novel > 0, "{levels}/{depth}/{tod}: some rows score");
        }
        let Engine::Surprise(s) = AnomalyDetector::shared(by_table).engine else {
            panic!("the surprise model")
        };
        assert!(matches!(s.novelty.seen, Seen::Slots(_)));
    }

    #[test]
    fn the_slot_set_answers_as_a_set_does() {
        let mut set = SlotSet::default();
        let mut reference = std::collections::BTreeSet::new();
        let mut seed: u64 = 11;
        for i in 0..5_000 {
            // Few distinct values early (repeats), the whole range later (growth), and 0.
            let v = if i % 97 == 0 {
                0
            } else {
                let r = (uniform_noise(&mut seed) + 0.5) * if i < 1_000 { 300.0 } else { 65_536.0 };
                r as u16
            };
            assert_eq!(set.insert(v), reference.insert(v), "value {v} at {i}");
        }
        assert_eq!(set.len + usize::from(set.zero), reference.len());
        assert!(set.table.len() >= 2 * set.len);
    }

    #[test]
    fn exact_novelty_gives_every_context_its_own_bit() {
        let cfg = AnomalyConfig {
            nov_mode: 2,
            ..surprise()
        };
        assert_eq!(novelty_contexts(5, 3, 4), 623);
        let shared = SharedConfig::new(cfg.clone());
        let mut n = Novelty::new(&shared);
        for k in 0..623 {
            assert!(n.check(k, None), "context {k} new");
            assert!(!n.check(k, None), "context {k} seen");
        }
        // Driven by uniform values in a fixed range (levels 0..=4 after the first two rows,
        // every block of the day: 5 + 25 + 125 sequences and 4 · (5 + 25) time-of-day
        // contexts, 275), the numbering stays inside the 623 contexts and finds nearly all of
        // them, while the default (hashed) set merges many.
        let mut exact = Novelty::new(&shared);
        let hashed_cfg = SharedConfig::new(surprise());
        let mut hashed = Novelty::new(&hashed_cfg);
        let coarse_cfg = SharedConfig::new(AnomalyConfig {
            nov_mode: 6,
            ..surprise()
        });
        let mut coarse = Novelty::new(&coarse_cfg);
        let mut seed: u64 = 5;
        for i in 0..20_000u32 {
            let x = match i {
                0 => 0.0,
                1 => 1.0,
                _ => uniform_noise(&mut seed) + 0.5,
            };
            let tod = Some((i % 288 * 4 / 288) as u8);
            exact.surprise(x, tod, &shared, false);
            coarse.surprise(x, tod, &coarse_cfg, false);
            hashed.surprise(x, tod, &hashed_cfg, false);
        }
        let Seen::Bits(bits) = &exact.seen else {
            panic!("exact contexts keep bits")
        };
        let Seen::Bits(slots) = &hashed.seen else {
            panic!("hashed contexts keep one bit per slot")
        };
        let set: u32 = bits.iter().map(|w| w.count_ones()).sum();
        let used: u32 = slots.iter().map(|w| w.count_ones()).sum();
        // 284 measured: the 275, and a few contexts of the first rows (the top of the range is
        // level 5).
        assert!((275..=300).contains(&set), "{set}");
        assert!(used < set, "{used} slots against {set} contexts");
        // Coarsened on purpose: at most 7 + 3·7 + 3·49 sequences and 4 · (3 + 3·7)
        // time-of-day contexts (271), and here the current level is never below the range.
        let Seen::Bits(bits) = &coarse.seen else {
            panic!("coarse contexts keep bits")
        };
        let coarse_set: u32 = bits.iter().map(|w| w.count_ones()).sum();
        assert!(coarse_set <= 271 && coarse_set < set / 2, "{coarse_set}");
    }
}
