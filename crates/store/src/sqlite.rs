//! The embedded store: SQLite in WAL mode with `synchronous = FULL`, so a commit is on disk
//! when it returns. One writer connection and one reader connection, each used from a
//! blocking thread.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use radar_core::ids::SignalId;
use radar_core::signal::SignalSample;
use radar_core::{ProviderId, RegionId, Report, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};

use radar_core::event::{ComponentStatus, ProbeEvent};
use radar_core::incident::Incident;
use radar_core::topology::ComponentRef;

mod accounts;
mod subscriptions;

use crate::{
    component_from_parts, incident_to_json, live_column, parse_row, region_from_str,
    signal_sample_from_row, status_from_str, stored_incident, AuditedChange, FailedProbe,
    MinuteCount, ReportId, Store, StoreError, StoredIncident,
};

/// The failed probes in `[?1, ?2]` that are not isolated flaps (both neighbouring checks of the
/// probe passed: `radar_core::correlate::failures_without_flaps`, which says why), oldest
/// first. The neighbours come from the probe's checks up to `?2` (index `probes_probe_time`).
const FAILED_PROBES_SQL: &str = "
SELECT f.comp_provider, f.component, f.region, f.time FROM probes f
WHERE f.ok = 0 AND f.time >= ?1 AND f.time <= ?2
  AND NOT (
    COALESCE((SELECT p.ok FROM probes p
              WHERE p.comp_provider = f.comp_provider AND p.component = f.component
                AND p.region = f.region AND p.time < f.time
              ORDER BY p.time DESC LIMIT 1), 0) = 1
    AND COALESCE((SELECT n.ok FROM probes n
                  WHERE n.comp_provider = f.comp_provider AND n.component = f.component
                    AND n.region = f.region AND n.time > f.time AND n.time <= ?2
                  ORDER BY n.time LIMIT 1), 0) = 1)
ORDER BY f.time";

/// Migrations, in order. Applied once each; the applied version is in `schema_version`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE reports (
    seq      INTEGER PRIMARY KEY,
    id       BLOB NOT NULL,
    time     INTEGER NOT NULL,
    provider TEXT NOT NULL,
    service  TEXT,
    problem  TEXT NOT NULL,
    region   TEXT NOT NULL,
    reporter BLOB NOT NULL,
    source   TEXT NOT NULL
);
CREATE INDEX reports_provider_time ON reports (provider, time);
-- Unique on (time, id) rather than id alone: ids are hashes (random order), so inserts
-- land only among the current second's index pages instead of anywhere in the index.
-- Within a second the order is still random; this index is most of each commit's writes.
CREATE UNIQUE INDEX reports_time_id ON reports (time, id);
"#,
    r#"
CREATE TABLE incidents (
    id       TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    start    BIGINT NOT NULL,
    version  BIGINT NOT NULL,
    doc      TEXT NOT NULL
);
CREATE TABLE component_status (
    provider  TEXT NOT NULL,
    component TEXT NOT NULL,
    status    TEXT NOT NULL,
    time      BIGINT NOT NULL,
    PRIMARY KEY (provider, component)
);
"#,
    r#"
CREATE INDEX incidents_provider_start ON incidents (provider, start);
"#,
    r#"
CREATE TABLE probes (
    provider       TEXT NOT NULL,
    comp_provider  TEXT NOT NULL,
    component      TEXT NOT NULL,
    region         TEXT NOT NULL,
    time           BIGINT NOT NULL,
    ok             SMALLINT NOT NULL
);
CREATE INDEX probes_failed_time ON probes (time) WHERE ok = 0;
"#,
    r#"
-- Whether live detection counted the report: 1 yes, 0 no (its minute had closed), NULL never
-- seen by live detection (imported). Warm-up counts 1 and NULL.
ALTER TABLE reports ADD COLUMN live SMALLINT;
"#,
    r#"
-- Per-minute counts kept as reports commit, so reading a month of counts reads one row per
-- minute instead of every report. minute_reporters holds who reported in each minute (to
-- count distinct reporters exactly when a report arrives).
CREATE TABLE minute_reporters (
    provider TEXT NOT NULL,
    minute   INTEGER NOT NULL,
    reporter BLOB NOT NULL,
    PRIMARY KEY (provider, minute, reporter)
);
CREATE TABLE minute_counts (
    provider  TEXT NOT NULL,
    minute    INTEGER NOT NULL,
    reports   INTEGER NOT NULL,
    reporters INTEGER NOT NULL,
    PRIMARY KEY (provider, minute)
);
INSERT INTO minute_reporters (provider, minute, reporter)
    SELECT DISTINCT provider, time / 60, reporter FROM reports;
