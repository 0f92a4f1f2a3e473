//! The PostgreSQL store: the system of record when several `radar serve` nodes share one
//! database. Writes go through one connection (batched by the caller), reads through another.

use async_trait::async_trait;
use radar_core::ids::SignalId;
use radar_core::signal::SignalSample;
use radar_core::{ProviderId, RegionId, Report, Timestamp};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

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

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE reports (
    seq      BIGSERIAL PRIMARY KEY,
    id       BYTEA NOT NULL,
    time     BIGINT NOT NULL,
    provider TEXT NOT NULL,
    service  TEXT,
    problem  TEXT NOT NULL,
    region   TEXT NOT NULL,
    reporter BYTEA NOT NULL,
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
-- Per-minute counts kept as reports commit (see the SQLite store).
CREATE TABLE minute_reporters (
    provider TEXT NOT NULL,
    minute   BIGINT NOT NULL,
    reporter BYTEA NOT NULL,
    PRIMARY KEY (provider, minute, reporter)
);
CREATE TABLE minute_counts (
    provider  TEXT NOT NULL,
    minute    BIGINT NOT NULL,
    reports   BIGINT NOT NULL,
    reporters BIGINT NOT NULL,
    PRIMARY KEY (provider, minute)
);
INSERT INTO minute_reporters (provider, minute, reporter)
    SELECT DISTINCT provider, div(time, 60), reporter FROM reports;
INSERT INTO minute_counts (provider, minute, reports, reporters)
    SELECT provider, div(time, 60), count(*), count(DISTINCT reporter) FROM reports
    GROUP BY provider, div(time, 60);
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
    id        BYTEA PRIMARY KEY,
    user_name TEXT NOT NULL,
    created   BIGINT NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE TABLE api_tokens (
    id        TEXT PRIMARY KEY,
    hash      BYTEA NOT NULL UNIQUE,
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
    prev       BYTEA NOT NULL,
    hash       BYTEA NOT NULL
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
    confirm  BYTEA UNIQUE,
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
    id            BIGSERIAL PRIMARY KEY,
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
    seq          BIGSERIAL PRIMARY KEY,
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

/// Reader connections, used in turn (one connection runs one query at a time).
const READERS: usize = 4;

pub struct PostgresStore {
    writer: Mutex<Client>,
    readers: Vec<Client>,
    next_reader: std::sync::atomic::AtomicUsize,
    /// Where it connects, for lease sessions (connections of their own).
    url: String,
    schema: Option<String>,
}

pub(crate) async fn connect_one(url: &str, schema: Option<&str>) -> Result<Client, StoreError> {
    let mut config: tokio_postgres::Config =
        url.parse()
            .map_err(|e: tokio_postgres::Error| StoreError::Open {
                path: redact(url),
                message: e.to_string(),
            })?;
    if let Some(s) = schema {
        config.options(format!("-c search_path={s}"));
    }
    let (client, connection) = config.connect(NoTls).await.map_err(|e| StoreError::Open {
        path: redact(url),
        message: e.to_string(),
    })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %e, "PostgreSQL connection closed");
        }
    });
    Ok(client)
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl PostgresStore {
    /// The incidents matching `filter` (a `WHERE` clause or nothing), oldest first.
    async fn select_incidents(
        &self,
        filter: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<StoredIncident>, StoreError> {
        let sql = format!("SELECT doc, version FROM incidents {filter} ORDER BY start, id");
        let rows = self.reader().query(&sql, params).await?;
        rows.iter()
            .map(|r| stored_incident(r.get(0), r.get(1)))
            .collect()
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
        let (after_time, after_id) = match after {
            Some((t, id)) => (t.0, id.0.to_vec()),
            None => (i64::MIN, Vec::new()),
        };
        let rows = self
            .reader()
            .query(
                &format!(
                    "SELECT id, time, provider, service, problem, region, reporter, source FROM reports
                     WHERE time >= $1 AND time < $5 AND (time > $2 OR (time = $2 AND id > $3)) {filter}
                     ORDER BY time, id LIMIT $4"
                ),
                &[&since.0, &after_time, &after_id, &(limit as i64), &until.0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: Vec<u8> = row.get(0);
                let id: [u8; 16] = id
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("report id is not 16 bytes".into()))?;
                let reporter: Vec<u8> = row.get(6);
                let report = parse_row(
                    row.get(1),
                    row.get(2),
                    row.get::<_, Option<&str>>(3),
                    row.get(4),
                    row.get(5),
                    &reporter,
                    row.get(7),
                )?;
                Ok((ReportId(id), report))
            })
            .collect()
    }

    /// Connects and migrates. `schema` (created if missing) isolates tests from each other.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PostgresStore, StoreError> {
        if let Some(s) = schema {
            let admin = connect_one(url, None).await?;
            admin
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{s}\""))
                .await?;
        }
        let mut writer = connect_one(url, schema).await?;
        migrate(&mut writer).await?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(connect_one(url, schema).await?);
        }
        Ok(PostgresStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: Default::default(),
            url: url.to_owned(),
            schema: schema.map(str::to_owned),
        })
    }

    /// The next reader connection in turn.
    fn reader(&self) -> &Client {
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.readers[i % self.readers.len()]
    }
}

