//! `radar nab`: run the streaming anomaly detector on a NAB data folder, write NAB result files
//! and print the normalised scores of every profile, overall and per category. With `--cv`,
//! also leave-one-category-out cross-validation; with `--bench`, the detector's throughput and
//! state per series.

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// NAB data folder: `<category>/<name>.csv` files with `timestamp,value`.
    pub data_dir: PathBuf,
    /// NAB windows file (`combined_windows.json`).
    pub labels_json: PathBuf,
    /// Where to write `<detector>/<category>/<detector>_<name>.csv` result files.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also cross-validate: leave one category out, choose the threshold (and the
    /// configuration among `--grid`) on the other categories, score the held-out one.
    #[arg(long)]
    pub cv: bool,
    /// Detector settings `KEY=V1,V2,..`; with `--cv` every combination is a candidate chosen
    /// per fold; the result files use the first value of each.
    #[arg(long, value_name = "KEY=VALUES")]
    pub grid: Vec<String>,
    /// Also measure the detector alone: points per second on one thread (the folder's series
    /// run this many times, updates timed without parsing or writing) and state per series.
    #[arg(long, value_name = "REPS")]
    pub bench: Option<usize>,
    /// Also score every `--grid` configuration on the synthetic corpus of these seeds (a
    /// second, independent fixture set: six families of series, seven kinds of anomaly).
    #[arg(long, value_name = "SEED", num_args = 1..)]
    pub synthetic: Vec<u64>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let grid = radar_scenario::nab::config_grid(&args.grid).map_err(anyhow::Error::msg)?;
    let run = radar_scenario::nab::run(
        &args.data_dir,
        &args.labels_json,
        Some(&args.out),
        "radar",
        &grid[0],
    )
    .context("radar nab")?;
    print!("{}", run.table());
    println!(
        "results written to {}",
        args.out.join(&run.detector).display()
    );
    if let Some(reps) = args.bench {
        let corpus = radar_scenario::nab::load_corpus(&args.data_dir, &args.labels_json)
            .context("radar nab --bench")?;
        let (rate, state) = radar_scenario::nab::throughput(&corpus, &grid[0], reps);
        println!(
            "bench: {:.2} M points/s on one thread ({reps} passes), state {state} bytes/series",
            rate / 1e6
        );
    }
    if !args.synthetic.is_empty() {
        print!(
            "{}",
            radar_scenario::nab::synthetic_table(&args.synthetic, &grid)
        );
    }
    if args.cv {
        let t = radar_scenario::nab::run_cv(&args.data_dir, &args.labels_json, &grid)
            .context("radar nab --cv")?;
        print!("{t}");
    }
    Ok(())
}
