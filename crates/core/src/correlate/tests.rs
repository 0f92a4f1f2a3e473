//! Unit tests of correlation: every kind of evidence, "unrelated needs positive evidence", root
//! ranking and grouping, on a small topology with a cross-provider dependency.

use super::*;
use crate::event::IncidentCategory;

const TOPO: &str = r#"
[[providers]]
id = "o2-de"
name = "O2"
kind = "telecom"
country = "DE"
[[providers]]
id = "telekom-de"
name = "Telekom"
kind = "telecom"
country = "DE"
[[providers]]
id = "1und1-de"
name = "1&1"
kind = "telecom"
country = "DE"
[[providers]]
id = "whatsapp"
name = "WhatsApp"
kind = "online-service"
country = "US"

[[regions]]
id = "DE-BY"
name = "Bayern"
[[regions]]
id = "DE-BE"
name = "Berlin"
[[regions]]
id = "DE-NW"
name = "Nordrhein-Westfalen"
[[regions]]
id = "DE-HH"
name = "Hamburg"

[[components]]
provider = "o2-de"
id = "ip-backbone"
name = "IP backbone"
[[components]]
provider = "o2-de"
id = "mobile-core"
name = "Mobile core"
depends_on = ["ip-backbone"]
[[components]]
provider = "o2-de"
id = "lte-ran"
name = "LTE radio access"
technology = "lte"
depends_on = ["mobile-core"]
[[components]]
provider = "o2-de"
id = "umts-ran"
name = "UMTS radio access"
technology = "umts"
depends_on = ["mobile-core"]
[[components]]
provider = "o2-de"
id = "voice-core"
name = "Voice core"
depends_on = ["mobile-core"]
[[components]]
provider = "o2-de"
id = "dsl-access"
name = "DSL access"
technology = "dsl"
depends_on = ["ip-backbone"]
[[components]]
provider = "o2-de"
id = "crm-dsl"
name = "DSL customer management"

[[services]]
provider = "o2-de"
id = "mobile-data"
name = "Mobile internet"
technologies = ["lte", "umts"]
depends_on = ["lte-ran", "umts-ran", "mobile-core"]
[[services]]
provider = "o2-de"
id = "mobile-voice"
name = "Mobile calls"
technologies = ["umts"]
depends_on = ["umts-ran", "voice-core"]
[[services]]
provider = "o2-de"
id = "dsl"
name = "DSL"
technologies = ["dsl"]
depends_on = ["dsl-access"]
[[services]]
provider = "o2-de"
id = "customer-service"
name = "Hotline"
depends_on = ["crm-dsl"]

[[components]]
provider = "telekom-de"
id = "mobile-core"
name = "Mobile core"
[[components]]
provider = "telekom-de"
id = "lte-ran"
name = "LTE radio access"
technology = "lte"
depends_on = ["mobile-core"]
[[services]]
provider = "telekom-de"
id = "mobile-data"
name = "Mobile internet"
technologies = ["lte"]
depends_on = ["lte-ran"]

[[components]]
provider = "1und1-de"
id = "mobile-core"
name = "Mobile core (hosted)"
depends_on = ["o2-de:mobile-core"]
[[services]]
provider = "1und1-de"
id = "mobile-data"
name = "Mobile internet"
depends_on = ["mobile-core"]
[[services]]
provider = "1und1-de"
id = "mobile-voice"
name = "Mobile calls"
depends_on = ["mobile-core"]

[[components]]
provider = "whatsapp"
id = "messaging"
name = "Messaging"
[[services]]
provider = "whatsapp"
id = "messaging"
name = "Messaging"
depends_on = ["messaging"]
"#;

fn topo() -> Topology {
    Topology::from_toml("t", TOPO).unwrap()
}

fn c(s: &str) -> ComponentRef {
    let (p, c) = s.split_once(':').unwrap();
    ComponentRef {
        provider: p.parse().unwrap(),
        component: c.parse().unwrap(),
    }
}

const T0: i64 = 1_494_900_000;

fn det(
    id: &str,
    provider: &str,
    services: &[&str],
    techs: &[&str],
    start_min: i64,
) -> IncidentView {
    IncidentView {
        id: id.into(),
        provider: provider.parse().unwrap(),
        origin: Origin::Detected,
        services: services.iter().map(|s| s.parse().unwrap()).collect(),
        components: vec![],
        regions: None,
        technologies: techs.iter().map(|t| t.to_string()).collect(),
        problems: vec![(Problem::NoInternet, 0.5), (Problem::NoSignal, 0.5)],
        start: Timestamp(T0 + start_min * 60),
        end: Some(Timestamp(T0 + start_min * 60 + 3 * 3600)),
        failed_probes: vec![],
        signal_anomalies: vec![],
        region_shares: Vec::new(),
    }
}

fn declared(
    id: &str,
    provider: &str,
    cat: IncidentCategory,
    comps: &[&str],
    start_min: i64,
) -> IncidentView {
    IncidentView {
        id: id.into(),
        provider: provider.parse().unwrap(),
        origin: Origin::Declared {
            category: cat,
            cause: None,
        },
        services: vec![],
        components: comps.iter().map(|x| c(x)).collect(),
        regions: None,
        technologies: vec![],
        problems: vec![],
        start: Timestamp(T0 + start_min * 60),
        end: None,
        failed_probes: vec![],
        signal_anomalies: vec![],
        region_shares: Vec::new(),
    }
}

/// The May 2017 shape: a declared security shutdown of O2's DSL customer management.
fn crm_shutdown(id: &str, start_min: i64) -> IncidentView {
    declared(
        id,
        "o2-de",
        IncidentCategory::Security,
        &["o2-de:crm-dsl"],
        start_min,
    )
}

fn hotline(id: &str, start_min: i64) -> IncidentView {
    let mut v = det(id, "o2-de", &["customer-service"], &[], start_min);
    v.problems = vec![(Problem::Hotline, 0.8), (Problem::Billing, 0.2)];
    v.end = Some(Timestamp(T0 + start_min * 60 + 3600));
    v
}

fn regions(r: &[&str]) -> Option<Vec<RegionId>> {
    Some(r.iter().map(|x| x.parse().unwrap()).collect())
}

/// `v` limited to the regions `r`.
fn within(mut v: IncidentView, r: &[&str]) -> IncidentView {
    v.regions = regions(r);
    v
}

fn has(rel: &Relation, f: impl Fn(&Evidence) -> bool) -> bool {
    rel.evidence.iter().any(f)
}

