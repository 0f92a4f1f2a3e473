//! `radar demo`: the server on a fresh embedded store with the shipped German topology and a
//! generated recent week of report traffic (daily and weekly shape, operator size, a few
//! outages and confounders), so there is something to look at right away.

use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_core::topology::germany;
use radar_core::{Report, Timestamp};
use radar_scenario::generate::{generate, GenConfig};
use radar_server::settings::Settings;
use radar_server::state::Clock;
use radar_server::Application;

use crate::cmd::serve::shutdown_signal;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seed of the generated traffic
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
}

/// Generates a week of traffic ending now, on the shipped topology.
fn recent_week(seed: u64, now: Timestamp) -> anyhow::Result<Vec<Report>> {
    let scenario = generate(&GenConfig {
        seed,
        kind: Some("mixed".into()),
        days: 8,
        volume: 1.0,
    })
    .map_err(|e| anyhow::anyhow!("cannot generate demo traffic: {e}"))?;
    // Shift by whole days so that the daily shape stays on local time.
    let shift = ((now.0 - scenario.end.0).div_euclid(86_400) + 1) * 86_400;
    let topology = germany::topology();
    let pkg = scenario.package();
    let mut skipped = 0usize;
    let reports: Vec<Report> = pkg
        .reports
        .into_iter()
        .filter_map(|mut r| {
            r.time = Timestamp(r.time.0 + shift);
            let known = topology.provider(r.provider.as_str()).is_some()
                && topology.region(r.region.as_str()).is_some()
                && r.service
                    .as_ref()
                    .is_none_or(|s| topology.service(r.provider.as_str(), s.as_str()).is_some());
            if !known {
                skipped += 1;
            }
            (known && r.time <= now).then_some(r)
        })
        .collect();
    if skipped > 0 {
        tracing::warn!(
            skipped,
            "generated reports outside the shipped topology were left out"
        );
    }
    Ok(reports)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let listen = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address; write host:port, e.g. 127.0.0.1:8080",
            args.listen
        )
    })?;
    let dir = tempfile::Builder::new()
        .prefix("radar-demo-")
        .tempdir()
        .context("cannot create a temporary data directory")?;
    let settings = Settings {
        listen,
        data: dir.path().to_path_buf(),
        ..Settings::default()
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let clock = Clock::System;
        let reports = recent_week(args.seed, clock.now())?;
        let store: Arc<dyn radar_store::Store> = Arc::new(
            radar_store::sqlite::SqliteStore::open_dir(dir.path())
                .context("cannot create the demo store")?,
        );
        let bar = ProgressBar::new(reports.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("loading a week of reports {wide_bar} {pos}/{len}")
                .expect("valid template"),
        );
        for chunk in reports.chunks(10_000) {
            store.insert_reports(chunk).await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        let app = Application::build_with(settings, germany::topology(), store, clock).await?;
        println!(
            "Outage Radar demo: http://{}  ({} reports from the last week loaded)",
            app.local_addr(),
            reports.len()
        );
        println!(
            "(embedded store in {}; removed on exit)",
            dir.path().display()
        );
        app.run_until(shutdown_signal()).await
    })
}
