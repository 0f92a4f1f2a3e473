//! Every kind writes a package that keeps the scenario format (read here with its own checks,
//! not the product's reader), the same bytes for the same seed, and the situations its kind
//! promises.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use radar_scenario_gen2::{generate, GenError, KINDS};
use serde_json::Value;

const PROBLEMS: &[&str] = &[
    "no-signal",
    "no-internet",
    "slow-internet",
    "no-calls",
    "no-sms",
    "total-outage",
    "login",
    "hotline",
    "billing",
    "other",
];
const SOURCES: &[&str] = &["web", "app", "api", "social", "call-center", "email"];

fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// An RFC 3339 time in UTC, as Unix seconds.
fn time(s: &str) -> i64 {
    assert!(s.ends_with('Z'), "{s} is not in UTC");
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s:?} is not RFC 3339: {e}"))
        .timestamp()
}

struct Topo {
    providers: BTreeMap<String, (String, String)>, // id -> (kind, country)
    regions: BTreeSet<String>,
    components: BTreeSet<String>,            // provider:component
    services: BTreeMap<String, Vec<String>>, // provider:service -> deps (qualified)
}

fn keys_of(t: &toml_edit::Table) -> BTreeSet<String> {
    t.iter().map(|(k, _)| k.to_owned()).collect()
}

fn read_topology(dir: &Path) -> Topo {
    let text = std::fs::read_to_string(dir.join("topology.toml")).expect("topology.toml");
    let doc: toml_edit::DocumentMut = text.parse().expect("valid TOML");
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("providers", &["id", "name", "kind", "country"][..]),
        ("regions", &["id", "name"][..]),
        ("components", &["provider", "id", "name", "depends_on"][..]),
        (
            "services",
            &["provider", "id", "name", "technologies", "depends_on"][..],
        ),
    ]);
    for (k, _) in doc.iter() {
        assert!(allowed.contains_key(k), "topology.toml: unknown table {k}");
    }
    let tables = |name: &str| -> Vec<toml_edit::Table> {
        doc.get(name)
            .and_then(|i| i.as_array_of_tables())
            .map(|a| a.iter().cloned().collect())
            .unwrap_or_default()
    };
    let s = |t: &toml_edit::Table, k: &str| -> String {
        t.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("missing string {k} in {t}"))
            .to_owned()
    };
    let mut topo = Topo {
        providers: BTreeMap::new(),
        regions: BTreeSet::new(),
        components: BTreeSet::new(),
        services: BTreeMap::new(),
    };
    for (name, keys) in &allowed {
        for t in tables(name) {
            let extra: Vec<String> = keys_of(&t)
                .into_iter()
                .filter(|k| !keys.contains(&k.as_str()))
                .collect();
            assert!(
                extra.is_empty(),
                "{name}: keys outside the format: {extra:?}"
            );
        }
    }
    for t in tables("providers") {
        let id = s(&t, "id");
        assert!(is_id(&id), "provider id {id}");
        let kind = s(&t, "kind");
        assert!(["telecom", "online-service"].contains(&kind.as_str()));
        let country = s(&t, "country");
        assert!(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()));
        topo.providers.insert(id, (kind, country));
    }
    for t in tables("regions") {
        let id = s(&t, "id");
        let (cc, sub) = id.split_once('-').expect("ISO 3166-2");
        assert!(cc.len() == 2 && !sub.is_empty(), "{id}");
        assert!(topo.regions.insert(id.clone()), "duplicate region {id}");
    }
    let list = |t: &toml_edit::Table, k: &str| -> Vec<String> {
        t.get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().expect("string").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in tables("components") {
        let p = s(&t, "provider");
        assert!(
            topo.providers.contains_key(&p),
            "component of unknown provider {p}"
        );
        let id = s(&t, "id");
        assert!(is_id(&id));
        let key = format!("{p}:{id}");
        let d: Vec<String> = list(&t, "depends_on")
            .iter()
            .map(|d| {
                if d.contains(':') {
                    d.clone()
                } else {
                    format!("{p}:{d}")
                }
            })
            .collect();
        deps.insert(key.clone(), d);
        assert!(topo.components.insert(key));
    }
    for (c, ds) in &deps {
        for d in ds {
            assert!(topo.components.contains(d), "{c} depends on unknown {d}");
        }
    }
    // A directed acyclic graph: every component reaches no cycle.
    fn acyclic(c: &str, deps: &BTreeMap<String, Vec<String>>, path: &mut Vec<String>) {
        assert!(!path.iter().any(|p| p == c), "cycle through {c}: {path:?}");
        path.push(c.to_owned());
        for d in deps.get(c).into_iter().flatten() {
            acyclic(d, deps, path);
        }
        path.pop();
    }
    for c in deps.keys() {
        acyclic(c, &deps, &mut Vec::new());
    }
    for t in tables("services") {
        let p = s(&t, "provider");
        assert!(topo.providers.contains_key(&p));
        let id = s(&t, "id");
        assert!(is_id(&id));
        let d: Vec<String> = list(&t, "depends_on")
            .iter()
            .map(|d| {
                if d.contains(':') {
                    d.clone()
                } else {
                    format!("{p}:{d}")
                }
            })
            .collect();
        for x in &d {
            assert!(
                topo.components.contains(x),
                "service {p}:{id} needs unknown {x}"
            );
        }
        topo.services.insert(format!("{p}:{id}"), d);
    }
    topo
}

