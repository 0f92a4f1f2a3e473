//! `radar user add|list|disable|enable|reset-password`: console accounts, on the store
//! `radar serve` would open. Passwords are read from a prompt without echo (asked twice), or
//! from standard input when it is not a terminal (one line) — never from the command line,
//! where other users of the machine could read them. Each change is written with its audit
//! entry.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::Context;
use radar_core::account::Role;
use radar_server::auth::manage;
use radar_store::Store;

use crate::cmd::serve;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account; the password is asked for (or read from standard input)
    Add {
        /// Lower-case name: a-z, 0-9, '.', '_', '-'
        name: String,
        /// admin, operator or agent
        #[arg(long)]
        role: String,
        #[command(flatten)]
        target: serve::Args,
    },
    /// List the accounts
    List {
        #[command(flatten)]
        target: serve::Args,
    },
    /// Disable an account; its sessions end at once and its API tokens stop working
    Disable {
        name: String,
        #[command(flatten)]
        target: serve::Args,
    },
    /// Enable a disabled account again
    Enable {
        name: String,
        #[command(flatten)]
        target: serve::Args,
    },
    /// Set a new password (asked for, or read from standard input); the account's sessions end
    ResetPassword {
        name: String,
        #[command(flatten)]
        target: serve::Args,
    },
}

/// The store of the settings, and a runtime to use it on.
pub fn open(target: &serve::Args) -> anyhow::Result<(tokio::runtime::Runtime, Arc<dyn Store>)> {
    let settings = serve::settings(target)?;
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let store = rt
        .block_on(radar_store::open(&settings.store_target()))
        .context("cannot open the store")?;
    Ok((rt, store))
}

/// Who the audit log names for a command run on the server: `cli:<login name>`.
pub fn actor() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(u) if !u.is_empty() => format!("cli:{u}"),
        _ => "cli".to_owned(),
    }
}

pub fn now() -> radar_core::Timestamp {
    radar_core::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    )
}

/// A new password: prompted twice on a terminal, else the first line of standard input.
fn read_password(name: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password(format!("New password for {name}: "))
            .context("cannot read the password")?;
        let b = rpassword::prompt_password("Again: ").context("cannot read the password")?;
        anyhow::ensure!(a == b, "the two passwords differ; nothing was changed");
        Ok(a)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        UserCommand::Add { name, role, target } => {
            let role = Role::parse(&role)?;
            radar_core::account::check_user_name(&name)?;
            let password = read_password(&name)?;
            let (rt, store) = open(&target)?;
            rt.block_on(manage::add_user(
                &*store,
                &name,
                role,
                &password,
                &actor(),
                now(),
            ))?;
            println!("added {name} ({role})");
        }
        UserCommand::List { target } => {
            let (rt, store) = open(&target)?;
            let users = rt.block_on(store.accounts().users())?;
            if users.is_empty() {
                println!(
                    "no accounts; add one with radar user add NAME --role admin|operator|agent"
                );
            }
            for u in users {
                println!(
                    "{:<24} {:<9} {:<9} since {}",
                    u.name,
                    u.role,
                    if u.disabled { "disabled" } else { "active" },
                    u.created.to_rfc3339()
                );
            }
        }
        UserCommand::Disable { name, target } => set_disabled(&name, &target, true)?,
        UserCommand::Enable { name, target } => set_disabled(&name, &target, false)?,
        UserCommand::ResetPassword { name, target } => {
            let password = read_password(&name)?;
            let (rt, store) = open(&target)?;
            rt.block_on(manage::reset_password(
                &*store,
                &name,
                &password,
                &actor(),
                now(),
            ))?;
            println!("new password set for {name}; their sessions ended");
        }
    }
    Ok(())
}

fn set_disabled(name: &str, target: &serve::Args, disabled: bool) -> anyhow::Result<()> {
    let (rt, store) = open(target)?;
    rt.block_on(manage::set_disabled(
        &*store,
        name,
        disabled,
        &actor(),
        now(),
    ))?;
    println!("{name} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}
