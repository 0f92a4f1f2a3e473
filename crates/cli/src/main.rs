//! `radar`: the thin command-line entry point. Each subcommand lives in `cmd/`.

mod cmd;

/// Intake allocates and frees many small buffers per request on every worker thread; mimalloc's
/// per-thread free lists keep that off the profile (about a tenth of the CPU time with the
/// system allocator).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "radar",
    version,
    about = "Outage Radar: detect, explain and communicate outages"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(cmd::serve::Args),
    /// Play the May 2017 week at O2 Germany into a server on a fresh embedded store.
    Demo(cmd::demo::Args),
    /// Import reports from reports.csv (scenario format) or JSONL into the store.
    Import(cmd::import::Args),
    /// Back up the store into a new directory while the server runs (snapshot, manifest,
    /// checksums).
    Backup(cmd::backup::Args),
    /// Restore a backup into an empty store (--force replaces a store's data); stop the server
    /// first.
    Restore(cmd::restore::Args),
    /// Score the detector on a NAB data folder and write NAB result files.
    Nab(cmd::nab::Args),
    /// Rank root causes on a benchmark folder (`rca petshop DIR --out FILE`).
    Rca(cmd::rca::Args),
    /// Replay a scenario package in virtual time and write detections.json.
    Replay(cmd::replay::Args),
    /// Score detections.json against a scenario package's truth.json.
    Eval(cmd::eval::Args),
    /// Generate scenario packages with truth.
    Simulate(cmd::simulate::Args),
    /// Console accounts: add, list, disable, enable, reset-password.
    User(cmd::user::Args),
    /// API tokens for automation: add (shown once), list, revoke.
    Token(cmd::token::Args),
    /// The audit log of operator and admin actions: verify the hash chain, list entries.
    Audit(cmd::audit::Args),
    /// The local customer directory for the agent console: import a CSV export.
    Customers(cmd::customers::Args),
}

/// Errors are printed as their cause chain ("what: why"), without a backtrace: they are
/// messages for the user, not crashes.
fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RADAR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(a) => cmd::serve::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Backup(a) => cmd::backup::run(a),
        Command::Restore(a) => cmd::restore::run(a),
        Command::Nab(a) => cmd::nab::run(a),
        Command::Rca(a) => cmd::rca::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::User(a) => cmd::user::run(a),
        Command::Token(a) => cmd::token::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Customers(a) => cmd::customers::run(a),
    }
}
