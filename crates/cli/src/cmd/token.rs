//! `radar token add|list|revoke`: API tokens for automation. A token belongs to an account and
//! carries scopes its role grants; it is printed once, when made, and stored only as a hash.

use radar_server::auth::manage;

use crate::cmd::serve;
use crate::cmd::user::{actor, now, open};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Make a token and print it (once)
    Add {
        /// The account it acts for
        #[arg(long)]
        user: String,
        /// A scope (repeat for several): incidents, probes, abuse, audit, calls, users
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires (default: never)
        #[arg(long)]
        expires_days: Option<u32>,
        #[command(flatten)]
        target: serve::Args,
    },
    /// List tokens (ids, never the tokens)
    List {
        #[command(flatten)]
        target: serve::Args,
    },
    /// Revoke a token by its id
    Revoke {
        id: String,
        #[command(flatten)]
        target: serve::Args,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        TokenCommand::Add {
            user,
            scopes,
            expires_days,
            target,
        } => {
            let (rt, store) = open(&target)?;
            let now = now();
            let expires =
                expires_days.map(|d| radar_core::Timestamp(now.0 + i64::from(d) * 86_400));
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let (token, secret) = rt.block_on(manage::add_token(
                &*store,
                &user,
                &scopes,
                expires,
                &actor(),
                now,
            ))?;
            eprintln!(
                "token {} for {user} (scopes: {}); it is shown only now, store it safely:",
                token.id,
                radar_server::auth::scope_list(&token.scopes)
            );
            println!("{secret}");
        }
        TokenCommand::List { target } => {
            let (rt, store) = open(&target)?;
            for t in rt.block_on(store.accounts().tokens())? {
                println!(
                    "{}  {:<20} {:<28} {}{}",
                    t.id,
                    t.user,
                    radar_server::auth::scope_list(&t.scopes),
                    if t.revoked { "revoked" } else { "active" },
                    t.expires
                        .map(|e| format!(", expires {}", e.to_rfc3339()))
                        .unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { id, target } => {
            let (rt, store) = open(&target)?;
            rt.block_on(manage::revoke_token(&*store, &id, &actor(), now()))?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
