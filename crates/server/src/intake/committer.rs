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

use super::{Intake, IntakeError, Receipt};
use crate::detection::Detection;
use crate::metrics::Metrics;

/// Most reports written in one transaction.
const MAX_BATCH: usize = 8192;

type Reply = oneshot::Sender<Result<Receipt, IntakeError>>;

enum Msg {
    Submit(Vec<Report>, Reply),
    /// Accept nothing new; commit what is queued, then end.
    Stop,
}

pub struct GroupCommitter {
    tx: mpsc::Sender<Msg>,
}

impl GroupCommitter {
    /// Starts the writer thread. It ends when [`CommitterHandle::drain`] is called (or every
    /// `GroupCommitter` is dropped), after committing everything already queued. Must be called
    /// within a Tokio runtime (stores that only write asynchronously are driven on it).
    pub fn start(
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        detection: Arc<Detection>,
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
                    detection,
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
    detection: Arc<Detection>,
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

    fn insert(&self, reports: &[Report], counted: &[bool]) -> Result<Vec<ReportId>, StoreError> {
        match self.store.insert_reports_blocking(reports, Some(counted)) {
            Some(result) => result,
            None => self
                .runtime
                .block_on(self.store.insert_reports_with(reports, Some(counted))),
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
        // Which reports live detection counts is decided now and stored with them; minutes do
        // not close until the counted ones are held for detection (or the commit failed).
        let admission = self.detection.admit();
        let counted = admission.counted(&all);
        let started = Instant::now();
        let result = self.insert(&all, &counted);
        let metrics = &self.metrics;
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.commit_batch_reports.observe(all.len() as f64);
        match result {
            Ok(ids) => {
                metrics.reports_accepted.inc_by(all.len() as u64);
                // Held for detection before anyone is answered, so that whatever is
                // acknowledged as counted is counted.
                admission.hold(all, &ids, &counted);
                let mut ids = ids.into_iter();
                let mut flags = counted.into_iter();
                for (size, reply) in sizes.into_iter().zip(replies) {
                    let receipt = Receipt {
                        ids: ids.by_ref().take(size).collect(),
                        counted: flags.by_ref().take(size).collect(),
                    };
                    let _ = reply.send(Ok(receipt));
                }
            }
            Err(e) => {
                drop(admission);
                match e.unwritable() {
                    // Said once when it begins (store_health), counted on every batch.
                    Some(kind) => {
                        tracing::debug!(error = %e, reports = all.len(), "store cannot write; nothing of this batch was acknowledged");
                        metrics.reject(
                            match kind {
                                radar_store::Unwritable::Full => "store-full",
                                radar_store::Unwritable::ReadOnly => "store-read-only",
                            },
                            all.len() as u64,
                        );
                    }
                    None => {
                        tracing::error!(error = %e, reports = all.len(), "store commit failed; nothing of this batch was acknowledged");
                        metrics.reject("store-error", all.len() as u64);
                    }
                }
                let message = e.to_string();
                for reply in replies {
                    let err = match e.unwritable() {
                        Some(kind) => IntakeError::Unwritable(kind, message.clone()),
                        None => IntakeError::Store(message.clone()),
                    };
                    let _ = reply.send(Err(err));
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
    async fn submit(&self, reports: Vec<Report>) -> Result<Receipt, IntakeError> {
        if reports.is_empty() {
            return Ok(Receipt::default());
        }
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Submit(reports, reply))
            .await
            .map_err(|_| IntakeError::ShuttingDown)?;
        answer.await.map_err(|_| IntakeError::ShuttingDown)?
    }
}
