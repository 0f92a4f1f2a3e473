//! Whether the store can write: every write's outcome is recorded on its way back, so that
//! `/readyz` reports a store that is full or read-only (reads still work, writes answer 503
//! `store-unavailable`) and clears the report by itself once a write succeeds again.
//!
//! [`Tracked`] wraps the store the application uses; it adds no behaviour but the recording.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use radar_core::event::{ComponentStatus, ProbeEvent};
use radar_core::ids::SignalId;
use radar_core::incident::Incident;
use radar_core::signal::SignalSample;
use radar_core::topology::ComponentRef;
use radar_core::{ProviderId, RegionId, Report, Timestamp};
use radar_store::{
    FailedProbe, MinuteCount, ReportId, Store, StoreError, StoredIncident, Unwritable,
};

const WRITABLE: u8 = 0;
const FULL: u8 = 1;
const READ_ONLY: u8 = 2;

/// The store's ability to write, as the last write found it.
#[derive(Debug)]
pub struct StoreHealth {
    state: AtomicU8,
    /// Opened read-only: no write can succeed until a restart.
    opened_read_only: bool,
}

impl StoreHealth {
    pub fn new(opened_read_only: bool) -> StoreHealth {
        StoreHealth {
            state: AtomicU8::new(if opened_read_only {
                READ_ONLY
            } else {
                WRITABLE
            }),
            opened_read_only,
        }
    }

    /// `None` while writes work; otherwise why they do not.
    pub fn unwritable(&self) -> Option<Unwritable> {
        match self.state.load(Ordering::Relaxed) {
            FULL => Some(Unwritable::Full),
            READ_ONLY => Some(Unwritable::ReadOnly),
            _ => None,
        }
    }

    /// Records a write's outcome: a success clears a degraded state, a full or read-only
    /// store sets it (and says so once in the log); other failures change nothing.
    pub fn record<T>(&self, result: &Result<T, StoreError>) {
        let next = match result {
            Ok(_) if !self.opened_read_only => WRITABLE,
            Ok(_) => return,
            Err(e) => match e.unwritable() {
                Some(Unwritable::Full) => FULL,
                Some(Unwritable::ReadOnly) => READ_ONLY,
                None => return,
            },
        };
        let before = self.state.swap(next, Ordering::Relaxed);
        if before != next {
            match (next, result) {
                (WRITABLE, _) => tracing::warn!("the store accepts writes again"),
                (_, Err(e)) => tracing::error!(
                    error = %e,
                    "the store cannot write: writes answer 503 store-unavailable, reads go on"
                ),
                _ => {}
            }
        }
    }
}

/// A store whose writes are recorded in a [`StoreHealth`].
pub struct Tracked {
    inner: Arc<dyn Store>,
    health: Arc<StoreHealth>,
}

impl Tracked {
    pub fn new(inner: Arc<dyn Store>, health: Arc<StoreHealth>) -> Tracked {
        Tracked { inner, health }
    }

    fn record<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        self.health.record(&result);
        result
    }
}

