//! `radar serve`: run the server.

use std::path::PathBuf;

use anyhow::Context;
use radar_server::settings::{Layer, Settings};
use radar_server::Application;

#[derive(clap::Args, Debug)]
#[group(skip)]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long)]
    pub listen: Option<String>,
    /// Data directory for the embedded store and the reporter secret [default: ./radar-data]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Settings file (TOML); environment RADAR_* and flags override it
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…); without it the embedded SQLite store is used
    #[arg(long)]
    pub database_url: Option<String>,
    /// Topology file (TOML); without it the shipped German topology is used
    #[arg(long)]
    pub topology: Option<PathBuf>,
}

/// File, then environment, then flags; every error at once.
pub fn settings(args: &Args) -> anyhow::Result<Settings> {
    let mut layers = Vec::new();
    let mut errors = Vec::new();
    if let Some(path) = &args.config {
        match Layer::from_file(path) {
            Ok(l) => layers.push(l),
            Err(e) => errors.push(e),
        }
    }
    let (env, env_errors) = Layer::from_env(std::env::vars());
    layers.push(env);
    errors.extend(env_errors);
    layers.push(Layer {
        listen: args.listen.clone(),
        data: args.data.clone(),
        database_url: args.database_url.clone(),
        topology: args.topology.clone(),
        ..Layer::default()
    });
    Settings::resolve(&layers, errors)
        .map_err(|errs| anyhow::anyhow!("invalid settings:\n  {}", errs.join("\n  ")))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests and flushing writes");
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let app = Application::build(settings).await?;
        let addr = app.local_addr();
        tracing::info!(%addr, store = app.state().store.backend(), "serving");
        println!("Outage Radar listening on http://{addr}");
        app.run_until(shutdown_signal()).await
    })
}
