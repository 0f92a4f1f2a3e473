//! Intake: reports arrive (JSON API, web form), become domain reports, are committed durably
//! in groups, and only then acknowledged and handed to detection.

pub mod api;
pub mod committer;
pub mod form;
pub mod identity;
pub mod import;
pub mod limit;
pub mod reporter;

use async_trait::async_trait;
use radar_core::Report;
use radar_store::ReportId;

/// Where accepted reports go. The local implementation is a group committer in front of the
/// store; the scale-out implementation publishes to NATS JetStream and acknowledges on the
/// stream's acknowledgement. Either way `submit` returns only when the reports are durable.
#[async_trait]
pub trait Intake: Send + Sync + 'static {
    async fn submit(&self, reports: Vec<Report>) -> Result<Receipt, IntakeError>;

    /// Whether reports can be accepted now, for `/readyz`: `Err` says why not (the bus is not
    /// connected). The local committer is ready whenever the store is.
    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

/// What became of submitted reports, in the order submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    pub ids: Vec<ReportId>,
    /// Whether live detection counts each report: false when its minute had already closed
    /// (see [`crate::detection`]); it is stored all the same.
    pub counted: Vec<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the store could not commit: {0}")]
    Store(String),
    /// The store cannot write at all (full, read-only); nothing was stored.
    #[error("the store cannot write ({kind}): {msg}", kind = .0.as_str(), msg = .1)]
    Unwritable(radar_store::Unwritable, String),
    /// The bus did not take the reports (unreachable, or it did not acknowledge in time);
    /// nothing is acknowledged and the client retries.
    #[error("the ingest bus did not take the reports: {0}")]
    Bus(String),
    #[error("the server is shutting down")]
    ShuttingDown,
}
