//! The May 2017 package in `scenarios/o2-2017-05`: it loads, it is exactly what the generator
//! writes, and a replay finds both outages (the CRM shutdown and the LTE outage).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use radar_scenario::eval::{evaluate, load_truth, EvalReport, Truth};
use radar_scenario::may2017::{self, May2017};
use radar_scenario::package::{load, Package};
use radar_scenario::replay::replay;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(may2017::NAME)
}

/// The committed package and its truth, loaded once for all tests.
fn committed() -> &'static (Package, Truth) {
    static PKG: OnceLock<(Package, Truth)> = OnceLock::new();
    PKG.get_or_init(|| {
        let pkg = load(&dir()).unwrap_or_else(|e| panic!("{e}"));
        let truth = load_truth(&dir().join("truth.json")).unwrap();
        (pkg, truth)
    })
}

/// A fresh generation, built once for all tests.
fn built() -> &'static May2017 {
    static BUILT: OnceLock<May2017> = OnceLock::new();
    BUILT.get_or_init(may2017::build)
}

const FILES: [&str; 6] = [
    "topology.toml",
    "reports.csv",
    "events.jsonl",
    "signals.csv",
    "truth.json",
    "README.md",
];

#[test]
fn committed_package_is_what_the_generator_writes() {
    let a = built();
    let b = may2017::build();
    assert_eq!(a.rows, b.rows, "the generator is deterministic");
    assert_eq!(a.events, b.events);
    assert_eq!(a.signals, b.signals);

    let tmp = tempfile::tempdir().unwrap();
    a.write(tmp.path()).unwrap();
    for f in FILES {
        let fresh = std::fs::read(tmp.path().join(f)).unwrap();
        let committed = std::fs::read(dir().join(f))
            .unwrap_or_else(|e| panic!("{}: {e}", dir().join(f).display()));
        assert!(
            fresh == committed,
            "{f} differs from a fresh generation ({} vs {} bytes); regenerate with \
             `cargo run --release -p radar-scenario --example may2017 -- scenarios/o2-2017-05`",
            fresh.len(),
            committed.len()
        );
    }
    assert!(
        std::fs::metadata(dir().join("reports.csv")).unwrap().len() < 15_000_000,
        "reports.csv stays under 15 MB"
    );
}

#[test]
fn package_built_in_memory_is_the_loaded_one() {
    let (loaded, _) = committed();
    let pkg = built().package().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pkg.dir, Path::new(may2017::NAME));
    assert!(pkg.reports == loaded.reports, "reports differ");
    assert_eq!(pkg.events, loaded.events);
    assert_eq!(pkg.signals, loaded.signals);
    assert_eq!(
        format!("{:?}", pkg.topology),
        format!("{:?}", loaded.topology)
    );
}

#[test]
fn package_has_the_story() {
    let (pkg, truth) = committed();
    let s = built();
    assert_eq!(pkg.reports.len(), s.rows.len());
    assert_eq!(pkg.events, s.events);
    assert_eq!(*truth, s.truth);
    assert_eq!(truth.outages.len(), 2);
    assert_ne!(truth.outages[0].cause, truth.outages[1].cause);

    // The shipped topology, unchanged.
    assert_eq!(
        std::fs::read_to_string(dir().join("topology.toml")).unwrap(),
        radar_core::topology::germany::TOPOLOGY_TOML
    );

    // O2: near zero at night, a few per minute in the evening, hundreds per minute in the
    // outage.
    let o2 = |from: i64, minutes: i64| {
        pkg.reports
            .iter()
            .filter(|r| r.provider.as_str() == "o2-de")
            .filter(|r| r.time.0 >= from && r.time.0 < from + minutes * 60)
            .count() as f64
            / minutes as f64
    };
    let day = 86_400;
    let tue = may2017::START + 4 * day; // Tuesday 16 May
    let night = o2(tue + 2 * 3600, 60); // 04:00 local
    let evening = o2(tue + 18 * 3600, 60); // 20:00 local
    let peak = o2(may2017::LTE_START + 40 * 60, 30);
    println!("O2 reports/min: night {night:.2}, evening {evening:.2}, outage peak {peak:.0}");
    assert!(night < 0.6, "{night}");
    assert!((1.5..6.0).contains(&evening), "{evening}");
    assert!(peak > 200.0, "{peak}");
    // Reports rise within minutes of onset.
    assert!(o2(may2017::LTE_START + 5 * 60, 5) > 10.0 * evening.max(1.0));

    // Almost all reporters are unique.
    let distinct: std::collections::BTreeSet<_> = pkg.reports.iter().map(|r| r.reporter).collect();
    let share = distinct.len() as f64 / pkg.reports.len() as f64;
    assert!((0.85..0.99).contains(&share), "{share}");
}

