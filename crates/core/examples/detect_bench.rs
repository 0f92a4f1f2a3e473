//! Throughput and memory of the outage detector: builds a topology with about two million
//! series, feeds a sparse report stream, and prints the per-series scoring rate (points/s) and
//! the state size per series.
//!
//! `cargo run --release -p radar-core --example detect_bench [-- SERIES MINUTES]`

use std::time::Instant;

use radar_core::detect::{Detector, DetectorConfig};
use radar_core::topology::{Provider, ProviderKind, Region, Service, Topology};
use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let want: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let minutes: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let reports_per_minute = 20_000u64;

    let n_regions = 16;
    let n_services = 5;
    // Series per provider: P + S + S×R + S×Q + R + Q + R×Q.
    let q = Problem::ALL.len();
    let per_provider =
        1 + n_services + n_services * n_regions + n_services * q + n_regions + q + n_regions * q;
    let n_providers = want.div_ceil(per_provider).max(1);

    let mut topo = Topology::default();
    for r in 0..n_regions {
        topo.regions.push(Region {
            id: RegionId::parse(&format!("XX-R{r}")).unwrap(),
            name: format!("Region {r}"),
            population: None,
        });
    }
    for p in 0..n_providers {
        let pid = ProviderId::parse(&format!("p{p}")).unwrap();
        topo.providers.push(Provider {
            id: pid.clone(),
            name: format!("Provider {p}"),
            kind: ProviderKind::Telecom,
            country: "DE".into(),
            customers_millions: None,
            time_zone: None,
        });
        for s in 0..n_services {
            topo.services.push(Service {
                provider: pid.clone(),
                id: ServiceId::parse(&format!("s{s}")).unwrap(),
                name: format!("Service {s}"),
                technologies: vec!["lte".into()],
                depends_on: Vec::new(),
            });
        }
    }

    let t = Instant::now();
    let mut det = Detector::new(&topo, DetectorConfig::default());
    println!(
        "built {} series ({} providers) in {:.2?}",
        det.series_count(),
        n_providers,
        t.elapsed()
    );

    let providers: Vec<ProviderId> = topo.providers.iter().map(|p| p.id.clone()).collect();
    let services: Vec<ServiceId> = (0..n_services)
        .map(|s| ServiceId::parse(&format!("s{s}")).unwrap())
        .collect();
    let regions: Vec<RegionId> = topo.regions.iter().map(|r| r.id.clone()).collect();
    let mut rng = 42u64;
    let start = 1_494_979_200 / 60; // 2017-05-17T00:00Z, in minutes
    let mut score_time = 0.0f64;
    let mut observe_time = 0.0f64;
    let mut reports = 0u64;
    let mut batch = Vec::with_capacity(reports_per_minute as usize);
    for m in start..start + minutes {
        batch.clear();
        for i in 0..reports_per_minute {
            let r = splitmix(&mut rng);
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&splitmix(&mut rng).to_le_bytes());
            batch.push(Report {
                time: Timestamp(m * 60 + (i * 60 / reports_per_minute) as i64),
                provider: providers[(r % providers.len() as u64) as usize].clone(),
                service: if r & 0x100 == 0 {
                    None
                } else {
                    Some(services[((r >> 16) % n_services as u64) as usize].clone())
                },
                problem: Problem::ALL[((r >> 24) % q as u64) as usize],
                region: regions[((r >> 32) % n_regions as u64) as usize].clone(),
                reporter: ReporterKey(key),
                source: Source::Web,
            });
        }
        let t = Instant::now();
        for r in &batch {
            det.observe(r);
        }
        observe_time += t.elapsed().as_secs_f64();
        reports += batch.len() as u64;
        let t = Instant::now();
        det.advance_to(Timestamp((m + 1) * 60));
        score_time += t.elapsed().as_secs_f64();
    }
    let points = det.series_count() as f64 * minutes as f64;
    let bytes = det.state_bytes();
    println!(
        "scoring: {:.0} points in {:.2} s = {:.1} million points/s",
        points,
        score_time,
        points / score_time / 1e6
    );
    println!(
        "observe: {} reports in {:.2} s = {:.2} million reports/s",
        reports,
        observe_time,
        reports as f64 / observe_time / 1e6
    );
    println!(
        "state: {:.1} MiB for {} series = {:.0} bytes/series; episodes: {}",
        bytes as f64 / (1024.0 * 1024.0),
        det.series_count(),
        bytes as f64 / det.series_count() as f64,
        det.episodes().len()
    );
}
