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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Option<Args>, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags_parse_with_a_default_of_two_days() {
        let a = args("--kind quiet --seed 7 --out /tmp/x")
            .expect("valid")
            .expect("not --list");
        assert_eq!((a.kind.as_str(), a.seed, a.days), ("quiet", 7, 2));
        assert_eq!(a.out, PathBuf::from("/tmp/x"));
        assert!(args("--list").expect("valid").is_none());
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        assert_eq!(
            args("--seed 7 --out x").err().as_deref(),
            Some("--kind is required")
        );
        assert_eq!(
            args("--kind quiet --seed 7").err().as_deref(),
            Some("--out is required")
        );
        assert_eq!(
            args("--kind quiet --seed 7 --out x --days")
                .err()
                .as_deref(),
            Some("--days needs a value")
        );
        assert_eq!(
            args("--kind quiet --seed -1 --out x").err().as_deref(),
            Some("--seed \"-1\": not a whole number from 0 to 18446744073709551615")
        );
        assert_eq!(
            args("--kind quiet --seed 1 --out x --days two")
                .err()
                .as_deref(),
            Some("--days \"two\": not a whole number from 1 to 31")
        );
        assert_eq!(
            args("--kind quiet --sed 1").err().as_deref(),
            Some("unknown option \"--sed\"")
        );
    }
}
