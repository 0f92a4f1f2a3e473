//! Crowd reports: an everyday base rate per provider and region, proportional to its customers
//! there and shaped by the local hour and the weekday; reports of true outages; floods of a few
//! reporters. Counts per minute are Poisson draws.

use chrono::{Datelike, TimeZone, Timelike, Weekday};
use rand::Rng;

use crate::outages::{Outage, Symptoms};
use crate::plan::{Flood, Scope};
use crate::world::{Kind, Provider, Region, World, REGIONS};

/// One row of `reports.csv`.
#[derive(Clone, Debug)]
pub struct Report {
    pub time: i64,
    pub provider: &'static str,
    pub service: &'static str,
    pub problem: &'static str,
    pub region: &'static str,
    pub reporter: String,
    pub source: &'static str,
}

/// Share of the busiest hour's reports, by local hour.
const HOURLY: [f64; 24] = [
    0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.55, 0.80, 0.95, 1.0, 1.0, 1.0, 0.95, 0.95, 0.95,
    1.0, 1.0, 1.0, 1.0, 0.95, 0.85, 0.65, 0.45,
];

/// Everyday problems that have nothing to do with an outage.
pub const EVERYDAY: &[(&str, f64)] = &[("billing", 0.35), ("hotline", 0.3), ("other", 0.35)];
pub const SPILL: &[(&str, f64)] = &[("no-internet", 0.6), ("slow-internet", 0.3), ("other", 0.1)];
pub const SOURCES: &[(&str, f64)] = &[
    ("app", 0.45),
    ("web", 0.38),
    ("social", 0.1),
    ("api", 0.04),
    ("email", 0.02),
    ("call-center", 0.01),
];

/// Users live in Central European time in both countries.
fn local_factor(t: i64, kind: Kind) -> f64 {
    let local = chrono_tz::Europe::Vienna
        .timestamp_opt(t, 0)
        .single()
        .expect("a Unix time is one instant");
    let h = local.hour() as usize;
    let frac = local.minute() as f64 / 60.0;
    let hourly = HOURLY[h] * (1.0 - frac) + HOURLY[(h + 1) % 24] * frac;
    let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    let weekly = match (kind, weekend) {
        (_, false) => 1.0,
        (Kind::Telecom, true) => 0.8,
        (Kind::Online, true) => 1.15,
    };
    hourly * weekly
}

