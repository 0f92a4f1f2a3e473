//! Development harness: `cargo run --release -p radar-scenario --example nab -- DATA LABELS [OUT]`.
//! Optional `KEY=VALUE` arguments override detector configuration fields; `KEY=V1,V2,..` makes
//! a grid that cross-validation chooses from (per fold, on the training categories). The table
//! is followed by leave-one-category-out cross-validation and the threshold-sensitivity curve;
//! `files=1` also lists every file at the standard threshold.

use std::path::PathBuf;

use radar_scenario::nab::score::{score_corpus, score_file, Profile};
use radar_scenario::nab::{config_grid, cv_table, detect, inputs, load_corpus};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pos: Vec<String> = Vec::new();
    let mut settings = Vec::new();
    let mut list_files = false;
    for a in std::env::args().skip(1) {
        match a.split_once('=') {
            Some(("files", v)) => list_files = v == "1",
            Some(_) => settings.push(a),
            None => pos.push(a),
        }
    }
    let grid = config_grid(&settings)?;
    let data = PathBuf::from(
        pos.first()
            .ok_or("usage: nab DATA LABELS [OUT] [KEY=VALUE..]")?,
    );
    let labels = PathBuf::from(pos.get(1).ok_or("missing LABELS")?);
    let out = pos.get(2).map(PathBuf::from);
    let run = radar_scenario::nab::run(&data, &labels, out.as_deref(), "radar", &grid[0])?;
    print!("{}", run.table());

    let corpus = load_corpus(&data, &labels)?;
    let all: Vec<_> = grid
        .iter()
        .map(|cfg| inputs(&corpus, &detect(&corpus, cfg).0))
        .collect();
    if grid.len() > 1 {
        for (k, (cfg, f)) in grid.iter().zip(&all).enumerate() {
            let figs: Vec<String> = Profile::ALL
                .iter()
                .map(|&p| format!("{:.2}", score_corpus(f, p).normalized))
                .collect();
            println!("config {k}: {cfg:?}: {}", figs.join(" / "));
        }
    }
    print!("{}", cv_table(&corpus, &all, 0));
    if list_files {
        let std = score_corpus(&all[0], Profile::Standard);
        for (s, f) in corpus.iter().zip(&all[0]) {
            let fs = score_file(f, Profile::Standard.weights(), std.threshold);
            println!(
                "{:<56} raw {:>7.3} windows {}/{} fp {}",
                s.key(),
                fs.raw,
                fs.detected,
                fs.windows,
                fs.false_positives
            );
        }
    }
    Ok(())
}
