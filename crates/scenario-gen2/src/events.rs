//! `events.jsonl`: probes every ten minutes of the components operators measure (failing where
//! a fault of that component bites), and the declarations of the faults operators announce:
//! incident, component status, statement, then monitoring, operational and resolved.

use rand::Rng;
use serde_json::{json, Value};

use crate::plan::{Fault, Scope};
use crate::rfc3339;
use crate::world::World;

const PROBE_EVERY: i64 = 600;

/// Every event line, in time order.
pub fn events<R: Rng>(
    world: &World,
    rng: &mut R,
    t0: i64,
    t_end: i64,
    faults: &[Fault],
) -> Vec<(i64, Value)> {
    let mut out: Vec<(i64, Value)> = Vec::new();
    for p in &world.providers {
        let regions: Vec<&'static str> = if p.probe_regions.is_empty() {
            world.market(p).iter().map(|r| r.id).collect()
        } else {
            p.probe_regions.clone()
        };
        for comp in &p.probed {
            let mut t = t0 + rng.gen_range(0..PROBE_EVERY);
            while t < t_end {
                for region in &regions {
                    let failing = faults.iter().any(|f| {
                        f.provider == p.id
                            && f.component == *comp
                            && t >= f.start + 60
                            && t < f.end
                            && match &f.scope {
                                Scope::All => true,
                                Scope::List(l) => l.contains(region),
                            }
                    });
                    // A probe misses a failing component sometimes and is flaky rarely.
                    let ok = if failing {
                        rng.gen_bool(0.1)
                    } else {
                        !rng.gen_bool(0.0005)
                    };
                    out.push((
                        t,
                        json!({"time": rfc3339(t), "type": "probe", "provider": p.id,
                               "component": comp, "region": region, "ok": ok}),
                    ));
                }
                t += PROBE_EVERY;
            }
        }
    }
    for (n, f) in faults.iter().enumerate() {
        let Some(d) = &f.declare else { continue };
        let id = format!("inc-{}", n + 1);
        let at = f.start + d.after;
        let status = match f.scope {
            Scope::All => "major-outage",
            Scope::List(_) => "partial-outage",
        };
        let p = world.provider(f.provider);
        let comp_name = p
            .components
            .iter()
            .find(|c| c.id == f.component)
            .map(|c| c.name)
            .unwrap_or(f.component);
        let where_ = match &f.scope {
            Scope::All => "everywhere".to_owned(),
            Scope::List(l) => l.join(", "),
        };
        let incident = |time: i64, state: &str| {
            json!({"time": rfc3339(time), "type": "incident", "id": id, "provider": f.provider,
                   "category": d.category, "components": [f.component], "state": state,
                   "title": {"de": format!("Störung: {comp_name}"),
                             "en": format!("Disruption: {comp_name}")}})
        };
        let mut lines = vec![
            (at, incident(at, "identified")),
            (
                at + 30,
                json!({"time": rfc3339(at + 30), "type": "component", "provider": f.provider,
                       "component": f.component, "status": status}),
            ),
            (
                at + 300,
                json!({"time": rfc3339(at + 300), "type": "statement", "incident": id,
                       "text": {"de": format!("Wir arbeiten an einer Störung ({where_})."),
                                "en": format!("We are working on a disruption ({where_}).")}}),
            ),
            (f.end, incident(f.end, "monitoring")),
            (
                f.end + 60,
                json!({"time": rfc3339(f.end + 60), "type": "component", "provider": f.provider,
                       "component": f.component, "status": "operational"}),
            ),
            (f.end + 900, incident(f.end + 900, "resolved")),
        ];
        lines.retain(|(t, _)| *t < t_end);
        out.extend(lines);
    }
    out.sort_by_key(|(t, _)| *t);
    out
}