/// Checks one package against the format; returns the truth's outages.
fn check_package(dir: &Path, t0_max: i64) -> Vec<Value> {
    let topo = read_topology(dir);

    let csv = std::fs::read_to_string(dir.join("reports.csv")).expect("reports.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,provider,service,problem,region,reporter,source")
    );
    let mut last = i64::MIN;
    let mut n = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 7, "{line}");
        let t = time(f[0]);
        assert!(t >= last, "reports out of order at {line}");
        assert!(t < t0_max, "report after the package's end: {line}");
        last = t;
        assert!(topo.providers.contains_key(f[1]), "{line}");
        assert!(
            f[2].is_empty() || topo.services.contains_key(&format!("{}:{}", f[1], f[2])),
            "{line}"
        );
        assert!(PROBLEMS.contains(&f[3]), "{line}");
        assert!(topo.regions.contains(f[4]), "{line}");
        assert!(!f[5].is_empty(), "{line}");
        assert!(SOURCES.contains(&f[6]), "{line}");
        n += 1;
    }
    assert!(n > 1000, "only {n} reports");

    let events = std::fs::read_to_string(dir.join("events.jsonl")).expect("events.jsonl");
    let mut last = i64::MIN;
    let mut incidents = BTreeSet::new();
    let comp = |provider: &str, c: &str| {
        let key = if c.contains(':') {
            c.to_owned()
        } else {
            format!("{provider}:{c}")
        };
        assert!(topo.components.contains(&key), "unknown component {key}");
    };
    for line in events.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object per line");
        let o = v.as_object().expect("object");
        let t = time(o["time"].as_str().expect("time"));
        assert!(t >= last, "events out of order at {line}");
        last = t;
        let keys: BTreeSet<&str> = o.keys().map(String::as_str).collect();
        let want: BTreeSet<&str> = match o["type"].as_str().expect("type") {
            "incident" => {
                let p = o["provider"].as_str().expect("provider");
                for c in o["components"].as_array().expect("components") {
                    comp(p, c.as_str().expect("component"));
                }
                assert!([
                    "network",
                    "it-system",
                    "security",
                    "maintenance",
                    "third-party"
                ]
                .contains(&o["category"].as_str().expect("category")));
                assert!([
                    "suspected",
                    "confirmed",
                    "identified",
                    "monitoring",
                    "resolved"
                ]
                .contains(&o["state"].as_str().expect("state")));
                incidents.insert(o["id"].as_str().expect("id").to_owned());
                [
                    "time",
                    "type",
                    "id",
                    "provider",
                    "category",
                    "components",
                    "state",
                    "title",
                ]
                .into()
            }
            "component" => {
                comp(
                    o["provider"].as_str().expect("provider"),
                    o["component"].as_str().expect("component"),
                );
                assert!([
                    "operational",
                    "degraded",
                    "partial-outage",
                    "major-outage",
                    "maintenance"
                ]
                .contains(&o["status"].as_str().expect("status")));
                ["time", "type", "provider", "component", "status"].into()
            }
            "statement" => {
                assert!(incidents.contains(o["incident"].as_str().expect("incident")));
                ["time", "type", "incident", "text"].into()
            }
            "probe" => {
                comp(
                    o["provider"].as_str().expect("provider"),
                    o["component"].as_str().expect("component"),
                );
                assert!(topo.regions.contains(o["region"].as_str().expect("region")));
                assert!(o["ok"].is_boolean());
                ["time", "type", "provider", "component", "region", "ok"].into()
            }
            other => panic!("event type {other}"),
        };
        assert_eq!(keys, want, "{line}");
    }

    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth"))
            .expect("truth.json is JSON");
    let outages = truth["outages"].as_array().expect("outages").clone();
    let mut ids = BTreeSet::new();
    for o in &outages {
        let keys: BTreeSet<&str> = o
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let want: BTreeSet<&str> = [
            "id",
            "provider",
            "services",
            "regions",
            "start",
            "end",
            "cause",
            "root_component",
        ]
        .into();
        assert_eq!(keys, want);
        assert!(
            ids.insert(o["id"].as_str().expect("id").to_owned()),
            "duplicate id"
        );
        let p = o["provider"].as_str().expect("provider");
        assert!(topo.providers.contains_key(p));
        let services = o["services"].as_array().expect("services");
        assert!(!services.is_empty());
        for s in services {
            let key = format!("{p}:{}", s.as_str().expect("service"));
            assert!(topo.services.contains_key(&key), "unknown service {key}");
        }
        match &o["regions"] {
            Value::String(s) => assert_eq!(s, "*"),
            Value::Array(l) => {
                assert!(!l.is_empty());
                let (_, country) = &topo.providers[p];
                for r in l {
                    let r = r.as_str().expect("region");
                    assert!(topo.regions.contains(r), "{r}");
                    assert!(
                        r.starts_with(&format!("{country}-")),
                        "{r} outside {p}'s country"
                    );
                }
            }
            other => panic!("regions {other}"),
        }
        let (s, e) = (
            time(o["start"].as_str().expect("start")),
            time(o["end"].as_str().expect("end")),
        );
        assert!(s < e && e < t0_max, "{o}");
        comp(p, o["root_component"].as_str().expect("root"));
    }
    outages
}

