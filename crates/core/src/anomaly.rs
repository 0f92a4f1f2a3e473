//! A streaming anomaly detector for one real-valued series: multi-scale predictive errors
//! against an online seasonal baseline, turned into a likelihood of recent-vs-long-term error,
//! with repeated alerts suppressed shortly after a detection.
//!
//! Streaming and deterministic: the score of a row depends on that row and the rows before it,
//! nothing else. The per-series state is a fixed, small number of bytes.

/// Tuning of the detector. One configuration serves every series.
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyConfig {
    /// Rows during which the detector only learns (score 0).
    pub warmup: u32,
    /// Smoothing of the fast prediction of the next value.
    pub alpha_fast: f64,
    /// Smoothing of the slow level.
    pub alpha_slow: f64,
    /// Smoothing of the long-term error statistics.
    pub alpha_long: f64,
    /// Smoothing of the recent error mean.
    pub alpha_recent: f64,
    /// Smoothing of a time-of-day bin's level.
    pub alpha_season: f64,
    /// Rows after an emitted alert during which lower scores are suppressed.
    pub suppress_rows: u32,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            warmup: 150,
            alpha_fast: 0.3,
            alpha_slow: 0.01,
            alpha_long: 0.002,
            alpha_recent: 0.2,
            alpha_season: 0.3,
            suppress_rows: 100,
        }
    }
}

impl AnomalyConfig {
    /// Sets one field by name (for tuning harnesses); integer fields are rounded.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), String> {
        match key {
            "warmup" => self.warmup = value.round() as u32,
            "alpha_fast" => self.alpha_fast = value,
            "alpha_slow" => self.alpha_slow = value,
            "alpha_long" => self.alpha_long = value,
            "alpha_recent" => self.alpha_recent = value,
            "alpha_season" => self.alpha_season = value,
            "suppress_rows" => self.suppress_rows = value.round() as u32,
            _ => return Err(format!("unknown detector setting {key:?}")),
        }
        Ok(())
    }
}

const DAY_BINS: usize = 96;
const FEATURES: usize = 3;

/// Long-term vs recent statistics of one non-negative error.
#[derive(Clone, Copy, Debug, Default)]
struct ErrStat {
    mean: f64,
    var: f64,
    recent: f64,
}

impl ErrStat {
    /// Updates with error `e` and returns how many long-term deviations the recent mean
    /// error is above the long-term mean (computed before the long-term update).
    fn update(&mut self, e: f64, a_recent: f64, a_long: f64, n: u32) -> f64 {
        self.recent += a_recent * (e - self.recent);
        let sd = self.var.sqrt().max(1e-9 * (1.0 + self.mean.abs()));
        let z = if n < 2 {
            0.0
        } else {
            (self.recent - self.mean) / sd
        };
        let a = a_long.max(1.0 / f64::from(n.max(1)));
        let d = e - self.mean;
        self.mean += a * d;
        self.var = (1.0 - a) * (self.var + a * d * d);
        z
    }
}

/// The detector state of one series.
#[derive(Clone, Debug)]
pub struct AnomalyDetector {
    cfg: AnomalyConfig,
    n: u32,
    prev: f64,
    fast: f64,
    slow: f64,
    season: [f32; DAY_BINS],
    season_n: [u16; DAY_BINS],
    stats: [ErrStat; FEATURES],
    last_alert: Option<u32>,
    last_alert_level: f64,
}

impl AnomalyDetector {
    pub fn new(cfg: AnomalyConfig) -> Self {
        AnomalyDetector {
            cfg,
            n: 0,
            prev: 0.0,
            fast: 0.0,
            slow: 0.0,
            season: [0.0; DAY_BINS],
            season_n: [0; DAY_BINS],
            stats: [ErrStat::default(); FEATURES],
            last_alert: None,
            last_alert_level: 0.0,
        }
    }

    /// Bytes of state this detector keeps for its series.
    pub fn state_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
    }

    /// Feeds one row and returns its anomaly score in [0, 1].
    pub fn update(&mut self, timestamp_secs: i64, value: f64) -> f64 {
        let x = if value.is_finite() { value } else { self.prev };
        let c = &self.cfg;
        let bin = (timestamp_secs.rem_euclid(86_400) as usize * DAY_BINS) / 86_400;
        if self.n == 0 {
            self.prev = x;
            self.fast = x;
            self.slow = x;
        }
        let seasonal = if self.season_n[bin] >= 2 {
            f64::from(self.season[bin])
        } else {
            self.slow
        };
        let errs = [
            (x - self.prev).abs(),
            (x - seasonal).abs(),
            (self.fast - self.slow).abs(),
        ];
        let n = self.n + 1;
        let mut z = f64::NEG_INFINITY;
        for (s, e) in self.stats.iter_mut().zip(errs) {
            z = z.max(s.update(e, c.alpha_recent, c.alpha_long, n));
        }
        // Learn.
        self.prev = x;
        self.fast += c.alpha_fast * (x - self.fast);
        self.slow += c.alpha_slow * (x - self.slow);
        if self.season_n[bin] == 0 {
            self.season[bin] = x as f32;
        } else {
            self.season[bin] += (c.alpha_season * (x - f64::from(self.season[bin]))) as f32;
        }
        self.season_n[bin] = self.season_n[bin].saturating_add(1);
        self.n = n;
        if n <= c.warmup || !z.is_finite() {
            return 0.0;
        }
        // Map to [0, 1): 1 − e^(−z/4) for z > 0.
        let mut score = if z > 0.0 { 1.0 - (-z / 4.0).exp() } else { 0.0 };
        // Suppression: within `suppress_rows` of an alert, only a clearly stronger score counts.
        if let Some(t) = self.last_alert {
            if n - t <= c.suppress_rows && score <= self.last_alert_level {
                score *= 0.1;
            }
        }
        let fresh = self.last_alert.is_none_or(|t| n - t > c.suppress_rows);
        if score > 0.5 && (fresh || score > self.last_alert_level) {
            self.last_alert = Some(n);
            self.last_alert_level = score;
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_in_unit_interval_and_deterministic() {
        let run = || {
            let mut d = AnomalyDetector::new(AnomalyConfig::default());
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

    #[test]
    fn state_is_small() {
        let d = AnomalyDetector::new(AnomalyConfig::default());
        assert!(d.state_bytes() < 2048);
    }
}
