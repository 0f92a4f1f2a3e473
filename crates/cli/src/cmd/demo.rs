//! `radar demo`: the May 2017 week at O2 Germany, told in a few minutes. A fresh embedded store,
//! the package's topology, and its reports and events played into the running server on a
//! manual clock: 12–17 May at once, the afternoon of 17 May (the LTE outage) at two minutes
//! per second, the rest of the week at an hour per second.
//!
//! The May 2017 week comes from the binary itself: the generator that wrote
//! `scenarios/o2-2017-05` builds the same package in memory (a test checks that both are the
//! same), so an installed `radar` plays it from any folder.

use std::path::PathBuf;
use std::sync::atomic::AtomicI64;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use radar_core::Timestamp;
use radar_scenario::package::Package;
use radar_server::playback::{play, Leg};
use radar_server::settings::Settings;
use radar_server::state::Clock;
use radar_server::Application;

use crate::cmd::serve::shutdown_signal;

/// Prints a line; a closed standard output (say, a pager that quit) must not stop the demo.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Scenario package to play [default: the May 2017 week, built in]
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

/// The May 2017 week, generated in memory. A spinner shows when that takes more than a
/// second (a debug build takes several).
fn built_in() -> anyhow::Result<Package> {
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(radar_scenario::may2017::build().package());
    });
    let built = match wait.recv_timeout(Duration::from_secs(1)) {
        Ok(built) => built,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            bar.set_message("building the May 2017 week in memory");
            if bar.is_hidden() {
                say!("Building the May 2017 week in memory…");
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            let built = wait.recv();
            bar.finish_and_clear();
            built.context("the scenario generator failed")?
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            anyhow::bail!("the scenario generator failed")
        }
    };
    built.map_err(|e| anyhow::anyhow!("the built-in May 2017 week does not load:\n{e}"))
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).expect("valid constant time")
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let listen = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address; write host:port, e.g. 127.0.0.1:8080",
            args.listen
        )
    })?;
    let pkg = match &args.scenario {
        Some(dir) => radar_scenario::package::load(dir).map_err(|e| {
            anyhow::anyhow!("cannot load the demo scenario {}:\n{e}", dir.display())
        })?,
        None => built_in()?,
    };
    let data = tempfile::Builder::new()
        .prefix("radar-demo-")
        .tempdir()
        .context("cannot create a temporary data directory")?;
    let settings = Settings {
        listen,
        data: data.path().to_path_buf(),
        ..Settings::default()
    };
    let first = pkg.reports.first().map(|r| r.time).unwrap_or(Timestamp(0));
    let last = pkg.reports.last().map(|r| r.time).unwrap_or(first);
    let shipped = args.scenario.is_none();
    let legs = if shipped {
        vec![
            Leg {
                until: at("2017-05-17T12:20:00Z"),
                step_secs: 3600,
                pause: Duration::ZERO,
            },
            Leg {
                until: at("2017-05-17T18:30:00Z"),
                step_secs: 120,
                pause: Duration::from_secs(1),
            },
            Leg {
                until: Timestamp(last.0 + 60),
                step_secs: 3600,
                pause: Duration::from_secs(1),
            },
        ]
    } else {
        vec![Leg {
            until: Timestamp(last.0 + 60),
            step_secs: 600,
            pause: Duration::from_millis(200),
        }]
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let store: Arc<dyn radar_store::Store> = Arc::new(
            radar_store::sqlite::SqliteStore::open_dir(data.path())
                .context("cannot create the demo store")?,
        );
        let clock = Arc::new(AtomicI64::new(first.minute().start().0));
        let app = Application::build_with(settings, pkg.topology.clone(), store, Clock::Manual(clock.clone()))
            .await?;
        let url = format!("http://{}", app.local_addr());
        say!("Outage Radar demo: {url}");
        if shipped {
            say!("Playing O2 Germany, 12–24 May 2017: the DSL customer system shut down after WannaCry (12 May),");
            say!("and the nationwide LTE outage of 17 May, which unfolds live about 10 seconds from now.");
            say!("Watch {url}/providers/o2-de and {url}/incidents/net-1 (\"is the network outage caused by the attack?\").");
        }
        say!("(embedded store in {}; removed on exit; Ctrl-C stops)", data.path().display());
        let state = app.state().clone();
        let player = tokio::spawn(play(state, clock, pkg.reports, pkg.events, pkg.signals, legs));
        let server = tokio::spawn(app.run_until(shutdown_signal()));
        match player.await {
            Ok(Ok((r, e))) => say!("Playback finished: {r} reports and {e} events; the server keeps running."),
            Ok(Err(e)) => eprintln!("playback stopped: {e:#}"),
            Err(e) => eprintln!("playback failed: {e}"),
        }
        server.await.context("server task failed")?
    })
}
