//! `radar simulate --seed N --out DIR [--kind K] [--days D]`: writes a generated scenario
//! package with its truth.

use std::path::PathBuf;

use anyhow::Context;
use radar_scenario::generate::{self, GenConfig, CORRELATION_KINDS, KINDS, STRESS_KINDS};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seed of the generator: the same seed, kind and days give the same package
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created if needed)
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario kind; by default one is picked from the seed
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
        KINDS
            .iter()
            .chain(CORRELATION_KINDS)
            .chain(STRESS_KINDS)
            .copied()
    ))]
    pub kind: Option<String>,
    /// Length in days (at least 2; the first day is baseline only)
    #[arg(long, default_value_t = 3)]
    pub days: u32,
    /// Traffic volume factor (1.0 = default: a few reports per minute for large providers)
    #[arg(long, default_value_t = 1.0)]
    pub volume: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = generate::generate(&GenConfig {
        seed: args.seed,
        kind: args.kind.clone(),
        days: args.days,
        volume: args.volume,
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    s.write(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{}: {} reports, {} events, {} true outages, {} confounders, {} .. {} -> {}",
        s.name,
        s.rows.len(),
        s.events.len(),
        s.truth.outages.len(),
        s.confounders.len(),
        s.start,
        s.end,
        args.out.display()
    );
    Ok(())
}
