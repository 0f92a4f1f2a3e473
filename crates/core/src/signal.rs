//! Operator signals: real-valued measurements an operator already has (hotline waiting time,
//! calls waiting, sessions per region, probe latency), declared under `[[signals]]` in the
//! topology, and the watcher that turns them into [`SignalAnomaly`]s.
//!
//! # The watcher
//! One series per (provider, signal, region). Samples need not be evenly spaced: they are
//! gathered into bins of [`SignalConfig::step_secs`]; a bin's value is the mean of its samples
//! (one per time: a sample sent again for the same series and time counts once, the first),
//! and a bin without samples carries the last sample forward for at most
//! [`SignalConfig::hold_secs`] (a measurement stands for the level until the next one); after
//! a longer silence the series is simply not fed until samples come again. Only
//! [`SignalWatcher::advance_to`] closes bins, so time enters only as an argument, and a sample
//! for a bin already closed is late and ignored (counted).
//!
//! Each closed bin feeds the streaming anomaly detector of [`crate::anomaly`] (its own
//! configuration for signals, [`signal_detector_config`]; the benchmark's default is not
//! touched). The detector decides the *onset*: an anomaly opens on a bin whose score reaches
//! [`SignalConfig::alert_score`] while the value is outside the series' typical band, on the
//! side the signal declares as trouble (`worse = "higher"` or `"lower"`; either side when it
//! declares none: a waiting time that falls back is good news, not evidence). The band
//! decides the *duration*: the anomaly lasts while the value stays outside the band on the same
//! side, and ends at the first of [`SignalConfig::calm_bins`] bins back inside. The band is a
//! baseline per hour of the day (UTC; an exponentially forgetting mean,
//! [`SignalConfig::half_life_days`], falling back to the series' overall baseline for an hour
//! not seen yet) plus or minus the larger of `band_k` times the mean absolute deviation from it
//! and `min_rel` times the baseline: operator signals have strong daily shapes (nobody waits
//! at the hotline at night). While the value is outside the band the baseline keeps learning,
//! slowly ([`SignalConfig::shifted_half_life_days`]): a level that lasts for days becomes the
//! new normal, so a second rise on top of it is an anomaly of its own.
//!
//! Signals are evidence, never truth: an anomaly alone never makes an outage. Correlation uses
//! anomalies of the component a signal measures as evidence for that component as a root
//! ([`crate::correlate`]), and the product view a regional anomaly as evidence for its region
//! being in an outage's scope ([`crate::view`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::anomaly::{AnomalyConfig, AnomalyDetector, Model, SharedConfig};
use crate::correlate::Explanation;
use crate::ids::{ProviderId, RegionId, SignalId};
use crate::report::Timestamp;
use crate::topology::{ComponentRef, Topology, Worse};

/// One measurement of an operator signal.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalSample {
    pub time: Timestamp,
    pub provider: ProviderId,
    pub signal: SignalId,
    /// The region, or `None` for the provider as a whole.
    pub region: Option<RegionId>,
    pub value: f64,
}

/// Why a sample cannot be taken.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SignalError {
    #[error("no signal {signal:?} of provider {provider:?} is declared; declare it under [[signals]] in the topology")]
    Undeclared { provider: String, signal: String },
    #[error("region {0:?} is not a region of the topology")]
    UnknownRegion(String),
    #[error("the value {0} is not a finite number")]
    NotFinite(f64),
}

impl SignalSample {
    /// Checks the sample against the topology: a declared signal, a known region, a finite
    /// value.
    pub fn check(&self, topology: &Topology) -> Result<(), SignalError> {
        if topology
            .signal(self.provider.as_str(), self.signal.as_str())
            .is_none()
        {
            return Err(SignalError::Undeclared {
                provider: self.provider.to_string(),
                signal: self.signal.to_string(),
            });
        }
        if let Some(r) = &self.region {
            if !topology.regions.iter().any(|x| &x.id == r) {
                return Err(SignalError::UnknownRegion(r.to_string()));
            }
        }
        if !self.value.is_finite() {
            return Err(SignalError::NotFinite(self.value));
        }
        Ok(())
    }
}

