//! `radar nab`: run the streaming anomaly detector on a NAB data folder, write NAB result files
//! and print the normalised scores of every profile, overall and per category.

use std::path::PathBuf;

use anyhow::Context;
use radar_core::anomaly::AnomalyConfig;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// NAB data folder: `<category>/<name>.csv` files with `timestamp,value`.
    pub data_dir: PathBuf,
    /// NAB windows file (`combined_windows.json`).
    pub labels_json: PathBuf,
    /// Where to write `<detector>/<category>/<detector>_<name>.csv` result files.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let run = radar_scenario::nab::run(
        &args.data_dir,
        &args.labels_json,
        Some(&args.out),
        "radar",
        &AnomalyConfig::default(),
    )
    .context("radar nab")?;
    print!("{}", run.table());
    println!(
        "results written to {}",
        args.out.join(&run.detector).display()
    );
    Ok(())
}
