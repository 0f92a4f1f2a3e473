//! Development harness: `cargo run --release -p radar-scenario --example nab -- DATA LABELS [OUT]`.
//! Optional `KEY=VALUE` arguments override detector configuration fields.

use std::path::PathBuf;

use radar_core::anomaly::AnomalyConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pos: Vec<String> = Vec::new();
    let mut cfg = AnomalyConfig::default();
    for a in std::env::args().skip(1) {
        match a.split_once('=') {
            Some((k, v)) => cfg.set(k, v.parse()?)?,
            None => pos.push(a),
        }
    }
    let data = PathBuf::from(
        pos.first()
            .ok_or("usage: nab DATA LABELS [OUT] [KEY=VALUE..]")?,
    );
    let labels = PathBuf::from(pos.get(1).ok_or("missing LABELS")?);
    let out = pos.get(2).map(PathBuf::from);
    let run = radar_scenario::nab::run(&data, &labels, out.as_deref(), "radar", &cfg)?;
    print!("{}", run.table());
    Ok(())
}