async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    // Serialise concurrent migrations from several nodes.
    tx.batch_execute(MIGRATION_LOCK).await?;
    migrate_to(&tx, MIGRATIONS.len()).await?;
    tx.commit().await?;
    Ok(())
}

/// The migrations, for backups (a restore recreates the schema of the backup's version).
pub(crate) fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// Applies the migrations up to version `to` in `tx` (the caller holds the migration lock).
pub(crate) async fn migrate_to(
    tx: &tokio_postgres::Transaction<'_>,
    to: usize,
) -> Result<(), StoreError> {
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .await?;
    let current: Option<i32> = tx
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await?
        .get(0);
    let current = current.unwrap_or(0) as usize;
    if current > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {current}, newer than this program knows ({}); use a newer radar",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().take(to).skip(current) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await?;
    }
    Ok(())
}

/// Stores reports in `tx` with their `live` column; returns their ids. Rows are written in one
/// order (reports by time and id, counts by provider and minute) so that writers on several
/// nodes lock shared rows in the same order.
async fn insert_in(
    tx: &tokio_postgres::Transaction<'_>,
    reports: &[Report],
    live: &[Option<i16>],
) -> Result<Vec<ReportId>, tokio_postgres::Error> {
    let ids: Vec<ReportId> = reports.iter().map(ReportId::of).collect();
    let id_col: Vec<&[u8]> = ids.iter().map(|i| &i.0[..]).collect();
    let time: Vec<i64> = reports.iter().map(|r| r.time.0).collect();
    let provider: Vec<&str> = reports.iter().map(|r| r.provider.as_str()).collect();
    let service: Vec<Option<&str>> = reports
        .iter()
        .map(|r| r.service.as_ref().map(|s| s.as_str()))
        .collect();
    let problem: Vec<&str> = reports.iter().map(|r| r.problem.as_str()).collect();
    let region: Vec<&str> = reports.iter().map(|r| r.region.as_str()).collect();
    let reporter: Vec<&[u8]> = reports.iter().map(|r| &r.reporter.0[..]).collect();
    let source: Vec<&str> = reports.iter().map(|r| r.source.as_str()).collect();
    // The new reports (those not stored before), who of them is new in their minute, and
    // the per-minute counts, in one statement.
    tx.execute(
            "WITH ins AS (
                 INSERT INTO reports (id, time, provider, service, problem, region, reporter, source, live)
                 SELECT * FROM UNNEST($1::bytea[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::text[], $9::int2[])
                 ORDER BY 2, 1
                 ON CONFLICT (time, id) DO NOTHING
                 RETURNING provider, div(time, 60) AS minute, reporter
             ), rep AS (
                 INSERT INTO minute_reporters (provider, minute, reporter)
                 SELECT DISTINCT provider, minute, reporter FROM ins
                 ORDER BY 1, 2, 3
                 ON CONFLICT DO NOTHING
                 RETURNING provider, minute
             ), tally AS (
                 SELECT provider, minute, count(*) AS reports FROM ins GROUP BY provider, minute
             ), fresh AS (
                 SELECT provider, minute, count(*) AS reporters FROM rep GROUP BY provider, minute
             )
             INSERT INTO minute_counts (provider, minute, reports, reporters)
             SELECT t.provider, t.minute, t.reports, coalesce(f.reporters, 0)
             FROM tally t LEFT JOIN fresh f USING (provider, minute)
             ORDER BY 1, 2
             ON CONFLICT (provider, minute) DO UPDATE
             SET reports = minute_counts.reports + excluded.reports,
                 reporters = minute_counts.reporters + excluded.reporters",
            &[&id_col, &time, &provider, &service, &problem, &region, &reporter, &source, &live],
        )
        .await?;
    Ok(ids)
}

