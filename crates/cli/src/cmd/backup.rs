//! `radar backup DIR`: a consistent snapshot of the store (the one `radar serve` would open,
//! from the same settings), taken while servers keep running, with a manifest of checksums and
//! row counts. `radar restore` reads it back.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_store::backup::{self, Manifest, Progress, Target, Unit};

use crate::cmd::serve;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to write the backup into: created, or empty (a backup never overwrites)
    pub dir: PathBuf,
    #[command(flatten)]
    pub target: serve::Args,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let settings = serve::settings(&args.target)?;
    let target = Target::parse(&settings.store_target());
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let bars = Arc::new(Bars::new());
    let started = Instant::now();
    let manifest = rt
        .block_on(backup::backup(&target, &args.dir, bars.clone()))
        .with_context(|| format!("backup of {} failed", settings.store_name()))?;
    bars.finish();
    println!(
        "backed up {} ({}, schema version {}) into {} in {:.1} s: {}; {}",
        settings.store_name(),
        manifest.backend,
        manifest.schema_version,
        args.dir.display(),
        started.elapsed().as_secs_f64(),
        summary(&manifest),
        size(manifest.bytes()),
    );
    Ok(())
}

/// `reports: 120 rows, incidents: 3 rows, …` (the version table left out).
pub fn summary(m: &Manifest) -> String {
    m.tables
        .iter()
        .filter(|t| t.name != "schema_version")
        .map(|t| format!("{} {}", t.rows, t.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// Progress bars for backup and restore, one per stage, on stderr (drawn only when it is a
/// terminal).
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars {
            bar: Mutex::new(None),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bars {
    fn stage(&self, what: &str, total: u64, unit: Unit) {
        let template = match unit {
            Unit::Bytes => "{spinner} {msg:22} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec})",
            Unit::Rows => "{spinner} {msg:22} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec})",
            Unit::Pages => "{spinner} {msg:22} [{elapsed_precise}] {wide_bar} {pos}/{len} pages",
        };
        let bar = ProgressBar::new(total)
            .with_style(ProgressStyle::with_template(template).expect("valid template"))
            .with_message(what.to_owned());
        if let Some(old) = self.bar.lock().expect("progress lock").replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().expect("progress lock") {
            bar.inc(n);
        }
    }
}