#[test]
fn dependency_path_across_providers() {
    let t = topo();
    let a = det(
        "a",
        "o2-de",
        &["mobile-data", "mobile-voice"],
        &["lte", "umts"],
        0,
    );
    let b = det("b", "1und1-de", &["mobile-data", "mobile-voice"], &[], 3);
    let r = relate(&a, &b, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    let path = r.evidence.iter().find_map(|e| match e {
        Evidence::DependencyPath { via, path_b, .. } => Some((via.clone(), path_b.clone())),
        _ => None,
    });
    let (via, path_b) = path.expect("a dependency path");
    assert_eq!(via, c("o2-de:mobile-core"));
    assert_eq!(
        path_b,
        [
            "1und1-de/mobile-data",
            "1und1-de:mobile-core",
            "o2-de:mobile-core"
        ]
    );
    assert!(
        r.explanation.en.starts_with("Related"),
        "{}",
        r.explanation.en
    );
    assert!(
        r.explanation.de.starts_with("Zusammenhang"),
        "{}",
        r.explanation.de
    );
    // The same shared component, three hours apart, is no common cause.
    let late = det("c", "1und1-de", &["mobile-data", "mobile-voice"], &[], 180);
    assert_eq!(relate(&a, &late, &t).verdict, Verdict::Undetermined);
}

#[test]
fn absence_of_a_path_and_different_declared_causes_make_unrelated() {
    // The May 2017 shape: an LTE outage and a security shutdown of the DSL CRM.
    let t = topo();
    let crm = crm_shutdown("sec-1", -5 * 1440);
    let lte = det("lte", "o2-de", &["mobile-data"], &["lte"], 0);
    let r = relate(&lte, &crm, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
    assert!(has(&r, |e| matches!(
        e,
        Evidence::NoDependencyPath(NoPath::DisjointClosures { .. })
    )));
    assert!(has(&r, |e| matches!(
        e,
        Evidence::Causes {
            same: Some(false),
            ..
        }
    )));
    assert!(
        r.explanation.de.starts_with("Kein Zusammenhang"),
        "{}",
        r.explanation.de
    );
    assert!(
        r.explanation.de.contains("Sicherheitsabschaltung"),
        "{}",
        r.explanation.de
    );
    assert!(
        r.explanation.en.contains("different causes"),
        "{}",
        r.explanation.en
    );
    assert!(r.confidence >= 0.7);
    // Structured and serialisable.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains(r#""kind":"no-dependency-path""#), "{json}");
    assert!(json.contains(r#""verdict":"unrelated""#), "{json}");
}

#[test]
fn unrelated_needs_positive_evidence() {
    let t = topo();
    // Two operators, same technology, same regions, same symptoms, same time: the closures are
    // disjoint, but nothing tells the two apart (a regional power cut could hit both).
    let a = det("a", "o2-de", &["mobile-data"], &["lte"], 0);
    let b = det("b", "telekom-de", &["mobile-data"], &["lte"], 2);
    let r = relate(&a, &b, &t);
    assert_eq!(r.verdict, Verdict::Undetermined, "{r:#?}");
    assert!(
        r.explanation.en.starts_with("Undetermined"),
        "{}",
        r.explanation.en
    );
    // Without any affected service nothing is known about dependencies.
    let x = det("x", "o2-de", &[], &[], 0);
    let mut y = det("y", "telekom-de", &[], &[], 0);
    y.problems = vec![(Problem::Billing, 1.0)];
    assert_eq!(relate(&x, &y, &t).verdict, Verdict::Undetermined);
    // Different symptoms (disjoint technologies) with disjoint closures: unrelated.
    let d = det("d", "o2-de", &["dsl"], &["dsl"], 0);
    let r = relate(&d, &b, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
    assert!(
        r.explanation.en.contains("different technologies"),
        "{}",
        r.explanation.en
    );
}

#[test]
fn shared_component_contradicted_by_quiet_services() {
    // LTE data and DSL of one operator in the same region at the same time: they share only
    // the backbone, which would also have taken down mobile calls.
    let t = topo();
    let a = within(det("a", "o2-de", &["mobile-data"], &["lte"], 0), &["DE-BY"]);
    let b = within(det("b", "o2-de", &["dsl"], &["dsl"], 20), &["DE-BY"]);
    let r = relate(&a, &b, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
    let quiet = r.evidence.iter().find_map(|e| match e {
        Evidence::NoDependencyPath(NoPath::ContradictedShared { quiet_services, .. }) => {
            Some(quiet_services.clone())
        }
        _ => None,
    });
    assert_eq!(quiet.unwrap(), ["o2-de/mobile-voice"]);
    // Calls failing as well make the backbone (or core) a common explanation.
    let v = within(
        det("v", "o2-de", &["mobile-voice"], &["umts"], 5),
        &["DE-BY"],
    );
    let r = relate(&a, &v, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
}

#[test]
fn onset_regions_and_symptoms_evidence() {
    let t = topo();
    let a = within(
        det("a", "o2-de", &["mobile-data"], &["lte"], 10),
        &["DE-BY", "DE-BE"],
    );
    let mut b = within(
        det("b", "telekom-de", &["mobile-data"], &["lte"], 0),
        &["DE-BY"],
    );
    b.problems = vec![(Problem::NoInternet, 1.0)];
    let r = relate(&a, &b, &t);
    for e in &r.evidence {
        match e {
            Evidence::Onset {
                first,
                lag_secs,
                overlap_secs,
                gap_secs,
            } => {
                assert_eq!(first, "b");
                assert_eq!(*lag_secs, -600);
                assert_eq!(*overlap_secs, 3 * 3600 - 600);
                assert_eq!(*gap_secs, 0);
            }
            Evidence::Regions {
                jaccard,
                containment,
                shared,
                ..
            } => {
                assert_eq!(*jaccard, 0.5);
                assert_eq!(*containment, 1.0);
                assert_eq!(*shared, 1);
            }
            Evidence::Symptoms {
                cosine,
                shared_technologies,
                technologies_disjoint,
            } => {
                assert!((cosine.unwrap() - 0.5f64.sqrt()).abs() < 1e-9);
                assert_eq!(shared_technologies, &["lte"]);
                assert!(!technologies_disjoint);
            }
            _ => {}
        }
    }
    // Disjoint regions count as positive evidence against a common cause.
    let c2 = within(
        det("c", "telekom-de", &["mobile-data"], &["lte"], 0),
        &["DE-HH"],
    );
    let r = relate(&a, &c2, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
    assert!(r.explanation.en.contains("no shared regions"));
    // A declared incident without reports has no symptom profile.
    let d = declared(
        "m",
        "o2-de",
        IncidentCategory::Maintenance,
        &["o2-de:dsl-access"],
        0,
    );
    let r = relate(&a, &d, &t);
    assert!(has(&r, |e| matches!(
        e,
        Evidence::Symptoms { cosine: None, .. }
    )));
}

#[test]
fn spill_over_relates_an_isp_rise_to_the_messaging_outage() {
    let t = topo();
    let wa = det("wa", "whatsapp", &["messaging"], &[], 0);
    let isp = within(
        det("isp", "o2-de", &["mobile-data"], &["lte"], 4),
        &["DE-BY", "DE-NW"],
    );
    let r = relate(&isp, &wa, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    let spill = r.evidence.iter().find_map(|e| match e {
        Evidence::SpillOver {
            source,
            target,
            lag_secs,
            ..
        } => Some((source.clone(), target.clone(), *lag_secs)),
        _ => None,
    });
    assert_eq!(spill, Some(("wa".into(), "isp".into(), 240)));
    assert!(
        r.explanation.en.contains("spill-over"),
        "{}",
        r.explanation.en
    );
    // The ISP's own component failing is its own outage, not spill-over.
    let mut own = isp.clone();
    own.failed_probes = vec![(c("o2-de:lte-ran"), "DE-BY".parse().unwrap(), isp.start)];
    let r = relate(&own, &wa, &t);
    assert_ne!(r.verdict, Verdict::Related, "{r:#?}");
    // An hour later is no spill-over either.
    let late = det("late", "o2-de", &["mobile-data"], &["lte"], 60);
    assert_ne!(relate(&late, &wa, &t).verdict, Verdict::Related);
}

#[test]
fn call_surge_and_declared_symptom() {
    let t = topo();
    let lte = det("lte", "o2-de", &["mobile-data"], &["lte"], 0);
    let calls = hotline("calls", 6);
    assert!(calls.is_customer_service_signal());
    let r = relate(&lte, &calls, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(
        e,
        Evidence::CallSurge { lag_secs: 360, .. }
    )));
    // The CRM being down explains hotline complaints too (agents cannot help).
    let crm = crm_shutdown("sec-1", -3000);
    let r = relate(&calls, &crm, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(
        e,
        Evidence::DependencyPath {
            known_down: true,
            ..
        }
    )));
}

#[test]
fn root_ranking() {
    let t = topo();
    let top = |v: &IncidentView| rank_root_causes(v, &t)[0].component.to_string();
    assert_eq!(
        top(&det(
            "a",
            "o2-de",
            &["mobile-data", "mobile-voice"],
            &["lte", "umts"],
            0
        )),
        "o2-de:mobile-core"
    );
    // An LTE-only outage points to the LTE radio access, not the core.
    let lte = det("b", "o2-de", &["mobile-data"], &["lte"], 0);
    let ranked = rank_root_causes(&lte, &t);
    assert_eq!(ranked[0].component.to_string(), "o2-de:lte-ran");
    let core = ranked
        .iter()
        .find(|r| r.component.to_string() == "o2-de:mobile-core")
        .unwrap();
    assert!(core
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::QuietDependents { .. })));
    assert!(core.score < ranked[0].score);
    assert_eq!(
        top(&det(
            "c",
            "o2-de",
            &["mobile-data", "mobile-voice", "dsl"],
            &[],
            0
        )),
        "o2-de:ip-backbone"
    );
    assert_eq!(
        top(&det("d", "o2-de", &["dsl"], &["dsl"], 0)),
        "o2-de:dsl-access"
    );
    // Failed probes weigh heavily.
    let mut p = det("e", "o2-de", &["mobile-data", "mobile-voice"], &[], 0);
    p.failed_probes = vec![(c("o2-de:umts-ran"), "DE-BY".parse().unwrap(), p.start)];
    assert_eq!(top(&p), "o2-de:umts-ran");
    // A declared component is the root of its incident.
    let d = crm_shutdown("sec-1", 0);
    assert_eq!(top(&d), "o2-de:crm-dsl");
    // Cross-provider: alone, 1&1's own core (O2's quiet services argue against O2's core) ...
    let mvno = det("f", "1und1-de", &["mobile-data", "mobile-voice"], &[], 0);
    assert_eq!(top(&mvno), "1und1-de:mobile-core");
    // ... together with O2's outage, O2's core explains both.
    let o2 = det(
        "g",
        "o2-de",
        &["mobile-data", "mobile-voice"],
        &["lte", "umts"],
        0,
    );
    let both = rank_root_causes_of(&[&o2, &mvno], &t);
    assert_eq!(both[0].component.to_string(), "o2-de:mobile-core");
    assert!(rank_root_causes(&det("h", "o2-de", &[], &[], 0), &t).is_empty());
}

fn group_of<'a>(g: &'a [GroupAssignment], id: &str) -> &'a GroupAssignment {
    g.iter().find(|a| a.incident == id).unwrap()
}

#[test]
fn grouping_keeps_may_2017_apart_and_explains_the_hotline() {
    let t = topo();
    let crm = crm_shutdown("sec-1", -5 * 1440);
    let early_calls = hotline("calls-early", -5 * 1440 + 30);
    let lte = det("lte", "o2-de", &["mobile-data"], &["lte"], 0);
    let calls = hotline("calls", 8);
    let views = vec![crm, early_calls, lte, calls];
    let g = group(&views, &t);
    let (crm, early, lte, calls) = (
        group_of(&g, "sec-1"),
        group_of(&g, "calls-early"),
        group_of(&g, "lte"),
        group_of(&g, "calls"),
    );
    assert_ne!(crm.group, lte.group);
    assert_eq!(
        calls.group, lte.group,
        "the call surge belongs to the LTE outage"
    );
    assert_eq!(
        calls.role,
        Role::CallSurge {
            outage: "lte".into()
        }
    );
    assert_eq!(
        early.group, crm.group,
        "hotline complaints at the shutdown belong to it"
    );
    assert_eq!(
        early.role,
        Role::Symptom {
            incident: "sec-1".into()
        }
    );
    assert_eq!(crm.group, "sec-1");
    assert_eq!(lte.root, Some(c("o2-de:lte-ran")));
    assert_eq!(calls.root, Some(c("o2-de:lte-ran")));
    assert_eq!(crm.root, Some(c("o2-de:crm-dsl")));
    assert!(
        lte.explanation.en.contains("Unrelated"),
        "{}",
        lte.explanation.en
    );
    assert!(
        calls.explanation.en.contains("a separate cause"),
        "{}",
        calls.explanation.en
    );
    assert!(
        calls.explanation.de.contains("Anrufansturm"),
        "{}",
        calls.explanation.de
    );
}

#[test]
fn grouping_is_transitive_through_spill_over_and_cascades() {
    let t = topo();
    let views = vec![
        det("wa", "whatsapp", &["messaging"], &[], 0),
        det("o2", "o2-de", &["mobile-data"], &["lte"], 3),
        det("tk", "telekom-de", &["mobile-data"], &["lte"], 5),
        det("dsl", "o2-de", &["dsl"], &["dsl"], 300),
    ];
    let g = group(&views, &t);
    assert_eq!(g[0].group, g[1].group);
    assert_eq!(g[0].group, g[2].group, "telekom and o2 through whatsapp");
    assert_ne!(g[0].group, g[3].group);
    for a in &g[..3] {
        assert_eq!(a.root, Some(c("whatsapp:messaging")), "{a:?}");
    }
    assert_eq!(
        g[1].role,
        Role::SpillOver {
            source: "wa".into()
        }
    );
    assert_eq!(g[3].root, Some(c("o2-de:dsl-access")));
    assert_eq!(g[0].members, ["wa", "o2", "tk"]);

    let views = vec![
        det("mvno", "1und1-de", &["mobile-data", "mobile-voice"], &[], 4),
        det(
            "o2",
            "o2-de",
            &["mobile-data", "mobile-voice"],
            &["lte", "umts"],
            0,
        ),
    ];
    let g = group(&views, &t);
    assert_eq!(g[0].group, g[1].group);
    assert_eq!(g[0].group, "o2", "the earliest cause anchors the group");
    assert_eq!(g[0].root, Some(c("o2-de:mobile-core")));
}

#[test]
fn a_mixed_episode_joins_the_network_fault_not_the_security_shutdown() {
    let t = topo();
    // A mixed episode that overlaps both a declared security shutdown (through the hotline) and
    // a declared LTE fault: the two declarations are unrelated and stay apart.
    let crm = crm_shutdown("sec-1", -600);
    let net = declared(
        "net-1",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:lte-ran"],
        10,
    );
    let ep = det(
        "ep",
        "o2-de",
        &["mobile-data", "customer-service"],
        &["lte"],
        0,
    );
    let g = group(&[crm, net, ep], &t);
    assert_ne!(g[0].group, g[1].group);
    assert_eq!(g[2].group, g[1].group, "{:?}", g[2]);
    assert_eq!(g[2].root, Some(c("o2-de:lte-ran")));
    assert!(
        g[2].explanation.en.contains("call surge"),
        "{}",
        g[2].explanation.en
    );
}

/// WhatsApp's declared IT failure of its messaging, `start_min` after `T0`, over 3 hours after.
fn messaging_declared(start_min: i64) -> IncidentView {
    let mut v = declared(
        "wa-inc",
        "whatsapp",
        IncidentCategory::ItSystem,
        &["whatsapp:messaging"],
        start_min,
    );
    v.end = Some(Timestamp(T0 + 3 * 3600));
    v
}

#[test]
fn spill_over_from_a_declaration_made_after_the_rise() {
    let t = topo();
    // WhatsApp declares its outage 15 minutes after the ISP's reports rose.
    let wa = messaging_declared(15);
    let isp = det("isp", "o2-de", &["mobile-data"], &["lte"], 0);
    let r = relate(&isp, &wa, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(e, Evidence::SpillOver { .. })));
    // A detected source needs the rise to follow it.
    let wa_det = det("wa", "whatsapp", &["messaging"], &[], 15);
    assert_ne!(relate(&isp, &wa_det, &t).verdict, Verdict::Related);
    // A declaration an hour and a half after the rise explains nothing of it.
    let mut late = wa.clone();
    late.start = Timestamp(T0 + 90 * 60);
    assert_ne!(relate(&isp, &late, &t).verdict, Verdict::Related);
}

#[test]
fn a_late_declaration_is_timed_by_its_providers_rise_when_an_episode_shows_it() {
    let t = topo();
    // WhatsApp's reports rise at 0; it declares 50 minutes later. An ISP's internet reports
    // rise at 35: within the hour a rise may precede a declaration, but over half an hour
    // after WhatsApp's own rise, long after its users would have noticed.
    let wa_inc = messaging_declared(50);
    let wa = det("wa", "whatsapp", &["messaging"], &[], 0);
    let isp = IncidentView {
        problems: vec![(Problem::NoInternet, 0.6), (Problem::SlowInternet, 0.4)],
        ..det("isp", "o2-de", &["mobile-data"], &["lte"], 35)
    };
    // Judged alone, the declaration's own start is all there is: spill-over.
    assert_eq!(relate(&isp, &wa_inc, &t).verdict, Verdict::Related);
    // Beside the episode that shows when WhatsApp's reports rose: two outages.
    let g = group(&[wa.clone(), wa_inc.clone(), isp.clone()], &t);
    assert_eq!(g[0].group, g[1].group, "{g:#?}");
    assert_ne!(g[2].group, g[1].group, "{g:#?}");
    assert!(
        !g[1].explanation.en.contains("spill-over"),
        "{}",
        g[1].explanation.en
    );
    // The ISP's reports rising with WhatsApp's (4 minutes later) are its spill-over, and the
    // sentence says when they rose against the declaration.
    let isp_early = IncidentView {
        start: Timestamp(T0 + 4 * 60),
        ..isp.clone()
    };
    let g = group(&[wa, wa_inc.clone(), isp_early], &t);
    assert_eq!(g[2].group, g[1].group, "{g:#?}");
    assert!(
        g[2].explanation.en.contains("rose 4 min after"),
        "{}",
        g[2].explanation.en
    );
    // An episode that was over more than an hour before the declaration does not time it:
    // the declaration's own start and its hour stand.
    let old = IncidentView {
        end: Some(Timestamp(T0 - 120 * 60)),
        ..det("wa-old", "whatsapp", &["messaging"], &[], -180)
    };
    let g = group(&[old, wa_inc, isp], &t);
    assert_eq!(g[2].group, g[1].group, "{g:#?}");
    assert!(
        g[2].explanation.en.contains("rose 15 min before"),
        "{}",
        g[2].explanation.en
    );
}

#[test]
fn a_weak_unrelated_verdict_does_not_split_one_cause() {
    let t = topo();
    // WhatsApp's reports rise, an ISP's follow (spill-over), and WhatsApp declares an IT
    // failure on its messaging component more than an hour after the rise: all one cause,
    // even though the ISP episode and the late declaration, taken alone, look unrelated.
    let mut wa_inc = declared(
        "wa-inc",
        "whatsapp",
        IncidentCategory::ItSystem,
        &["whatsapp:messaging"],
        70,
    );
    wa_inc.end = Some(Timestamp(T0 + 3 * 3600));
    let views = vec![
        det("wa", "whatsapp", &["messaging"], &[], 0),
        det("isp", "o2-de", &["mobile-data"], &["lte"], 4),
        wa_inc,
    ];
    assert_eq!(relate(&views[1], &views[2], &t).verdict, Verdict::Unrelated);
    let g = group(&views, &t);
    assert_eq!(g[0].group, g[1].group);
    assert_eq!(g[0].group, g[2].group, "{g:#?}");
    // A sure "unrelated" still keeps causes apart: a declared security shutdown of the CRM
    // beside an LTE outage.
    let views = vec![
        det("lte", "o2-de", &["mobile-data"], &["lte"], 0),
        crm_shutdown("sec", -60),
    ];
    let g = group(&views, &t);
    assert_ne!(g[0].group, g[1].group);
}

#[test]
fn a_regional_outage_prefers_the_nearest_common_dependency() {
    let t = topo();
    // Telekom's mobile data needs its LTE radio access, which needs its mobile core: both
    // explain the outage fully.
    let mut v = det("tk", "telekom-de", &["mobile-data"], &["lte"], 0);
    let best = |v: &IncidentView| rank_root_causes(v, &t)[0].component.clone();
    assert_eq!(
        best(&v),
        c("telekom-de:mobile-core"),
        "national: the deepest"
    );
    v.regions = regions(&["DE-BY"]);
    assert_eq!(best(&v), c("telekom-de:lte-ran"), "regional: the nearest");
    let r = &rank_root_causes(&v, &t)[0];
    assert!(r
        .reasons
        .iter()
        .any(|x| matches!(x, Reason::Nearest { above: 1 })));
    // Half of the country or more counts as national.
    v.regions = regions(&["DE-BY", "DE-BE", "DE-NW"]);
    assert_eq!(best(&v), c("telekom-de:mobile-core"));
}

/// A regional and a national episode of one provider, minutes apart: the detector kept them
/// apart because the national one's rise lies where the regional one's services stay quiet.
/// Neither a shared component nor "one outage split in two" relates them, and a component
/// whose probes failed explains the national one only if most of the services that need it
/// show in it (the core's probes failing in Bayern do not explain calls failing everywhere).
/// A declaration is the operator's word and is not second-guessed so.
#[test]
fn a_regional_and_a_national_episode_of_one_provider_are_two_faults() {
    let t = topo();
    let mut regional = within(
        det(
            "a",
            "o2-de",
            &["mobile-data", "mobile-voice"],
            &["lte", "umts"],
            0,
        ),
        &["DE-BY"],
    );
    let national = det("b", "o2-de", &["mobile-voice"], &["umts"], 7);
    let r = relate(&regional, &national, &t);
    assert_ne!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(!has(&r, |e| matches!(e, Evidence::SameOutage { .. })));
    // Both in Bayern: one fault that the detector split.
    let also_regional = within(national.clone(), &["DE-BY"]);
    assert_eq!(
        relate(&regional, &also_regional, &t).verdict,
        Verdict::Related
    );
    // The mobile core's probes fail in Bayern, in the time of both (so both carry them).
    let probe = (
        c("o2-de:mobile-core"),
        "DE-BY".parse().unwrap(),
        regional.start,
    );
    regional.failed_probes = vec![probe.clone(), probe.clone()];
    let mut national = national;
    national.failed_probes = vec![probe.clone(), probe.clone()];
    let r = relate(&regional, &national, &t);
    assert_ne!(r.verdict, Verdict::Related, "{r:#?}");
    // The operator declaring the core down is believed: it relates.
    let decl = declared(
        "d",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:mobile-core"],
        45,
    );
    assert_eq!(relate(&national, &decl, &t).verdict, Verdict::Related);
}

#[test]
fn a_hosts_component_failing_in_one_region_does_not_tie_a_virtual_operators_national_fault_to_a_regional_one(
) {
    // The virtual operator 1&1 rides on O2's mobile core. Its calls fail everywhere, and its
    // data fails in Bayern, where the host's core probes fail: the probes explain the regional
    // data fault, not calls failing nationwide while data elsewhere is fine.
    let t = topo();
    let probe = (
        c("o2-de:mobile-core"),
        "DE-BY".parse().unwrap(),
        Timestamp(T0),
    );
    let mut regional = within(
        det("a", "1und1-de", &["mobile-data"], &["lte"], 0),
        &["DE-BY"],
    );
    regional.failed_probes = vec![probe.clone(), probe.clone()];
    let mut national = det("b", "1und1-de", &["mobile-voice"], &["umts"], 7);
    national.failed_probes = vec![probe.clone(), probe.clone()];
    let r = relate(&regional, &national, &t);
    assert_ne!(r.verdict, Verdict::Related, "{r:#?}");
    // Both in Bayern: the host's core down there explains both.
    let also_regional = within(national.clone(), &["DE-BY"]);
    let r = relate(&regional, &also_regional, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
}

#[test]
fn one_component_down_in_disjoint_regions_is_two_faults() {
    let t = topo();
    let mut a = within(det("a", "o2-de", &["mobile-data"], &["lte"], 0), &["DE-BY"]);
    a.failed_probes = vec![(c("o2-de:lte-ran"), "DE-BY".parse().unwrap(), a.start)];
    let mut b = within(
        det("b", "o2-de", &["mobile-data"], &["lte"], 30),
        &["DE-HH"],
    );
    b.failed_probes = vec![(c("o2-de:lte-ran"), "DE-HH".parse().unwrap(), b.start)];
    assert_ne!(relate(&a, &b, &t).verdict, Verdict::Related);
    // Where they meet, the same component down relates them.
    b.regions = regions(&["DE-HH", "DE-BY"]);
    assert_eq!(relate(&a, &b, &t).verdict, Verdict::Related);
}

#[test]
fn coincidence_with_an_online_outage_is_not_spill_over() {
    let t = topo();
    let wa = det("wa", "whatsapp", &["messaging"], &[], 0);
    let spill = IncidentView {
        problems: vec![(Problem::NoInternet, 0.6), (Problem::Login, 0.4)],
        ..det("spill", "telekom-de", &["mobile-data"], &["lte"], 3)
    };
    // A voice fault starting within minutes: calls, signal and SMS, not the internet.
    let voice = IncidentView {
        problems: vec![
            (Problem::NoCalls, 0.6),
            (Problem::NoSignal, 0.3),
            (Problem::NoSms, 0.1),
        ],
        ..det("voice", "1und1-de", &["mobile-voice"], &[], 2)
    };
    // A fixed-internet fault in one region of four, while the service is down everywhere.
    let fixed = within(
        IncidentView {
            problems: vec![(Problem::NoInternet, 0.6), (Problem::TotalOutage, 0.4)],
            ..det("fixed", "o2-de", &["dsl"], &["dsl"], 1)
        },
        &["DE-HH"],
    );
    assert_eq!(relate(&spill, &wa, &t).verdict, Verdict::Related);
    for v in [&voice, &fixed] {
        let r = relate(v, &wa, &t);
        assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
        assert!(has(&r, |e| matches!(e, Evidence::NotSpillOver { .. })));
        assert!(
            r.explanation.en.contains("not spill-over"),
            "{}",
            r.explanation.en
        );
    }
    // Grouped: the spill-over joins the service's outage, the two coincident faults stay apart.
    let views = vec![wa.clone(), spill, voice, fixed];
    let g = group(&views, &t);
    assert_eq!(g[0].group, g[1].group);
    assert_ne!(g[2].group, g[0].group);
    assert_ne!(g[3].group, g[0].group);
    assert_ne!(g[2].group, g[3].group);
    assert_ne!(
        g[2].root.as_ref().map(|c| c.to_string()),
        Some("whatsapp:messaging".to_owned())
    );
}

/// A chain `web → api → db` behind one service, each component measured by a signal.
fn measured_chain() -> Topology {
    let mut t = String::from(
        "[[providers]]\nid = \"shop\"\nname = \"Shop\"\nkind = \"online-service\"\ncountry = \"US\"\n",
    );
    for (id, deps) in [("web", "[\"api\"]"), ("api", "[\"db\"]"), ("db", "[]")] {
        t.push_str(&format!(
            "[[components]]\nprovider = \"shop\"\nid = \"{id}\"\nname = \"{id}\"\ndepends_on = {deps}\n[[signals]]\nprovider = \"shop\"\nid = \"{id}-latency\"\nname = \"{id} latency\"\ncomponent = \"{id}\"\nworse = \"higher\"\n"
        ));
    }
    t.push_str("[[services]]\nprovider = \"shop\"\nid = \"site\"\nname = \"Site\"\ndepends_on = [\"web\"]\n");
    Topology::from_toml("t.toml", &t).unwrap()
}

fn latency_anomaly(component: &str) -> SignalAnomaly {
    SignalAnomaly {
        provider: "shop".parse().unwrap(),
        signal: format!("{component}-latency").parse().unwrap(),
        region: None,
        name: format!("{component} latency"),
        unit: Some("s".into()),
        component: Some(ComponentRef {
            provider: "shop".parse().unwrap(),
            component: component.parse().unwrap(),
        }),
        start: Timestamp(1000),
        end: None,
        rising: true,
        peak: 2.0,
        peak_at: Timestamp(1300),
        typical: 0.2,
        band: (0.1, 0.3),
        score: 0.6,
    }
}

/// The root candidates of an incident on the measured chain's site (1000 to 4000) with these
/// signal anomalies attached.
fn rank_on_chain(anoms: &[SignalAnomaly]) -> Vec<RootCandidate> {
    let t = measured_chain();
    let mut v = det("i", "shop", &["site"], &[], 0);
    v.start = Timestamp(1000);
    v.end = Some(Timestamp(4000));
    v.attach_signal_anomalies(anoms, &t, Timestamp(4000));
    rank_root_causes(&v, &t)
}

/// Whether candidate `id` has a reason that `is` accepts.
fn has_reason(r: &[RootCandidate], id: &str, is: fn(&Reason) -> bool) -> bool {
    r.iter()
        .find(|x| x.component.component.as_str() == id)
        .unwrap()
        .reasons
        .iter()
        .any(is)
}

/// The candidates with evidence of their own, best first.
fn with_evidence(r: &[RootCandidate]) -> Vec<&str> {
    r.iter()
        .filter(|x| x.has_evidence())
        .map(|x| x.component.component.as_str())
        .collect()
}

#[test]
fn an_isolated_signal_anomaly_counts_less_than_one_its_callers_show() {
    let ranked = rank_on_chain;
    let isolated = |r: &[RootCandidate], id: &str| {
        has_reason(r, id, |x| matches!(x, Reason::QuietCallers { .. }))
    };
    // db and api slow: a path of anomalies from the service (web, which the service uses,
    // shows the incident itself); the deepest, db, wins.
    let r = ranked(&[latency_anomaly("db"), latency_anomaly("api")]);
    assert!(!isolated(&r, "api"));
    assert!(
        !isolated(&r, "db"),
        "api shows an anomaly: db is not isolated"
    );
    assert_eq!(r[0].component.component.as_str(), "db");
    // db and web slow, api (measured, db's only caller) calm: db is isolated and ranks below
    // web although it lies deeper.
    let r = ranked(&[latency_anomaly("db"), latency_anomaly("web")]);
    assert!(isolated(&r, "db"));
    assert!(!isolated(&r, "web"));
    assert_eq!(r[0].component.component.as_str(), "web");
    // db stays in the ranking, but its anomaly alone does not connect it to the incident.
    assert_eq!(with_evidence(&r), ["web"]);
    // No anomaly at all: nothing has evidence.
    assert!(!ranked(&[]).iter().any(|x| x.has_evidence()));
}

#[test]
fn a_dependency_anomaly_its_callers_explain_counts_less_than_their_own() {
    let ranked = rank_on_chain;
    let top = |r: &[RootCandidate]| r[0].component.component.as_str().to_owned();
    let explained = |r: &[RootCandidate], id: &str| {
        has_reason(r, id, |x| matches!(x, Reason::ExplainedByCallers { .. }))
    };
    let with = |c: &str, f: &dyn Fn(&mut SignalAnomaly)| {
        let mut a = latency_anomaly(c);
        f(&mut a);
        a
    };
    // api's latency rose by 1.8 s, db's by 5 ms: api's rise is its own (db cannot add more
    // than its own rise per call), so api outranks the deeper db.
    let db_drift = with("db", &|a| {
        a.typical = 0.004;
        a.peak = 0.009;
    });
    let r = ranked(&[db_drift.clone(), latency_anomaly("api")]);
    assert!(explained(&r, "db"));
    assert_eq!(top(&r), "api");
    // Comparable rises: db explains api's, and the deepest wins as before.
    let db_slow = with("db", &|a| a.peak = 1.2);
    let r = ranked(&[db_slow, latency_anomaly("api")]);
    assert!(!explained(&r, "db"));
    assert_eq!(top(&r), "db");
    // A rise of another unit (errors) on api is not what db's slower answers cause: db's
    // drift reached none of its callers and counts as isolated.
    let api_errors = with("api", &|a| {
        a.unit = None;
        a.typical = 0.0;
        a.peak = 0.08;
    });
    let r = ranked(&[db_drift, api_errors]);
    assert_eq!(top(&r), "api");
    // Less load on db (worse = lower) while api is in trouble: api calls it less.
    let db_fewer = with("db", &|a| {
        a.unit = Some("requests".into());
        a.rising = false;
        a.typical = 10.0;
        a.peak = 0.0;
    });
    let r = ranked(&[db_fewer.clone(), latency_anomaly("api")]);
    assert!(explained(&r, "db"));
    assert_eq!(top(&r), "api");
    assert_eq!(with_evidence(&r), ["api"]);
}

#[test]
fn a_failed_probe_is_evidence_once_confirmed_in_its_region() {
    let c = |s: &str| {
        let (p, c) = s.split_once(':').unwrap();
        ComponentRef {
            provider: ProviderId::parse(p).unwrap(),
            component: crate::ComponentId::parse(c).unwrap(),
        }
    };
    let r = |s: &str| RegionId::parse(s).unwrap();
    let failed = vec![
        // A flap: one failed check of the radio network in Zürich.
        (c("helvecom-ch:ran-lte"), r("CH-ZH"), Timestamp(T0)),
        // A failure: the core fails at two checks in Bern.
        (c("helvecom-ch:mobile-core"), r("CH-BE"), Timestamp(T0)),
        (
            c("helvecom-ch:mobile-core"),
            r("CH-BE"),
            Timestamp(T0 + 300),
        ),
        // One more failure of the core, elsewhere: not confirmed there.
        (
            c("helvecom-ch:mobile-core"),
            r("CH-GE"),
            Timestamp(T0 + 300),
        ),
        // Confirmed, but outside the window.
        (c("helvecom-ch:ran-lte"), r("CH-ZH"), Timestamp(T0 + 7200)),
        // Flaps of one probe spread over the window: each more than a quarter of an hour
        // after the one before, so never a failure confirmed.
        (c("helvecom-ch:ran-lte"), r("CH-BE"), Timestamp(T0)),
        (c("helvecom-ch:ran-lte"), r("CH-BE"), Timestamp(T0 + 1200)),
        (c("helvecom-ch:ran-lte"), r("CH-BE"), Timestamp(T0 + 2400)),
    ];
    let kept = super::confirmed_failures(
        &failed,
        Timestamp(T0 - 600),
        Timestamp(T0 + 3600),
        |_, _| true,
    );
    let kept: Vec<(String, String)> = kept
        .iter()
        .map(|(c, r, _)| (c.to_string(), r.to_string()))
        .collect();
    assert_eq!(
        kept,
        [
            ("helvecom-ch:mobile-core".to_owned(), "CH-BE".to_owned()),
            ("helvecom-ch:mobile-core".to_owned(), "CH-BE".to_owned())
        ]
    );
    // `keep` filters before counting: a filtered-out failure does not confirm another.
    let none = super::confirmed_failures(
        &failed,
        Timestamp(T0 - 600),
        Timestamp(T0 + 3600),
        |_, r| r.as_str() != "CH-BE",
    );
    assert!(none.is_empty());
}

#[test]
fn a_spill_over_has_one_source_and_does_not_chain_two_online_outages() {
    // Two online services down four minutes apart with nothing in common, and an ISP whose
    // customers report both: the ISP's rise joins the outage that began closest before it,
    // and the two online outages stay two causes.
    let t = Topology::from_toml(
        "t",
        &format!(
            "{TOPO}\n[[providers]]\nid = \"streamflix\"\nname = \"Streamflix\"\nkind = \"online-service\"\ncountry = \"US\"\n[[components]]\nprovider = \"streamflix\"\nid = \"playback\"\nname = \"Playback\"\n[[services]]\nprovider = \"streamflix\"\nid = \"video\"\nname = \"Video\"\ndepends_on = [\"playback\"]\n"
        ),
    )
    .unwrap();
    let views = vec![
        det("wa", "whatsapp", &["messaging"], &[], 0),
        det("sf", "streamflix", &["video"], &[], 4),
        within(
            det("isp", "o2-de", &["mobile-data"], &["lte"], 7),
            &["DE-BY", "DE-NW"],
        ),
    ];
    // Both spill-over links alone would be related.
    assert_eq!(relate(&views[2], &views[0], &t).verdict, Verdict::Related);
    assert_eq!(relate(&views[2], &views[1], &t).verdict, Verdict::Related);
    let g = group(&views, &t);
    assert_ne!(g[0].group, g[1].group, "{g:#?}");
    assert_eq!(g[2].group, g[1].group, "{g:#?}");
    assert_eq!(
        g[2].role,
        Role::SpillOver {
            source: "sf".into()
        }
    );
    assert_eq!(g[0].root, Some(c("whatsapp:messaging")));
    assert_eq!(g[2].root, Some(c("streamflix:playback")));
}

#[test]
fn one_providers_outages_on_different_services_share_a_cause_only_when_they_begin_together() {
    // Mobile data and calls, and DSL, of one provider in the same Länder: a part all need (the
    // backbone)
    // could explain both only if they began about together; a quarter of an hour apart they
    // are two faults. Across providers the common-onset window stays wider.
    let t = topo();
    let at = |lag: i64| {
        let a = within(
            det(
                "mobile",
                "o2-de",
                &["mobile-data", "mobile-voice"],
                &["lte", "umts"],
                0,
            ),
            &["DE-BY", "DE-NW"],
        );
        let b = within(det("dsl", "o2-de", &["dsl"], &["dsl"], lag), &["DE-BY"]);
        relate(&a, &b, &t)
    };
    let together = at(3);
    assert_eq!(together.verdict, Verdict::Related, "{together:#?}");
    let apart = at(15);
    assert_ne!(apart.verdict, Verdict::Related, "{apart:#?}");
}

/// Two telecoms of one country, nothing shared, and six regions.
const TWO_NETWORKS: &str = r#"
[[providers]]
id = "mobil-it"
name = "Mobil"
kind = "telecom"
country = "IT"
[[providers]]
id = "fibra-it"
name = "Fibra"
kind = "telecom"
country = "IT"
[[regions]]
id = "IT-21"
name = "Piemonte"
[[regions]]
id = "IT-25"
name = "Lombardia"
[[regions]]
id = "IT-34"
name = "Veneto"
[[regions]]
id = "IT-45"
name = "Emilia-Romagna"
[[regions]]
id = "IT-52"
name = "Toscana"
[[regions]]
id = "IT-62"
name = "Lazio"
[[components]]
provider = "mobil-it"
id = "mobile-core"
name = "Mobile core"
[[components]]
provider = "mobil-it"
id = "radio-access"
name = "Radio access"
depends_on = ["mobile-core"]
[[components]]
provider = "mobil-it"
id = "voice-core"
name = "Voice core"
depends_on = ["mobile-core"]
[[services]]
provider = "mobil-it"
id = "mobile-data"
name = "Mobile internet"
depends_on = ["radio-access"]
[[services]]
provider = "mobil-it"
id = "mobile-voice"
name = "Mobile calls"
depends_on = ["radio-access", "voice-core"]
[[components]]
provider = "fibra-it"
id = "bng"
name = "Broadband gateways"
[[components]]
provider = "fibra-it"
id = "fixed-access"
name = "Fixed access"
depends_on = ["bng"]
[[services]]
provider = "fibra-it"
id = "fixed-internet"
name = "Fixed internet"
depends_on = ["fixed-access"]
[[services]]
provider = "fibra-it"
id = "landline"
name = "Landline"
depends_on = ["fixed-access"]
"#;

#[test]
fn a_local_event_relates_two_networks_failing_in_one_place_and_each_keeps_its_root() {
    let t = Topology::from_toml("t", TWO_NETWORKS).unwrap();
    let mobile = IncidentView {
        problems: vec![(Problem::NoSignal, 0.6), (Problem::NoCalls, 0.4)],
        ..within(
            det("m", "mobil-it", &["mobile-data", "mobile-voice"], &[], 4),
            &["IT-34"],
        )
    };
    let fixed = IncidentView {
        problems: vec![(Problem::NoInternet, 0.7), (Problem::TotalOutage, 0.3)],
        ..within(
            det("f", "fibra-it", &["fixed-internet", "landline"], &[], 0),
            &["IT-34"],
        )
    };
    let r = relate(&mobile, &fixed, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(
        e,
        Evidence::LocalEvent { lag_secs: -240, jaccard } if *jaccard == 1.0
    )));
    assert!(
        r.explanation.en.contains("local event"),
        "{}",
        r.explanation.en
    );
    assert!(r.explanation.en.contains("Veneto"), "{}", r.explanation.en);
    // One cause group; each network keeps the root its own services point to.
    let g = group(&[fixed.clone(), mobile.clone()], &t);
    assert_eq!(g[0].group, g[1].group);
    assert_eq!(
        g[0].root.as_ref().map(|c| c.to_string()).as_deref(),
        Some("fibra-it:fixed-access")
    );
    assert_eq!(
        g[1].root.as_ref().map(|c| c.to_string()).as_deref(),
        Some("mobil-it:radio-access")
    );

    // What is not a local event: one service only (a fault of one component), a national
    // outage, another place, onsets more than half an hour apart.
    let voice_only = within(det("v", "mobil-it", &["mobile-voice"], &[], 4), &["IT-34"]);
    let national = det("n", "mobil-it", &["mobile-data", "mobile-voice"], &[], 4);
    let elsewhere = within(
        det("e", "mobil-it", &["mobile-data", "mobile-voice"], &[], 4),
        &["IT-52"],
    );
    let later = within(
        det("l", "mobil-it", &["mobile-data", "mobile-voice"], &[], 45),
        &["IT-34"],
    );
    for v in [&voice_only, &national, &elsewhere, &later] {
        let r = relate(v, &fixed, &t);
        assert!(
            !has(&r, |e| matches!(e, Evidence::LocalEvent { .. })),
            "{r:#?}"
        );
        assert_ne!(r.verdict, Verdict::Related, "{}: {r:#?}", v.id);
    }
}

/// A storm over three regions takes one network down in all three and a fixed network, present
/// only in one of them or hit only there, in that one: the same place, though the Jaccard index
/// of the two scopes is a third. An operator who declares its part of the storm with its place
/// ("(IT-34)") declares it up to an hour after the reports rose: the declaration is a member of
/// the scene, and its start may lag by that much.
#[test]
fn a_local_event_holds_a_scope_inside_the_other_and_a_declaration_that_names_its_place() {
    let t = Topology::from_toml("t", TWO_NETWORKS).unwrap();
    let fixed = within(
        det("f", "fibra-it", &["fixed-internet", "landline"], &[], 0),
        &["IT-34"],
    );
    // Three regions holding 30 % of the mobile network's customers (learned shares).
    let wide = IncidentView {
        region_shares: [
            ("IT-21", 0.35),
            ("IT-25", 0.35),
            ("IT-34", 0.1),
            ("IT-45", 0.1),
            ("IT-52", 0.1),
            ("IT-62", 0.0),
        ]
        .iter()
        .map(|(r, w)| (r.parse().unwrap(), *w))
        .collect(),
        ..within(
            det("m", "mobil-it", &["mobile-data", "mobile-voice"], &[], 4),
            &["IT-34", "IT-45", "IT-52"],
        )
    };
    let r = relate(&wide, &fixed, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(e, Evidence::LocalEvent { .. })));
    // Overlapping without one inside the other is not the same place.
    let beside = within(
        det("b", "mobil-it", &["mobile-data", "mobile-voice"], &[], 4),
        &["IT-45", "IT-52"],
    );
    let fixed_two = within(
        det("f2", "fibra-it", &["fixed-internet", "landline"], &[], 0),
        &["IT-34", "IT-45"],
    );
    assert!(!has(&relate(&beside, &fixed_two, &t), |e| matches!(
        e,
        Evidence::LocalEvent { .. }
    )));
    let declared_at = |minutes: i64| IncidentView {
        services: vec![
            "mobile-data".parse().unwrap(),
            "mobile-voice".parse().unwrap(),
        ],
        ..within(
            declared(
                "d",
                "mobil-it",
                IncidentCategory::Network,
                &["mobil-it:radio-access"],
                minutes,
            ),
            &["IT-34"],
        )
    };
    let local = |v: &IncidentView| {
        has(&relate(v, &fixed, &t), |e| {
            matches!(e, Evidence::LocalEvent { .. })
        })
    };
    assert!(
        local(&declared_at(50)),
        "{:#?}",
        relate(&declared_at(50), &fixed, &t)
    );
    assert!(!local(&declared_at(70)));
    // A declaration that names no place may be national: not a member of a scene.
    let unplaced = IncidentView {
        regions: None,
        ..declared_at(10)
    };
    assert!(!local(&unplaced));
}

#[test]
fn a_spill_over_footprint_counts_customers_where_the_detector_learned_them() {
    // No populations in the topology: by equal shares one Land of four holds a quarter of the
    // service's users, too few for spill-over from an outage everywhere; by the shares the
    // detector learned from the telecom's own reports it holds most of its customers.
    let t = topo();
    let wa = det("wa", "whatsapp", &["messaging"], &[], 0);
    let spill = IncidentView {
        problems: vec![(Problem::NoInternet, 0.6), (Problem::Login, 0.4)],
        ..within(
            det("spill", "telekom-de", &["mobile-data"], &["lte"], 3),
            &["DE-NW"],
        )
    };
    let r = relate(&spill, &wa, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
    assert!(has(&r, |e| matches!(e, Evidence::NotSpillOver { .. })));
    let learned = IncidentView {
        region_shares: [
            ("DE-NW", 0.6),
            ("DE-BY", 0.2),
            ("DE-BE", 0.1),
            ("DE-HH", 0.1),
        ]
        .iter()
        .map(|(r, w)| (r.parse().unwrap(), *w))
        .collect(),
        ..spill
    };
    let r = relate(&learned, &wa, &t);
    assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    assert!(has(&r, |e| matches!(
        e,
        Evidence::SpillOver { regions_containment, .. } if *regions_containment == 1.0
    )));
}

#[test]
fn two_networks_down_in_one_place_at_one_time_are_not_called_unrelated() {
    // A fibre network down in Veneto, and an hour later (while it still is) a mobile network's
    // data there: nothing in the topology links them, their technologies differ, and the
    // onsets are too far apart for a local event; but place and time are what a storm looks
    // like, so the verdict stays open (a confident "unrelated" would block the storm's group).
    // Elsewhere, the same facts are two faults.
    let t = Topology::from_toml("t", TWO_NETWORKS).unwrap();
    let fixed = within(
        det(
            "f",
            "fibra-it",
            &["fixed-internet", "landline"],
            &["ftth"],
            0,
        ),
        &["IT-34"],
    );
    let here = within(
        det("m", "mobil-it", &["mobile-data"], &["lte"], 60),
        &["IT-34"],
    );
    let r = relate(&here, &fixed, &t);
    assert_eq!(r.verdict, Verdict::Undetermined, "{r:#?}");
    let elsewhere = within(
        det("e", "mobil-it", &["mobile-data"], &["lte"], 60),
        &["IT-52"],
    );
    let r = relate(&elsewhere, &fixed, &t);
    assert_eq!(r.verdict, Verdict::Unrelated, "{r:#?}");
}

/// Isolated flaps (a failed check between two passed ones) are left out, however close; runs
/// of failures, a failure whose next check has not come, and failures without known
/// neighbours stay.
#[test]
fn isolated_probe_flaps_are_not_failures() {
    let dns = ComponentRef {
        provider: ProviderId::parse("o2-de").unwrap(),
        component: crate::ComponentId::parse("dns").unwrap(),
    };
    let by = RegionId::parse("DE-BY").unwrap();
    let hh = RegionId::parse("DE-HH").unwrap();
    let mut checks: Vec<(ComponentRef, RegionId, Timestamp, bool)> = [
        (0, true),
        (300, false),
        (600, true),
        (900, false),
        (1200, true),
        (1500, false),
        (1800, false),
        (2100, true),
        (2400, false),
    ]
    .into_iter()
    .map(|(t, ok)| (dns.clone(), by.clone(), Timestamp(t), ok))
    .collect();
    checks.push((dns.clone(), hh.clone(), Timestamp(1000), false));
    // Any order in, oldest first out.
    checks.reverse();
    let kept: Vec<(RegionId, i64)> = super::failures_without_flaps(&checks)
        .into_iter()
        .map(|(_, r, t)| (r, t.0))
        .collect();
    assert_eq!(
        kept,
        [
            (hh.clone(), 1000),
            (by.clone(), 1500),
            (by.clone(), 1800),
            (by.clone(), 2400)
        ]
    );
    // The two flaps ten minutes apart would have confirmed each other by time alone.
    let flaps: Vec<_> = checks
        .iter()
        .filter(|(_, r, t, ok)| !ok && *r == by && t.0 < 1000)
        .map(|(c, r, t, _)| (c.clone(), r.clone(), *t))
        .collect();
    assert_eq!(
        super::confirmed_failures(&flaps, Timestamp(0), Timestamp(3000), |_, _| true).len(),
        2
    );
}

#[test]
fn a_declared_component_explains_only_an_episode_most_of_whose_services_need_it() {
    let t = topo();
    let voice = declared(
        "voice-inc",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:voice-core"],
        5,
    );
    let known_via_voice_core = |r: &Relation| {
        has(r, |e| {
            matches!(e, Evidence::DependencyPath { via, known_down: true, .. }
                if via.to_string() == "o2-de:voice-core")
        })
    };
    // A cut in Bayern takes data, calls and DSL there: calls need the voice core, data and
    // DSL do not.
    let cut = within(
        det(
            "cut",
            "o2-de",
            &["mobile-data", "mobile-voice", "dsl"],
            &[],
            10,
        ),
        &["DE-BY"],
    );
    assert!(!known_via_voice_core(&relate(&cut, &voice, &t)));
    // Calls (and their callers at the hotline) in Bayern are the declared fault's.
    let calls = within(
        det(
            "calls",
            "o2-de",
            &["mobile-voice", "customer-service"],
            &[],
            10,
        ),
        &["DE-BY"],
    );
    let r = relate(&calls, &voice, &t);
    assert!(known_via_voice_core(&r), "{r:#?}");
    assert_eq!(r.verdict, Verdict::Related);
}

#[test]
fn two_declared_faults_of_a_host_are_not_joined_through_its_virtual_operators_episode() {
    // A host declares its voice core down, and an hour later a transport cut. Its
    // virtual operator's calls fail nationwide (they need both the voice core and, through the
    // radio, the transport) and its data fails in one region (it needs the transport only).
    let t = Topology::from_toml(
        "t",
        r#"
[[providers]]
id = "host"
name = "Host"
kind = "telecom"
country = "FR"
[[providers]]
id = "mvno"
name = "Virtual"
kind = "telecom"
country = "FR"
[[regions]]
id = "FR-IDF"
name = "Île-de-France"
[[regions]]
id = "FR-OCC"
name = "Occitanie"
[[components]]
provider = "host"
id = "ip-backbone"
name = "IP backbone"
[[components]]
provider = "host"
id = "ims"
name = "Voice core"
depends_on = ["ip-backbone"]
[[components]]
provider = "host"
id = "transport"
name = "Transport"
depends_on = ["ip-backbone"]
[[components]]
provider = "host"
id = "ran"
name = "Radio access"
depends_on = ["transport"]
[[services]]
provider = "host"
id = "mobile-voice"
name = "Mobile calls"
depends_on = ["ran", "ims"]
[[services]]
provider = "host"
id = "mobile-data"
name = "Mobile internet"
depends_on = ["ran"]
[[services]]
provider = "mvno"
id = "mobile-voice"
name = "Mobile calls"
depends_on = ["host:ran", "host:ims"]
[[services]]
provider = "mvno"
id = "mobile-data"
name = "Mobile internet"
depends_on = ["host:ran"]
"#,
    )
    .unwrap();
    let ims = declared("ims", "host", IncidentCategory::Network, &["host:ims"], 0);
    let cut = declared(
        "cut",
        "host",
        IncidentCategory::Network,
        &["host:transport"],
        60,
    );
    let calls = det("calls", "mvno", &["mobile-voice"], &[], 2);
    let data = within(det("data", "mvno", &["mobile-data"], &[], 26), &["FR-OCC"]);
    // Each declaration explains the calls on its own.
    for d in [&ims, &cut] {
        let r = relate(&calls, d, &t);
        assert_eq!(r.verdict, Verdict::Related, "{r:#?}");
    }
    let views = vec![cut.clone(), calls.clone(), data.clone(), ims.clone()];
    let g = group(&views, &t);
    assert_eq!(group_of(&g, "calls").group, group_of(&g, "ims").group);
    assert_eq!(group_of(&g, "data").group, group_of(&g, "cut").group);
    assert_ne!(group_of(&g, "ims").group, group_of(&g, "cut").group);
    // The voice core declared forty minutes late; the host's own data fails in the cut's
    // region, where its radio probes fail, and the calls cross that region: the probes relate
    // the calls to the host's data sooner in time than the declaration does, but the
    // operator's word goes first.
    let late_ims = declared("ims", "host", IncidentCategory::Network, &["host:ims"], 40);
    let mut host_data = within(
        det("host-data", "host", &["mobile-data"], &[], 24),
        &["FR-OCC"],
    );
    let probe = (
        c("host:ran"),
        "FR-OCC".parse().unwrap(),
        Timestamp(T0 + 25 * 60),
    );
    host_data.failed_probes = vec![probe.clone(), probe.clone()];
    let mut calls = calls;
    calls.failed_probes = vec![probe.clone(), probe];
    let views = vec![cut, calls, data, late_ims, host_data];
    let g = group(&views, &t);
    assert_eq!(group_of(&g, "calls").group, group_of(&g, "ims").group);
    assert_eq!(group_of(&g, "host-data").group, group_of(&g, "cut").group);
    assert_ne!(group_of(&g, "ims").group, group_of(&g, "cut").group);
    // A declared backbone fault beside the voice core that needs it is one cascade.
    let backbone = declared(
        "cut",
        "host",
        IncidentCategory::Network,
        &["host:ip-backbone"],
        25,
    );
    let g = group(&[backbone, ims], &t);
    assert_eq!(group_of(&g, "ims").group, group_of(&g, "cut").group);
}

#[test]
fn an_episode_two_known_faults_could_explain_joins_the_one_that_fits_where_it_is() {
    // O2 declares its voice core down (a national calls episode shows it). Radio probes fail
    // in Bayern, where mobile data is down; twenty minutes later calls fail there too. The
    // calls in Bayern could be the voice core's (calls need it) or the radio's (probes there):
    // the radio fits where they are, and the episode has one cause, so it does not tie the
    // two faults into one group.
    let t = topo();
    let mut voice = declared(
        "voice-inc",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:voice-core"],
        0,
    );
    // As the product view builds a declaration's view: the services its components carry.
    voice.services = vec!["mobile-voice".parse().unwrap()];
    let mut calls = det("calls", "o2-de", &["mobile-voice"], &["umts"], 0);
    calls.problems = vec![(Problem::NoCalls, 1.0)];
    let probe = (
        c("o2-de:umts-ran"),
        "DE-BY".parse().unwrap(),
        Timestamp(T0 + 20 * 60),
    );
    let mut data = within(
        det("data", "o2-de", &["mobile-data"], &["umts"], 20),
        &["DE-BY"],
    );
    data.failed_probes = vec![probe.clone(), probe.clone()];
    let mut calls_by = within(
        det("calls-by", "o2-de", &["mobile-voice"], &["umts"], 40),
        &["DE-BY"],
    );
    calls_by.problems = vec![(Problem::NoCalls, 1.0)];
    calls_by.failed_probes = vec![probe.clone(), probe];
    let views = [voice, calls, data, calls_by];
    let groups = group(&views, &t);
    let of = |id: &str| group_of(&groups, id).group.clone();
    assert_eq!(of("calls"), of("voice-inc"), "{groups:#?}");
    assert_eq!(of("calls-by"), of("data"), "{groups:#?}");
    assert_ne!(of("data"), of("voice-inc"), "{groups:#?}");
}

#[test]
fn failures_of_a_component_that_needs_one_declared_down_are_its_symptoms() {
    // O2 declares its mobile core down; data and calls fail, and the UMTS radio's probes fail
    // in Bayern and Berlin: the radio needs the core, so its probes show the core's fault.
    let t = topo();
    let core = declared(
        "core-inc",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:mobile-core"],
        0,
    );
    let mut ep = det(
        "ep",
        "o2-de",
        &["mobile-data", "mobile-voice"],
        &["umts"],
        0,
    );
    let at = Timestamp(T0 + 300);
    for r in ["DE-BY", "DE-BE"] {
        let probe = (c("o2-de:umts-ran"), r.parse().unwrap(), at);
        ep.failed_probes.extend([probe.clone(), probe]);
    }
    let ranked = rank_root_causes_of(&[&core, &ep], &t);
    assert_eq!(ranked[0].component, c("o2-de:mobile-core"), "{ranked:#?}");
    let radio = ranked
        .iter()
        .find(|x| x.component == c("o2-de:umts-ran"))
        .expect("the radio is a candidate");
    assert!(
        radio
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::NeedsDeclared { .. })),
        "{radio:#?}"
    );
    // Without the declaration the probes point at the radio.
    let ranked = rank_root_causes_of(&[&ep], &t);
    assert_eq!(ranked[0].component, c("o2-de:umts-ran"), "{ranked:#?}");
}

/// Two faults of one provider declared on different components, both in reach of an episode
/// of failing calls that began before either: the episode goes with the one whose component
/// explains what it shows and little else (the voice core, whose only service is calls), not
/// with the one declared closer to its onset (the UMTS radio network, which would take mobile
/// data too).
#[test]
fn an_episode_goes_with_the_declared_fault_that_explains_what_it_shows() {
    let t = topo();
    let calls = det("calls", "o2-de", &["mobile-voice"], &[], 0);
    let radio = declared(
        "radio",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:umts-ran"],
        10,
    );
    let voice = declared(
        "voice",
        "o2-de",
        IncidentCategory::Network,
        &["o2-de:voice-core"],
        25,
    );
    let g = group(&[calls, radio, voice], &t);
    let (calls, radio, voice) = (
        group_of(&g, "calls"),
        group_of(&g, "radio"),
        group_of(&g, "voice"),
    );
    assert_ne!(radio.group, voice.group, "two declared faults stay apart");
    assert_eq!(calls.group, voice.group, "{:?}", calls.explanation);
}
