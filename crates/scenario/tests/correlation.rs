//! Correlation suite: generated scenarios of every correlation kind (cascades within and
//! across providers, one root under several services, spill-over, a security shutdown beside a
//! network outage with a call surge, concurrent unrelated outages — also in the same region and
//! of the same operator) are replayed and scored; relation accuracy must reach the product
//! target on related and on unrelated pairs.

mod common;

use common::{run_all, Run};
use radar_scenario::eval::combine;
use radar_scenario::generate::CORRELATION_KINDS;

const SEEDS: [u64; 5] = [11, 23, 37, 51, 73];
const DAYS: u32 = 2;
/// The product target for relation verdicts, on related and on unrelated pairs separately.
const RELATION_TARGET: f64 = 0.95;
/// Unrelated-pair accuracy required over all kinds: the product target (measured 25/25).
const MEASURED_UNRELATED_ALL_KINDS: f64 = RELATION_TARGET;

fn run_suite() -> Vec<Run> {
    run_all(CORRELATION_KINDS, &SEEDS, DAYS)
}

/// In `security-network` scenarios, every detected outage with customer-service reports that
/// starts during the LTE outage is its call surge: it shares the LTE outage's group, never the
/// CRM shutdown's. Returns the violations.
fn call_surge_violations(run: &Run) -> Vec<String> {
    if run.scenario.kind != "security-network" {
        return Vec::new();
    }
    let Some(lte) = run.scenario.truth.outages.iter().find(|o| o.id == "lte-1") else {
        return vec![format!("{}: no lte-1 in the truth", run.scenario.name)];
    };
    let lte_result = run.report.outages.iter().find(|o| o.id == "lte-1");
    let Some(lte_rep) = lte_result.and_then(|o| o.representative.clone()) else {
        return vec![format!("{}: lte-1 not detected", run.scenario.name)];
    };
    let group_of = |id: &str| {
        run.detections
            .outages
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| d.cause_group.clone())
    };
    let lte_group = group_of(&lte_rep);
    let crm_group = run
        .detections
        .outages
        .iter()
        .find(|d| d.declared)
        .and_then(|d| d.cause_group.clone());
    let mut bad = Vec::new();
    if lte_group.is_none() || lte_group == crm_group {
        bad.push(format!(
            "{}: the LTE outage shares the CRM group",
            run.scenario.name
        ));
    }
    for d in &run.detections.outages {
        let care = d.services.iter().any(|s| s.as_str() == "customer-service");
        if d.declared || !care || d.start < lte.start || d.start > lte.end {
            continue;
        }
        if d.cause_group != lte_group {
            bad.push(format!(
                "{}: {} (customer-service, from {}) is in group {:?}, not the LTE outage's {:?}",
                run.scenario.name, d.id, d.start, d.cause_group, lte_group
            ));
        }
    }
    bad
}

#[test]
fn correlation_suite_meets_relation_targets() {
    let runs = run_suite();
    assert_eq!(runs.len(), SEEDS.len() * CORRELATION_KINDS.len());
    let all = combine(runs.iter().map(|r| (r.scenario.name.as_str(), &r.report)));
    let mut diag = String::new();
    for r in &runs {
        let wrong: Vec<String> = r
            .report
            .pairs
            .iter()
            .filter(|p| p.truth_related != p.product_related)
            .map(|p| {
                format!(
                    "{}~{} (truth {}, product {})",
                    p.a, p.b, p.truth_related, p.product_related
                )
            })
            .collect();
        let wrong_roots: Vec<&str> = r
            .report
            .outages
            .iter()
            .filter(|o| o.root_correct == Some(false))
            .map(|o| o.id.as_str())
            .collect();
        diag.push_str(&format!(
            "{:<28} outages {} matched {} detections {} pairs {} wrong pairs {:?} wrong roots {:?}\n",
            r.scenario.name,
            r.report.truth_outages,
            r.report.matched_outages,
            r.report.detections,
            r.report.pairs.len(),
            wrong,
            wrong_roots
        ));
    }
    diag.push_str(&all.to_string());
    println!("{diag}");

    // The targets hold on every kind whose outages the detector reports as separate episodes.
    // `same-provider-concurrent` (a regional DSL fault and a national LTE fault of one operator,
    // 5–30 minutes apart) is the exception: the detector scopes both into each of its episodes
    // (services `dsl` and `mobile-data` together), so no grouping of episodes can keep the two
    // apart. Measured with it: unrelated pairs 20/25 = 0.80, below the 0.95 target; without it:
    // 20/20. The pooled figure is asserted at its measured level so that it cannot get worse.
    let separable = combine(
        runs.iter()
            .filter(|r| r.scenario.kind != "same-provider-concurrent")
            .map(|r| (r.scenario.name.as_str(), &r.report)),
    );
    let mut failures = Vec::new();
    for (what, rel, unrelated_floor) in [
        ("separable kinds", &separable.relation, RELATION_TARGET),
        ("all kinds", &all.relation, MEASURED_UNRELATED_ALL_KINDS),
    ] {
        match rel.related_accuracy {
            Some(a) if a >= RELATION_TARGET => {}
            other => failures.push(format!(
                "{what}: related-pair accuracy {other:?} < {RELATION_TARGET} ({}/{})",
                rel.related_correct, rel.related_pairs
            )),
        }
        match rel.unrelated_accuracy {
            Some(a) if a >= unrelated_floor => {}
            other => failures.push(format!(
                "{what}: unrelated-pair accuracy {other:?} < {unrelated_floor} ({}/{})",
                rel.unrelated_correct, rel.unrelated_pairs
            )),
        }
        println!(
            "{what}: related {}/{}, unrelated {}/{}",
            rel.related_correct, rel.related_pairs, rel.unrelated_correct, rel.unrelated_pairs
        );
    }
    let rel = &all.relation;
    // Enough pairs of both kinds for the figures to mean something.
    if rel.related_pairs < 40 || separable.relation.unrelated_pairs < 15 {
        failures.push(format!(
            "too few pairs: {} related, {} unrelated",
            rel.related_pairs, separable.relation.unrelated_pairs
        ));
    }
    let surge: Vec<String> = runs.iter().flat_map(call_surge_violations).collect();
    if !surge.is_empty() {
        failures.push(format!("call surges misattributed: {surge:?}"));
    }
    println!(
        "root-cause accuracy: {:?} ({}/{})",
        all.root_cause_accuracy, all.root_cause_correct, all.root_cause_evaluated
    );
    assert!(failures.is_empty(), "{}\n{diag}", failures.join("\n"));
}
