//! Development harness: `cargo run --release -p radar-scenario --example nab -- DATA LABELS [OUT]`.
//! Optional `KEY=VALUE` arguments override detector configuration fields. The table is followed
//! by the scores of the two halves of the files (odd and even position by name within each
//! category, each with its own threshold); `files=1` also lists every file at the standard
//! threshold.

use std::collections::BTreeMap;
use std::path::PathBuf;

use radar_core::anomaly::AnomalyConfig;
use radar_core::nab::{score_corpus, score_file, FileInput, Profile};
use radar_scenario::nab::{detect, load_corpus};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pos: Vec<String> = Vec::new();
    let mut cfg = AnomalyConfig::default();
    let mut list_files = false;
    for a in std::env::args().skip(1) {
        match a.split_once('=') {
            Some(("files", v)) => list_files = v == "1",
            Some((k, v)) => cfg.set(k, v.parse()?)?,
            None => pos.push(a),
        }
    }
    let data = PathBuf::from(
        pos.first()
            .ok_or("usage: nab DATA LABELS [OUT] [KEY=VALUE..]")?,
    );
    let labels = PathBuf::from(pos.get(1).ok_or("missing LABELS")?);
    let out = pos.get(2).map(PathBuf::from);
    let run = radar_scenario::nab::run(&data, &labels, out.as_deref(), "radar", &cfg)?;
    print!("{}", run.table());

    let corpus = load_corpus(&data, &labels)?;
    let (scores, _) = detect(&corpus, &cfg);
    let inputs: Vec<FileInput> = corpus
        .iter()
        .zip(&scores)
        .map(|(s, sc)| FileInput {
            scores: sc.clone(),
            windows: s.windows.clone(),
        })
        .collect();
    // Position of each file within its category (the corpus is in name order).
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let parity: Vec<usize> = corpus
        .iter()
        .map(|s| {
            let k = seen.entry(s.category.as_str()).or_default();
            *k += 1;
            (*k - 1) % 2
        })
        .collect();
    for half in 0..2 {
        let sub: Vec<FileInput> = inputs
            .iter()
            .zip(&parity)
            .filter(|(_, &p)| p == half)
            .map(|(f, _)| f.clone())
            .collect();
        let figs: Vec<String> = Profile::ALL
            .iter()
            .map(|&p| format!("{:.2}", score_corpus(&sub, p).normalized))
            .collect();
        println!(
            "half {} ({} files): {}",
            ["odd", "even"][half],
            sub.len(),
            figs.join(" / ")
        );
    }
    if list_files {
        let std = score_corpus(&inputs, Profile::Standard);
        for (s, f) in corpus.iter().zip(&inputs) {
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