INSERT INTO minute_counts (provider, minute, reports, reporters)
    SELECT provider, time / 60, count(*), count(DISTINCT reporter) FROM reports
    GROUP BY provider, time / 60;
"#,
    r#"
-- Scale-out: the minutes of each provider's partition that detection has closed. Every minute
-- before `closed` is final: a report stored later for it is stored as not counted (live = 0).
-- The node holding the partition's lease moves `closed` forward, never back.
CREATE TABLE partitions (
    provider TEXT PRIMARY KEY,
    closed   BIGINT NOT NULL
);
-- Facts the nodes of a cluster agree on; the first node to store one wins.
CREATE TABLE cluster_facts (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    r#"
-- Operator signals (hotline waiting time, sessions per region, …): one row per sample, keyed
-- by series and time so that a retried or re-imported sample is stored once. region is ''
-- for the provider as a whole (a key column cannot be NULL).
CREATE TABLE signal_samples (
    provider TEXT NOT NULL,
    signal   TEXT NOT NULL,
    region   TEXT NOT NULL,
    time     BIGINT NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (provider, signal, region, time)
);
CREATE INDEX signal_samples_time ON signal_samples (time);
"#,
    r#"
-- Accounts, sessions and API tokens (secrets only as hashes), and the audit log: a hash
-- chain, each entry's hash covering its seq, its fields and the previous hash.
CREATE TABLE users (
    name     TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    password TEXT NOT NULL,
    disabled SMALLINT NOT NULL,
    created  BIGINT NOT NULL
);
CREATE TABLE sessions (
    id        BLOB PRIMARY KEY,
    user_name TEXT NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE TABLE api_tokens (
    id        TEXT PRIMARY KEY,
    hash      BLOB NOT NULL UNIQUE,
    user_name TEXT NOT NULL,
    scopes    TEXT NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT,
    revoked   SMALLINT NOT NULL
);
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    time       BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    before_doc TEXT,
    after_doc  TEXT,
    prev       BLOB NOT NULL,
    hash       BLOB NOT NULL
);
"#,
    r#"
-- Detected episodes an operator dismissed as false alarms, by provider and onset.
CREATE TABLE dismissals (
    provider TEXT NOT NULL,
    start    BIGINT NOT NULL,
    episode  TEXT NOT NULL,
    time     BIGINT NOT NULL,
    PRIMARY KEY (provider, start)
);
"#,
    r#"
-- The local customer directory (radar customers import): a replica for the agent console.
CREATE TABLE customers (
    number   TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    postcode TEXT NOT NULL,
    region   TEXT NOT NULL,
    products TEXT NOT NULL
);
"#,
    r#"
-- Subscriptions to incident changes, the marks last notified, the outbox of deliveries and
-- the delivery log (see radar_store::subscriptions). No foreign keys: a backup restores
-- tables in name order.
CREATE TABLE subscriptions (
    id       TEXT PRIMARY KEY,
    channel  TEXT NOT NULL,
    provider TEXT,
    target   TEXT NOT NULL,
    secret   TEXT,
    confirm  BLOB UNIQUE,
    state    TEXT NOT NULL,
    reason   TEXT,
    failures BIGINT NOT NULL,
    lang     TEXT NOT NULL,
    created  BIGINT NOT NULL
);
CREATE TABLE notify_marks (
    subject  TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    mark     TEXT NOT NULL,
    time     BIGINT NOT NULL
);
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    subscription  TEXT NOT NULL,
    event         TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created       BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    next_at       BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL,
    claim         TEXT,
    state         TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_subscription ON outbox (subscription) WHERE state = 'pending';
CREATE TABLE delivery_attempts (
    seq          INTEGER PRIMARY KEY,
    subscription TEXT NOT NULL,
    outbox_id    BIGINT NOT NULL,
    event        TEXT NOT NULL,
    attempt      BIGINT NOT NULL,
    time         BIGINT NOT NULL,
    status       BIGINT,
    error        TEXT,
    duration_ms  BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_subscription ON delivery_attempts (subscription, seq);
"#,
    r#"
-- Each probe's checks in time order: a failed check's neighbours (failed_probes).
CREATE INDEX probes_probe_time ON probes (comp_provider, component, region, time);
"#,
];

/// Reader connections: reads run in parallel (WAL), none waits for another's scan.
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Arc<Mutex<Connection>>>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
    read_only: bool,
}