/// A lease session: advisory locks held by a connection of its own.
struct PgLeases {
    client: Client,
}

#[async_trait]
impl crate::LeaseSession for PgLeases {
    async fn try_take(&self, key: &str) -> Result<bool, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT pg_try_advisory_lock(7240212, hashtext(current_schema() || ':' || $1))",
                &[&key],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.client.query_one("SELECT 1", &[]).await?;
        Ok(())
    }
}

/// Creates (`expected_version: None`) or replaces version `expected_version` of an incident
/// on `client` (a connection or the caller's transaction); the new version.
async fn put_incident_with(
    client: &impl tokio_postgres::GenericClient,
    incident: &Incident,
    expected_version: Option<i64>,
) -> Result<i64, StoreError> {
    let doc = incident_to_json(incident)?;
    let id = incident.id.to_string();
    match expected_version {
        None => {
            let n = client
                .execute(
                    "INSERT INTO incidents (id, provider, start, version, doc) VALUES ($1, $2, $3, 1, $4)
                     ON CONFLICT (id) DO NOTHING",
                    &[&id, &incident.provider.as_str(), &incident.start.0, &doc],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict { id, expected: None });
            }
            Ok(1)
        }
        Some(v) => {
            let n = client
                .execute(
                    "UPDATE incidents SET doc = $1, start = $2, version = version + 1 WHERE id = $3 AND version = $4",
                    &[&doc, &incident.start.0, &id, &v],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict {
                    id,
                    expected: Some(v),
                });
            }
            Ok(v + 1)
        }
    }
}

async fn put_status_with(
    client: &impl tokio_postgres::GenericClient,
    component: &ComponentRef,
    status: ComponentStatus,
    at: Timestamp,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO component_status (provider, component, status, time) VALUES ($1, $2, $3, $4)
             ON CONFLICT (provider, component) DO UPDATE SET status = excluded.status, time = excluded.time",
            &[
                &component.provider.as_str(),
                &component.component.as_str(),
                &status.as_str(),
                &at.0,
            ],
        )
        .await?;
    Ok(())
}

async fn put_dismissal_with(
    client: &impl tokio_postgres::GenericClient,
    provider: &ProviderId,
    start: Timestamp,
    episode: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO dismissals (provider, start, episode, time) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&provider.as_str(), &start.0, &episode, &at.0],
        )
        .await?;
    Ok(())
}

/// The lock that serialises migrations (and restores) between nodes.
pub(crate) const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7240211)";

