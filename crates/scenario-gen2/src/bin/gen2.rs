//! `gen2 --kind K --seed S --days D --out DIR`: writes one scenario package.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen2 --kind KIND --seed SEED [--days DAYS] --out DIR\n       gen2 --list   (prints the kinds)";

struct Args {
    kind: String,
    seed: u64,
    days: u32,
    out: PathBuf,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut kind, mut seed, mut days, mut out) = (None, None, 2u32, None);
    while let Some(flag) = args.next() {
        if flag == "--list" {
            return Ok(None);
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--kind" => kind = Some(value),
            "--seed" => {
                seed = Some(value.parse::<u64>().map_err(|_| {
                    format!(
                        "--seed {value:?}: not a whole number from 0 to {}",
                        u64::MAX
                    )
                })?)
            }
            "--days" => {
                days = value.parse::<u32>().map_err(|_| {
                    format!(
                        "--days {value:?}: not a whole number from 1 to {}",
                        radar_scenario_gen2::MAX_DAYS
                    )
                })?
            }
            "--out" => out = Some(PathBuf::from(value)),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(Some(Args {
        kind: kind.ok_or("--kind is required")?,
        seed: seed.ok_or("--seed is required")?,
        days,
        out: out.ok_or("--out is required")?,
    }))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            for k in radar_scenario_gen2::KINDS {
                println!("{k}");
            }
            return ExitCode::SUCCESS;
        }
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen2: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match radar_scenario_gen2::generate(&args.kind, args.seed, args.days, &args.out) {
        Ok(s) => {
            println!(
                "{}: {} seed {} days {}: {} reports, {} events, {} true outages, {} floods",
                args.out.display(),
                s.kind,
                s.seed,
                s.days,
                s.reports,
                s.events,
                s.outages,
                s.floods
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen2: {e}");
            ExitCode::FAILURE
        }
    }
}