#[async_trait]
impl Store for Tracked {
    async fn insert_reports_with(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Result<Vec<ReportId>, StoreError> {
        self.record(self.inner.insert_reports_with(reports, live).await)
    }

    fn insert_reports_blocking(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Option<Result<Vec<ReportId>, StoreError>> {
        self.inner
            .insert_reports_blocking(reports, live)
            .map(|r| self.record(r))
    }

    async fn minute_counts(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<MinuteCount>, StoreError> {
        self.inner.minute_counts(provider, since, until).await
    }

    async fn report_tally(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<radar_store::ReportTally>, StoreError> {
        self.inner.report_tally(provider, since, until).await
    }

    async fn reports_page(
        &self,
        since: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError> {
        self.inner.reports_page(since, after, limit).await
    }

    async fn warmup_page(
        &self,
        since: Timestamp,
        until: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError> {
        self.inner.warmup_page(since, until, after, limit).await
    }

    async fn insert_reports_gated(
        &self,
        reports: &[Report],
    ) -> Result<(Vec<ReportId>, Vec<bool>), StoreError> {
        self.record(self.inner.insert_reports_gated(reports).await)
    }

    async fn close_minutes(&self, provider: &ProviderId, before: i64) -> Result<i64, StoreError> {
        self.record(self.inner.close_minutes(provider, before).await)
    }

    async fn closed_minutes(&self) -> Result<Vec<(ProviderId, i64)>, StoreError> {
        self.inner.closed_minutes().await
    }

    async fn agree(&self, name: &str, value: &str) -> Result<String, StoreError> {
        self.record(self.inner.agree(name, value).await)
    }

    async fn lease_session(&self) -> Result<Box<dyn radar_store::LeaseSession>, StoreError> {
        self.inner.lease_session().await
    }

    async fn report_count(&self) -> Result<u64, StoreError> {
        self.inner.report_count().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    async fn put_incident(
        &self,
        incident: &Incident,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        self.record(self.inner.put_incident(incident, expected_version).await)
    }

    async fn incidents(&self) -> Result<Vec<StoredIncident>, StoreError> {
        self.inner.incidents().await
    }

    async fn incident(&self, id: &str) -> Result<Option<StoredIncident>, StoreError> {
        self.inner.incident(id).await
    }

    async fn incidents_of(&self, provider: &ProviderId) -> Result<Vec<StoredIncident>, StoreError> {
        self.inner.incidents_of(provider).await
    }

    async fn insert_probe(&self, probe: &ProbeEvent) -> Result<(), StoreError> {
        self.record(self.inner.insert_probe(probe).await)
    }

    async fn failed_probes(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<FailedProbe>, StoreError> {
        self.inner.failed_probes(since, until).await
    }

    async fn put_component_status(
        &self,
        component: &ComponentRef,
        status: ComponentStatus,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.record(self.inner.put_component_status(component, status, at).await)
    }

    async fn component_statuses(
        &self,
    ) -> Result<Vec<(ComponentRef, ComponentStatus, Timestamp)>, StoreError> {
        self.inner.component_statuses().await
    }

    async fn insert_signal_samples(&self, samples: &[SignalSample]) -> Result<u64, StoreError> {
        self.record(self.inner.insert_signal_samples(samples).await)
    }

    async fn signal_samples(
        &self,
        provider: &ProviderId,
        signal: &SignalId,
        region: Option<&RegionId>,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        self.inner
            .signal_samples(provider, signal, region, since, until)
            .await
    }

    async fn all_signal_samples(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        self.inner.all_signal_samples(since, until).await
    }

    async fn dismiss(
        &self,
        provider: &ProviderId,
        start: Timestamp,
        episode: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let r = self.inner.dismiss(provider, start, episode, at).await;
        self.health.record(&r);
        r
    }

    async fn dismissals(&self) -> Result<Vec<(ProviderId, Timestamp)>, StoreError> {
        self.inner.dismissals().await
    }

    async fn replace_customers(
        &self,
        provider: &ProviderId,
        customers: &[radar_core::customer::Customer],
        audit: radar_core::audit::AuditDraft,
    ) -> Result<u64, StoreError> {
        let r = self
            .inner
            .replace_customers(provider, customers, audit)
            .await;
        self.health.record(&r);
        r
    }

    async fn customer(
        &self,
        number: &str,
    ) -> Result<Option<radar_core::customer::Customer>, StoreError> {
        self.inner.customer(number).await
    }

    async fn write_audited(
        &self,
        change: radar_store::AuditedChange<'_>,
        audit: radar_core::audit::AuditDraft,
    ) -> Result<Option<i64>, StoreError> {
        let r = self.inner.write_audited(change, audit).await;
        self.health.record(&r);
        r
    }

    fn accounts(&self) -> &dyn radar_store::accounts::AccountStore {
        self.inner.accounts()
    }

    fn subscriptions(&self) -> &dyn radar_store::subscriptions::SubscriptionStore {
        self.inner.subscriptions()
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn read_only(&self) -> bool {
        self.inner.read_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_clears_what_a_full_store_set() {
        let h = StoreHealth::new(false);
        h.record::<()>(&Err(StoreError::Full("disk".into())));
        assert_eq!(h.unwritable(), Some(Unwritable::Full));
        h.record::<()>(&Err(StoreError::Worker("other".into())));
        assert_eq!(h.unwritable(), Some(Unwritable::Full));
        h.record(&Ok(()));
        assert_eq!(h.unwritable(), None);
    }

    #[test]
    fn opened_read_only_stays_read_only() {
        let h = StoreHealth::new(true);
        assert_eq!(h.unwritable(), Some(Unwritable::ReadOnly));
        h.record(&Ok(()));
        assert_eq!(h.unwritable(), Some(Unwritable::ReadOnly));
    }
}
