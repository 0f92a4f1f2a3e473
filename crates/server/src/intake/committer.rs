//! Group commit: concurrent submissions queue on a channel; one writer thread drains the queue,
//! writes everything waiting in one transaction, then answers each submitter. A single fsync
//! then acknowledges many requests, which keeps durable acknowledgement cheap.
//!
//! The writer is a thread of its own rather than a task: a commit blocks on the disk, and a
//! dedicated thread does so without taking a runtime worker away from the HTTP connections or
//! handing the worker to another thread for every batch. While it commits, new submissions
//! queue up and form the next batch.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use radar_core::Report;
use radar_store::{ReportId, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::{Intake, IntakeError};
use crate::metrics::Metrics;

/// Most reports written in one transaction.
const MAX_BATCH: usize = 8192;

type Reply = oneshot::Sender<Result<Vec<ReportId>, IntakeError>>;

enum Msg {
    Submit(Vec<Report>, Reply),
    /// Accept nothing new; commit what is queued, then end.
    Stop,
}

pub struct GroupCommitter {
    tx: mpsc::Sender<Msg>,
}

/// Receives every committed batch (detection).
pub type CommitSink = mpsc::UnboundedSender<Vec<Report>>;

impl GroupCommitter {
    /// Starts the writer thread. It ends when [`CommitterHandle::drain`] is called (or every
    /// `GroupCommitter` is dropped), after committing everything already queued. Must be called
    /// within a Tokio runtime (stores that only write asynchronously are driven on it).
    pub fn start(
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        sink: CommitSink,
    ) -> std::io::Result<(GroupCommitter, CommitterHandle)> {
        let (tx, rx) = mpsc::channel::<Msg>(4096);
        let (done_tx, done) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Handle::current();
        std::thread::Builder::new()
            .name("radar-committer".into())
            .spawn(move || {
                Writer {
                    store,
                    metrics,
                    sink,
                    runtime,
                }
                .run(rx);
                let _ = done_tx.send(());
            })?;
        Ok((
            GroupCommitter { tx: tx.clone() },
            CommitterHandle { stop: tx, done },
        ))
    }
}

struct Writer {
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    sink: CommitSink,
    runtime: tokio::runtime::Handle,
}

impl Writer {
    fn run(self, mut rx: mpsc::Receiver<Msg>) {
        let mut pending: Vec<(Vec<Report>, Reply)> = Vec::new();
        // After `Stop` the channel is closed: what is buffered is still received, then `None`.
        while let Some(msg) = rx.blocking_recv() {
            let mut n = 0;
            match msg {
                Msg::Submit(reports, reply) => {
                    n += reports.len();
                    pending.push((reports, reply));
                }
                Msg::Stop => rx.close(),
            }
            // Everything queued meanwhile joins this commit.
            while n < MAX_BATCH {
                match rx.try_recv() {
                    Ok(Msg::Submit(reports, reply)) => {
                        n += reports.len();
                        pending.push((reports, reply));
                    }
                    Ok(Msg::Stop) => rx.close(),
                    Err(_) => break,
                }
            }
            if !pending.is_empty() {
                self.commit(&mut pending, n);
            }
        }
    }

    fn insert(&self, reports: &[Report]) -> Result<Vec<ReportId>, StoreError> {
        match self.store.insert_reports_blocking(reports) {
            Some(result) => result,
            None => self.runtime.block_on(self.store.insert_reports(reports)),
        }
    }

    fn commit(&self, pending: &mut Vec<(Vec<Report>, Reply)>, n: usize) {
        let mut all: Vec<Report> = Vec::with_capacity(n);
        let mut sizes = Vec::with_capacity(pending.len());
        let mut replies = Vec::with_capacity(pending.len());
        for (reports, reply) in pending.drain(..) {
            sizes.push(reports.len());
            replies.push(reply);
            all.extend(reports);
        }
        let started = Instant::now();
        let result = self.insert(&all);
        let metrics = &self.metrics;
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.commit_batch_reports.observe(all.len() as f64);
        match result {
            Ok(ids) => {
                metrics.reports_accepted.inc_by(all.len() as u64);
                // Queued for detection before anyone is answered, so that whatever is
                // acknowledged is seen by the next tick; queuing never blocks.
                let _ = self.sink.send(all);
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
}

/// Stops the committer after it has committed everything queued.
pub struct CommitterHandle {
    stop: mpsc::Sender<Msg>,
    done: oneshot::Receiver<()>,
}

impl CommitterHandle {
    pub async fn drain(self) -> anyhow::Result<()> {
        // If the channel is already closed the writer is ending anyway.
        let _ = self.stop.send(Msg::Stop).await;
        drop(self.stop);
        self.done
            .await
            .map_err(|_| anyhow::anyhow!("the committer thread ended abnormally"))
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
            .send(Msg::Submit(reports, reply))
            .await
            .map_err(|_| IntakeError::ShuttingDown)?;
        answer.await.map_err(|_| IntakeError::ShuttingDown)?
    }
}