pub fn weighted<R: Rng>(rng: &mut R, items: &[(&'static str, f64)]) -> &'static str {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0.0..total);
    for (v, w) in items {
        x -= w;
        if x <= 0.0 {
            return v;
        }
    }
    items[items.len() - 1].0
}

/// A Poisson draw (Knuth for small means, a rounded normal for large ones).
pub fn poisson<R: Rng>(rng: &mut R, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 40.0 {
        let (u1, u2): (f64, f64) = (rng.gen_range(f64::EPSILON..1.0), rng.gen());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        return (mean + z * mean.sqrt()).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p: f64 = rng.gen();
    while p > limit {
        k += 1;
        p *= rng.gen::<f64>();
    }
    k
}

fn key<R: Rng>(rng: &mut R) -> String {
    format!("{:012x}", rng.gen::<u64>() & 0xffff_ffff_ffff)
}

/// How far into its course an outage is at `t`: 0 before, a smooth rise over the ramp, 1 on
/// the plateau, and a fall over ten minutes after the repair (reports lag it).
fn course(o: &Outage, t: i64) -> f64 {
    let x = (t - o.start) as f64;
    if x < 0.0 {
        return 0.0;
    }
    if t > o.end {
        let after = (t - o.end) as f64 / 600.0;
        return (1.0 - after).max(0.0);
    }
    let ramp = o.ramp.max(60) as f64;
    if x < ramp {
        let u = x / ramp;
        u * u * (3.0 - 2.0 * u)
    } else {
        1.0
    }
}

fn in_scope(scope: &Scope, region: &str) -> bool {
    match scope {
        Scope::All => true,
        Scope::List(l) => l.contains(&region),
    }
}

/// Every report of the package, in time order.
pub fn reports<R: Rng>(
    world: &World,
    rng: &mut R,
    t0: i64,
    t_end: i64,
    outages: &[Outage],
    floods: &[Flood],
) -> Vec<Report> {
    let mut out = Vec::new();
    for p in &world.providers {
        // Regular reporters come back; most reports are someone's first.
        let regulars: Vec<String> = (0..200).map(|_| key(rng)).collect();
        let day_level: Vec<f64> = (0..=((t_end - t0) / 86_400))
            .map(|_| rng.gen_range(0.85..1.15))
            .collect();
        let market = world.market(p);
        let mine: Vec<&Outage> = outages.iter().filter(|o| o.provider == p.id).collect();
        let mut minute = t0;
        while minute < t_end {
            let f = local_factor(minute, p.kind) * day_level[((minute - t0) / 86_400) as usize];
            for r in &market {
                let customers = world.customers_m(p, r);
                let n = poisson(rng, p.base_per_m * customers * f);
                for _ in 0..n {
                    let reporter = if rng.gen_bool(0.1) {
                        regulars[rng.gen_range(0..regulars.len())].clone()
                    } else {
                        key(rng)
                    };
                    // A few telecom customers report from abroad (roaming).
                    let region = if p.kind == Kind::Telecom && rng.gen_bool(0.005) {
                        let prefix = format!("{}-", p.country);
                        let abroad: Vec<&Region> = REGIONS
                            .iter()
                            .filter(|x| !x.id.starts_with(&prefix))
                            .collect();
                        abroad[rng.gen_range(0..abroad.len())].id
                    } else {
                        r.id
                    };
                    out.push(everyday(p, rng, minute, region, reporter));
                }
                for o in &mine {
                    let level = course(o, minute);
                    if level <= 0.0 || !in_scope(&o.scope, r.id) {
                        continue;
                    }
                    // People report less at night, but an outage still wakes some.
                    let mean = o.intensity * customers * level * f.max(0.3);
                    for _ in 0..poisson(rng, mean) {
                        let first = outage_report(p, o, rng, minute, r.id);
                        // Some come back a few minutes later, still without service.
                        if rng.gen_bool(0.12) {
                            let again = first.time + rng.gen_range(120..900);
                            if again < t_end {
                                let mut second = outage_report(p, o, rng, minute, r.id);
                                second.time = again;
                                second.reporter = first.reporter.clone();
                                out.push(second);
                            }
                        }
                        out.push(first);
                    }
                }
            }
            minute += 60;
        }
    }
    for fl in floods {
        let keys: Vec<String> = (0..fl.reporters).map(|_| key(rng)).collect();
        let source = if rng.gen_bool(0.5) { "app" } else { "api" };
        let p = world.provider(fl.provider);
        let mut t = fl.start;
        while t < fl.end {
            out.push(Report {
                time: t,
                provider: p.id,
                service: fl.service,
                problem: fl.problem,
                region: fl.region,
                reporter: keys[rng.gen_range(0..keys.len())].clone(),
                source,
            });
            t += rng.gen_range(5..=40);
        }
    }
    out.sort_by_key(|r| r.time);
    out
}

fn everyday<R: Rng>(
    p: &Provider,
    rng: &mut R,
    minute: i64,
    region: &'static str,
    reporter: String,
) -> Report {
    let svc = &p.services[rng.gen_range(0..p.services.len())];
    let service = if rng.gen_bool(0.2) { "" } else { svc.id };
    let problem = if rng.gen_bool(0.5) {
        weighted(rng, EVERYDAY)
    } else {
        weighted(rng, svc.problems)
    };
    Report {
        time: minute + rng.gen_range(0..60),
        provider: p.id,
        service,
        problem,
        region,
        reporter,
        source: weighted(rng, SOURCES),
    }
}

fn outage_report<R: Rng>(
    p: &Provider,
    o: &Outage,
    rng: &mut R,
    minute: i64,
    region: &'static str,
) -> Report {
    let sid = o.services[rng.gen_range(0..o.services.len())];
    let svc = p
        .services
        .iter()
        .find(|s| s.id == sid)
        .expect("outage services belong to the provider");
    let problem = match o.symptoms {
        Symptoms::Own => weighted(rng, svc.problems),
        Symptoms::SpillOver => weighted(rng, SPILL),
    };
    let service = if rng.gen_bool(0.2) { "" } else { svc.id };
    Report {
        time: minute + rng.gen_range(0..60),
        provider: p.id,
        service,
        problem,
        region,
        reporter: key(rng),
        source: weighted(rng, SOURCES),
    }
}