/// [`READERS`] connections made by `open`.
fn reader_pool(
    open: impl Fn() -> Result<Connection, StoreError>,
) -> Result<Arc<Vec<Arc<Mutex<Connection>>>>, StoreError> {
    let mut readers = Vec::with_capacity(READERS);
    for _ in 0..READERS {
        readers.push(Arc::new(Mutex::new(open()?)));
    }
    Ok(Arc::new(readers))
}

/// The migrations, for backups (a restore recreates the schema of the backup's version).
pub(crate) fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// The store's file in its data directory.
pub(crate) const DB_FILE: &str = "radar.db";

pub(crate) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Fewer, larger checkpoints: appends rewrite the same last pages, which a checkpoint
    // copies once.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    let current = current.unwrap_or(0) as usize;
    if current > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {current}, newer than this program knows ({}); use a newer radar",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [i as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) `DIR/radar.db`. A directory that cannot be written but
    /// holds a store is opened read-only, with a warning: reads work, writes fail with
    /// [`StoreError::ReadOnly`]. One that cannot be written and holds no store is an error.
    pub fn open_dir(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: dir.display().to_string(),
            message: format!("{e}; create the directory, or point --data elsewhere"),
        })?;
        let db = dir.join(DB_FILE);
        match crate::backup::dir_writable(dir) {
            Ok(()) => SqliteStore::open_file(&db),
            Err(e) if db.is_file() => {
                tracing::warn!(
                    dir = %dir.display(), error = %e,
                    "the data directory cannot be written: the store is open READ-ONLY; reads work, \
                     every write answers 503 until the directory is writable and radar restarts"
                );
                SqliteStore::open_file_read_only(&db)
            }
            Err(e) => Err(StoreError::Open {
                path: dir.display().to_string(),
                message: format!(
                    "the directory cannot be written ({e}) and holds no store yet; make it \
                     writable, or point --data at a writable directory"
                ),
            }),
        }
    }

    /// Opens `DIR/radar.db` read-only; see [`SqliteStore::open_file_read_only`].
    pub fn open_dir_read_only(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_file_read_only(&dir.join(DB_FILE))
    }

    pub fn open_file(path: &Path) -> Result<SqliteStore, StoreError> {
        let open_err = |e: rusqlite::Error| StoreError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut writer = Connection::open(path).map_err(open_err)?;
        configure(&writer)?;
        match migrate(&mut writer) {
            Ok(()) => {}
            // A database file that cannot be written (its own permissions) is served read-only.
            Err(StoreError::ReadOnly(e)) => {
                tracing::warn!(
                    path = %path.display(), error = %e,
                    "the store file cannot be written: it is open READ-ONLY; reads work, every \
                     write answers 503 until the file is writable and radar restarts"
                );
                drop(writer);
                return SqliteStore::open_file_read_only(path);
            }
            Err(e) => return Err(e),
        }
        let readers = reader_pool(|| {
            let reader = Connection::open(path).map_err(open_err)?;
            configure(&reader)?;
            Ok(reader)
        })?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers,
            next_reader: Default::default(),
            read_only: false,
        })
    }

    /// Opens an existing store without writing to it (`SQLITE_OPEN_READ_ONLY`, `query_only`):
    /// reads work, every write fails with [`StoreError::ReadOnly`]. The store must be at this
    /// program's schema version, since it cannot be migrated.
    pub fn open_file_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = read_only_connection(path)?;
        let version: Option<i64> = writer
            .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: format!("not a radar store ({e})"),
            })?;
        let version = version.unwrap_or(0) as usize;
        if version != MIGRATIONS.len() {
            return Err(StoreError::Open {
                path: path.display().to_string(),
                message: format!(
                    "the store is read-only and has schema version {version}, but this radar \
                     needs version {}; make it writable so that it can be migrated, or use the \
                     radar version that wrote it",
                    MIGRATIONS.len()
                ),
            });
        }
        let readers = reader_pool(|| read_only_connection(path))?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers,
            next_reader: Default::default(),
            read_only: true,
        })
    }

    /// Caps the database at `pages` pages (`PRAGMA max_page_count`; a cap below the pages in
    /// use caps it at its current size; `None` lifts the cap to SQLite's maximum): a write that
    /// needs more space fails with [`StoreError::Full`], as on a full disk. Returns the page
    /// count in use. For tests of a full disk, and for operators
    /// who want a hard size limit.
    pub fn limit_pages(&self, pages: Option<u64>) -> Result<u64, StoreError> {
        let conn = self
            .writer
            .lock()
            .map_err(|_| StoreError::Worker("a previous store call panicked".into()))?;
        let limit = pages.unwrap_or(0xFFFF_FFFE).max(1);
        conn.query_row(&format!("PRAGMA max_page_count = {limit}"), [], |_| Ok(()))?;
        Ok(conn.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Reports in time order from `since`, after `after`, at most `limit`; `filter` narrows
    /// the rows further (an `AND …` clause, or nothing).
    async fn page(
        &self,
        since: Timestamp,
        until: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
        filter: &'static str,
    ) -> Result<Vec<(ReportId, Report)>, StoreError> {
        self.read(move |conn| {
            let (after_time, after_id) = match after {
                Some((t, id)) => (t.0, id.0.to_vec()),
                None => (i64::MIN, Vec::new()),
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id, time, provider, service, problem, region, reporter, source FROM reports
                 WHERE time >= ?1 AND time < ?5 AND (time > ?2 OR (time = ?2 AND id > ?3)) {filter}
                 ORDER BY time, id LIMIT ?4"
            ))?;
            let mut rows = stmt.query(params![
                since.0,
                after_time,
                after_id,
                limit as i64,
                until.0
            ])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let id: Vec<u8> = row.get(0)?;
                let id: [u8; 16] = id
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("report id is not 16 bytes".into()))?;
                let service: Option<String> = row.get(3)?;
                let reporter: Vec<u8> = row.get(6)?;
                let report = parse_row(
                    row.get(1)?,
                    &row.get::<_, String>(2)?,
                    service.as_deref(),
                    &row.get::<_, String>(4)?,
                    &row.get::<_, String>(5)?,
                    &reporter,
                    &row.get::<_, String>(7)?,
                )?;
                out.push((ReportId(id), report));
            }
            Ok(out)
        })
        .await
    }

    /// Runs `f` on a reader connection: a free one if there is one, else the next in turn.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let start = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let n = readers.len();
            let free = (0..n).find_map(|i| readers[(start + i) % n].try_lock().ok());
            let mut guard = match free {
                Some(g) => g,
                None => readers[start % n]
                    .lock()
                    .map_err(|_| StoreError::Worker("a previous store call panicked".into()))?,
            };
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
    }

    async fn with<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StoreError::Worker("a previous store call panicked".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
    }
}