fn print_report(report: &EvalReport, dets: &radar_scenario::eval::Detections) {
    print!("{report}");
    println!("\n{}", report.outage_table());
    for p in &report.pairs {
        println!(
            "pair {} / {}: truth related {}, product related {}",
            p.a, p.b, p.truth_related, p.product_related
        );
    }
    for d in &dets.outages {
        println!(
            "{} {} {:?} {} .. {} group {:?} root {:?}\n    {}",
            d.id,
            d.provider,
            d.services.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            d.start,
            d.end
                .map(|e| e.to_string())
                .unwrap_or_else(|| "open".into()),
            d.cause_group,
            d.root_component,
            d.explanation
        );
    }
}

#[test]
fn replay_finds_both_outages() {
    let (pkg, truth) = committed();
    let out = replay(pkg);
    let report = evaluate(&pkg.topology, truth, &out.detections);
    print_report(&report, &out.detections);

    assert_eq!(report.recall, Some(1.0), "both outages are found");
    let lte = report.outages.iter().find(|o| o.id == "lte-1").unwrap();
    let crm = report.outages.iter().find(|o| o.id == "crm-1").unwrap();
    // The LTE outage is found from reports within minutes.
    let lte_det = out
        .detections
        .outages
        .iter()
        .find(|d| Some(&d.id) == lte.representative.as_ref())
        .unwrap();
    // One outage with both sources: the operator's net-1, found in reports (episode folded in)
    // before the operator declared it.
    assert_eq!(lte_det.id, "net-1");
    let lte_view = out.view.outage("net-1").unwrap();
    assert!(
        lte_view.is_detected(),
        "found in reports, not only declared"
    );
    assert!(
        lte_det.detected_at < lte_view.incident.as_ref().unwrap().start,
        "detected before it was declared: {lte_det:?}"
    );
    assert!(lte.delay_secs.unwrap() <= 10 * 60, "{:?}", lte.delay_secs);
    // Every episode belongs to exactly one outage of the view.
    for e in &out.episodes {
        let id = radar_core::view::episode_id(e);
        assert_eq!(
            out.view
                .outages
                .iter()
                .filter(|o| o.answers_to(&id))
                .count(),
            1,
            "{id}"
        );
    }
    // The CRM shutdown is the declared security incident.
    let crm_det = out
        .detections
        .outages
        .iter()
        .find(|d| Some(&d.id) == crm.representative.as_ref())
        .unwrap();
    assert!(crm_det.declared, "{crm_det:?}");
    // One concurrent pair, unrelated in truth.
    assert_eq!(report.pairs.len(), 1, "{:?}", report.pairs);
    assert!(!report.pairs[0].truth_related);

    // The story's trap: the hotline surge of 17 May makes the LTE outage look like a
    // consequence of the CRM shutdown. The product keeps them apart, with the right roots.
    assert_ne!(lte_det.cause_group, crm_det.cause_group);
    assert_eq!(lte.root_correct, Some(true));
    assert_eq!(crm.root_correct, Some(true));
    println!(
        "relation: lte-1 in {:?}, crm-1 in {:?}: {}",
        lte_det.cause_group,
        crm_det.cause_group,
        if lte_det.cause_group != crm_det.cause_group {
            "different cause groups (correct)"
        } else {
            "SAME cause group (wrong: the two are unrelated)"
        }
    );
    println!(
        "root: lte-1 {:?} (truth ran-lte, correct: {:?}); crm-1 {:?} (truth crm-dsl, correct: {:?})",
        lte_det.root_component, lte.root_correct, crm_det.root_component, crm.root_correct
    );
}

