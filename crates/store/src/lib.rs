//! Storage: the system of record for reports (and later incidents).
//!
//! Architecture invariant: this is the only crate that knows SQL. Callers see the [`Store`]
//! trait and domain types from `radar-core`; they never see a connection, a row or a query.
//! Two implementations: [`sqlite::SqliteStore`] (embedded, the default, WAL) and
//! [`postgres::PostgresStore`] (the scale-out system of record). Both run the same migrations
//! in spirit and pass the same test bodies.

use std::sync::Arc;

use async_trait::async_trait;
use radar_core::event::{ComponentStatus, ProbeEvent};
use radar_core::ids::SignalId;
use radar_core::incident::Incident;
use radar_core::signal::SignalSample;
use radar_core::topology::ComponentRef;
use radar_core::{ProviderId, RegionId, Report, Timestamp};
use sha2::{Digest, Sha256};

pub mod accounts;
pub mod backup;
pub mod postgres;
pub mod sqlite;
pub mod subscriptions;

/// A stored report's id: the first 16 bytes of SHA-256 over the report's canonical fields.
/// Storing the same report twice therefore stores it once (idempotent import and retries).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ReportId(pub [u8; 16]);

impl ReportId {
    pub fn of(r: &Report) -> ReportId {
        let mut h = Sha256::new();
        h.update(r.time.0.to_le_bytes());
        for part in [
            r.provider.as_str(),
            r.service.as_ref().map(|s| s.as_str()).unwrap_or(""),
            r.problem.as_str(),
            r.region.as_str(),
            r.source.as_str(),
        ] {
            h.update((part.len() as u32).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(r.reporter.0);
        let d = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        ReportId(id)
    }
    pub fn to_hex(self) -> String {
        hex(&self.0)
    }
}

/// A failed probe: the component probed, the region, the time.
pub type FailedProbe = (ComponentRef, RegionId, Timestamp);

/// The `live` column of each report: 1 counted, 0 not counted, NULL not seen (see [`Store`]).
pub(crate) fn live_column(n: usize, live: Option<&[bool]>) -> Result<Vec<Option<i16>>, StoreError> {
    match live {
        None => Ok(vec![None; n]),
        Some(l) if l.len() == n => Ok(l.iter().map(|&c| Some(i16::from(c))).collect()),
        Some(l) => Err(StoreError::Worker(format!(
            "{} live flags for {n} reports; give one per report",
            l.len()
        ))),
    }
}

/// A stored signal sample from its columns (`region` '' for the provider as a whole).
pub(crate) fn signal_sample_from_row(
    provider: &str,
    signal: &str,
    region: &str,
    time: i64,
    value: f64,
) -> Result<SignalSample, StoreError> {
    let corrupt = |e: radar_core::IdError| StoreError::Corrupt(format!("in the store: {e}"));
    Ok(SignalSample {
        time: Timestamp(time),
        provider: ProviderId::parse(provider).map_err(corrupt)?,
        signal: SignalId::parse(signal).map_err(corrupt)?,
        region: if region.is_empty() {
            None
        } else {
            Some(region_from_str(region)?)
        },
        value,
    })
}

pub(crate) fn region_from_str(s: &str) -> Result<RegionId, StoreError> {
    RegionId::parse(s).map_err(|e| StoreError::Corrupt(format!("in the store: {e}")))
}

/// The whole minutes `[first, end)` (minute numbers, `time / 60`) that overlap `[since, until)`.
pub(crate) fn minute_range(since: Timestamp, until: Timestamp) -> (i64, i64) {
    (since.0.div_euclid(60), (until.0 + 59).div_euclid(60))
}

/// New reports of one commit per provider and minute: (reports, new distinct reporters).
#[derive(Default)]
pub(crate) struct MinuteTally(pub std::collections::BTreeMap<(String, i64), (i64, i64)>);

impl MinuteTally {
    pub fn add(&mut self, provider: &str, minute: i64, new_reporter: bool) {
        let e = self.0.entry((provider.to_owned(), minute)).or_default();
        e.0 += 1;
        e.1 += i64::from(new_reporter);
    }
}

/// Reports counted in one minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinuteCount {
    /// Start of the minute.
    pub minute: Timestamp,
    pub reports: u64,
    pub reporters: u64,
}

/// Distinct reporters of one problem in one region over a time range (see
/// [`Store::report_tally`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTally {
    pub problem: radar_core::Problem,
    pub region: RegionId,
    pub reporters: u64,
}

