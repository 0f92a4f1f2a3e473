//! Intake: reports arrive (JSON API, web form), become domain reports, are committed durably
//! in groups, and only then acknowledged and handed to detection.

pub mod api;
pub mod committer;
pub mod form;
pub mod reporter;

use async_trait::async_trait;
use radar_core::Report;
use radar_store::ReportId;

/// Where accepted reports go. The local implementation is a group committer in front of the
/// store; the scale-out implementation publishes to NATS JetStream and acknowledges on the
/// stream's acknowledgement. Either way `submit` returns only when the reports are durable.
#[async_trait]
pub trait Intake: Send + Sync + 'static {
    async fn submit(&self, reports: Vec<Report>) -> Result<Vec<ReportId>, IntakeError>;
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the store could not commit: {0}")]
    Store(String),
    #[error("the server is shutting down")]
    ShuttingDown,
}
