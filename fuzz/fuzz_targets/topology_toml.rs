//! `topology.toml`: `Topology::from_toml`, as the server (`--topology`) and the scenario
//! loader call it.
//!
//! Beyond "no panic": an accepted topology keeps the promises of its type (every id it
//! references exists, dependencies form a DAG, lookups find what it lists) and the functions
//! that walk it finish; a refused one names at least one problem, on a line of the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use radar_core::topology::Topology;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let t = match Topology::from_toml("topology.toml", text) {
        Ok(t) => t,
        Err(errs) => {
            assert!(!errs.0.is_empty(), "a refused topology names a problem");
            let lines = text.lines().count().max(1) + 1;
            for e in &errs.0 {
                assert!(e.line <= lines, "line {} of {lines}: {e}", e.line);
            }
            return;
        }
    };
    for p in &t.providers {
        assert!(t.provider(p.id.as_str()).is_some());
        let _ = t.time_zone(p.id.as_str());
        for r in t.provider_regions(p.id.as_str()) {
            assert!(t.region(r.as_str()).is_some());
        }
        for s in t.services_of(p.id.as_str()) {
            assert!(t.service(p.id.as_str(), s.id.as_str()).is_some());
        }
    }
    for c in &t.components {
        assert!(t.provider(c.provider.as_str()).is_some(), "{}", c.provider);
        for d in &c.depends_on {
            assert!(t.component(d).is_some(), "{} depends on unknown {d}", c.id);
        }
        let below = t.closure(&c.depends_on);
        assert!(!below.contains(&c.key()), "cycle through {}", c.key());
    }
    for s in &t.services {
        assert!(t.provider(s.provider.as_str()).is_some());
        for d in t.service_closure(s) {
            assert!(t.component(&d).is_some(), "{} depends on unknown {d}", s.id);
        }
        let _ = t.services_depending_on(&s.provider, &s.depends_on);
    }
    let weights = t.region_weights();
    assert_eq!(weights.len(), t.regions.len());
    if !weights.is_empty() {
        let sum: f64 = weights.iter().map(|(_, w)| w).sum();
        assert!(
            weights.iter().all(|(_, w)| w.is_finite() && *w >= 0.0),
            "{weights:?}"
        );
        assert!((sum - 1.0).abs() < 1e-6, "weights sum to {sum}");
    }
});
