//! `radar rca petshop DIR --out FILE`: rank the root components of every issue of a PetShop
//! scenario folder with the core's root-cause ranking, write the rankings and print top-k
//! recall per target metric (train, test, all) and specificity next to the published
//! baselines.

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub bench: Bench,
}

#[derive(clap::Subcommand, Debug)]
pub enum Bench {
    /// One PetShop scenario folder (`graph.csv`, `noissue/`, `train/`, `test/`).
    Petshop {
        /// The scenario folder, e.g. `petshop/low_traffic`.
        dir: PathBuf,
        /// Where to write the rankings (JSON).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also print the evidence of every case's first three candidates.
        #[arg(long)]
        explain: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let Bench::Petshop { dir, out, explain } = args.bench;
    let s = radar_scenario::petshop::read_scenario(&dir)
        .with_context(|| format!("reading {}", dir.display()))?;
    let bar =
        indicatif::ProgressBar::new((s.cases.len() + radar_scenario::petshop::CUTS.len()) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("valid template"),
    );
    let run = radar_scenario::petshop::run(&s, |name| {
        bar.set_message(name.to_owned());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let json = serde_json::to_string_pretty(&run.file)?;
    std::fs::write(&out, json + "\n").with_context(|| format!("writing {}", out.display()))?;
    if explain {
        for (c, a) in &run.answers {
            println!(
                "{} (truth: {}, target {}):",
                c.name, c.root, c.target_metric
            );
            if a.ranking.is_empty() {
                println!("  answer: no root cause");
            }
            for (node, score, ev) in a.evidence.iter().take(8) {
                let set_aside = if a.ranking.contains(node) {
                    ""
                } else {
                    "  (not answered: its anomalies alone do not connect it to the symptom)"
                };
                println!("  {score:.3} {node}{set_aside}");
                for e in ev {
                    println!("      {e}");
                }
            }
        }
    }
    print!("{}", run.table());
    println!("rankings written to {}", out.display());
    Ok(())
}
