//! `radar customers import FILE --provider ID`: refreshes the local customer directory the
//! agent console looks customer numbers up in — a replica of the customer-management
//! system, never a live dependency. The CSV has the columns `customer`, `postcode` and
//! `products` (service ids of the provider, separated by `;`). Every row is checked first; if
//! any is wrong, nothing is imported. An import replaces the provider's directory whole.

use std::path::PathBuf;

use anyhow::Context;
use radar_core::audit::AuditDraft;
use radar_core::customer::{parse_row, Customer};
use radar_core::topology::germany;
use radar_core::ProviderId;

use crate::cmd::serve;
use crate::cmd::user::{actor, now, open};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: CustomersCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum CustomersCommand {
    /// Replace the provider's customer directory with a CSV export (customer,postcode,products)
    Import {
        file: PathBuf,
        /// The provider whose customers these are
        #[arg(long)]
        provider: String,
        #[command(flatten)]
        target: serve::Args,
    },
}

/// Rejected rows listed in full; the rest are counted.
const LISTED: usize = 20;

pub fn run(args: Args) -> anyhow::Result<()> {
    let CustomersCommand::Import {
        file,
        provider,
        target,
    } = args.command;
    let settings = serve::settings(&target)?;
    let topology = radar_server::startup::load_topology(&settings)?;
    let provider = ProviderId::parse(&provider)
        .ok()
        .filter(|p| topology.provider(p.as_str()).is_some())
        .with_context(|| format!("--provider {provider:?} is not a provider of the topology"))?;
    let postcodes = germany::postcodes();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&file)
        .with_context(|| format!("cannot open {}", file.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", file.display()))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: no column {name:?}; the header must name customer, postcode and products",
                file.display()
            )
        })
    };
    let (c_number, c_postcode, c_products) = (col("customer")?, col("postcode")?, col("products")?);
    let mut customers: Vec<Customer> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    let mut rejected_count = 0usize;
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{}: line {line}", file.display()))?;
        let field = |c: usize| record.get(c).unwrap_or("");
        let row = parse_row(
            &provider,
            field(c_number),
            field(c_postcode),
            field(c_products),
            &topology,
            &postcodes,
        )
        .and_then(|c| {
            if seen.insert(c.number.clone()) {
                Ok(c)
            } else {
                Err(format!("customer {} appears twice", c.number))
            }
        });
        match row {
            Ok(c) => customers.push(c),
            Err(e) => {
                rejected_count += 1;
                if rejected.len() < LISTED {
                    rejected.push(format!("  line {line}: {e}"));
                }
            }
        }
    }
    if rejected_count > 0 {
        let more = rejected_count - rejected.len();
        anyhow::bail!(
            "{}: {rejected_count} row(s) rejected, nothing imported:\n{}{}",
            file.display(),
            rejected.join("\n"),
            if more > 0 {
                format!("\n  … and {more} more")
            } else {
                String::new()
            }
        );
    }
    let (rt, store) = open(&target)?;
    let audit = AuditDraft {
        time: now(),
        actor: actor(),
        action: "customers.import".into(),
        target: provider.to_string(),
        before: None,
        after: Some(format!(
            "{{\"file\":{:?},\"customers\":{}}}",
            file.display().to_string(),
            customers.len()
        )),
    };
    let n = rt.block_on(store.replace_customers(&provider, &customers, audit))?;
    println!("{}: {n} customers of {provider} imported", file.display());
    Ok(())
}
