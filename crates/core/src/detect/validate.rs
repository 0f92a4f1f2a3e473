//! Range checks of the detector's tunables. A configuration that passes is used as written:
//! the allowed ranges are those inside which the detector neither divides by zero nor quietly
//! clamps a value (see `series::Params::new` and the window and threshold minima in `mod.rs`).

use std::fmt;

use super::DetectorConfig;

/// One tunable outside its allowed range.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The field of [`DetectorConfig`], e.g. `min_excess`.
    pub field: &'static str,
    /// The value given, as written by `Display`.
    pub value: String,
    /// What is allowed, e.g. `a finite number > 0`.
    pub allowed: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} is out of range; allowed: {}",
            self.field, self.value, self.allowed
        )
    }
}

impl std::error::Error for ConfigError {}

/// The allowed values of a real-valued tunable; every one of them is also finite.
#[derive(Clone, Copy, Debug)]
enum Range {
    /// `≥ lo`
    AtLeast(f32),
    /// `> lo`
    Above(f32),
    /// `[lo, hi]`
    Within(f32, f32),
}

impl Range {
    fn contains(self, v: f32) -> bool {
        v.is_finite()
            && match self {
                Range::AtLeast(lo) => v >= lo,
                Range::Above(lo) => v > lo,
                Range::Within(lo, hi) => (lo..=hi).contains(&v),
            }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Range::AtLeast(lo) => write!(f, "a finite number ≥ {lo}"),
            Range::Above(lo) => write!(f, "a finite number > {lo}"),
            Range::Within(lo, hi) => write!(f, "a number in [{lo}, {hi}]"),
        }
    }
}

#[derive(Default)]
struct Check(Vec<ConfigError>);

impl Check {
    fn real(&mut self, field: &'static str, value: f32, range: Range) {
        if !range.contains(value) {
            self.0.push(ConfigError {
                field,
                value: value.to_string(),
                allowed: range.to_string(),
            });
        }
    }

    fn count(&mut self, field: &'static str, value: u32, min: u32, why: &str) {
        if value < min {
            self.0.push(ConfigError {
                field,
                value: value.to_string(),
                allowed: format!("a whole number ≥ {min}{why}"),
            });
        }
    }
}

