//! `radar import FILE`: bulk import of reports from `reports.csv` (scenario format) or JSONL.
//! Idempotent: a report already stored is not stored again.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_core::topology::germany;
use radar_core::{Report, Timestamp};
use radar_server::intake::import::read_reports_jsonl;

use crate::cmd::serve;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file: `*.csv` (scenario reports.csv) or `*.jsonl` (one report object per line)
    pub file: PathBuf,
    /// Force the format instead of guessing it from the file name
    #[arg(long, value_parser = ["csv", "jsonl"])]
    pub format: Option<String>,
    #[command(flatten)]
    pub target: serve::Args,
}

/// Reports written per transaction.
const CHUNK: usize = 5000;
/// Rejected lines listed in full; the rest are counted.
const LISTED: usize = 20;

struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let settings = serve::settings(&args.target)?;
    let topology = radar_server::startup::load_topology(&settings)?;
    let format = match &args.format {
        Some(f) => f.clone(),
        None => match args.file.extension().and_then(|e| e.to_str()) {
            Some("csv") => "csv".into(),
            Some("jsonl") | Some("ndjson") => "jsonl".into(),
            _ => anyhow::bail!(
                "{}: cannot tell the format from the name; name it *.csv or *.jsonl, or pass --format",
                args.file.display()
            ),
        },
    };
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta}) {msg}",
        )
        .expect("valid template"),
    );
    let reader = Counting {
        inner: file,
        bar: bar.clone(),
    };

    let mut rejected: Vec<(u64, String)> = Vec::new();
    let mut rejected_count = 0u64;
    let mut reports: Vec<Report> = Vec::new();
    let mut reject = |line: u64, msg: String| {
        rejected_count += 1;
        if rejected.len() < LISTED {
            rejected.push((line, msg));
        }
    };
    match format.as_str() {
        "csv" => {
            for item in radar_scenario::package::read_reports_csv(reader, &topology) {
                match item {
                    Ok(r) => reports.push(r),
                    Err(e) => reject(e.line, e.message),
                }
            }
        }
        _ => {
            let postcodes = germany::postcodes();
            let now = Timestamp(chrono_now());
            for (lineno, item) in
                read_reports_jsonl(BufReader::new(reader), &topology, &postcodes, now)
            {
                let parsed = item.with_context(|| {
                    format!("{}: cannot read line {lineno}", args.file.display())
                })?;
                match parsed {
                    Ok(r) => reports.push(r),
                    Err(msg) => reject(lineno, msg),
                }
            }
        }
    }
    bar.finish_and_clear();

    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let total = reports.len();
    let before_after = rt.block_on(async {
        let store = radar_store::open(&settings.store_target())
            .await
            .context("cannot open the store")?;
        let before = store.report_count().await?;
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} storing [{elapsed_precise}] {wide_bar} {pos}/{len} reports ({per_sec})",
            )
            .expect("valid template"),
        );
        for chunk in reports.chunks(CHUNK) {
            store.insert_reports(chunk).await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        let after = store.report_count().await?;
        anyhow::Ok((before, after))
    })?;
    let (before, after) = before_after;
    println!(
        "{}: {} valid reports, {} new, {} already stored; {} line(s) rejected",
        args.file.display(),
        total,
        after - before,
        total as u64 - (after - before),
        rejected_count
    );
    for (line, msg) in &rejected {
        println!("  line {line}: {msg}");
    }
    if rejected_count as usize > rejected.len() {
        println!("  … and {} more", rejected_count as usize - rejected.len());
    }
    Ok(())
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