#[test]
fn every_kind_keeps_the_format_and_its_promise() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for kind in KINDS {
        let dir = tmp.path().join(kind);
        let s = generate(kind, 5001, 1, &dir).expect("generate");
        // The package starts at midnight UTC; a day later it has ended.
        let first = std::fs::read_to_string(dir.join("reports.csv")).expect("reports");
        let t0 = time(
            first
                .lines()
                .nth(1)
                .expect("a report")
                .split(',')
                .next()
                .expect("time"),
        );
        let t0 = t0 - t0.rem_euclid(86_400);
        let outages = check_package(&dir, t0 + 86_400);
        assert_eq!(s.outages, outages.len());
        let causes: BTreeMap<&str, usize> = outages.iter().fold(BTreeMap::new(), |mut m, o| {
            *m.entry(o["cause"].as_str().expect("cause")).or_default() += 1;
            m
        });
        match *kind {
            "quiet" | "flood" => assert!(outages.is_empty(), "{kind}: {outages:?}"),
            "mvno-host" | "online-spillover" => {
                assert!(
                    causes.values().any(|&n| n >= 2),
                    "{kind}: no related outages"
                )
            }
            "coincident-unrelated" | "same-provider-overlap" | "staggered-services" => {
                assert!(
                    causes.len() >= 2 && outages.len() >= 2,
                    "{kind}: {causes:?}"
                )
            }
            _ => assert!(!outages.is_empty(), "{kind}"),
        }
        if *kind == "flood" {
            assert!(s.floods >= 1);
        }
        if *kind == "same-provider-overlap" || *kind == "staggered-services" {
            let first = &outages[0]["provider"];
            assert!(outages.iter().filter(|o| &o["provider"] == first).count() >= 2);
        }
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_others() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    generate("mixed", 5002, 1, &a).expect("a");
    generate("mixed", 5002, 1, &b).expect("b");
    generate("mixed", 5003, 1, &c).expect("c");
    for f in ["topology.toml", "reports.csv", "events.jsonl", "truth.json"] {
        let read = |d: &Path| std::fs::read(d.join(f)).expect("file");
        assert_eq!(read(&a), read(&b), "{f} differs for the same seed");
    }
    let read = |d: &Path| std::fs::read(d.join("reports.csv")).expect("file");
    assert_ne!(read(&a), read(&c));
}

#[test]
fn bad_arguments_are_clear_errors() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let e = generate("nope", 1, 2, tmp.path()).unwrap_err();
    assert!(matches!(e, GenError::UnknownKind { .. }));
    assert!(e.to_string().contains("national-fast"), "{e}");
    let e = generate("quiet", 1, 0, tmp.path()).unwrap_err();
    assert_eq!(e.to_string(), "days must be between 1 and 31, not 0");
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").expect("write");
    let e = generate("quiet", 1, 1, &file.join("pkg")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&file.join("pkg").display().to_string()),
        "{e}"
    );
}