/// One series: a signal of a provider, in one region or for the provider as a whole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SeriesKey {
    pub provider: ProviderId,
    pub signal: SignalId,
    pub region: Option<RegionId>,
}

impl SeriesKey {
    pub fn of(s: &SignalSample) -> SeriesKey {
        SeriesKey {
            provider: s.provider.clone(),
            signal: s.signal.clone(),
            region: s.region.clone(),
        }
    }
}

/// A stretch of time in which a signal left its typical band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignalAnomaly {
    pub provider: ProviderId,
    pub signal: SignalId,
    /// None: the provider as a whole.
    pub region: Option<RegionId>,
    /// The signal's name and unit as declared.
    pub name: String,
    pub unit: Option<String>,
    /// The component the signal measures, if declared.
    pub component: Option<ComponentRef>,
    /// Start of the first bin outside the band.
    pub start: Timestamp,
    /// Start of the first bin back inside the band; None while it lasts.
    pub end: Option<Timestamp>,
    /// Above the band (true) or below it.
    pub rising: bool,
    /// The most extreme bin value and when.
    pub peak: f64,
    pub peak_at: Timestamp,
    /// The baseline and the typical band when it began.
    pub typical: f64,
    pub band: (f64, f64),
    /// The detector's highest score during it, in [0, 1).
    pub score: f64,
}

/// A value with its unit, as people read it: seconds from a minute and a half on in minutes,
/// under a second in milliseconds; other numbers with three significant digits (an error
/// rate of 0.0012 stays 0.0012, not 0.0).
pub fn format_value(value: f64, unit: Option<&str>) -> String {
    match unit {
        Some("s") if value.abs() >= 90.0 => format!("{:.0} min", value / 60.0),
        Some("s") if value != 0.0 && value.abs() < 1.0 => {
            format!("{} ms", trim_number(value * 1000.0))
        }
        Some("s") => format!("{} s", trim_number(value)),
        Some(u) if !u.is_empty() => format!("{} {u}", trim_number(value)),
        _ => trim_number(value),
    }
}

