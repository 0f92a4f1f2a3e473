//! Replays one generated scenario and prints its truth, detections and evaluation.
//!
//! `cargo run --release -p radar-scenario --example inspect -- KIND SEED [DAYS]`
use radar_scenario::eval::evaluate;
use radar_scenario::generate::{generate, GenConfig};
use radar_scenario::replay::replay;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().cloned().unwrap_or_else(|| "national".into());
    let seed: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let days: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    let s = generate(&GenConfig {
        seed,
        kind: Some(kind),
        days,
        volume: 1.0,
    })
    .expect("generate");
    let pkg = s.package();
    let out = replay(&pkg);
    println!("truth:");
    for o in &s.truth.outages {
        println!(
            "  {} {} {:?} {:?} {} .. {} baseline {:.2}/min",
            o.id,
            o.provider,
            o.services,
            o.regions,
            o.start,
            o.end,
            s.baselines.get(&o.id).copied().unwrap_or(0.0)
        );
    }
    for c in &s.confounders {
        println!("  confounder {c:?}");
    }
    println!("detections:");
    for d in &out.detections.outages {
        println!(
            "  {} {} {:?} {:?} {} det {} .. {:?} group {:?} root {:?}\n     {}",
            d.id,
            d.provider,
            d.services,
            d.regions,
            d.start,
            d.detected_at,
            d.end,
            d.cause_group,
            d.root_component,
            d.explanation
        );
    }
    if let Ok(id) = std::env::var("COUNT") {
        if let Some(o) = s.truth.outages.iter().find(|o| o.id == id) {
            let mut per10: std::collections::BTreeMap<i64, usize> = Default::default();
            for r in s.rows.iter().filter(|r| r.provider == o.provider.as_str()) {
                if r.time.0 >= o.start.0 - 3600 && r.time.0 < o.end.0 + 1800 {
                    let ok = match &o.regions {
                        radar_scenario::eval::Regions::All => true,
                        radar_scenario::eval::Regions::List(l) => {
                            l.iter().any(|x| x.as_str() == r.region)
                        }
                    };
                    if ok {
                        *per10
                            .entry((r.time.0 - o.start.0).div_euclid(600))
                            .or_default() += 1;
                    }
                }
            }
            println!("reports of {id} per 10 min relative to start: {per10:?}");
        }
    }
    let r = evaluate(&pkg.topology, &s.truth, &out.detections);
    println!("{r}\n{}", r.outage_table());
}
