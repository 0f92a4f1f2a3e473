//! Writes the May 2017 scenario package (O2's WannaCry CRM shutdown and LTE outage).
//!
//! `cargo run --release -p radar-scenario --example may2017 -- scenarios/o2-2017-05`

use std::path::PathBuf;

fn main() {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("scenarios").join(radar_scenario::may2017::NAME));
    let pkg = radar_scenario::may2017::build();
    if let Err(e) = pkg.write(&dir) {
        eprintln!("cannot write {}: {e}", dir.display());
        std::process::exit(1);
    }
    let s = &pkg.stats;
    println!(
        "wrote {}: {} reports ({} background, {} CRM hotline, {} LTE outage, {} LTE hotline), {} events, {} true outages; busiest O2 minute {} with {} reports",
        dir.display(),
        pkg.rows.len(),
        s.background,
        s.crm_hotline,
        s.lte_outage,
        s.lte_hotline,
        pkg.events.len(),
        pkg.truth.outages.len(),
        radar_core::Timestamp(s.o2_peak_minute.1),
        s.o2_peak_minute.0
    );
}