/// Whole numbers and numbers from 100 on without decimals, others with three significant
/// digits and no trailing zeros.
fn trim_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if (v - v.round()).abs() < 1e-9 || v.abs() >= 100.0 {
        return format!("{v:.0}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(1, 12) as usize;
    let s = format!("{v:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// `2017-05-17 13:05 UTC`.
fn short_time(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    format!("{} {} UTC", &s[..10], &s[11..16])
}

impl SignalAnomaly {
    /// Whether it overlaps `[from, to]` (`end` None: still going on).
    pub fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.start <= to && self.end.is_none_or(|e| e >= from)
    }

    /// Whether the anomaly began within `[from, to]`: evidence for an outage is a change that
    /// came with it. A level that had left its band hours before the outage began (a weekly
    /// pattern the hourly band has not learnt, a fault of its own) says nothing about it.
    pub fn began_within(&self, from: Timestamp, to: Timestamp) -> bool {
        from <= self.start && self.start <= to
    }

    /// The evidence in a phrase: "Hotline waiting time 65 min, typically 2 min, since
    /// 2017-05-12 16:05 UTC (until …)".
    pub fn describe(&self) -> Explanation {
        let unit = self.unit.as_deref();
        let peak = format_value(self.peak, unit);
        let typical = format_value(self.typical, unit);
        let since = short_time(self.start);
        let region = self
            .region
            .as_ref()
            .map(|r| format!(" in {r}"))
            .unwrap_or_default();
        let region_de = self
            .region
            .as_ref()
            .map(|r| format!(" in {r}"))
            .unwrap_or_default();
        let (until_en, until_de) = match self.end {
            Some(e) => (
                format!(" until {}", short_time(e)),
                format!(" bis {}", short_time(e)),
            ),
            None => (String::new(), String::new()),
        };
        Explanation {
            en: format!(
                "{}{region} {peak}, typically {typical}, since {since}{until_en}",
                self.name
            ),
            de: format!(
                "{}{region_de} {peak}, üblich {typical}, seit {since}{until_de}",
                self.name
            ),
        }
    }
}

/// Tuning of the signal watcher.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalConfig {
    /// Width of a bin (seconds).
    pub step_secs: i64,
    /// How long a sample stands for the level when no newer one comes (seconds).
    pub hold_secs: i64,
    /// Detector score from which a bin outside the band opens an anomaly.
    pub alert_score: f64,
    /// Half-width of the band in mean absolute deviations.
    pub band_k: f64,
    /// Smallest half-width of the band, relative to the baseline.
    pub min_rel: f64,
    /// Half-life (days) of the baseline and of the deviation while the value is inside the
    /// band.
    pub half_life_days: f64,
    /// Half-life (days) of the baseline while the value is outside the band.
    pub shifted_half_life_days: f64,
    /// Bins before an alert that an anomaly's onset may reach back to (the first of a run
    /// outside the band).
    pub lead_bins: u32,
    /// Bins back inside the band that end an anomaly.
    pub calm_bins: u32,
    /// Bins fed before an anomaly may open (the band must have been learned).
    pub warmup_bins: u32,
    /// Shortest anomaly (seconds): a shorter one is a blip, not evidence.
    pub min_secs: i64,
    /// The anomaly detector's settings, shared by every series a watcher keeps.
    pub detector: std::sync::Arc<SharedConfig>,
}

/// The anomaly detector's configuration for operator signals: the benchmark's default with a
/// short warm-up (a few hours of five-minute bins), a refractory period of an hour instead of
/// a hundred rows (a second event on the same day can still open an anomaly), and a memory of
/// about two days instead of ten (error histograms and scales), so that days of a shifted
/// level do not make the next rise look ordinary.
pub fn signal_detector_config() -> AnomalyConfig {
    AnomalyConfig {
        model: Model::Surprise,
        warmup: 36,
        refract: 12,
        suppress_rows: 24,
        half_life: 576.0,
        alpha_scale: 0.002,
        ..AnomalyConfig::default()
    }
}

impl Default for SignalConfig {
    fn default() -> Self {
        SignalConfig {
            step_secs: 300,
            hold_secs: 1800,
            alert_score: 0.1,
            band_k: 4.0,
            min_rel: 0.5,
            half_life_days: 1.0,
            shifted_half_life_days: 2.0,
            lead_bins: 3,
            calm_bins: 2,
            warmup_bins: 36,
            min_secs: 900,
            detector: SharedConfig::new(signal_detector_config()),
        }
    }
}

#[derive(Clone, Debug)]
struct Series {
    det: AnomalyDetector,
    /// Samples of bins not closed yet: bin start → time → value.
    pending: BTreeMap<i64, BTreeMap<i64, f64>>,
    /// Start of the next bin to close; None before the first sample.
    next: Option<i64>,
    /// Time and value of the latest sample of a closed bin.
    last: Option<(i64, f64)>,
    /// Overall baseline, and one per hour of the day (with its count of bins).
    baseline: f64,
    hourly: [(f64, u32); 24],
    spread: f64,
    rows: u32,
    open: Option<SignalAnomaly>,
    calm: u32,
    /// First bin of the current run outside the band, and on which side.
    outside_since: Option<(i64, bool)>,
}

/// A declared signal's name, unit, measured component and which way is trouble.
type SignalMeta = (String, Option<String>, Option<ComponentRef>, Option<Worse>);

/// Watches every operator signal of a topology. Pure and deterministic: feed samples with
/// [`SignalWatcher::observe`], close bins with [`SignalWatcher::advance_to`].
#[derive(Clone, Debug)]
pub struct SignalWatcher {
    cfg: SignalConfig,
    meta: BTreeMap<(ProviderId, SignalId), SignalMeta>,
    regions: Vec<RegionId>,
    series: BTreeMap<SeriesKey, Series>,
    closed: Vec<SignalAnomaly>,
    late: u64,
}

impl SignalWatcher {
    pub fn new(topology: &Topology, cfg: SignalConfig) -> SignalWatcher {
        let meta = topology
            .signals
            .iter()
            .map(|s| {
                (
                    (s.provider.clone(), s.id.clone()),
                    (s.name.clone(), s.unit.clone(), s.component.clone(), s.worse),
                )
            })
            .collect();
        SignalWatcher {
            cfg,
            meta,
            regions: topology.regions.iter().map(|r| r.id.clone()).collect(),
            series: BTreeMap::new(),
            closed: Vec::new(),
            late: 0,
        }
    }

    /// Takes one sample. A sample of a bin already closed is late: ignored and counted.
    pub fn observe(&mut self, s: &SignalSample) -> Result<(), SignalError> {
        if !self
            .meta
            .contains_key(&(s.provider.clone(), s.signal.clone()))
        {
            return Err(SignalError::Undeclared {
                provider: s.provider.to_string(),
                signal: s.signal.to_string(),
            });
        }
        if let Some(r) = &s.region {
            if !self.regions.contains(r) {
                return Err(SignalError::UnknownRegion(r.to_string()));
            }
        }
        if !s.value.is_finite() {
            return Err(SignalError::NotFinite(s.value));
        }
        let step = self.cfg.step_secs;
        let bin = s.time.0.div_euclid(step) * step;
        let detector = &self.cfg.detector;
        let series = self
            .series
            .entry(SeriesKey::of(s))
            .or_insert_with(|| Series {
                det: AnomalyDetector::shared(detector.clone()),
                pending: BTreeMap::new(),
                next: None,
                last: None,
                baseline: 0.0,
                hourly: [(0.0, 0); 24],
                spread: 0.0,
                rows: 0,
                open: None,
                calm: 0,
                outside_since: None,
            });
        if series.next.is_some_and(|n| bin < n) {
            self.late += 1;
            return Ok(());
        }
        if series.next.is_none() {
            series.next = Some(bin);
        }
        series
            .pending
            .entry(bin)
            .or_default()
            .entry(s.time.0)
            .or_insert(s.value);
        Ok(())
    }

    /// Closes every bin that ends at or before `now`.
    pub fn advance_to(&mut self, now: Timestamp) {
        let cfg = &self.cfg;
        let step = cfg.step_secs;
        for (key, series) in self.series.iter_mut() {
            let meta = &self.meta[&(key.provider.clone(), key.signal.clone())];
            while let Some(b) = series.next.filter(|b| b + step <= now.0) {
                let value = match series.pending.remove(&b) {
                    Some(values) => {
                        let v = values.values().sum::<f64>() / values.len() as f64;
                        series.last = Some((b, v));
                        Some(v)
                    }
                    None => series
                        .last
                        .filter(|(t, _)| b - t <= cfg.hold_secs)
                        .map(|(_, v)| v),
                };
                match value {
                    Some(x) => {
                        if let Some(done) = step_bin(cfg, series, key, b, x, meta) {
                            if done.end.is_some_and(|e| e.0 - done.start.0 >= cfg.min_secs) {
                                self.closed.push(done);
                            }
                        }
                        series.next = Some(b + step);
                    }
                    None => {
                        // Silence: jump to the next bin with samples, or to now.
                        let to = now.0.div_euclid(step) * step;
                        let next = series.pending.keys().next().copied().unwrap_or(to).min(to);
                        series.next = Some(next.max(b + step));
                    }
                }
            }
        }
    }

    /// Every anomaly so far, closed and open, by start (then series).
    pub fn anomalies(&self) -> Vec<SignalAnomaly> {
        let mut out: Vec<SignalAnomaly> = self.closed.clone();
        let min = self.cfg.min_secs;
        out.extend(self.series.values().filter_map(|s| {
            s.open
                .clone()
                .filter(|a| s.next.is_some_and(|n| n - a.start.0 >= min))
        }));
        out.sort_by(|a, b| {
            a.start.cmp(&b.start).then_with(|| {
                (&a.provider, &a.signal, &a.region).cmp(&(&b.provider, &b.signal, &b.region))
            })
        });
        out
    }

    /// Samples that came for a bin already closed.
    pub fn late_samples(&self) -> u64 {
        self.late
    }

    /// The typical band of a series at time `t` (baseline minus and plus the half-width), once
    /// learned.
    pub fn band(&self, key: &SeriesKey, t: Timestamp) -> Option<(f64, f64)> {
        let s = self.series.get(key)?;
        (s.rows > 0).then(|| {
            let e = expected(s, hour(t.0));
            let h = half_width(&self.cfg, e, s.spread);
            (e - h, e + h)
        })
    }
}

fn hour(t: i64) -> usize {
    (t.rem_euclid(86_400) / 3600) as usize
}

/// The baseline for an hour of the day.
fn expected(s: &Series, h: usize) -> f64 {
    match s.hourly[h] {
        (v, n) if n > 0 => v,
        _ => s.baseline,
    }
}

fn half_width(cfg: &SignalConfig, expected: f64, spread: f64) -> f64 {
    (cfg.band_k * spread)
        .max(cfg.min_rel * expected.abs())
        .max(1e-9)
}

/// Smoothing per update for a half-life in days, with `per_day` updates a day.
fn alpha(per_day: f64, half_life_days: f64) -> f64 {
    1.0 - 0.5f64.powf(1.0 / (per_day * half_life_days).max(1.0))
}

/// Feeds one bin; returns an anomaly that this bin ended.
fn step_bin(
    cfg: &SignalConfig,
    s: &mut Series,
    key: &SeriesKey,
    bin: i64,
    x: f64,
    meta: &SignalMeta,
) -> Option<SignalAnomaly> {
    let score = s.det.update(bin, x);
    if s.rows == 0 {
        s.baseline = x;
    }
    let hr = hour(bin);
    let base = expected(s, hr);
    // An hour not seen yet is judged by the overall baseline, with a band twice as wide.
    let unseen = if s.hourly[hr].1 < (3600 / cfg.step_secs) as u32 {
        2.0
    } else {
        1.0
    };
    let h = unseen * half_width(cfg, base, s.spread);
    let up = x > base + h;
    let down = x < base - h;
    let learned = s.rows >= cfg.warmup_bins;
    let mut ended = None;
    if up || down {
        if s.outside_since.is_none_or(|(_, side)| side != up) {
            s.outside_since = Some((bin, up));
        }
    } else {
        s.outside_since = None;
    }
    match &mut s.open {
        Some(a) => {
            let still = if a.rising { up } else { down };
            if still {
                s.calm = 0;
                if (a.rising && x > a.peak) || (!a.rising && x < a.peak) {
                    a.peak = x;
                    a.peak_at = Timestamp(bin);
                }
                a.score = a.score.max(score);
            } else {
                s.calm += 1;
                if s.calm >= cfg.calm_bins {
                    let mut done = s.open.take().expect("open");
                    done.end = Some(Timestamp(
                        bin - (i64::from(cfg.calm_bins) - 1) * cfg.step_secs,
                    ));
                    s.calm = 0;
                    ended = Some(done);
                }
            }
        }
        None => {
            let trouble = match meta.3 {
                Some(Worse::Higher) => up,
                Some(Worse::Lower) => down,
                None => up || down,
            };
            if learned && trouble && score >= cfg.alert_score {
                let lead = i64::from(cfg.lead_bins) * cfg.step_secs;
                let start = s.outside_since.map_or(bin, |(b, _)| b.max(bin - lead));
                let (name, unit, component, _) = meta;
                s.open = Some(SignalAnomaly {
                    provider: key.provider.clone(),
                    signal: key.signal.clone(),
                    region: key.region.clone(),
                    name: name.clone(),
                    unit: unit.clone(),
                    component: component.clone(),
                    start: Timestamp(start),
                    end: None,
                    rising: up,
                    peak: x,
                    peak_at: Timestamp(bin),
                    typical: base,
                    band: (base - h, base + h),
                    score,
                });
                s.calm = 0;
            }
        }
    }
    // Learn: quickly inside the band, slowly outside it; the deviation only inside.
    let per_day = 86_400.0 / cfg.step_secs as f64;
    let half_life = if up || down {
        cfg.shifted_half_life_days
    } else {
        cfg.half_life_days
    };
    let warm = |n: u32| if learned { 0.0 } else { 1.0 / f64::from(n + 1) };
    let a = alpha(per_day, half_life).max(warm(s.rows));
    s.baseline += a * (x - s.baseline);
    let (v, n) = &mut s.hourly[hr];
    let a = alpha(per_day / 24.0, half_life).max(if learned {
        0.0
    } else {
        1.0 / f64::from(*n + 1)
    });
    if *n == 0 {
        // An hour not seen yet starts from the baseline it was judged by.
        *v = if learned { base } else { x };
    }
    *v += a * (x - *v);
    *n = n.saturating_add(1);
    if !(up || down) {
        // Deviations are clipped at the share of the band the spread may fill, so that a wide
        // band cannot widen itself further.
        let dev = (x - base).abs();
        let dev = if learned {
            dev.min(h / cfg.band_k)
        } else {
            dev
        };
        let a = alpha(per_day, cfg.half_life_days).max(warm(s.rows));
        s.spread += a * (dev - s.spread);
    }
    s.rows += 1;
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_readably_at_every_scale() {
        let s = Some("s");
        assert_eq!(format_value(3900.0, s), "65 min");
        assert_eq!(format_value(40.0, s), "40 s");
        assert_eq!(format_value(2.5, s), "2.5 s");
        assert_eq!(format_value(0.3421, s), "342 ms");
        assert_eq!(format_value(0.01234, s), "12.3 ms");
        assert_eq!(format_value(0.0, s), "0 s");
        assert_eq!(format_value(0.0012, None), "0.0012");
        assert_eq!(format_value(0.25, None), "0.25");
        assert_eq!(format_value(12.345, Some("%")), "12.3 %");
        assert_eq!(format_value(1234.5, None), "1234");
        assert_eq!(format_value(-0.5, None), "-0.5");
    }

    const TOPO: &str = r#"
[[providers]]
id = "o2-de"
name = "O2"
kind = "telecom"
country = "DE"

[[regions]]
id = "DE-BY"
name = "Bayern"

[[components]]
provider = "o2-de"
id = "hotline"
name = "Hotline"

[[services]]
provider = "o2-de"
id = "customer-service"
name = "Customer service"
depends_on = ["hotline"]

[[signals]]
provider = "o2-de"
id = "hotline-wait"
name = "Hotline waiting time"
unit = "s"
component = "hotline"
"#;

    fn topo() -> Topology {
        Topology::from_toml("t", TOPO).unwrap()
    }

    fn sample(t: i64, v: f64) -> SignalSample {
        SignalSample {
            time: Timestamp(t),
            provider: ProviderId::parse("o2-de").unwrap(),
            signal: SignalId::parse("hotline-wait").unwrap(),
            region: None,
            value: v,
        }
    }

    /// A pseudo-random generator for noise in [-0.5, 0.5).
    fn noise(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (*seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }

    /// Unevenly spaced samples (every 3 to 7 minutes, with an hour-long gap) of a wait of
    /// about two minutes that rises to `high` seconds from `from` to `to`.
    fn run(high: f64, from: i64, to: i64, end: i64) -> (SignalWatcher, Vec<(i64, f64)>) {
        let mut w = SignalWatcher::new(&topo(), SignalConfig::default());
        let mut seed = 3;
        let mut t = 0;
        let mut fed = Vec::new();
        while t < end {
            let v =
                if (from..to).contains(&t) { high } else { 120.0 } * (1.0 + 0.2 * noise(&mut seed));
            if !(20 * 3600..21 * 3600).contains(&t) {
                w.observe(&sample(t, v)).unwrap();
                fed.push((t, v));
            }
            w.advance_to(Timestamp(t));
            t += 180 + ((noise(&mut seed) + 0.5) * 240.0) as i64;
        }
        w.advance_to(Timestamp(end));
        (w, fed)
    }

    #[test]
    fn a_rise_is_one_anomaly_with_its_onset_peak_and_typical_value() {
        let from = 30 * 3600;
        let to = 33 * 3600;
        let (w, _) = run(3600.0, from, to, 40 * 3600);
        let a = w.anomalies();
        assert_eq!(a.len(), 1, "{a:#?}");
        let a = &a[0];
        assert!(a.rising);
        assert!((a.start.0 - from).abs() <= 600, "{}", a.start);
        let end = a.end.expect("over").0;
        assert!((end - to).abs() <= 900, "{}", Timestamp(end));
        assert!(
            a.peak > 3000.0 && (100.0..140.0).contains(&a.typical),
            "{a:?}"
        );
        assert!(a.score >= 0.3);
        let d = a.describe().en;
        assert!(d.starts_with("Hotline waiting time 6"), "{d}");
        assert!(d.contains("typically 2 min, since 1970-01-02 06:"), "{d}");
    }

    #[test]
    fn noise_and_gaps_alone_make_no_anomaly() {
        let (w, _) = run(120.0, 0, 0, 3 * 86_400);
        assert!(w.anomalies().is_empty(), "{:#?}", w.anomalies());
    }

    #[test]
    fn a_rise_that_lasts_days_becomes_normal_and_a_second_rise_on_top_is_its_own() {
        let mut w = SignalWatcher::new(&topo(), SignalConfig::default());
        let mut seed = 9;
        let day = 86_400;
        for i in 0..(8 * day / 300) {
            let t = i * 300;
            let level = if t < day {
                120.0
            } else if (5 * day + 12 * 3600..5 * day + 16 * 3600).contains(&t) {
                3600.0
            } else {
                1200.0
            };
            w.observe(&sample(t, level * (1.0 + 0.1 * noise(&mut seed))))
                .unwrap();
            w.advance_to(Timestamp(t));
        }
        let a = w.anomalies();
        assert!(a.len() >= 2, "{a:#?}");
        assert!((a[0].start.0 - day).abs() <= 600);
        assert!(a[0].end.is_some_and(|e| e.0 < 5 * day), "{:?}", a[0]);
        let last = a.last().unwrap();
        assert!(
            (last.start.0 - (5 * day + 12 * 3600)).abs() <= 900,
            "{a:#?}"
        );
        assert!(last.typical > 600.0, "{last:?}");
    }

    #[test]
    fn a_sample_sent_twice_counts_once() {
        let (w, fed) = run(3600.0, 30 * 3600, 33 * 3600, 40 * 3600);
        let mut again = SignalWatcher::new(&topo(), SignalConfig::default());
        for (t, v) in &fed {
            again.observe(&sample(*t, *v)).unwrap();
            again.observe(&sample(*t, *v * 10.0)).unwrap();
            again.advance_to(Timestamp(*t));
        }
        again.advance_to(Timestamp(40 * 3600));
        assert_eq!(w.anomalies(), again.anomalies());
    }

    #[test]
    fn a_signal_that_is_worse_higher_has_no_falling_anomalies() {
        let both = |worse: &str| {
            let topo = Topology::from_toml(
                "t",
                &TOPO.replace(
                    "component = \"hotline\"",
                    &format!("component = \"hotline\"\n{worse}"),
                ),
            )
            .unwrap();
            let mut w = SignalWatcher::new(&topo, SignalConfig::default());
            let mut seed = 5;
            for i in 0..(2 * 86_400 / 300) {
                let t = i * 300;
                let level = if (30 * 3600..33 * 3600).contains(&t) {
                    10.0
                } else {
                    120.0
                };
                w.observe(&sample(t, level * (1.0 + 0.2 * noise(&mut seed))))
                    .unwrap();
                w.advance_to(Timestamp(t));
            }
            w.anomalies()
        };
        let a = both("");
        assert_eq!(a.len(), 1, "{a:#?}");
        assert!(!a[0].rising);
        assert!(both("worse = \"higher\"").is_empty());
        assert_eq!(both("worse = \"lower\"").len(), 1);
    }

    #[test]
    fn late_and_undeclared_samples() {
        let mut w = SignalWatcher::new(&topo(), SignalConfig::default());
        w.observe(&sample(1000, 1.0)).unwrap();
        w.advance_to(Timestamp(2000));
        w.observe(&sample(1000, 5.0)).unwrap();
        assert_eq!(w.late_samples(), 1);
        let mut bad = sample(3000, 1.0);
        bad.signal = SignalId::parse("nope").unwrap();
        assert!(matches!(
            w.observe(&bad),
            Err(SignalError::Undeclared { .. })
        ));
        assert!(matches!(
            w.observe(&sample(3000, f64::NAN)),
            Err(SignalError::NotFinite(_))
        ));
        assert!(bad.check(&topo()).is_err());
        assert!(sample(3000, 2.0).check(&topo()).is_ok());
    }

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(format_value(3900.0, Some("s")), "65 min");
        assert_eq!(format_value(45.0, Some("s")), "45 s");
        assert_eq!(format_value(12.5, Some("calls")), "12.5 calls");
        assert_eq!(format_value(3.0, None), "3");
    }
}
