//! `radar replay DIR --out detections.json`: runs a scenario package through the detector in
//! virtual time and writes what was detected.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_core::detect::DetectorConfig;
use radar_scenario::{package, replay};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario package folder (topology.toml, reports.csv, events.jsonl)
    pub dir: PathBuf,
    /// Where to write detections.json ("-" for standard output)
    #[arg(long, short, default_value = "detections.json")]
    pub out: PathBuf,
    /// No progress bar or summary
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
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
    let out = replay::replay_with(&pkg, DetectorConfig::default(), &mut |done, _| {
        bar.set_position(done as u64)
    });
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
            "replayed {} reports and {} events over {} minutes in {:.2} s ({:.0} reports/s): {} episodes, {} declared incidents{}",
            s.reports,
            s.events,
            s.minutes,
            s.elapsed.as_secs_f64(),
            s.reports_per_sec(),
            s.episodes,
            s.declared,
            if args.out.as_os_str() == "-" {
                String::new()
            } else {
                format!(" -> {}", args.out.display())
            }
        );
    }
    Ok(())
}