impl DetectorConfig {
    /// Checks every tunable against its allowed range and reports every one outside it, each
    /// with its field name, its value and the allowed range. Out-of-range values are rejected,
    /// never clamped.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        use Range::*;
        let mut c = Check::default();
        c.count("dedup_window_minutes", self.dedup_window_minutes, 1, "");
        c.count(
            "repeat_threshold",
            self.repeat_threshold,
            2,
            " (with 1 every reporter would be a repeater)",
        );
        c.count("flood_quick_flags", self.flood_quick_flags, 1, "");
        c.count("quick_repeat_minutes", self.quick_repeat_minutes, 1, "");
        c.count("quiet_minutes", self.quiet_minutes, 1, "");
        c.real("min_rate", self.min_rate, Above(0.0));
        c.real("rate_slack", self.rate_slack, AtLeast(0.0));
        c.real("cold_z", self.cold_z, AtLeast(0.0));
        c.real("cold_abs", self.cold_abs, AtLeast(0.0));
        c.real("cold_rel", self.cold_rel, AtLeast(0.0));
        c.real("prior_weight", self.prior_weight, AtLeast(1.0));
        c.real("rise_ratio", self.rise_ratio, AtLeast(1.01));
        c.real("rise_abs", self.rise_abs, AtLeast(0.01));
        c.real("alarm_llr", self.alarm_llr, AtLeast(0.001));
        if self.alarm_llr.is_finite() {
            // The CUSUM must be able to reach the alarm threshold.
            if !Range::AtLeast(self.alarm_llr).contains(self.cusum_cap) {
                c.0.push(ConfigError {
                    field: "cusum_cap",
                    value: self.cusum_cap.to_string(),
                    allowed: format!("a finite number ≥ alarm_llr ({})", self.alarm_llr),
                });
            }
        } else {
            c.real("cusum_cap", self.cusum_cap, AtLeast(0.001));
        }
        c.real("min_excess", self.min_excess, Above(0.0));
        c.real("warmup_min_excess", self.warmup_min_excess, Above(0.0));
        // The slow test looks for a relative rise: a ratio at or below 1 is no rise.
        c.real("slow_aggregate_llr", self.slow_aggregate_llr, Above(0.0));
        c.real(
            "slow_aggregate_rise_ratio",
            self.slow_aggregate_rise_ratio,
            AtLeast(1.01),
        );
        c.real("slow_rise_ratio", self.slow_rise_ratio, AtLeast(1.01));
        c.count("slow_min_minutes", self.slow_min_minutes, 1, "");
        c.count(
            "slow_aggregate_min_minutes",
            self.slow_aggregate_min_minutes,
            1,
            "",
        );
        c.real("slow_floor_share", self.slow_floor_share, AtLeast(0.0));
        c.real("flood_min_excess", self.flood_min_excess, Above(0.0));
        c.real("host_evidence", self.host_evidence, Within(0.05, 1.0));
        c.real("instant_excess", self.instant_excess, AtLeast(0.0));
        c.real("learn_min_alpha", self.learn_min_alpha, Within(0.0, 1.0));
        c.real("anomaly_weight", self.anomaly_weight, Within(0.0, 1.0));
        c.real("suspect_score", self.suspect_score, Within(0.0, 1.0));
        c.real("suspect_weight", self.suspect_weight, Within(0.0, 1.0));
        c.real("gap_expected", self.gap_expected, Above(0.0));
        c.real("level_alpha", self.level_alpha, Within(1e-6, 1.0));
        c.real("winsor_z", self.winsor_z, AtLeast(0.0));
        c.real("fast_alpha", self.fast_alpha, Within(0.01, 1.0));
        c.real("hot_ratio", self.hot_ratio, AtLeast(1.0));
        c.real("hot_abs", self.hot_abs, AtLeast(0.0));
        c.real("scope_llr", self.scope_llr, AtLeast(0.0));
        c.real("scope_min_excess", self.scope_min_excess, AtLeast(0.0));
        c.real("tech_min_expected", self.tech_min_expected, AtLeast(0.0));
        if c.0.is_empty() {
            Ok(())
        } else {
            Err(c.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(cfg: DetectorConfig) -> Vec<ConfigError> {
        cfg.validate().expect_err("out-of-range value accepted")
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(DetectorConfig::default().validate(), Ok(()));
    }

    #[test]
    fn each_out_of_range_value_is_named() {
        let d = DetectorConfig::default;
        let cases: Vec<(&str, DetectorConfig)> = vec![
            (
                "dedup_window_minutes",
                DetectorConfig {
                    dedup_window_minutes: 0,
                    ..d()
                },
            ),
            (
                "repeat_threshold",
                DetectorConfig {
                    repeat_threshold: 1,
                    ..d()
                },
            ),
            (
                "flood_quick_flags",
                DetectorConfig {
                    flood_quick_flags: 0,
                    ..d()
                },
            ),
            (
                "quick_repeat_minutes",
                DetectorConfig {
                    quick_repeat_minutes: 0,
                    ..d()
                },
            ),
            (
                "quiet_minutes",
                DetectorConfig {
                    quiet_minutes: 0,
                    ..d()
                },
            ),
            (
                "slow_rise_ratio",
                DetectorConfig {
                    slow_rise_ratio: 1.0,
                    ..d()
                },
            ),
            (
                "slow_floor_share",
                DetectorConfig {
                    slow_floor_share: -0.5,
                    ..d()
                },
            ),
            (
                "warmup_min_excess",
                DetectorConfig {
                    warmup_min_excess: -1.0,
                    ..d()
                },
            ),
            (
                "min_rate",
                DetectorConfig {
                    min_rate: 0.0,
                    ..d()
                },
            ),
            (
                "rate_slack",
                DetectorConfig {
                    rate_slack: -0.1,
                    ..d()
                },
            ),
            (
                "cold_z",
                DetectorConfig {
                    cold_z: f32::NAN,
                    ..d()
                },
            ),
            (
                "cold_abs",
                DetectorConfig {
                    cold_abs: -1.0,
                    ..d()
                },
            ),
            (
                "cold_rel",
                DetectorConfig {
                    cold_rel: f32::INFINITY,
                    ..d()
                },
            ),
            (
                "prior_weight",
                DetectorConfig {
                    prior_weight: 0.5,
                    ..d()
                },
            ),
            (
                "rise_ratio",
                DetectorConfig {
                    rise_ratio: 1.0,
                    ..d()
                },
            ),
            (
                "rise_abs",
                DetectorConfig {
                    rise_abs: 0.0,
                    ..d()
                },
            ),
            (
                "alarm_llr",
                DetectorConfig {
                    alarm_llr: 0.0,
                    ..d()
                },
            ),
            (
                "cusum_cap",
                DetectorConfig {
                    cusum_cap: 5.0,
                    ..d()
                },
            ),
            (
                "min_excess",
                DetectorConfig {
                    min_excess: 0.0,
                    ..d()
                },
            ),
            (
                "flood_min_excess",
                DetectorConfig {
                    flood_min_excess: -3.0,
                    ..d()
                },
            ),
            (
                "instant_excess",
                DetectorConfig {
                    instant_excess: -1.0,
                    ..d()
                },
            ),
            (
                "learn_min_alpha",
                DetectorConfig {
                    learn_min_alpha: 1.5,
                    ..d()
                },
            ),
            (
                "anomaly_weight",
                DetectorConfig {
                    anomaly_weight: -0.1,
                    ..d()
                },
            ),
            (
                "suspect_score",
                DetectorConfig {
                    suspect_score: 2.0,
                    ..d()
                },
            ),
            (
                "suspect_weight",
                DetectorConfig {
                    suspect_weight: 1.01,
                    ..d()
                },
            ),
            (
                "gap_expected",
                DetectorConfig {
                    gap_expected: 0.0,
                    ..d()
                },
            ),
            (
                "level_alpha",
                DetectorConfig {
                    level_alpha: 0.0,
                    ..d()
                },
            ),
            (
                "winsor_z",
                DetectorConfig {
                    winsor_z: -2.0,
                    ..d()
                },
            ),
            (
                "fast_alpha",
                DetectorConfig {
                    fast_alpha: 0.001,
                    ..d()
                },
            ),
            (
                "hot_ratio",
                DetectorConfig {
                    hot_ratio: 0.5,
                    ..d()
                },
            ),
            (
                "hot_abs",
                DetectorConfig {
                    hot_abs: -1.0,
                    ..d()
                },
            ),
            (
                "scope_llr",
                DetectorConfig {
                    scope_llr: -1.0,
                    ..d()
                },
            ),
            (
                "scope_min_excess",
                DetectorConfig {
                    scope_min_excess: f32::NEG_INFINITY,
                    ..d()
                },
            ),
            (
                "tech_min_expected",
                DetectorConfig {
                    tech_min_expected: -5.0,
                    ..d()
                },
            ),
            (
                "host_evidence",
                DetectorConfig {
                    host_evidence: 0.0,
                    ..d()
                },
            ),
        ];
        for (field, cfg) in cases {
            let errors = rejected(cfg);
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert_eq!(errors[0].field, field);
            let text = errors[0].to_string();
            assert!(text.starts_with(&format!("{field} = ")), "{text}");
            assert!(text.contains("allowed: "), "{text}");
        }
    }

    #[test]
    fn message_names_field_value_and_range() {
        let e = rejected(DetectorConfig {
            suspect_weight: 1.5,
            ..DetectorConfig::default()
        });
        assert_eq!(
            e[0].to_string(),
            "suspect_weight = 1.5 is out of range; allowed: a number in [0, 1]"
        );
        let e = rejected(DetectorConfig {
            repeat_threshold: 1,
            ..DetectorConfig::default()
        });
        assert_eq!(
            e[0].to_string(),
            "repeat_threshold = 1 is out of range; allowed: a whole number ≥ 2 (with 1 every reporter would be a repeater)"
        );
    }

    #[test]
    fn every_problem_at_once() {
        let e = rejected(DetectorConfig {
            min_excess: -1.0,
            fast_alpha: 2.0,
            quiet_minutes: 0,
            ..DetectorConfig::default()
        });
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["quiet_minutes", "min_excess", "fast_alpha"]);
    }
}