fn insert(
    conn: &mut Connection,
    reports: &[Report],
    live: Option<&[bool]>,
) -> Result<Vec<ReportId>, StoreError> {
    let live = live_column(reports.len(), live)?;
    let tx = conn.transaction()?;
    let mut ids = Vec::with_capacity(reports.len());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO reports (id, time, provider, service, problem, region, reporter, source, live)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (time, id) DO NOTHING",
        )?;
        let mut reporter_stmt = tx.prepare_cached(
            "INSERT INTO minute_reporters (provider, minute, reporter) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?;
        let mut minutes = crate::MinuteTally::default();
        for (r, live) in reports.iter().zip(live) {
            let id = ReportId::of(r);
            let new = stmt.execute(params![
                &id.0[..],
                r.time.0,
                r.provider.as_str(),
                r.service.as_ref().map(|s| s.as_str()),
                r.problem.as_str(),
                r.region.as_str(),
                &r.reporter.0[..],
                r.source.as_str(),
                live,
            ])?;
            if new == 1 {
                let minute = r.time.0.div_euclid(60);
                let new_reporter = reporter_stmt.execute(params![
                    r.provider.as_str(),
                    minute,
                    &r.reporter.0[..]
                ])?;
                minutes.add(r.provider.as_str(), minute, new_reporter == 1);
            }
            ids.push(id);
        }
        let mut count_stmt = tx.prepare_cached(
            "INSERT INTO minute_counts (provider, minute, reports, reporters) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (provider, minute) DO UPDATE
             SET reports = reports + excluded.reports, reporters = reporters + excluded.reporters",
        )?;
        for ((provider, minute), (n, distinct)) in minutes.0 {
            count_stmt.execute(params![provider, minute, n, distinct])?;
        }
    }
    tx.commit()?;
    Ok(ids)
}

