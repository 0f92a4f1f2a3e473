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
/// Scheduler turns without a new submission before the batch is committed.
const COALESCE_TURNS: u32 = 2;

type Reply = oneshot::Sender<Result<Vec<ReportId>, IntakeError>>;

pub struct GroupCommitter {
    tx: mpsc::Sender<(Vec<Report>, Reply)>,
}

/// Receives every committed batch (detection).
pub type CommitSink = mpsc::UnboundedSender<Vec<Report>>;

impl GroupCommitter {
    /// Starts the committer task. It ends when [`CommitterHandle::drain`] is called (or every
    /// `GroupCommitter` is dropped), after committing everything already queued.
    pub fn start(
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        sink: CommitSink,
    ) -> (GroupCommitter, CommitterHandle) {
        let (tx, mut rx) = mpsc::channel::<(Vec<Report>, Reply)>(4096);
        let (stop, mut stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut stopping = false;
            loop {
                let first = tokio::select! {
                    biased;
                    _ = &mut stop_rx, if !stopping => {
                        // No new submissions; what is queued is still committed below.
                        stopping = true;
                        rx.close();
                        continue;
                    }
                    item = rx.recv() => match item {
                        Some(item) => item,
                        None => break,
                    },
                };
                let mut pending = vec![first];
                let mut n = pending[0].0.len();
                // Take what is queued; give handlers that are mid-request a few scheduler
                // turns to join this commit rather than wait for the next one.
                let mut idle_turns = 0;
                while n < MAX_BATCH && idle_turns < COALESCE_TURNS {
                    match rx.try_recv() {
                        Ok(item) => {
                            n += item.0.len();
                            pending.push(item);
                            idle_turns = 0;
                        }
                        Err(_) => {
                            idle_turns += 1;
                            tokio::task::yield_now().await;
                        }
                    }
                }
                let mut all: Vec<Report> = Vec::with_capacity(n);
                let mut sizes = Vec::with_capacity(pending.len());
                let mut replies = Vec::with_capacity(pending.len());
                for (reports, reply) in pending {
                    sizes.push(reports.len());
                    replies.push(reply);
                    all.extend(reports);
                }
                let started = Instant::now();
                let result = store.insert_reports(&all).await;
                metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.commit_batch_reports.observe(all.len() as f64);
                match result {
                    Ok(ids) => {
                        metrics.reports_accepted.inc_by(all.len() as u64);
                        // Queued for detection before anyone is answered, so that whatever is
                        // acknowledged is seen by the next tick; queuing never blocks.
                        let _ = sink.send(all);
                        let mut ids = ids.into_iter();
                        for (size, reply) in sizes.into_iter().zip(replies) {
                            let mine: Vec<ReportId> = ids.by_ref().take(size).collect();
                            let _ = reply.send(Ok(mine));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, reports = all.len(), "store commit failed; nothing of this batch was acknowledged");
                        metrics.reject("store-error", all.len() as u64);
                        for reply in replies {
                            let _ = reply.send(Err(IntakeError::Store(e.to_string())));
                        }
                    }
                }
            }
        });
        (GroupCommitter { tx }, CommitterHandle { stop, task })
    }
}

/// Stops the committer after it has committed everything queued.
pub struct CommitterHandle {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl CommitterHandle {
    pub async fn drain(self) -> Result<(), tokio::task::JoinError> {
        let _ = self.stop.send(());
        self.task.await
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