pub(crate) fn tally_from_row(
    problem: &str,
    region: &str,
    n: i64,
) -> Result<ReportTally, StoreError> {
    Ok(ReportTally {
        problem: radar_core::Problem::parse(problem)
            .map_err(|_| StoreError::Corrupt(format!("problem {problem:?} in a stored report")))?,
        region: region_from_str(region)?,
        reporters: n.max(0) as u64,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(tokio_postgres::Error),
    /// The store cannot grow: the disk (or the database's size limit) is full. Nothing of the
    /// failed write was stored; reads still work.
    #[error("the store is full ({0}): nothing was written; free disk space where the store lives, then retry")]
    Full(String),
    /// The store can be read but not written: a read-only data directory or file, a store
    /// opened read-only, or a PostgreSQL server in read-only mode. Nothing was written.
    #[error("the store is read-only ({0}): nothing was written; make the store writable and restart, then retry")]
    ReadOnly(String),
    #[error("cannot open the store at {path}: {message}")]
    Open { path: String, message: String },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("store worker failed: {0}")]
    Worker(String),
    /// A new account or token whose name or id is taken.
    #[error("{0} already exists")]
    Exists(String),
    #[error("incident {id} was changed by someone else meanwhile (expected version {expected:?}); reload and retry")]
    Conflict { id: String, expected: Option<i64> },
}

/// Why a store cannot write at the moment (see [`StoreError::unwritable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unwritable {
    /// The disk, or the database's size limit, is full.
    Full,
    /// The data directory, the database file or the database server is read-only.
    ReadOnly,
}

impl Unwritable {
    /// A short name for logs, metrics and problem details: `full`, `read-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unwritable::Full => "full",
            Unwritable::ReadOnly => "read-only",
        }
    }
}

impl StoreError {
    /// `Some` when the store is unable to write at all (full, read-only), as opposed to a
    /// failure of this one operation: the caller should answer "unavailable, retry later",
    /// and reads keep working.
    pub fn unwritable(&self) -> Option<Unwritable> {
        match self {
            StoreError::Full(_) => Some(Unwritable::Full),
            StoreError::ReadOnly(_) => Some(Unwritable::ReadOnly),
            _ => None,
        }
    }
}

/// Driver errors, with "the disk is full" and "the database is read-only" told apart.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full(format!("SQLite: {e}")),
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly(format!("SQLite: {e}")),
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        use tokio_postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::DISK_FULL => StoreError::Full(format!("PostgreSQL: {e}")),
            Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
                StoreError::ReadOnly(format!("PostgreSQL: {e}"))
            }
            _ => StoreError::Postgres(e),
        }
    }
}

/// An operator's change, written together with its audit entry ([`Store::write_audited`]).
#[derive(Clone, Copy, Debug)]
pub enum AuditedChange<'a> {
    /// [`Store::put_incident`].
    Incident {
        incident: &'a Incident,
        expected_version: Option<i64>,
    },
    /// [`Store::put_component_status`].
    ComponentStatus {
        component: &'a ComponentRef,
        status: ComponentStatus,
        at: Timestamp,
    },
    /// [`Store::dismiss`] for each episode (provider, onset, id) of one outage.
    Dismiss {
        episodes: &'a [(ProviderId, Timestamp, String)],
        at: Timestamp,
    },
}

/// A stored incident and its version (for optimistic concurrency between nodes).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredIncident {
    pub incident: Incident,
    pub version: i64,
}

