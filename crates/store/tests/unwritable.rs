//! A store that cannot write (full, read-only) says so with its own errors, keeps reading, and
//! loses nothing.
//!
//! PostgreSQL as in `store.rs`: `RADAR_TEST_DATABASE_URL`, skipped with a message when
//! unreachable unless `RADAR_REQUIRE_SERVICES=1`.

use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use radar_store::sqlite::SqliteStore;
use radar_store::{Store, StoreError, Unwritable};

fn report(i: u32) -> Report {
    let mut key = [0u8; 16];
    key[..4].copy_from_slice(&i.to_le_bytes());
    Report {
        time: Timestamp(1_494_950_400 + i as i64),
        provider: ProviderId::parse("o2-de").unwrap(),
        service: Some(ServiceId::parse("mobile-data").unwrap()),
        problem: Problem::NoInternet,
        region: RegionId::parse("DE-BY").unwrap(),
        reporter: ReporterKey(key),
        source: Source::Web,
    }
}

fn batch(from: u32, n: u32) -> Vec<Report> {
    (from..from + n).map(report).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_at_its_size_limit_is_full_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    store.insert_reports(&batch(0, 100)).await.unwrap();
    let pages = store.limit_pages(Some(1)).unwrap();
    // A limit below the pages in use caps the database where it is.
    assert!(pages > 0);
    let err = store.insert_reports(&batch(100, 2000)).await.unwrap_err();
    assert_eq!(err.unwritable(), Some(Unwritable::Full), "{err:?}");
    assert!(err.to_string().contains("full"), "{err}");
    // The failed batch left nothing behind; reads work.
    assert_eq!(store.report_count().await.unwrap(), 100);
    // Space again: writes work.
    store.limit_pages(None).unwrap();
    store.insert_reports(&batch(100, 2000)).await.unwrap();
    assert_eq!(store.report_count().await.unwrap(), 2100);
    drop(store);
    radar_store::backup::integrity_check(&dir.path().join("radar.db")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_opened_read_only_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    store.insert_reports(&batch(0, 10)).await.unwrap();
    drop(store);
    let ro = SqliteStore::open_dir_read_only(dir.path()).unwrap();
    assert!(ro.read_only());
    assert_eq!(ro.report_count().await.unwrap(), 10);
    let err = ro.insert_reports(&batch(10, 1)).await.unwrap_err();
    assert_eq!(err.unwritable(), Some(Unwritable::ReadOnly), "{err:?}");
    let err = ro
        .put_component_status(
            &radar_core::topology::ComponentRef {
                provider: ProviderId::parse("o2-de").unwrap(),
                component: radar_core::ComponentId::parse("crm-dsl").unwrap(),
            },
            radar_core::event::ComponentStatus::MajorOutage,
            Timestamp(1),
        )
        .await
        .unwrap_err();
    assert_eq!(err.unwritable(), Some(Unwritable::ReadOnly), "{err:?}");
    assert_eq!(ro.report_count().await.unwrap(), 10);
}

#[test]
fn a_data_directory_that_cannot_be_created_is_an_error_naming_it() {
    // Running as root, permissions do not stop writes; a path under a file stands in for a
    // directory that cannot be created.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"x").unwrap();
    let err = SqliteStore::open_dir(&dir.path().join("file").join("data"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("file/data") && err.contains("--data"), "{err}");
    assert!(SqliteStore::open_dir_read_only(dir.path()).is_err());
}

#[tokio::test]
async fn postgres_read_only_transactions_are_read_only_errors() {
    let url = std::env::var("RADAR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let (client, conn) = match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok(c) => c,
        Err(e) if std::env::var("RADAR_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required (RADAR_REQUIRE_SERVICES=1) but unreachable: {e}")
        }
        Err(e) => {
            eprintln!("skipping postgres_read_only_transactions_are_read_only_errors: {e} (set RADAR_REQUIRE_SERVICES=1 to fail instead)");
            return;
        }
    };
    tokio::spawn(conn);
    client
        .batch_execute("SET default_transaction_read_only = on")
        .await
        .unwrap();
    let err: StoreError = client
        .batch_execute("CREATE TEMPORARY TABLE t_ro (x int); CREATE TABLE t_ro_never (x int)")
        .await
        .unwrap_err()
        .into();
    assert_eq!(err.unwritable(), Some(Unwritable::ReadOnly), "{err:?}");
    assert!(err.to_string().contains("read-only"), "{err}");
}

/// Stands in for a data directory that cannot be written (tests run as root, so permissions
/// do not stop writes): the write check's probe file cannot be created where a directory of
/// its name is in the way.
fn block_writes(dir: &std::path::Path) {
    std::fs::create_dir(dir.join(format!(".radar-write-check-{}", std::process::id()))).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_that_cannot_be_written_opens_its_store_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    store.insert_reports(&batch(0, 5)).await.unwrap();
    drop(store);
    block_writes(dir.path());
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    assert!(store.read_only());
    assert_eq!(store.report_count().await.unwrap(), 5);
    let err = store.insert_reports(&batch(5, 1)).await.unwrap_err();
    assert_eq!(err.unwritable(), Some(Unwritable::ReadOnly), "{err:?}");
}

#[test]
fn a_data_directory_that_cannot_be_written_and_holds_no_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    block_writes(dir.path());
    let err = SqliteStore::open_dir(dir.path()).err().unwrap().to_string();
    assert!(
        err.contains(&dir.path().display().to_string())
            && err.contains("cannot be written")
            && err.contains("holds no store")
            && err.contains("--data"),
        "{err}"
    );
    assert!(!dir.path().join("radar.db").exists());
}