/// An incident as written: a new one (`expected: None`) or a replacement of version
/// `expected`.
struct IncidentRow {
    id: String,
    provider: String,
    start: i64,
    doc: String,
    expected: Option<i64>,
}

impl IncidentRow {
    fn of(incident: &Incident, expected: Option<i64>) -> Result<IncidentRow, StoreError> {
        Ok(IncidentRow {
            id: incident.id.to_string(),
            provider: incident.provider.to_string(),
            start: incident.start.0,
            doc: incident_to_json(incident)?,
            expected,
        })
    }

    /// Writes the row (inside the caller's transaction); the new version.
    fn put(&self, conn: &Connection) -> Result<i64, StoreError> {
        let IncidentRow {
            id,
            provider,
            start,
            doc,
            expected,
        } = self;
        match expected {
            None => {
                let n = conn.execute(
                    "INSERT INTO incidents (id, provider, start, version, doc) VALUES (?1, ?2, ?3, 1, ?4)
                     ON CONFLICT (id) DO NOTHING",
                    params![id, provider, start, doc],
                )?;
                if n == 0 {
                    return Err(StoreError::Conflict {
                        id: id.clone(),
                        expected: None,
                    });
                }
                Ok(1)
            }
            Some(v) => {
                let n = conn.execute(
                    "UPDATE incidents SET doc = ?1, start = ?2, version = version + 1 WHERE id = ?3 AND version = ?4",
                    params![doc, start, id, v],
                )?;
                if n == 0 {
                    return Err(StoreError::Conflict {
                        id: id.clone(),
                        expected: Some(*v),
                    });
                }
                Ok(v + 1)
            }
        }
    }
}

fn put_status(
    conn: &Connection,
    provider: &str,
    component: &str,
    status: ComponentStatus,
    at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO component_status (provider, component, status, time) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (provider, component) DO UPDATE SET status = excluded.status, time = excluded.time",
        params![provider, component, status.as_str(), at.0],
    )?;
    Ok(())
}

fn put_dismissal(
    conn: &Connection,
    provider: &str,
    start: Timestamp,
    episode: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO dismissals (provider, start, episode, time) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        params![provider, start.0, episode, at.0],
    )?;
    Ok(())
}

/// An [`AuditedChange`] with its data owned, to move to the writer's thread.
enum OwnedChange {
    Incident(IncidentRow),
    Status(String, String, ComponentStatus, Timestamp),
    Dismiss(Vec<(String, Timestamp, String)>, Timestamp),
}

impl OwnedChange {
    fn of(c: AuditedChange<'_>) -> Result<OwnedChange, StoreError> {
        Ok(match c {
            AuditedChange::Incident {
                incident,
                expected_version,
            } => OwnedChange::Incident(IncidentRow::of(incident, expected_version)?),
            AuditedChange::ComponentStatus {
                component,
                status,
                at,
            } => OwnedChange::Status(
                component.provider.to_string(),
                component.component.to_string(),
                status,
                at,
            ),
            AuditedChange::Dismiss { episodes, at } => OwnedChange::Dismiss(
                episodes
                    .iter()
                    .map(|(p, start, e)| (p.to_string(), *start, e.clone()))
                    .collect(),
                at,
            ),
        })
    }
}

