//! Detection in the live server: committed reports feed the core detector; a ticker closes
//! minutes as wall-clock time passes. Episodes are what `/api/v1/outages` serves.

use std::sync::Mutex;

use radar_core::detect::{Detector, DetectorConfig, Episode, SeriesStatus};
use radar_core::topology::Topology;
use radar_core::{ProviderId, Report, Timestamp};
use radar_store::Store;

/// Seconds a minute stays open after it ends, for reports still in flight.
pub const GRACE_SECS: i64 = 5;

pub struct Detection {
    detector: Mutex<Detector>,
    /// Committed batches not yet observed; drained before every minute is closed, so a report
    /// acknowledged before a tick is always seen by it.
    queue: Mutex<tokio::sync::mpsc::UnboundedReceiver<Vec<Report>>>,
}

impl Detection {
    /// A detection stage and the sender the committer feeds.
    pub fn new(
        topology: &Topology,
    ) -> (Detection, tokio::sync::mpsc::UnboundedSender<Vec<Report>>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (
            Detection {
                detector: Mutex::new(Detector::new(topology, DetectorConfig::default())),
                queue: Mutex::new(rx),
            },
            tx,
        )
    }

    /// Observes every queued batch.
    pub fn drain(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let mut d = self.lock();
        while let Ok(batch) = q.try_recv() {
            for r in &batch {
                d.observe(r);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Detector> {
        // A panic while holding the lock leaves a detector that is still usable.
        self.detector.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes every minute that ended more than [`GRACE_SECS`] before `now`.
    pub fn tick(&self, now: Timestamp) {
        self.drain();
        let changes = self.lock().advance_to(Timestamp(now.0 - GRACE_SECS));
        if !changes.is_empty() {
            tracing::info!(changes = changes.len(), "outage episodes changed");
        }
    }

    pub fn episodes(&self, provider: Option<&ProviderId>) -> Vec<Episode> {
        self.lock()
            .episodes()
            .iter()
            .filter(|e| provider.is_none_or(|p| &e.provider == p))
            .cloned()
            .collect()
    }

    pub fn status(&self, provider: &ProviderId) -> Option<SeriesStatus> {
        self.lock().provider_status(provider)
    }

    pub fn series_count(&self) -> usize {
        self.lock().series_count()
    }

    /// Replays stored reports since `since` into the detector, so a restarted server knows its
    /// baselines and open outages. Returns the number of reports replayed.
    pub async fn warm_up(
        &self,
        store: &dyn Store,
        since: Timestamp,
        now: Timestamp,
    ) -> Result<u64, radar_store::StoreError> {
        let mut after = None;
        let mut n = 0u64;
        loop {
            let page = store.reports_page(since, after, 20_000).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.1.time, last.0));
            let mut d = self.lock();
            for (_, r) in &page {
                if r.time > now {
                    continue;
                }
                d.advance_to(Timestamp(r.time.minute() * 60));
                d.observe(r);
                n += 1;
            }
        }
        self.lock().advance_to(Timestamp(now.0 - GRACE_SECS));
        Ok(n)
    }
}
