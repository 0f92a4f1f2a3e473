//! Outage Radar's pure core: domain types, topology, detection and correlation.
//!
//! Architecture invariant: nothing in this crate does IO, spawns threads, awaits, speaks SQL or
//! HTTP. Every function is deterministic given its inputs, so the same code runs in the live
//! server, in `radar replay` (virtual time) and in the NAB harness.

pub mod account;
pub mod anomaly;
pub mod audit;
pub mod correlate;
pub mod customer;
pub mod detect;
pub mod event;
pub mod ids;
pub mod incident;
pub mod intake;
pub mod notify;
pub mod report;
pub mod signal;
pub mod topology;
pub mod view;

pub use ids::{ComponentId, IdError, ProviderId, RegionId, ServiceId};
pub use report::{Minute, Problem, Report, ReporterKey, Source, Timestamp};
