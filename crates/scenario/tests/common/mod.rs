//! Shared by the suites: generate, replay and evaluate scenarios, in parallel.

use radar_scenario::eval::{evaluate, Detections, EvalReport};
use radar_scenario::generate::{generate, GenConfig, Scenario};
use radar_scenario::replay::replay;

pub struct Run {
    pub scenario: Scenario,
    pub report: EvalReport,
    pub detections: Detections,
}

pub fn run_one(kind: &str, seed: u64, days: u32) -> Run {
    let scenario = generate(&GenConfig {
        seed,
        kind: Some(kind.to_owned()),
        days,
        volume: 1.0,
    })
    .expect("generate");
    let pkg = scenario.package();
    let out = replay(&pkg);
    let report = evaluate(&pkg.topology, &scenario.truth, &out.detections);
    Run {
        scenario,
        report,
        detections: out.detections,
    }
}

/// Every kind with every seed, on up to four threads, sorted by scenario name.
pub fn run_all(kinds: &[&str], seeds: &[u64], days: u32) -> Vec<Run> {
    let jobs: Vec<(&str, u64)> = seeds
        .iter()
        .flat_map(|&s| kinds.iter().map(move |k| (*k, s)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let mut runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let chunk: Vec<(&str, u64)> =
                    jobs.iter().skip(t).step_by(threads).copied().collect();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(k, s)| run_one(k, *s, days))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scenario thread"))
            .collect()
    });
    runs.sort_by(|a, b| a.scenario.name.cmp(&b.scenario.name));
    runs
}