#[test]
fn crm_shutdown_is_one_long_customer_service_episode() {
    let (pkg, _) = committed();
    let out = replay(pkg);
    let hour = 3600;
    // Detected episodes of O2's customer service that overlap the shutdown, in order.
    let eps: Vec<_> = out
        .episodes
        .iter()
        .filter(|e| e.provider.as_str() == "o2-de")
        .filter(|e| e.services.iter().any(|s| s.as_str() == "customer-service"))
        .filter(|e| e.end.is_none_or(|t| t.0 > may2017::CRM_START) && e.start.0 < may2017::CRM_END)
        .collect();
    for e in &eps {
        println!(
            "episode {}: {:?} {} .. {}, detected {}",
            e.id,
            e.services,
            e.start,
            e.end.map_or("open".into(), |t| t.to_string()),
            e.detected_at
        );
    }
    let first = eps.first().expect("the shutdown is detected from reports");
    assert!(
        (first.start.0 - may2017::CRM_START).abs() <= 2 * hour,
        "onset {} is not near the shutdown",
        first.start
    );
    // Covered from its onset to its end, without gaps of more than an hour, in a few episodes.
    assert!(eps.len() <= 3, "{} fragments", eps.len());
    let mut covered_to = first.start.0;
    for e in &eps {
        assert!(
            e.start.0 <= covered_to + hour,
            "gap before episode {}",
            e.id
        );
        covered_to = covered_to.max(e.end.map_or(i64::MAX, |t| t.0));
    }
    assert!(
        covered_to >= may2017::CRM_END - 2 * hour,
        "covered only to {}",
        radar_core::Timestamp(covered_to)
    );
    // It is the declared security incident on the CRM system: one outage, sec-1, with the
    // episode's onset and the operator's end.
    let o = out
        .view
        .outage(&radar_core::view::episode_id(first))
        .unwrap();
    assert_eq!(o.id, "sec-1");
    assert!(o.start <= first.start, "{:?}", o.start);
    let det = out
        .detections
        .outages
        .iter()
        .find(|d| d.id == "sec-1")
        .unwrap();
    assert_eq!(det.root_component.as_deref(), Some("crm-dsl"), "{det:?}");
}

#[test]
fn the_hotline_wait_is_evidence_of_the_crm_shutdown_and_never_the_network_root() {
    let (pkg, truth) = committed();
    assert!(pkg.signals.len() > 3000, "{}", pkg.signals.len());
    let out = replay(pkg);
    for a in &out.signal_anomalies {
        println!(
            "{} {}: {} .. {:?}, peak {} at {}, typical {:.0}, score {:.2}",
            a.provider,
            a.signal,
            a.start,
            a.end.map(|e| e.to_string()),
            a.peak,
            a.peak_at,
            a.typical,
            a.score
        );
    }
    let hour = 3600;
    // Waits of over an hour from the shutdown on, and again during the LTE outage.
    let near = |t: i64| {
        out.signal_anomalies
            .iter()
            .find(|a| (a.start.0 - t).abs() <= hour)
    };
    let crm = near(may2017::CRM_START).expect("the shutdown's waits");
    assert!(crm.rising && crm.peak > 3600.0, "{crm:?}");
    assert!(crm.typical < 180.0, "{crm:?}");
    let lte = near(may2017::LTE_START).expect("the call surge's waits");
    assert!(lte.rising && lte.peak > 2400.0, "{lte:?}");
    // Nothing else: the wait is declared `worse = "higher"`, so its fall back is no evidence.
    assert_eq!(out.signal_anomalies.len(), 2, "{:#?}", out.signal_anomalies);
    // Named on the CRM shutdown, without changing its root.
    let sec = out.view.outage("sec-1").unwrap();
    assert!(
        sec.summary.en.contains("Hotline waiting time 6"),
        "{}",
        sec.summary.en
    );
    assert_eq!(sec.root.as_ref().unwrap().component.as_str(), "crm-dsl");
    // The LTE outage keeps the network's root. The product sees the hotline reports of 17 May
    // inside the shutdown's one long customer-service episode, so the surge's wait is
    // evidence there, not on the network outage.
    let net = out.view.outage("net-1").unwrap();
    assert_eq!(net.root.as_ref().unwrap().component.as_str(), "ran-lte");
    assert!(sec.view.signal_anomalies.iter().any(|a| a == lte));
    println!("sec-1: {}\n{}", sec.summary.en, sec.explanation.en);
    // And the scores stay what they were.
    let report = evaluate(&pkg.topology, truth, &out.detections);
    assert_eq!(report.recall, Some(1.0));
    assert!(report.outages.iter().all(|o| o.root_correct == Some(true)));
}
