//! `radar audit verify|list`: the audit log of operator and admin actions. `verify` reads the
//! whole chain and names the first entry that was altered, removed or moved; given the head
//! it printed earlier (`--anchor SEQ:HASH`, kept somewhere else), it also catches a chain
//! recomputed from some entry on, or cut short.

use anyhow::Context;
use radar_core::audit::{verify, AuditEntry, Head};

use crate::cmd::serve;
use crate::cmd::user::open;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain; exit status 1 and the first tampered entry if it does not hold
    Verify {
        /// A head printed by an earlier verify (SEQ:HASH) that must still be in the chain
        #[arg(long)]
        anchor: Option<String>,
        #[command(flatten)]
        target: serve::Args,
    },
    /// Print the newest entries
    List {
        /// How many
        #[arg(long, default_value_t = 20)]
        last: usize,
        #[command(flatten)]
        target: serve::Args,
    },
}

/// Entries read per page.
const PAGE: usize = 10_000;

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify { anchor, target } => {
            let anchor = anchor
                .map(|a| {
                    Head::parse(&a).with_context(|| {
                        format!("--anchor {a:?}: write SEQ:HASH as radar audit verify printed it")
                    })
                })
                .transpose()?;
            let (rt, store) = open(&target)?;
            let mut all: Vec<AuditEntry> = Vec::new();
            loop {
                let after = all.last().map_or(0, |e| e.seq);
                let page = rt.block_on(store.accounts().audit_page(after, PAGE))?;
                if page.is_empty() {
                    break;
                }
                all.extend(page);
            }
            match verify(&all, anchor) {
                Ok(Some(head)) => {
                    println!("ok: {} entries, the chain holds; head {head}", all.len());
                    println!("keep the head elsewhere and pass it as --anchor next time");
                }
                Ok(None) => println!("ok: the audit log is empty"),
                Err(t) => anyhow::bail!("the audit log was tampered with: {t}"),
            }
        }
        AuditCommand::List { last, target } => {
            let (rt, store) = open(&target)?;
            let mut entries = rt.block_on(store.accounts().audit_recent(last))?;
            entries.reverse();
            for e in entries {
                println!(
                    "{:>6}  {}  {:<24} {:<20} {}",
                    e.seq,
                    e.draft.time.to_rfc3339(),
                    e.draft.actor,
                    e.draft.action,
                    e.draft.target
                );
            }
        }
    }
    Ok(())
}
