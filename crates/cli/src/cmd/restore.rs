//! `radar restore DIR`: puts a backup taken by `radar backup` into the store the settings name
//! (the one `radar serve` would open). Every file is checked against the manifest first; the
//! target must hold no data unless `--force`; the target is never left half restored. Stop the
//! servers of the target store before restoring.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use radar_store::backup::{self, Target};

use crate::cmd::backup::{size, summary, Bars};
use crate::cmd::serve;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup directory (as written by `radar backup`)
    pub dir: PathBuf,
    /// Replace the data of a target store that is not empty
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub target: serve::Args,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let settings = serve::settings(&args.target)?;
    let target = Target::parse(&settings.store_target());
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let bars = Arc::new(Bars::new());
    let started = Instant::now();
    let result = rt.block_on(backup::restore(
        &args.dir,
        &target,
        args.force,
        bars.clone(),
    ));
    bars.finish();
    let manifest = result.with_context(|| {
        format!(
            "nothing was restored into {}; the store is as it was",
            settings.store_name()
        )
    })?;
    println!(
        "restored {} (a {} backup of {}, schema version {}, {}) into {} in {:.1} s: {}",
        args.dir.display(),
        manifest.backend,
        manifest.created,
        manifest.schema_version,
        size(manifest.bytes()),
        settings.store_name(),
        started.elapsed().as_secs_f64(),
        summary(&manifest),
    );
    Ok(())
}
