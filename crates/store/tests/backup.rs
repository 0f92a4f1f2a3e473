//! Backup and restore tests, on SQLite and PostgreSQL.
//!
//! PostgreSQL comes from `RADAR_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in schemas of its own. When it is
//! unreachable the PostgreSQL cases print why and pass, unless `RADAR_REQUIRE_SERVICES=1`, which
//! makes them fail (as in `store.rs`).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use radar_core::event::{ComponentName, ComponentStatus, ProbeEvent};
use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use radar_store::backup::{self, BackupError, Progress, Quiet, Target, Unit};
use radar_store::{postgres::PostgresStore, sqlite::SqliteStore, ReportId, Store};

fn pg_url() -> String {
    std::env::var("RADAR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn services_required() -> bool {
    std::env::var("RADAR_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

/// A store to back up or restore into, and what to clean up after.
struct Fixture {
    store: Arc<dyn Store>,
    target: Target,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        Fixture {
            store: Arc::new(SqliteStore::open_dir(dir.path()).unwrap()),
            target: Target::Sqlite {
                dir: dir.path().to_path_buf(),
            },
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A fresh, migrated PostgreSQL schema, or `None` (skip) when PostgreSQL is unreachable.
    async fn postgres(test: &str) -> Option<Fixture> {
        let schema = pg_schema(test);
        match PostgresStore::connect(&pg_url(), Some(&schema)).await {
            Ok(s) => Some(Fixture {
                store: Arc::new(s),
                target: Target::Postgres {
                    url: pg_url(),
                    schema: Some(schema.clone()),
                },
                _dir: None,
                schema: Some(schema),
            }),
            Err(e) if !services_required() => {
                eprintln!("skipping PostgreSQL case of {test}: {e} (set RADAR_REQUIRE_SERVICES=1 to fail instead)");
                None
            }
            Err(e) => {
                panic!("PostgreSQL is required (RADAR_REQUIRE_SERVICES=1) but unreachable: {e}")
            }
        }
    }

    async fn cleanup(self) {
        if let Some(s) = self.schema {
            drop_schema(&s).await;
        }
    }
}

fn pg_schema(test: &str) -> String {
    format!(
        "b_{}_{}_{}",
        test,
        std::process::id(),
        SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

async fn drop_schema(schema: &str) {
    if let Ok((client, conn)) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
}

fn report(t: i64, provider: &str, reporter: u32) -> Report {
    let mut key = [0u8; 16];
    key[..4].copy_from_slice(&reporter.to_le_bytes());
    Report {
        time: Timestamp(t),
        provider: ProviderId::parse(provider).unwrap(),
        service: if reporter.is_multiple_of(3) {
            None
        } else {
            Some(ServiceId::parse("mobile-data").unwrap())
        },
        problem: Problem::NoInternet,
        region: RegionId::parse("DE-BY").unwrap(),
        reporter: ReporterKey(key),
        source: Source::Web,
    }
}

fn incident(id: &str, start: i64) -> radar_core::incident::Incident {
    use radar_core::event::{IncidentCategory, IncidentId, LocalizedText};
    use radar_core::incident::{Declaration, Incident};
    // Quotes, a backslash, a tab and a newline: text that COPY must escape.
    let title = LocalizedText(
        [
            ("de", "Abschaltung \"A\\B\"\tneu\nzeile"),
            ("en", "Shutdown"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    Incident::declare(
        Declaration {
            id: Some(IncidentId::parse(id).unwrap()),
            provider: Some(ProviderId::parse("o2-de").unwrap()),
            category: Some(IncidentCategory::Security),
            title: Some(title),
            components: vec!["crm-dsl".into()],
            ..Declaration::default()
        },
        &radar_core::topology::germany::topology(),
        Timestamp(start),
        || unreachable!(),
        true,
    )
    .unwrap()
}

const T0: i64 = 1_494_950_400;
/// Reports stored before a backup.
const HISTORY: u32 = 3000;

/// Reports (some counted by live detection, some not, some never seen by it), incidents, a
/// component status and probes.
async fn fill(store: &dyn Store) {
    let reports: Vec<Report> = (0..HISTORY)
        .map(|i| report(T0 + i as i64, "o2-de", i))
        .collect();
    for (k, chunk) in reports.chunks(500).enumerate() {
        let live: Vec<bool> = (0..chunk.len()).map(|i| i % 4 != 0).collect();
        if k % 2 == 0 {
            store.insert_reports_with(chunk, Some(&live)).await.unwrap();
        } else {
            store.insert_reports(chunk).await.unwrap();
        }
    }
    store
        .put_incident(&incident("sec-1", T0), None)
        .await
        .unwrap();
    let mut second = incident("sec-2", T0 + 600);
    store.put_incident(&second, None).await.unwrap();
    second.state = radar_core::event::IncidentState::Resolved;
    store.put_incident(&second, Some(1)).await.unwrap();
    let c = radar_core::topology::ComponentRef {
        provider: ProviderId::parse("o2-de").unwrap(),
        component: radar_core::ComponentId::parse("crm-dsl").unwrap(),
    };
    store
        .put_component_status(&c, ComponentStatus::MajorOutage, Timestamp(T0 + 60))
        .await
        .unwrap();
    for (t, ok) in [(T0 + 10, false), (T0 + 20, true), (T0 + 30, false)] {
        store
            .insert_probe(&ProbeEvent {
                time: Timestamp(t),
                provider: ProviderId::parse("1und1-de").unwrap(),
                component: ComponentName::parse("mobile-core").unwrap(),
                region: RegionId::parse("DE-BY").unwrap(),
                ok,
            })
            .await
            .unwrap();
    }
}

async fn all_reports(store: &dyn Store, warmup: bool) -> Vec<(ReportId, Report)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = if warmup {
            store
                .warmup_page(Timestamp(i64::MIN), Timestamp(i64::MAX), after, 5000)
                .await
        } else {
            store.reports_page(Timestamp(i64::MIN), after, 5000).await
        }
        .unwrap();
        let Some((id, r)) = page.last() else { break };
        after = Some((r.time, *id));
        out.extend(page);
    }
    out
}

/// Everything a store holds, as the trait reads it.
#[derive(Debug, PartialEq)]
struct Content {
    reports: Vec<(ReportId, Report)>,
    warmup: Vec<(ReportId, Report)>,
    incidents: Vec<radar_store::StoredIncident>,
    statuses: Vec<(
        radar_core::topology::ComponentRef,
        ComponentStatus,
        Timestamp,
    )>,
    failed_probes: Vec<radar_store::FailedProbe>,
}

async fn content(store: &dyn Store) -> Content {
    Content {
        reports: all_reports(store, false).await,
        warmup: all_reports(store, true).await,
        incidents: store.incidents().await.unwrap(),
        statuses: store.component_statuses().await.unwrap(),
        failed_probes: store
            .failed_probes(Timestamp(i64::MIN), Timestamp(i64::MAX))
            .await
            .unwrap(),
    }
}

/// Reports a writer stores in each of its batches, during the backup.
const WRITER_BATCH: u32 = 7;

/// Holds the backup, once its snapshot is taken, until the writer has committed a few more
/// batches: the backup must not contain them.
struct WaitForWriter {
    batches: Arc<AtomicU64>,
    at_snapshot: AtomicU64,
    waited: AtomicBool,
}

impl Progress for WaitForWriter {
    fn stage(&self, _: &str, _: u64, _: Unit) {
        if self.waited.swap(true, Ordering::SeqCst) {
            return;
        }
        let start = self.batches.load(Ordering::SeqCst);
        self.at_snapshot.store(start, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.batches.load(Ordering::SeqCst) < start + 3 {
            assert!(
                Instant::now() < deadline,
                "the writer made no progress during the backup"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    fn advance(&self, _: u64) {}
}

/// Backs up `source` while a writer keeps inserting, restores into `fresh`, and checks that
/// the restored store holds exactly the snapshot: everything written before, whole writer
/// batches only, fewer than were written by the end.
/// `fresh` is the restore target, kept open by `guard` when given.
async fn round_trip(source: Fixture, fresh: Target, guard: Option<Fixture>) {
    fill(&*source.store).await;
    let before = content(&*source.store).await;

    let stop = Arc::new(AtomicBool::new(false));
    let batches = Arc::new(AtomicU64::new(0));
    let writer = {
        let (store, stop, batches) = (source.store.clone(), stop.clone(), batches.clone());
        tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let batch: Vec<Report> = (0..WRITER_BATCH)
                    .map(|k| {
                        let n = HISTORY + i * WRITER_BATCH + k;
                        report(T0 + 100_000 + n as i64, "telekom-de", n)
                    })
                    .collect();
                store.insert_reports(&batch).await.unwrap();
                batches.fetch_add(1, Ordering::SeqCst);
                i += 1;
                tokio::task::yield_now().await;
            }
        })
    };
    while batches.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let out = tempfile::tempdir().unwrap();
    let progress = Arc::new(WaitForWriter {
        batches: batches.clone(),
        at_snapshot: AtomicU64::new(0),
        waited: AtomicBool::new(false),
    });
    let manifest = backup::backup(&source.target, out.path(), progress.clone())
        .await
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let written = batches.load(Ordering::SeqCst);
    let final_count = source.store.report_count().await.unwrap();
    assert_eq!(
        final_count,
        (HISTORY as u64) + written * WRITER_BATCH as u64
    );

    // The snapshot: all of the history, whole writer batches, not the ones after it began.
    let in_backup = manifest.rows("reports").unwrap();
    let from_writer = in_backup - HISTORY as u64;
    assert!(
        from_writer.is_multiple_of(WRITER_BATCH as u64),
        "{manifest:?}"
    );
    let snapshot_batches = from_writer / WRITER_BATCH as u64;
    assert!(
        snapshot_batches <= progress.at_snapshot.load(Ordering::SeqCst),
        "the backup holds writes made after its snapshot: {snapshot_batches} batches"
    );
    assert!(snapshot_batches + 3 <= written);
    assert_eq!(manifest.rows("incidents"), Some(2));
    assert_eq!(manifest.rows("component_status"), Some(1));
    assert_eq!(manifest.rows("probes"), Some(3));
    assert!(manifest.rows("schema_version").is_some());
    // The manifest on disk is the one returned.
    let on_disk = backup::verify(out.path(), &Quiet).unwrap();
    assert_eq!(on_disk, manifest);

    backup::restore(out.path(), &fresh, false, Arc::new(Quiet))
        .await
        .unwrap();
    // A store opened on the restored target sees the snapshot.
    let restored = reopen(&fresh).await;
    assert_eq!(restored.report_count().await.unwrap(), in_backup);
    let got = content(&*restored).await;
    let writer_reports = |c: &[(ReportId, Report)]| -> Vec<(ReportId, Report)> {
        c.iter()
            .filter(|(_, r)| r.provider.as_str() == "telekom-de")
            .cloned()
            .collect()
    };
    let strip = |c: &[(ReportId, Report)]| -> Vec<(ReportId, Report)> {
        c.iter()
            .filter(|(_, r)| r.provider.as_str() != "telekom-de")
            .cloned()
            .collect()
    };
    assert_eq!(strip(&got.reports), before.reports);
    assert_eq!(strip(&got.warmup), before.warmup);
    assert_eq!(got.incidents, before.incidents);
    assert_eq!(got.statuses, before.statuses);
    assert_eq!(got.failed_probes, before.failed_probes);
    // The writer's reports in the backup are its first batches, exactly.
    let expected: BTreeSet<ReportId> = (0..from_writer as u32)
        .map(|n| {
            ReportId::of(&report(
                T0 + 100_000 + (HISTORY + n) as i64,
                "telekom-de",
                HISTORY + n,
            ))
        })
        .collect();
    let found: BTreeSet<ReportId> = writer_reports(&got.reports)
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(found, expected);
    // The restored store takes writes (PostgreSQL: its sequences continue past the restored
    // ids).
    restored
        .insert_reports(&[report(T0 + 999_999, "o2-de", 999_999)])
        .await
        .unwrap();
    assert_eq!(restored.report_count().await.unwrap(), in_backup + 1);
    source.cleanup().await;
    if let Some(g) = guard {
        g.cleanup().await;
    }
}

/// A store opened anew on a fixture's target (after a restore replaced its data).
async fn reopen(target: &Target) -> Arc<dyn Store> {
    match target {
        Target::Sqlite { dir } => Arc::new(SqliteStore::open_dir(dir).unwrap()),
        Target::Postgres { url, schema } => Arc::new(
            PostgresStore::connect(url, schema.as_deref())
                .await
                .unwrap(),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_round_trip_under_concurrent_writes() {
    // The target: a data directory that does not exist yet.
    let fresh_dir = tempfile::tempdir().unwrap();
    let target = Target::Sqlite {
        dir: fresh_dir.path().join("restored"),
    };
    round_trip(Fixture::sqlite(), target, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_round_trip_into_an_empty_store() {
    // The target already has an (empty, migrated) store file, not in use.
    let fresh = Fixture::sqlite();
    let target = fresh.target.clone();
    let Fixture { store, _dir, .. } = fresh;
    drop(store);
    round_trip(Fixture::sqlite(), target, None).await;
    drop(_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_round_trip_under_concurrent_writes() {
    let Some(source) = Fixture::postgres("rt_src").await else {
        return;
    };
    let Some(fresh) = Fixture::postgres("rt_dst").await else {
        return;
    };
    let target = fresh.target.clone();
    round_trip(source, target, Some(fresh)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_into_postgres() {
    let Some(fresh) = Fixture::postgres("cross").await else {
        return;
    };
    let source = Fixture::sqlite();
    fill(&*source.store).await;
    let before = content(&*source.store).await;
    let out = tempfile::tempdir().unwrap();
    backup::backup(&source.target, out.path(), Arc::new(Quiet))
        .await
        .unwrap();
    backup::restore(out.path(), &fresh.target, false, Arc::new(Quiet))
        .await
        .unwrap();
    let restored = reopen(&fresh.target).await;
    assert_eq!(content(&*restored).await, before);
    restored
        .insert_reports(&[report(T0 + 999_999, "o2-de", 999_999)])
        .await
        .unwrap();
    fresh.cleanup().await;
}

/// A backup of a filled store into a new directory.
async fn small_backup(source: &Fixture) -> tempfile::TempDir {
    fill(&*source.store).await;
    let out = tempfile::tempdir().unwrap();
    backup::backup(&source.target, out.path(), Arc::new(Quiet))
        .await
        .unwrap();
    out
}

/// The data file of a backup that holds the reports.
fn reports_file(out: &Path) -> String {
    backup::verify(out, &Quiet)
        .unwrap()
        .tables
        .into_iter()
        .find(|t| t.name == "reports")
        .unwrap()
        .file
}

/// Restoring a backup with one flipped byte, a missing data file or no manifest is refused,
/// naming the file, and leaves the target untouched.
async fn damaged_backups_are_refused(source: Fixture, fresh: Fixture) {
    let out = small_backup(&source).await;
    let file = reports_file(out.path());
    let path = out.path().join(&file);
    let original = std::fs::read(&path).unwrap();

    let mut flipped = original.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x01;
    std::fs::write(&path, &flipped).unwrap();
    let err = backup::restore(out.path(), &fresh.target, false, Arc::new(Quiet))
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::Damaged { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&file) && msg.contains("checksum"), "{msg}");
    assert!(msg.contains(&out.path().display().to_string()), "{msg}");
    assert_eq!(fresh.store.report_count().await.unwrap(), 0);

    std::fs::remove_file(&path).unwrap();
    let err = backup::restore(out.path(), &fresh.target, false, Arc::new(Quiet))
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::Missing { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&file) && msg.contains("missing"), "{msg}");
    assert_eq!(fresh.store.report_count().await.unwrap(), 0);

    // Restored to health, it restores; without its manifest it does not.
    std::fs::write(&path, &original).unwrap();
    backup::verify(out.path(), &Quiet).unwrap();
    std::fs::remove_file(out.path().join(backup::MANIFEST)).unwrap();
    let err = backup::restore(out.path(), &fresh.target, false, Arc::new(Quiet))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("manifest.json is missing"), "{err}");
    assert_eq!(fresh.store.report_count().await.unwrap(), 0);
    source.cleanup().await;
    fresh.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_damaged_backups_are_refused() {
    damaged_backups_are_refused(Fixture::sqlite(), Fixture::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_damaged_backups_are_refused() {
    let Some(source) = Fixture::postgres("dmg_src").await else {
        return;
    };
    let Some(fresh) = Fixture::postgres("dmg_dst").await else {
        return;
    };
    damaged_backups_are_refused(source, fresh).await;
}

/// A target that holds data is refused (naming what it holds) unless forced; forced, its data
/// is replaced by the backup's.
async fn a_store_with_data_is_replaced_only_when_forced(source: Fixture, target: Fixture) {
    let out = small_backup(&source).await;
    target
        .store
        .insert_reports(&[report(5, "vodafone-de", 1)])
        .await
        .unwrap();
    let err = backup::restore(out.path(), &target.target, false, Arc::new(Quiet))
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::NotEmpty { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("reports: 1 rows") && msg.contains("--force"),
        "{msg}"
    );
    assert_eq!(target.store.report_count().await.unwrap(), 1);
    if let Target::Sqlite { .. } = target.target {
        // A server still has the store open: refused even when forced.
        let err = backup::restore(out.path(), &target.target, true, Arc::new(Quiet))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("in use by another process"), "{err}");
    }
    // Stopped, the store is replaced.
    let Fixture {
        store,
        target: t,
        _dir,
        schema,
    } = target;
    drop(store);
    backup::restore(out.path(), &t, true, Arc::new(Quiet))
        .await
        .unwrap();
    let restored = reopen(&t).await;
    let target = Fixture {
        store: restored.clone(),
        target: t,
        _dir,
        schema,
    };
    assert_eq!(content(&*restored).await, content(&*source.store).await);
    source.cleanup().await;
    target.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_store_with_data_is_replaced_only_when_forced() {
    a_store_with_data_is_replaced_only_when_forced(Fixture::sqlite(), Fixture::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_store_with_data_is_replaced_only_when_forced() {
    let Some(source) = Fixture::postgres("force_src").await else {
        return;
    };
    let Some(target) = Fixture::postgres("force_dst").await else {
        return;
    };
    a_store_with_data_is_replaced_only_when_forced(source, target).await;
}

#[tokio::test]
async fn a_backup_never_overwrites_files() {
    let source = Fixture::sqlite();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("keep.txt"), b"mine").unwrap();
    let err = backup::backup(&source.target, out.path(), Arc::new(Quiet))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read(out.path().join("keep.txt")).unwrap(), b"mine");
}
