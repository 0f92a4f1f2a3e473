//! `radar replay DIR --out detections.json`: runs a scenario package through the detector in
//! virtual time and writes what was detected.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_core::detect::DetectorConfig;
use radar_scenario::{package, replay};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario package folder (topology.toml, reports.csv, and events.jsonl and signals.csv
    /// when present)
    pub dir: PathBuf,
    /// Where to write detections.json ("-" for standard output)
    #[arg(long, short, default_value = "detections.json")]
    pub out: PathBuf,
    /// No progress bar or summary
    #[arg(long, short)]
    pub quiet: bool,
    /// Changes one detector tunable from its documented default, e.g. `--set min_excess=15`,
    /// or scales it, `--set min_excess=*0.5` (whole-number tunables are rounded); repeatable;
    /// the names are the `[detector]` keys of the server's settings. For sensitivity studies:
    /// the product's operating point is the default.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// The default detector configuration with `sets` (`key=value`) applied, range-checked.
pub fn detector_config(sets: &[String]) -> anyhow::Result<DetectorConfig> {
    let mut v = serde_json::to_value(DetectorConfig::default())?;
    let fields = v
        .as_object_mut()
        .context("the detector configuration is an object")?;
    for s in sets {
        let (k, val) = s
            .split_once('=')
            .with_context(|| format!("--set {s:?}: write KEY=VALUE, e.g. min_excess=15"))?;
        let Some(slot) = fields.get_mut(k) else {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            anyhow::bail!(
                "--set {s:?}: no detector tunable {k:?}; known: {}",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        let (scale, text) = match val.strip_prefix('*') {
            Some(f) => (true, f),
            None => (false, val),
        };
        let mut num: f64 = text
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .with_context(|| format!("--set {s:?}: {text:?} is not a number"))?;
        let whole = slot.is_u64() || slot.is_i64();
        if scale {
            num *= slot.as_f64().unwrap_or(0.0);
            if whole {
                num = num.round();
            }
        }
        *slot = if whole {
            if num.fract() != 0.0 || num < 0.0 {
                anyhow::bail!("--set {s:?}: {k} takes a whole number");
            }
            serde_json::json!(num as u64)
        } else {
            serde_json::json!(num)
        };
    }
    let config: DetectorConfig = serde_json::from_value(v)?;
    if let Err(errors) = config.validate() {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {} is out of range; allowed: {}",
                    e.field, e.value, e.allowed
                )
            })
            .collect();
        anyhow::bail!("--set: {}", lines.join("; "));
    }
    Ok(config)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = detector_config(&args.set)?;
    let pkg = package::load(&args.dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(pkg.reports.len() as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} replay [{bar:40}] {pos}/{len} reports ({per_sec}, {eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    };
    let out = replay::replay_with(&pkg, config, &mut |done, _| bar.set_position(done as u64));
    bar.finish_and_clear();
    let json = replay::to_json(&out.detections);
    if args.out.as_os_str() == "-" {
        print!("{json}");
    } else {
        std::fs::write(&args.out, json)
            .with_context(|| format!("writing {}", args.out.display()))?;
    }
    for (i, why) in &out.stats.refused_events {
        eprintln!(
            "warning: {}: event {} (counting events, not lines): refused by the incident rules: {why}",
            args.dir.join("events.jsonl").display(),
            i + 1
        );
    }
    if !args.quiet {
        let s = &out.stats;
        eprintln!(
            "replayed {} reports and {} events over {} minutes in {:.2} s ({:.0} reports/s): {} episodes, {} declared incidents{}{}",
            s.reports,
            s.events,
            s.minutes,
            s.elapsed.as_secs_f64(),
            s.reports_per_sec(),
            s.episodes,
            s.declared,
            if s.signal_samples > 0 {
                format!(
                    ", {} signal samples with {} anomalies",
                    s.signal_samples, s.signal_anomalies
                )
            } else {
                String::new()
            },
            if args.out.as_os_str() == "-" {
                String::new()
            } else {
                format!(" -> {}", args.out.display())
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_changes_one_tunable_and_refuses_bad_input() {
        let c = detector_config(&["min_excess=15".into(), "quiet_minutes=12".into()]).unwrap();
        assert_eq!(c.min_excess, 15.0);
        assert_eq!(c.quiet_minutes, 12);
        assert_eq!(
            DetectorConfig {
                min_excess: DetectorConfig::default().min_excess,
                quiet_minutes: DetectorConfig::default().quiet_minutes,
                ..c
            },
            DetectorConfig::default()
        );
        let err = |s: &str| detector_config(&[s.into()]).unwrap_err().to_string();
        assert!(err("min_excess").contains("KEY=VALUE"));
        assert!(err("no_such=1").contains("no detector tunable \"no_such\""));
        assert!(err("min_excess=lots").contains("not a number"));
        assert!(err("quiet_minutes=2.5").contains("whole number"));
        assert!(err("min_excess=-5").contains("out of range"));
        let scaled =
            detector_config(&["min_excess=*0.5".into(), "quiet_minutes=*0.25".into()]).unwrap();
        assert_eq!(
            scaled.min_excess,
            DetectorConfig::default().min_excess * 0.5
        );
        assert_eq!(
            scaled.quiet_minutes,
            (DetectorConfig::default().quiet_minutes as f64 * 0.25).round() as u32
        );
    }
}
