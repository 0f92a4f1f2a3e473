//! Group commit: concurrent submissions queue on a channel; one task drains the queue, writes
//! everything waiting in one transaction, then answers each submitter. A single fsync then
//! acknowledges many requests, which keeps durable acknowledgement cheap.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use radar_core::Report;
use radar_store::{ReportId, Store};
use tokio::sync::{mpsc, oneshot};

use super::{Intake, IntakeError};
use crate::metrics::Metrics;

/// Most reports written in one transaction.
const MAX_BATCH: usize = 8192;

type Reply = oneshot::Sender<Result<Vec<ReportId>, IntakeError>>;

pub struct GroupCommitter {
    tx: mpsc::Sender<(Vec<Report>, Reply)>,
}

/// Receives every committed batch, after the submitters were answered (e.g. detection).
pub type CommitSink = mpsc::UnboundedSender<Vec<Report>>;

impl GroupCommitter {
    /// Starts the committer task. It ends when every `GroupCommitter` clone is dropped and
    /// the queue is drained; `done` fires then.
    pub fn start(
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        sink: CommitSink,
    ) -> (GroupCommitter, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::channel::<(Vec<Report>, Reply)>(4096);
        let handle = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut pending = vec![first];
                let mut n = pending[0].0.len();
                while n < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(item) => {
                            n += item.0.len();
                            pending.push(item);
                        }
                        Err(_) => break,
                    }
                }
                let all: Vec<Report> = pending
                    .iter()
                    .flat_map(|(r, _)| r.iter().cloned())
                    .collect();
                let started = Instant::now();
                let result = store.insert_reports(&all).await;
                metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.commit_batch_reports.observe(all.len() as f64);
                match result {
                    Ok(ids) => {
                        metrics.reports_accepted.inc_by(all.len() as u64);
                        let mut ids = ids.into_iter();
                        for (reports, reply) in pending {
                            let mine: Vec<ReportId> = ids.by_ref().take(reports.len()).collect();
                            let _ = reply.send(Ok(mine));
                        }
                        // Detection runs on its own task: it can neither delay nor undo an
                        // acknowledgement.
                        let _ = sink.send(all);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, reports = all.len(), "store commit failed; nothing of this batch was acknowledged");
                        metrics.reject("store-error", all.len() as u64);
                        for (_, reply) in pending {
                            let _ = reply.send(Err(IntakeError::Store(e.to_string())));
                        }
                    }
                }
            }
        });
        (GroupCommitter { tx }, handle)
    }
}

#[async_trait]
impl Intake for GroupCommitter {
    async fn submit(&self, reports: Vec<Report>) -> Result<Vec<ReportId>, IntakeError> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((reports, reply))
            .await
            .map_err(|_| IntakeError::ShuttingDown)?;
        answer.await.map_err(|_| IntakeError::ShuttingDown)?
    }
}
