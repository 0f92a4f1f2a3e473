//! Replay throughput and per-kind quality on generated scenarios.
//!
//! `cargo run --release -p radar-scenario --example replay_bench [-- SEEDS [DAYS]]`
use radar_scenario::eval::{combine, evaluate};
use radar_scenario::generate::{generate, GenConfig, KINDS};
use radar_scenario::replay::replay;

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let days: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let mut reports = Vec::new();
    let (mut n, mut secs) = (0usize, 0.0f64);
    for seed in 1..=seeds {
        for kind in KINDS {
            let s = generate(&GenConfig {
                seed,
                kind: Some((*kind).into()),
                days,
                volume: 1.0,
            })
            .expect("generate");
            let pkg = s.package();
            let out = replay(&pkg);
            n += out.stats.reports;
            secs += out.stats.elapsed.as_secs_f64();
            let r = evaluate(&pkg.topology, &s.truth, &out.detections);
            println!(
                "{:<18} outages {:>2} matched {:>2} dets {:>2} false {:>2} delay {:>6} root {}/{}",
                s.name,
                r.truth_outages,
                r.matched_outages,
                r.detections,
                r.unmatched_detections.len(),
                r.delay
                    .as_ref()
                    .map(|d| format!("{:.1}m", d.median_min))
                    .unwrap_or_default(),
                r.root_cause_correct,
                r.root_cause_evaluated
            );
            for d in &out.detections.outages {
                if r.unmatched_detections.contains(&d.id) {
                    println!(
                        "    FP {} {} {:?} {} .. {:?}: {}",
                        d.id, d.provider, d.services, d.start, d.end, d.explanation
                    );
                }
            }
            for o in r.outages.iter().filter(|o| o.matched_by.is_empty()) {
                println!("    MISSED {} {} at {}", o.id, o.provider, o.start);
            }
            reports.push((s.name.clone(), r));
        }
    }
    let all = combine(reports.iter().map(|(n, r)| (n.as_str(), r)));
    println!("\n{all}");
    println!(
        "replay throughput: {} reports in {:.2} s = {:.0} reports/s",
        n,
        secs,
        n as f64 / secs.max(1e-9)
    );

    // Loading from disk: a week at five times the default volume.
    let big = generate(&GenConfig {
        seed: 1,
        kind: Some("mixed".into()),
        days: 7,
        volume: 5.0,
    })
    .expect("generate");
    let dir = std::env::temp_dir().join(format!("radar-bench-{}", std::process::id()));
    big.write(&dir).expect("write");
    let t0 = std::time::Instant::now();
    let pkg = radar_scenario::package::load(&dir).expect("load");
    let load = t0.elapsed().as_secs_f64();
    let t0 = std::time::Instant::now();
    let out = replay(&pkg);
    let rep = t0.elapsed().as_secs_f64();
    println!(
        "load reports.csv: {} rows in {:.2} s = {:.0} rows/s; replay: {:.0} reports/s ({} episodes)",
        pkg.reports.len(),
        load,
        pkg.reports.len() as f64 / load.max(1e-9),
        pkg.reports.len() as f64 / rep.max(1e-9),
        out.stats.episodes
    );
    let _ = std::fs::remove_dir_all(&dir);
}