#[async_trait]
impl Store for PostgresStore {
    async fn insert_reports_with(
        &self,
        reports: &[Report],
        live: Option<&[bool]>,
    ) -> Result<Vec<ReportId>, StoreError> {
        let live = live_column(reports.len(), live)?;
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let ids = insert_in(&tx, reports, &live).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn minute_counts(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<MinuteCount>, StoreError> {
        let (first, end) = crate::minute_range(since, until);
        let rows = self
            .reader()
            .query(
                "SELECT minute, reports, reporters FROM minute_counts
                 WHERE provider = $1 AND minute >= $2 AND minute < $3 ORDER BY minute",
                &[&provider.as_str(), &first, &end],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| MinuteCount {
                minute: Timestamp(r.get::<_, i64>(0) * 60),
                reports: r.get::<_, i64>(1) as u64,
                reporters: r.get::<_, i64>(2) as u64,
            })
            .collect())
    }

    async fn report_tally(
        &self,
        provider: &ProviderId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<crate::ReportTally>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT problem, region, COUNT(DISTINCT reporter) FROM reports
                 WHERE provider = $1 AND time >= $2 AND time < $3
                 GROUP BY problem, region ORDER BY problem, region",
                &[&provider.as_str(), &since.0, &until.0],
            )
            .await?;
        rows.iter()
            .map(|r| crate::tally_from_row(r.get(0), r.get(1), r.get(2)))
            .collect()
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
        let mut providers: Vec<&str> = reports.iter().map(|r| r.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        let mut client = self.writer.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tx = client.transaction().await?;
            let result = async {
                tx.execute(
                    "INSERT INTO partitions (provider, closed) SELECT unnest($1::text[]), 0
                     ON CONFLICT DO NOTHING",
                    &[&providers],
                )
                .await?;
                // Shared locks: writers do not wait for each other, a close waits for them.
                let rows = tx
                    .query(
                        "SELECT provider, closed FROM partitions WHERE provider = ANY($1)
                         ORDER BY provider FOR SHARE",
                        &[&providers],
                    )
                    .await?;
                let closed: std::collections::HashMap<&str, i64> = rows
                    .iter()
                    .map(|r| (r.get::<_, &str>(0), r.get::<_, i64>(1)))
                    .collect();
                let counted: Vec<bool> = reports
                    .iter()
                    .map(|r| {
                        r.time.minute().0 >= closed.get(r.provider.as_str()).copied().unwrap_or(0)
                    })
                    .collect();
                let live: Vec<Option<i16>> = counted.iter().map(|&c| Some(i16::from(c))).collect();
                let ids = insert_in(&tx, reports, &live).await?;
                Ok::<_, tokio_postgres::Error>((ids, counted))
            }
            .await;
            match result {
                Ok(done) => {
                    tx.commit().await?;
                    return Ok(done);
                }
                // Writers on several nodes take row locks in one order, but a deadlock the
                // server breaks is retried rather than failed.
                Err(e)
                    if attempt < 5
                        && e.code()
                            == Some(&tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED) =>
                {
                    drop(tx);
                    tracing::debug!(error = %e, attempt, "deadlock while storing reports; retrying");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn close_minutes(&self, provider: &ProviderId, before: i64) -> Result<i64, StoreError> {
        let client = self.writer.lock().await;
        let row = client
            .query_one(
                "INSERT INTO partitions (provider, closed) VALUES ($1, $2)
                 ON CONFLICT (provider) DO UPDATE SET closed = GREATEST(partitions.closed, excluded.closed)
                 RETURNING closed",
                &[&provider.as_str(), &before],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn closed_minutes(&self) -> Result<Vec<(ProviderId, i64)>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT provider, closed FROM partitions ORDER BY provider",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let p: &str = r.get(0);
                Ok((
                    ProviderId::parse(p).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    r.get(1),
                ))
            })
            .collect()
    }

    async fn agree(&self, name: &str, value: &str) -> Result<String, StoreError> {
        let client = self.writer.lock().await;
        client
            .execute(
                "INSERT INTO cluster_facts (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&name, &value],
            )
            .await?;
        let row = client
            .query_one("SELECT value FROM cluster_facts WHERE name = $1", &[&name])
            .await?;
        Ok(row.get(0))
    }

    async fn lease_session(&self) -> Result<Box<dyn crate::LeaseSession>, StoreError> {
        Ok(Box::new(PgLeases {
            client: connect_one(&self.url, self.schema.as_deref()).await?,
        }))
    }

    async fn report_count(&self) -> Result<u64, StoreError> {
        let row = self
            .reader()
            .query_one("SELECT count(*)::int8 FROM reports", &[])
            .await?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.reader().query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn put_incident(
        &self,
        incident: &Incident,
        expected_version: Option<i64>,
    ) -> Result<i64, StoreError> {
        let client = self.writer.lock().await;
        put_incident_with(&*client, incident, expected_version).await
    }

    async fn incidents(&self) -> Result<Vec<StoredIncident>, StoreError> {
        self.select_incidents("", &[]).await
    }

    async fn incident(&self, id: &str) -> Result<Option<StoredIncident>, StoreError> {
        Ok(self.select_incidents("WHERE id = $1", &[&id]).await?.pop())
    }

    async fn incidents_of(&self, provider: &ProviderId) -> Result<Vec<StoredIncident>, StoreError> {
        self.select_incidents("WHERE provider = $1", &[&provider.as_str()])
            .await
    }

    async fn insert_probe(&self, probe: &ProbeEvent) -> Result<(), StoreError> {
        let c = probe.component.resolve(&probe.provider);
        let client = self.writer.lock().await;
        client
            .execute(
                "INSERT INTO probes (provider, comp_provider, component, region, time, ok)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &probe.provider.as_str(),
                    &c.provider.as_str(),
                    &c.component.as_str(),
                    &probe.region.as_str(),
                    &probe.time.0,
                    &i16::from(probe.ok),
                ],
            )
            .await?;
        Ok(())
    }

    async fn failed_probes(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<FailedProbe>, StoreError> {
        // The failed probes that are not isolated flaps (both neighbouring checks of the probe
        // passed: `radar_core::correlate::failures_without_flaps`); the neighbours come from
        // the probe's checks up to $2 (index `probes_probe_time`).
        let rows = self
            .reader()
            .query(
                "SELECT f.comp_provider, f.component, f.region, f.time FROM probes f
                 WHERE f.ok = 0 AND f.time >= $1 AND f.time <= $2
                   AND NOT (
                     COALESCE((SELECT p.ok FROM probes p
                               WHERE p.comp_provider = f.comp_provider
                                 AND p.component = f.component AND p.region = f.region
                                 AND p.time < f.time
                               ORDER BY p.time DESC LIMIT 1), 0) = 1
                     AND COALESCE((SELECT n.ok FROM probes n
                                   WHERE n.comp_provider = f.comp_provider
                                     AND n.component = f.component AND n.region = f.region
                                     AND n.time > f.time AND n.time <= $2
                                   ORDER BY n.time LIMIT 1), 0) = 1)
                 ORDER BY f.time",
                &[&since.0, &until.0],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    component_from_parts(r.get(0), r.get(1))?,
                    region_from_str(r.get(2))?,
                    Timestamp(r.get(3)),
                ))
            })
            .collect()
    }

    async fn insert_signal_samples(&self, samples: &[SignalSample]) -> Result<u64, StoreError> {
        let provider: Vec<&str> = samples.iter().map(|s| s.provider.as_str()).collect();
        let signal: Vec<&str> = samples.iter().map(|s| s.signal.as_str()).collect();
        let region: Vec<&str> = samples
            .iter()
            .map(|s| s.region.as_ref().map_or("", |r| r.as_str()))
            .collect();
        let time: Vec<i64> = samples.iter().map(|s| s.time.0).collect();
        let value: Vec<f64> = samples.iter().map(|s| s.value).collect();
        let client = self.writer.lock().await;
        // One statement: all or nothing.
        let new = client
            .execute(
                "INSERT INTO signal_samples (provider, signal, region, time, value)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[])
                 ON CONFLICT DO NOTHING",
                &[&provider, &signal, &region, &time, &value],
            )
            .await?;
        Ok(new)
    }

    async fn signal_samples(
        &self,
        provider: &ProviderId,
        signal: &SignalId,
        region: Option<&RegionId>,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT provider, signal, region, time, value FROM signal_samples
                 WHERE provider = $1 AND signal = $2 AND region = $3 AND time >= $4 AND time <= $5
                 ORDER BY time",
                &[
                    &provider.as_str(),
                    &signal.as_str(),
                    &region.map_or("", |r| r.as_str()),
                    &since.0,
                    &until.0,
                ],
            )
            .await?;
        rows.iter()
            .map(|r| signal_sample_from_row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn all_signal_samples(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SignalSample>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT provider, signal, region, time, value FROM signal_samples
                 WHERE time >= $1 AND time <= $2 ORDER BY time, provider, signal, region",
                &[&since.0, &until.0],
            )
            .await?;
        rows.iter()
            .map(|r| signal_sample_from_row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }

    async fn put_component_status(
        &self,
        component: &ComponentRef,
        status: ComponentStatus,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let client = self.writer.lock().await;
        put_status_with(&*client, component, status, at).await
    }

    async fn component_statuses(
        &self,
    ) -> Result<Vec<(ComponentRef, ComponentStatus, Timestamp)>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT provider, component, status, time FROM component_status ORDER BY provider, component",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    component_from_parts(r.get(0), r.get(1))?,
                    status_from_str(r.get(2))?,
                    Timestamp(r.get(3)),
                ))
            })
            .collect()
    }

    async fn dismiss(
        &self,
        provider: &ProviderId,
        start: Timestamp,
        episode: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let client = self.writer.lock().await;
        put_dismissal_with(&*client, provider, start, episode, at).await
    }

    async fn dismissals(&self) -> Result<Vec<(ProviderId, Timestamp)>, StoreError> {
        self.reader()
            .query("SELECT provider, start FROM dismissals ORDER BY start", &[])
            .await?
            .iter()
            .map(|r| {
                Ok((
                    ProviderId::parse(r.get(0)).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    Timestamp(r.get(1)),
                ))
            })
            .collect()
    }

    async fn replace_customers(
        &self,
        provider: &ProviderId,
        customers: &[radar_core::customer::Customer],
        audit: radar_core::audit::AuditDraft,
    ) -> Result<u64, StoreError> {
        let number: Vec<&str> = customers.iter().map(|c| c.number.as_str()).collect();
        let postcode: Vec<&str> = customers.iter().map(|c| c.postcode.as_str()).collect();
        let region: Vec<&str> = customers.iter().map(|c| c.region.as_str()).collect();
        let products: Vec<String> = customers.iter().map(crate::products_text).collect();
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        tx.execute(
            "DELETE FROM customers WHERE provider = $1",
            &[&provider.as_str()],
        )
        .await?;
        tx.execute(
            "INSERT INTO customers (number, provider, postcode, region, products)
             SELECT n, $2, p, r, x FROM UNNEST($1::text[], $3::text[], $4::text[], $5::text[])
                 AS t(n, p, r, x)
             ON CONFLICT (number) DO UPDATE SET provider = excluded.provider,
             postcode = excluded.postcode, region = excluded.region, products = excluded.products",
            &[&number, &provider.as_str(), &postcode, &region, &products],
        )
        .await?;
        accounts::append(&tx, audit).await?;
        tx.commit().await?;
        Ok(customers.len() as u64)
    }

    async fn customer(
        &self,
        number: &str,
    ) -> Result<Option<radar_core::customer::Customer>, StoreError> {
        let Some(r) = self
            .reader()
            .query_opt(
                "SELECT number, provider, postcode, region, products FROM customers WHERE number = $1",
                &[&number],
            )
            .await?
        else {
            return Ok(None);
        };
        crate::customer_row(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)).map(Some)
    }

    async fn write_audited(
        &self,
        change: AuditedChange<'_>,
        audit: radar_core::audit::AuditDraft,
    ) -> Result<Option<i64>, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let version = match change {
            AuditedChange::Incident {
                incident,
                expected_version,
            } => Some(put_incident_with(&tx, incident, expected_version).await?),
            AuditedChange::ComponentStatus {
                component,
                status,
                at,
            } => {
                put_status_with(&tx, component, status, at).await?;
                None
            }
            AuditedChange::Dismiss { episodes, at } => {
                for (provider, start, episode) in episodes {
                    put_dismissal_with(&tx, provider, *start, episode, at).await?;
                }
                None
            }
        };
        accounts::append(&tx, audit).await?;
        tx.commit().await?;
        Ok(version)
    }

    fn accounts(&self) -> &dyn crate::accounts::AccountStore {
        self
    }

    fn subscriptions(&self) -> &dyn crate::subscriptions::SubscriptionStore {
        self
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