/// The incidents matching `filter` (a `WHERE` clause or nothing), oldest first.
fn select_incidents(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredIncident>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT doc, version FROM incidents {filter} ORDER BY start, id"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    rows.map(|row| {
        let (doc, version) = row?;
        stored_incident(&doc, version)
    })
    .collect()
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_reports_with(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Result<Vec<ReportId>, StoreError> {
        // On a multi-threaded runtime, write in place (no copy of the batch); otherwise on
        // the blocking pool.
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            let writer = self.writer.clone();
            return tokio::task::block_in_place(move || {
                let mut guard = writer
                    .lock()
                    .map_err(|_| StoreError::Worker("a previous store call panicked".into()))?;
                insert(&mut guard, reports, live)
            });
        }
        let reports = reports.to_vec();
        let live = live.map(<[bool]>::to_vec);
        Self::with(&self.writer, move |conn| {
            insert(conn, &reports, live.as_deref())
        })
        .await
    }

    fn insert_reports_blocking(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Option<Result<Vec<ReportId>, StoreError>> {
        Some(
            self.writer
                .lock()
                .map_err(|_| StoreError::Worker("a previous store call panicked".into()))
                .and_then(|mut conn| insert(&mut conn, reports, live)),
        )
    }

    async fn minute_counts(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<MinuteCount>, StoreError> {
        let provider = provider.as_str().to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT minute, reports, reporters FROM minute_counts
                 WHERE provider = ?1 AND minute >= ?2 AND minute < ?3 ORDER BY minute",
            )?;
            let (first, end) = crate::minute_range(since, until);
            let rows = stmt.query_map(params![provider, first, end], |r| {
                Ok(MinuteCount {
                    minute: Timestamp(r.get::<_, i64>(0)? * 60),
                    reports: r.get::<_, i64>(1)? as u64,
                    reporters: r.get::<_, i64>(2)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn report_tally(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<crate::ReportTally>, StoreError> {
        let provider = provider.as_str().to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT problem, region, COUNT(DISTINCT reporter) FROM reports
                 WHERE provider = ?1 AND time >= ?2 AND time < ?3
                 GROUP BY problem, region ORDER BY problem, region",
            )?;
            let rows = stmt.query_map(params![provider, since.0, until.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (p, g, n) = row?;
                out.push(crate::tally_from_row(&p, &g, n)?);
            }
            Ok(out)
        })
        .await
    }

    async fn reports_page(
        &self,
        since: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError> {
        self.page(since, Timestamp(i64::MAX), after, limit, "")
            .await
    }

    async fn warmup_page(
        &self,
        since: Timestamp,
        until: Timestamp,
        after: Option<(Timestamp, ReportId)>,
        limit: usize,
    ) -> Result<Vec<(ReportId, Report)>, StoreError> {
        self.page(since, until, after, limit, "AND (live IS NULL OR live = 1)")
            .await
    }

    async fn insert_reports_gated(
        &self,
        reports: &[Report],
    ) -> Result<(Vec<ReportId>, Vec<bool>), StoreError> {
        let reports = reports.to_vec();
        Self::with(&self.writer, move |conn| {
            // One writer at a time: the marks cannot move between reading them and the write.
            let closed: std::collections::HashMap<String, i64> = conn
                .prepare_cached("SELECT provider, closed FROM partitions")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let counted: Vec<bool> = reports
                .iter()
                .map(|r| r.time.minute().0 >= closed.get(r.provider.as_str()).copied().unwrap_or(0))
                .collect();
            let ids = insert(conn, &reports, Some(&counted))?;
            Ok((ids, counted))
        })
        .await
    }

    async fn close_minutes(&self, provider: &ProviderId, before: i64) -> Result<i64, StoreError> {
        let provider = provider.as_str().to_owned();
        Self::with(&self.writer, move |conn| {
            Ok(conn.query_row(
                "INSERT INTO partitions (provider, closed) VALUES (?1, ?2)
                 ON CONFLICT (provider) DO UPDATE SET closed = max(closed, excluded.closed)
                 RETURNING closed",
                params![provider, before],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn closed_minutes(&self) -> Result<Vec<(ProviderId, i64)>, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT provider, closed FROM partitions ORDER BY provider")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            rows.map(|row| {
                let (p, closed) = row?;
                Ok((
                    ProviderId::parse(&p).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    closed,
                ))
            })
            .collect()
        })
        .await
    }

    async fn agree(&self, name: &str, value: &str) -> Result<String, StoreError> {
        let (name, value) = (name.to_owned(), value.to_owned());
        Self::with(&self.writer, move |conn| {
            conn.execute(
                "INSERT INTO cluster_facts (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![name, value],
            )?;
            Ok(conn.query_row(
                "SELECT value FROM cluster_facts WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn lease_session(&self) -> Result<Box<dyn crate::LeaseSession>, StoreError> {
        Ok(Box::new(crate::SoleSession))
    }

    async fn report_count(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row("SELECT count(*) FROM reports", [], |r| r.get::<_, i64>(0))? as u64)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn put_incident(
        &self,
        incident: &Incident,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        let row = IncidentRow::of(incident, expected_version)?;
        Self::with(&self.writer, move |conn| {
            let tx = conn.transaction()?;
            let version = row.put(&tx)?;
            tx.commit()?;
            Ok(version)
        })
        .await
    }

    async fn incidents(&self) -> Result<Vec<StoredIncident>, StoreError> {
        self.read(|conn| select_incidents(conn, "", [])).await
    }

    async fn incident(&self, id: &str) -> Result<Option<StoredIncident>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| Ok(select_incidents(conn, "WHERE id = ?1", [id])?.pop()))
            .await
    }

    async fn incidents_of(&self, provider: &ProviderId) -> Result<Vec<StoredIncident>, StoreError> {
        let provider = provider.as_str().to_owned();
        self.read(move |conn| select_incidents(conn, "WHERE provider = ?1", [provider]))
            .await
    }

    async fn insert_probe(&self, probe: &ProbeEvent) -> Result<(), StoreError> {
        let c = probe.component.resolve(&probe.provider);
        let row = (
            probe.provider.to_string(),
            c.provider.to_string(),
            c.component.to_string(),
            probe.region.to_string(),
            probe.time.0,
            i64::from(probe.ok),
        );
        Self::with(&self.writer, move |conn| {
            conn.prepare_cached(
                "INSERT INTO probes (provider, comp_provider, component, region, time, ok)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![row.0, row.1, row.2, row.3, row.4, row.5])?;
            Ok(())
        })
        .await
    }

    async fn failed_probes(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<FailedProbe>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(FAILED_PROBES_SQL)?;
            let mut rows = stmt.query(params![since.0, until.0])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push((
                    component_from_parts(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?)?,
                    region_from_str(&r.get::<_, String>(2)?)?,
                    Timestamp(r.get(3)?),
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn put_component_status(
        &self,
        component: &ComponentRef,
        status: ComponentStatus,
        at: radar_core::Timestamp,
    ) -> Result<(), StoreError> {
        let (p, c) = (
            component.provider.to_string(),
            component.component.to_string(),
        );
        Self::with(&self.writer, move |conn| {
            put_status(conn, &p, &c, status, at)
        })
        .await
    }

    async fn component_statuses(
        &self,
    ) -> Result<Vec<(ComponentRef, ComponentStatus, radar_core::Timestamp)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT provider, component, status, time FROM component_status ORDER BY provider, component",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push((
                    component_from_parts(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?)?,
                    status_from_str(&r.get::<_, String>(2)?)?,
                    radar_core::Timestamp(r.get(3)?),
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn dismiss(
        &self,
        provider: &ProviderId,
        start: Timestamp,
        episode: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (p, e) = (provider.to_string(), episode.to_owned());
        Self::with(&self.writer, move |conn| {
            put_dismissal(conn, &p, start, &e, at)
        })
        .await
    }

    async fn dismissals(&self) -> Result<Vec<(ProviderId, Timestamp)>, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT provider, start FROM dismissals ORDER BY start")?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let p: String = r.get(0)?;
                out.push((
                    ProviderId::parse(&p).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    Timestamp(r.get(1)?),
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn replace_customers(
        &self,
        provider: &ProviderId,
        customers: &[radar_core::customer::Customer],
        audit: radar_core::audit::AuditDraft,
    ) -> Result<u64, StoreError> {
        let provider = provider.to_string();
        let rows: Vec<(String, String, String, String)> = customers
            .iter()
            .map(|c| {
                (
                    c.number.clone(),
                    c.postcode.clone(),
                    c.region.to_string(),
                    crate::products_text(c),
                )
            })
            .collect();
        Self::with(&self.writer, move |conn| {
            accounts::locked(conn, |tx| {
                tx.execute("DELETE FROM customers WHERE provider = ?1", [&provider])?;
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO customers (number, provider, postcode, region, products)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (number) DO UPDATE SET provider = excluded.provider,
                     postcode = excluded.postcode, region = excluded.region,
                     products = excluded.products",
                )?;
                for (number, postcode, region, products) in &rows {
                    stmt.execute(params![number, provider, postcode, region, products])?;
                }
                drop(stmt);
                accounts::append(tx, audit)?;
                Ok(rows.len() as u64)
            })
        })
        .await
    }

    async fn customer(
        &self,
        number: &str,
    ) -> Result<Option<radar_core::customer::Customer>, StoreError> {
        let number = number.to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT number, provider, postcode, region, products FROM customers WHERE number = ?1",
            )?;
            let mut rows = stmt.query([number])?;
            let Some(r) = rows.next()? else {
                return Ok(None);
            };
            crate::customer_row(
                r.get(0)?,
                &r.get::<_, String>(1)?,
                r.get(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
            )
            .map(Some)
        })
        .await
    }

    async fn write_audited(
        &self,
        change: AuditedChange<'_>,
        audit: radar_core::audit::AuditDraft,
    ) -> Result<Option<i64>, StoreError> {
        let change = OwnedChange::of(change)?;
        Self::with(&self.writer, move |conn| {
            accounts::locked(conn, |tx| {
                let version = match &change {
                    OwnedChange::Incident(row) => Some(row.put(tx)?),
                    OwnedChange::Status(p, c, status, at) => {
                        put_status(tx, p, c, *status, *at)?;
                        None
                    }
                    OwnedChange::Dismiss(episodes, at) => {
                        for (p, start, e) in episodes {
                            put_dismissal(tx, p, *start, e, *at)?;
                        }
                        None
                    }
                };
                accounts::append(tx, audit)?;
                Ok(version)
            })
        })
        .await
    }

    fn accounts(&self) -> &dyn crate::accounts::AccountStore {
        self
    }

    fn subscriptions(&self) -> &dyn crate::subscriptions::SubscriptionStore {
        self
    }

    async fn insert_signal_samples(&self, samples: &[SignalSample]) -> Result<u64, StoreError> {
        let rows: Vec<(String, String, String, i64, f64)> = samples
            .iter()
            .map(|s| {
                (
                    s.provider.to_string(),
                    s.signal.to_string(),
                    s.region.as_ref().map_or(String::new(), |r| r.to_string()),
                    s.time.0,
                    s.value,
                )
            })
            .collect();
        Self::with(&self.writer, move |conn| {
            let tx = conn.transaction()?;
            let mut new = 0u64;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO signal_samples (provider, signal, region, time, value)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )?;
                for r in &rows {
                    new += stmt.execute(params![r.0, r.1, r.2, r.3, r.4])? as u64;
                }
            }
            tx.commit()?;
            Ok(new)
        })
        .await
    }

    async fn signal_samples(
        &self,
        provider: &ProviderId,
        signal: &SignalId,
        region: Option<&RegionId>,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        let key = (
            provider.to_string(),
            signal.to_string(),
            region.map_or(String::new(), |r| r.to_string()),
        );
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT provider, signal, region, time, value FROM signal_samples
                 WHERE provider = ?1 AND signal = ?2 AND region = ?3 AND time >= ?4 AND time <= ?5
                 ORDER BY time",
            )?;
            let mut rows = stmt.query(params![key.0, key.1, key.2, since.0, until.0])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(signal_sample_from_row(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    &r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                )?);
            }
            Ok(out)
        })
        .await
    }

    async fn all_signal_samples(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT provider, signal, region, time, value FROM signal_samples
                 WHERE time >= ?1 AND time <= ?2 ORDER BY time, provider, signal, region",
            )?;
            let mut rows = stmt.query(params![since.0, until.0])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(signal_sample_from_row(
                    &r.get::<_, String>(0)?,
                    &r.get::<_, String>(1)?,
                    &r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                )?);
            }
            Ok(out)
        })
        .await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn read_only(&self) -> bool {
        self.read_only
    }
}

/// A connection that only reads: `SQLITE_OPEN_READ_ONLY` and `query_only`. A WAL database
/// needs its `-shm` file; when that cannot be created either (a read-only directory after a
/// clean shutdown), the file is opened as immutable, which needs no `-shm`.
pub(crate) fn read_only_connection(path: &Path) -> Result<Connection, StoreError> {
    use rusqlite::OpenFlags;
    let open_err = |e: rusqlite::Error| StoreError::Open {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if !path.is_file() {
        return Err(StoreError::Open {
            path: path.display().to_string(),
            message: "no such store file; check --data".into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let check = |conn: Connection| -> Result<Connection, rusqlite::Error> {
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        Ok(conn)
    };
    let conn = match Connection::open_with_flags(path, flags).and_then(check) {
        Ok(c) => c,
        Err(_) => {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
                .and_then(check)
                .map_err(open_err)?
        }
    };
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// `file:PATH?immutable=1`, the path escaped for a URI.
pub(crate) fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.display().to_string().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}