/// The system of record. Every method that writes returns only after the data is durable.
///
/// Each report is stored with whether live detection counted it (`live`): `Some(true)` counted
/// in its minute, `Some(false)` arrived after its minute had closed and was not counted, `None`
/// never went through live detection (`radar import`, and reports stored before this was
/// recorded). Detection's warm-up reads back exactly the reports with `Some(true)` or `None`
/// ([`Store::warmup_page`]), so a restarted server counts what the live one counted.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores all reports in one transaction (all or nothing) and returns their ids, in order.
    /// Reports already stored are not stored again (nor is their `live` flag changed); their
    /// ids are returned all the same. `live`, when given, has one entry per report.
    async fn insert_reports_with(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Result<Vec<ReportId>, StoreError>;

    /// [`Store::insert_reports_with`] for reports that never went through live detection
    /// (offline history, `radar import`): they count in detection's warm-up by their time.
    async fn insert_reports(&self, reports: &[Report]) -> Result<Vec<ReportId>, StoreError> {
        self.insert_reports_with(reports, None).await
    }

    /// [`Store::insert_reports_with`] on the calling thread, blocking it until the reports are
    /// durable — for a caller with a thread of its own (the group committer). `None` if this
    /// backend only writes asynchronously; use [`Store::insert_reports_with`] then.
    fn insert_reports_blocking(
        &self,
        _reports: &[Report],
        _live: Option<&[bool]>,
    ) -> Option<Result<Vec<ReportId>, StoreError>> {
        None
    }

    /// Per-minute counts for a provider: every whole minute that overlaps `[since, until)`,
    /// minutes without reports omitted. Kept as reports commit, so this reads one row per
    /// minute, never the reports themselves.
    async fn minute_counts(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<MinuteCount>, StoreError>;

    /// Distinct reporters per (problem, region) of a provider's reports with
    /// `since <= time < until` (what the provider page shows as top problems and the map).
    /// Reads the reports of that range through the `(provider, time)` index.
    async fn report_tally(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<ReportTally>, StoreError>;

    /// Reports with `time >= since`, in time order, at most `limit`, starting after `after`
    /// (the last (time, id) of the previous page) — for rebuilding detector state.
    async fn reports_page(
        &self,
        since: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError>;

    /// [`Store::reports_page`] limited to the reports detection's warm-up counts (those live
    /// detection counted, and those that never went through it, see [`Store`]) and to
    /// `time < until`.
    async fn warmup_page(
        &self,
        since: Timestamp,
        until: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError>;

    /// Scale-out (several nodes over one store): stores reports as
    /// [`Store::insert_reports_with`] does, deciding whether live detection counts each from its
    /// provider's partition: counted unless its minute is before the partition's closed mark
    /// ([`Store::close_minutes`]). Returns the ids and those decisions, in order. The decision
    /// and the write are one transaction and a close waits for it, so once a close has
    /// returned, every counted report of the minutes it closed is stored and no other will be.
    async fn insert_reports_gated(
        &self,
        reports: &[Report],
    ) -> Result<(Vec<ReportId>, Vec<bool>), StoreError>;

    /// Marks every minute before `before` (a minute number, `time / 60`) of `provider`'s
    /// partition closed, never moving the mark back; returns the mark.
    async fn close_minutes(&self, provider: &ProviderId, before: i64) -> Result<i64, StoreError>;

    /// The closed mark of every partition that has one.
    async fn closed_minutes(&self) -> Result<Vec<(ProviderId, i64)>, StoreError>;

    /// Stores `value` under `name` unless a value is stored there already; returns the stored
    /// value. The nodes of a cluster agree on facts this way (the first one wins), e.g. that
    /// they derive the same reporter keys.
    async fn agree(&self, name: &str, value: &str) -> Result<String, StoreError>;

    /// A session that can hold leases (a node's claim on partitions). PostgreSQL: advisory
    /// locks on a connection of the session's own, released when the session is dropped or its
    /// connection breaks, so a node that dies loses its leases at once. The embedded store,
    /// which one process opens at a time, grants every lease.
    async fn lease_session(&self) -> Result<Box<dyn LeaseSession>, StoreError>;

    /// Number of stored reports (counts every row: not for health checks).
    async fn report_count(&self) -> Result<u64, StoreError>;

    /// A cheap round trip to the store, for readiness checks: its cost does not grow with the
    /// data.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Creates (`expected_version: None`) or replaces (`Some(v)`, only if the stored version is
    /// still `v`) an incident. Returns the new version; a mismatch is [`StoreError::Conflict`].
    async fn put_incident(
        &self,
        incident: &Incident,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError>;

    /// All incidents, oldest first.
    async fn incidents(&self) -> Result<Vec<StoredIncident>, StoreError>;

    /// One declared incident by id.
    async fn incident(&self, id: &str) -> Result<Option<StoredIncident>, StoreError>;

    /// The declared incidents of one provider, oldest first.
    async fn incidents_of(&self, provider: &ProviderId) -> Result<Vec<StoredIncident>, StoreError>;

    /// Records one probe result.
    async fn insert_probe(&self, probe: &ProbeEvent) -> Result<(), StoreError>;

    /// The failed probes in `[since, until]`, oldest first (component, region, time), without
    /// isolated flaps: a failed check whose previous and next checks of the same probe both
    /// passed (`radar_core::correlate::failures_without_flaps` gives the rule; the previous
    /// check may lie before `since`, the next is looked for up to `until`). Which of them bear
    /// on an incident is correlation's business.
    async fn failed_probes(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<FailedProbe>, StoreError>;

    /// Records a component's declared status.
    async fn put_component_status(
        &self,
        component: &ComponentRef,
        status: ComponentStatus,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The latest declared status of every component that has one.
    async fn component_statuses(
        &self,
    ) -> Result<Vec<(ComponentRef, ComponentStatus, Timestamp)>, StoreError>;

    /// Stores operator-signal samples in one transaction (all or nothing). A sample whose
    /// (provider, signal, region, time) is already stored is not stored again (the first value
    /// stays). Returns how many were new.
    async fn insert_signal_samples(&self, samples: &[SignalSample]) -> Result<u64, StoreError>;

    /// The samples of one series (`region` None: the provider as a whole) in `[since, until]`,
    /// in time order.
    async fn signal_samples(
        &self,
        provider: &ProviderId,
        signal: &SignalId,
        region: Option<&RegionId>,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError>;

    /// The samples of every series in `[since, until]`, in time order (then series) — for the
    /// signal watcher's warm-up.
    async fn all_signal_samples(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError>;

    /// Records that the detected episode of `provider` with onset `start` (shown as
    /// `episode`) is a false alarm. Dismissing it again changes nothing.
    async fn dismiss(
        &self,
        provider: &ProviderId,
        start: Timestamp,
        episode: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The dismissed episodes: provider and onset.
    async fn dismissals(&self) -> Result<Vec<(ProviderId, Timestamp)>, StoreError>;

    /// Replaces the customer directory of `provider` with `customers`, in one transaction
    /// with its audit entry. Returns how many are stored.
    async fn replace_customers(
        &self,
        provider: &ProviderId,
        customers: &[radar_core::customer::Customer],
        audit: radar_core::audit::AuditDraft,
    ) -> Result<u64, StoreError>;

    /// One customer by number.
    async fn customer(
        &self,
        number: &str,
    ) -> Result<Option<radar_core::customer::Customer>, StoreError>;

    /// Writes `change` and its audit entry in one transaction: both are stored or neither.
    /// Returns the incident's new version for [`AuditedChange::Incident`].
    async fn write_audited(
        &self,
        change: AuditedChange<'_>,
        audit: radar_core::audit::AuditDraft,
    ) -> Result<Option<i64>, StoreError>;

    /// Accounts, sessions, API tokens and the audit log.
    fn accounts(&self) -> &dyn accounts::AccountStore;

    /// Subscriptions, notified marks, the delivery outbox and log.
    fn subscriptions(&self) -> &dyn subscriptions::SubscriptionStore;

    /// Which backend this is, for logs and metrics.
    fn backend(&self) -> &'static str;

    /// Whether this store was opened read-only (its data directory cannot be written): reads
    /// work, every write fails with [`StoreError::ReadOnly`].
    fn read_only(&self) -> bool {
        false
    }
}

/// Leases held by one session (see [`Store::lease_session`]).
#[async_trait]
pub trait LeaseSession: Send + Sync {
    /// Takes the lease named `key` unless another session holds it; true when this session
    /// holds it (also when it already did).
    async fn try_take(&self, key: &str) -> Result<bool, StoreError>;
    /// An error once the session is gone (its connection broke): every lease it held is lost,
    /// and other sessions may take them.
    async fn check(&self) -> Result<(), StoreError>;
}

/// The embedded store's leases: one process opens it at a time, so it holds every lease.
pub(crate) struct SoleSession;

#[async_trait]
impl LeaseSession for SoleSession {
    async fn try_take(&self, _key: &str) -> Result<bool, StoreError> {
        Ok(true)
    }
    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Opens the store a URL names: `postgres://…` or `postgresql://…` selects PostgreSQL,
/// anything else is a directory for the embedded SQLite store.
pub async fn open(target: &str) -> Result<Arc<dyn Store>, StoreError> {
    if is_postgres_url(target) {
        Ok(Arc::new(
            postgres::PostgresStore::connect(target, None).await?,
        ))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open_dir(
            std::path::Path::new(target),
        )?))
    }
}

/// Whether a store target names PostgreSQL (else it is a data directory).
pub fn is_postgres_url(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Columns as stored: text for ids and vocabularies, which keeps the tables readable.
pub(crate) fn parse_row(
    time: i64,
    provider: &str,
    service: Option<&str>,
    problem: &str,
    region: &str,
    reporter: &[u8],
    source: &str,
) -> Result<Report, StoreError> {
    use radar_core::{Problem, RegionId, ReporterKey, ServiceId, Source};
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?} in a stored report"));
    let key: [u8; 16] = reporter
        .try_into()
        .map_err(|_| StoreError::Corrupt("reporter key is not 16 bytes".into()))?;
    Ok(Report {
        time: Timestamp(time),
        provider: ProviderId::parse(provider).map_err(|_| bad("provider", provider))?,
        service: match service {
            Some(s) => Some(ServiceId::parse(s).map_err(|_| bad("service", s))?),
            None => None,
        },
        problem: Problem::parse(problem).map_err(|_| bad("problem", problem))?,
        region: RegionId::parse(region).map_err(|_| bad("region", region))?,
        reporter: ReporterKey(key),
        source: Source::parse(source).map_err(|_| bad("source", source))?,
    })
}

pub(crate) fn incident_to_json(i: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(i)
        .map_err(|e| StoreError::Corrupt(format!("incident {} cannot be encoded: {e}", i.id)))
}

pub(crate) fn incident_from_json(s: &str) -> Result<Incident, StoreError> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Corrupt(format!("stored incident is not valid: {e}")))
}

/// An incident row (`doc`, `version`) as read back.
pub(crate) fn stored_incident(doc: &str, version: i64) -> Result<StoredIncident, StoreError> {
    Ok(StoredIncident {
        incident: incident_from_json(doc)?,
        version,
    })
}

/// A customer row as read back.
pub(crate) fn customer_row(
    number: String,
    provider: &str,
    postcode: String,
    region: &str,
    products: &str,
) -> Result<radar_core::customer::Customer, StoreError> {
    let bad = |e: radar_core::IdError| StoreError::Corrupt(format!("a stored customer: {e}"));
    Ok(radar_core::customer::Customer {
        number,
        provider: ProviderId::parse(provider).map_err(bad)?,
        postcode,
        region: region_from_str(region)?,
        products: products
            .split_whitespace()
            .map(|p| radar_core::ServiceId::parse(p).map_err(bad))
            .collect::<Result<_, _>>()?,
    })
}

pub(crate) fn products_text(c: &radar_core::customer::Customer) -> String {
    c.products
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn status_from_str(s: &str) -> Result<ComponentStatus, StoreError> {
    ComponentStatus::parse(s).map_err(|e| StoreError::Corrupt(format!("in the store: {e}")))
}

pub(crate) fn component_from_parts(p: &str, c: &str) -> Result<ComponentRef, StoreError> {
    Ok(ComponentRef {
        provider: ProviderId::parse(p).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        component: radar_core::ComponentId::parse(c)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}
