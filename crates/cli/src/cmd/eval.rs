//! `radar eval DIR detections.json`: scores detections against the package's truth.

use std::path::PathBuf;

use anyhow::Context;
use radar_scenario::eval;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario package folder (its topology.toml and truth.json are read)
    pub dir: PathBuf,
    /// The detections to score, as written by `radar replay`
    pub detections: PathBuf,
    /// Write machine-readable JSON (to standard output, or to --out)
    #[arg(long)]
    pub json: bool,
    /// File for the JSON output (implies --json)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also list every true outage with its match, delay, Jaccard and root-cause verdict
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let report = eval::eval_dir(&args.dir, &args.detections).map_err(|e| anyhow::anyhow!("{e}"))?;
    let json = serde_json::to_string_pretty(&report)? + "\n";
    match (&args.out, args.json) {
        (Some(path), _) => {
            std::fs::write(path, &json).with_context(|| format!("writing {}", path.display()))?;
            print!("{report}");
        }
        (None, true) => print!("{json}"),
        (None, false) => print!("{report}"),
    }
    if args.verbose {
        print!("\n{}", report.outage_table());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cmd::{eval, replay, simulate};

    #[derive(Parser)]
    struct Radar {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(clap::Subcommand)]
    enum Command {
        Simulate(simulate::Args),
        Replay(replay::Args),
        Eval(eval::Args),
    }

    fn radar(args: &[&str]) -> anyhow::Result<()> {
        let cli = Radar::try_parse_from(std::iter::once("radar").chain(args.iter().copied()))?;
        match cli.command {
            Command::Simulate(a) => simulate::run(a),
            Command::Replay(a) => replay::run(a),
            Command::Eval(a) => eval::run(a),
        }
    }

    /// `radar simulate` → `radar replay` → `radar eval --out`, through argument parsing.
    #[test]
    fn simulate_replay_eval_end_to_end() {
        let tmp = std::env::temp_dir().join(format!("radar-e2e-{}", std::process::id()));
        let pkg = tmp.join("pkg");
        let dets = tmp.join("detections.json");
        let score = tmp.join("eval.json");
        let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
        radar(&[
            "simulate",
            "--seed",
            "4",
            "--kind",
            "national",
            "--days",
            "2",
            "--out",
            &s(&pkg),
        ])
        .unwrap();
        for f in ["topology.toml", "reports.csv", "events.jsonl", "truth.json"] {
            assert!(pkg.join(f).exists(), "{f}");
        }
        radar(&["replay", &s(&pkg), "--out", &s(&dets), "--quiet"]).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&dets).unwrap()).unwrap();
        let first = &written["outages"][0];
        for key in [
            "id",
            "provider",
            "services",
            "regions",
            "start",
            "detected_at",
            "end",
            "cause_group",
            "root_component",
            "explanation",
        ] {
            assert!(first.get(key).is_some(), "missing {key}: {first}");
        }
        radar(&["eval", &s(&pkg), &s(&dets), "--out", &s(&score)]).unwrap();
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&score).unwrap()).unwrap();
        assert_eq!(r["recall"], 1.0, "{r}");
        assert_eq!(r["precision"], 1.0, "{r}");
        assert!(r["delay"]["median_secs"].as_f64().unwrap() <= 300.0, "{r}");

        assert!(radar(&["simulate", "--kind", "volcano", "--out", &s(&pkg)]).is_err());
        let e = radar(&["replay", &s(&tmp.join("missing")), "--quiet"]).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
