//! `radar`: the thin command-line entry point. Each subcommand lives in `cmd/`.

mod cmd;

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
    /// Score the detector on a NAB data folder and write NAB result files.
    Nab(cmd::nab::Args),
    /// Replay a scenario package in virtual time and write detections.json.
    Replay(cmd::replay::Args),
    /// Score detections.json against a scenario package's truth.json.
    Eval(cmd::eval::Args),
    /// Generate scenario packages with truth.
    Simulate(cmd::simulate::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Nab(a) => cmd::nab::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
    }
}
