//! A second, independent scenario generator. It writes scenario packages (`topology.toml`,
//! `reports.csv`, `events.jsonl`, `truth.json`) from the scenario format alone, with its own
//! world (Austrian Bundesländer and Swiss cantons, a cable operator, an MVNO on a host
//! network, two online services) and its own model of reports, so that the product can be
//! measured on packages its own generator did not make.
//!
//! It knows none of the product's types: everything is written as plain text.

mod crowd;
mod events;
mod outages;
mod plan;
mod world;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

pub use plan::KINDS;

/// The longest package, in days.
pub const MAX_DAYS: u32 = 31;

/// Why a package could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("unknown kind {kind:?}; the kinds are: {}", KINDS.join(", "))]
    UnknownKind { kind: String },
    #[error("days must be between 1 and {MAX_DAYS}, not {0}")]
    Days(u32),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a generated package holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub kind: String,
    pub seed: u64,
    pub days: u32,
    pub reports: usize,
    pub events: usize,
    pub outages: usize,
    pub floods: usize,
}

/// An RFC 3339 UTC time of Unix seconds.
pub(crate) fn rfc3339(t: i64) -> String {
    Utc.timestamp_opt(t, 0)
        .single()
        .expect("in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// FNV-1a, to give each kind its own random stream for the same seed.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes a package of `kind` for `seed` covering `days` days into `out_dir` (created if
/// missing; the package's files in it are replaced).
pub fn generate(kind: &str, seed: u64, days: u32, out_dir: &Path) -> Result<Summary, GenError> {
    if !KINDS.contains(&kind) {
        return Err(GenError::UnknownKind {
            kind: kind.to_owned(),
        });
    }
    if days == 0 || days > MAX_DAYS {
        return Err(GenError::Days(days));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv(kind));
    let world = world::World::new(&mut rng);
    // A Monday in 2025, moved on by the seed: weekdays, weekends and a DST change all occur.
    let t0 = 1_736_121_600 + (seed % 364) as i64 * 86_400;
    let t_end = t0 + days as i64 * 86_400;
    let plan = plan::Planner::new(&world, &mut rng, t0, days)
        .plan(kind)
        .expect("kind checked above");
    let outages: Vec<outages::Outage> = plan
        .faults
        .iter()
        .flat_map(|f| outages::of_fault(&world, f))
        .collect();
    let reports = crowd::reports(&world, &mut rng, t0, t_end, &outages, &plan.floods);
    let events = events::events(&world, &mut rng, t0, t_end, &plan.faults);

    let io = |path: PathBuf| move |source| GenError::Io { path, source };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir.to_path_buf()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = out_dir.join(name);
        std::fs::write(&path, bytes).map_err(io(path))
    };
    write("topology.toml", world::topology_toml(&world).as_bytes())?;
    write("reports.csv", &reports_csv(&reports))?;
    let mut ev = Vec::new();
    for (_, line) in &events {
        writeln!(ev, "{line}").expect("writing to memory");
    }
    write("events.jsonl", &ev)?;
    write("truth.json", truth_json(&outages).as_bytes())?;
    Ok(Summary {
        kind: kind.to_owned(),
        seed,
        days,
        reports: reports.len(),
        events: events.len(),
        outages: outages.len(),
        floods: plan.floods.len(),
    })
}

fn reports_csv(reports: &[crowd::Report]) -> Vec<u8> {
    let mut out = Vec::with_capacity(reports.len() * 64);
    out.extend_from_slice(b"time,provider,service,problem,region,reporter,source\n");
    for r in reports {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            rfc3339(r.time),
            r.provider,
            r.service,
            r.problem,
            r.region,
            r.reporter,
            r.source
        )
        .expect("writing to memory");
    }
    out
}

fn truth_json(outages: &[outages::Outage]) -> String {
    let list: Vec<serde_json::Value> = outages
        .iter()
        .map(|o| {
            let regions = match &o.scope {
                plan::Scope::All => json!("*"),
                plan::Scope::List(l) => json!(l),
            };
            json!({
                "id": o.id,
                "provider": o.provider,
                "services": o.services,
                "regions": regions,
                "start": rfc3339(o.start),
                "end": rfc3339(o.end),
                "cause": o.cause,
                "root_component": o.root,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "outages": list })).expect("json");
    s.push('\n');
    s
}
