//! `radar serve`: run the server.

use std::path::PathBuf;

use anyhow::Context;
use radar_server::settings::Settings;
use radar_server::Application;

/// The flags of `radar serve` (and of `radar import`, which opens the same store). Each flag
/// is the setting of the same name; the settings' defaults and meanings are declared in
/// `radar_server::settings`. Serialised, the flags given are the last settings layer.
#[derive(clap::Args, Debug, serde::Serialize)]
#[group(skip)]
pub struct Args {
    /// Address to listen on (setting `listen`)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Data directory for the embedded store and the reporter secret (setting `data`)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    /// Settings file (TOML); RADAR_* environment variables and flags override it
    #[arg(long, env = "RADAR_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…); without it the embedded SQLite store is used (setting
    /// `database_url`)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// NATS JetStream server (nats://host:4222): run as one node of a cluster, with reports
    /// going through the bus; needs --database-url (setting `bus`)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// Topology file (TOML); without it the shipped German topology is used (setting
    /// `topology`)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topology: Option<PathBuf>,
}

/// File, then environment, then flags; every error at once.
pub fn settings(args: &Args) -> anyhow::Result<Settings> {
    Settings::load(args.config.as_deref(), args)
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
