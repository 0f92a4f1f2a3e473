//! Regression suite: generated scenarios of every kind are replayed through the detector and
//! scored against their truth; the pooled figures must meet the product's targets.

mod common;

use common::{run_all, Run};
use std::collections::BTreeMap;

use radar_scenario::eval::combine;
use radar_scenario::generate::{Confounder, KINDS};

/// Seeds per kind: 16 kinds × 4 seeds = 64 scenarios with about 65 true outages, so that one
/// miss still allows the 0.98 recall target.
const SEEDS: [u64; 4] = [101, 202, 303, 404];
const DAYS: u32 = 2;

/// The product target: median detection delay ≤ 120 s at a baseline of ≥ 1 report/min. Measured
/// on this suite: 120 s over 44 outages (strong national, blip and most LTE-only outages at
/// 120 s, spill-over at 180–360 s, slow ramps and long partial outages at 9–16 min), so it holds
/// with no margin.
const MEDIAN_DELAY_LIMIT_SECS: f64 = 120.0;

fn run_suite() -> Vec<Run> {
    run_all(KINDS, &SEEDS, DAYS)
}

/// Detections that are not explained by the truth and overlap a flood or bot burst of the same
/// provider.
fn flood_false_positives(run: &Run) -> Vec<String> {
    let floods: Vec<&Confounder> = run
        .scenario
        .confounders
        .iter()
        .filter(|c| c.kind == "spam-flood" || c.kind == "bot-burst")
        .collect();
    run.detections
        .outages
        .iter()
        .filter(|d| run.report.unmatched_detections.contains(&d.id))
        .filter(|d| {
            floods.iter().any(|c| {
                c.provider.as_deref() == Some(d.provider.as_str())
                    && d.start.0 <= c.end.0 + 1800
                    && d.end.map(|e| e >= c.start).unwrap_or(true)
            })
        })
        .map(|d| format!("{}/{}", run.scenario.name, d.id))
        .collect()
}

#[test]
fn generated_suite_meets_targets() {
    let runs = run_suite();
    assert!(runs.len() >= 30, "{} scenarios", runs.len());
    let all = combine(runs.iter().map(|r| (r.scenario.name.as_str(), &r.report)));
    let mut diag = String::new();
    for r in &runs {
        diag.push_str(&format!(
            "{:<16} outages {} matched {} detections {} false {:?}\n",
            r.scenario.name,
            r.report.truth_outages,
            r.report.matched_outages,
            r.report.detections,
            r.report.unmatched_detections
        ));
    }
    diag.push_str(&all.to_string());
    println!("{diag}");

    let mut failures: Vec<String> = Vec::new();
    let recall = all.recall.expect("the suite has true outages");
    let precision = all.precision.expect("the suite has detections");
    if recall < 0.98 {
        failures.push(format!("recall {recall:.3} < 0.98"));
    }
    if precision < 0.98 {
        failures.push(format!("precision {precision:.3} < 0.98"));
    }

    // Median delay of outages found in the reports (declared incidents excluded: they are known
    // at once) where the provider's baseline in the affected regions is ≥ 1 report/min.
    let declared: std::collections::BTreeSet<String> = runs
        .iter()
        .flat_map(|r| {
            r.detections
                .outages
                .iter()
                .filter(|d| d.declared)
                .map(move |d| format!("{}/{}", r.scenario.name, d.id))
        })
        .collect();
    let mut delays: Vec<f64> = Vec::new();
    let mut listed = String::new();
    for r in &runs {
        for o in &r.report.outages {
            let base = r.scenario.baselines.get(&o.id).copied().unwrap_or(0.0);
            let only_declared = o
                .matched_by
                .iter()
                .all(|d| declared.contains(&format!("{}/{d}", r.scenario.name)));
            if base < 1.0 || only_declared {
                continue;
            }
            if let Some(d) = o.delay_secs {
                delays.push(d as f64);
                listed.push_str(&format!(
                    "  {}/{}: baseline {base:.1}/min, delay {d} s\n",
                    r.scenario.name, o.id
                ));
            }
        }
    }
    println!("delays at baseline ≥ 1/min:\n{listed}");
    delays.sort_by(f64::total_cmp);
    if delays.len() < 10 {
        failures.push(format!(
            "only {} outages with baseline ≥ 1/min",
            delays.len()
        ));
    }
    let median = radar_scenario::eval::quantile(&delays, 0.5).unwrap_or(f64::INFINITY);
    if median > MEDIAN_DELAY_LIMIT_SECS {
        failures.push(format!(
            "median delay {median:.0} s > {MEDIAN_DELAY_LIMIT_SECS} s at baseline ≥ 1/min over {} outages",
            delays.len()
        ));
    }

    let floods: Vec<String> = runs.iter().flat_map(flood_false_positives).collect();
    if !floods.is_empty() {
        failures.push(format!("detections from floods or bots: {floods:?}"));
    }

    // Confounder-only scenarios must stay silent.
    let noisy: BTreeMap<&str, usize> = runs
        .iter()
        .filter(|r| r.scenario.truth.outages.is_empty())
        .filter(|r| r.report.detections > 0)
        .map(|r| (r.scenario.name.as_str(), r.report.detections))
        .collect();
    if !noisy.is_empty() {
        failures.push(format!(
            "detections in scenarios without outages: {noisy:?}"
        ));
    }

    // Relations: spill-over pairs are related, may2017/concurrent pairs are not.
    let rel = &all.relation;
    if rel.related_pairs == 0 || rel.unrelated_pairs == 0 {
        failures.push(format!(
            "the suite lacks related or unrelated pairs: {rel:?}"
        ));
    }
    let acc = rel.accuracy.unwrap_or(0.0);
    if acc < 0.95 {
        failures.push(format!("relation accuracy {acc:.3} < 0.95"));
    }
    assert!(failures.is_empty(), "{}\n{diag}", failures.join("\n"));
}
