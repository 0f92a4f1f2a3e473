//! A store that cannot write — a full disk (SQLite at `max_page_count`), a read-only store —
//! makes writes answer 503 `store-unavailable` with `Retry-After`, never acknowledges what it
//! did not store, keeps serving reads, reports itself degraded on `/readyz`, corrupts nothing,
//! and takes writes again once the condition is lifted.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use crate::helpers::{problem, report, spawn_app_in, spawn_app_over, test_settings, TestApp};
use radar_store::sqlite::SqliteStore;
use radar_store::Store;

/// `n` reports from distinct reporters.
fn batch(n: usize, tag: &str) -> serde_json::Value {
    let reports: Vec<_> = (0..n)
        .map(|i| json!({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet", "postcode": "80331", "reporter_token": format!("{tag}-{i}")}))
        .collect();
    json!({ "reports": reports })
}

/// Asserts a 503 `store-unavailable` problem with a `Retry-After` header; returns its detail.
async fn store_unavailable(resp: reqwest::Response) -> String {
    let retry = resp
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    assert!(retry > 0);
    let v = problem(resp, 503).await;
    assert_eq!(v["type"], "/problems/store-unavailable", "{v}");
    let detail = v["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("not stored"), "{detail}");
    assert!(detail.contains("reading still works"), "{detail}");
    detail
}

/// The readiness answer: status, the degraded header, the body.
async fn readyz(app: &TestApp) -> (u16, Option<String>, String) {
    let resp = app.get("/readyz").await;
    let status = resp.status().as_u16();
    let header = resp
        .headers()
        .get("radar-degraded")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, header, resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_serves_reads_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
    let settings = test_settings(&dir);
    let app = spawn_app_over(dir, settings, sqlite.clone()).await;
    assert_eq!(app.post_json(&batch(50, "before")).await.status(), 202);
    assert_eq!(app.counted("o2-de").await, 50);

    // The disk fills up: the database cannot grow past its present pages.
    sqlite.limit_pages(Some(1)).unwrap();
    let detail = store_unavailable(app.post_json(&batch(1000, "full")).await).await;
    assert!(detail.contains("full"), "{detail}");
    // Not acknowledged, not stored, not counted.
    assert_eq!(sqlite.report_count().await.unwrap(), 50);
    assert_eq!(app.counted("o2-de").await, 50);
    // Reads go on: the API, the pages, readiness (degraded).
    assert_eq!(
        app.get("/api/v1/providers/o2-de/reports").await.status(),
        200
    );
    assert_eq!(app.get("/providers/o2-de").await.status(), 200);
    assert_eq!(app.get("/api/v1/outages").await.status(), 200);
    let (status, header, body) = readyz(&app).await;
    assert_eq!(status, 200);
    assert_eq!(header.as_deref(), Some("store-full"));
    assert!(body.starts_with("degraded: the store is full"), "{body}");

    // Space again: the same reports are accepted, readiness is plain again.
    sqlite.limit_pages(None).unwrap();
    assert_eq!(app.post_json(&batch(1000, "full")).await.status(), 202);
    assert_eq!(readyz(&app).await, (200, None, "ready".to_owned()));
    assert_eq!(app.counted("o2-de").await, 1050);

    let dir = app.stop().await;
    drop(sqlite);
    radar_store::backup::integrity_check(&dir.path().join("radar.db")).unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    assert_eq!(store.report_count().await.unwrap(), 1050);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_store_answers_503_and_serves_reads() {
    let dir = tempfile::tempdir().unwrap();
    // Some history, written while the store could be written.
    let app = spawn_app_in(dir).await;
    assert_eq!(app.post_json(&batch(20, "earlier")).await.status(), 202);
    let dir = app.stop().await;

    // Opened read-only, as at a start on a data directory that cannot be written.
    let ro = Arc::new(SqliteStore::open_dir_read_only(dir.path()).unwrap());
    let settings = test_settings(&dir);
    let app = spawn_app_over(dir, settings, ro.clone()).await;
    let (status, header, body) = readyz(&app).await;
    assert_eq!(status, 200);
    assert_eq!(header.as_deref(), Some("store-read-only"));
    assert!(body.contains("read-only"), "{body}");

    let detail = store_unavailable(app.post_json(&report("o2-de")).await).await;
    assert!(detail.starts_with("The report was not stored"), "{detail}");
    assert!(detail.contains("read-only"), "{detail}");
    // Operator writes too.
    store_unavailable(
        app.operator(Method::PUT, "/api/v1/components/o2-de/crm-dsl/status")
            .json(&json!({"status": "major-outage"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // The web form says so on its page, with the same status.
    let form = app
        .client
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("problem=no-internet&postcode=80331")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 503);
    // Reads are served from the stored history.
    assert_eq!(app.counted("o2-de").await, 20);
    assert_eq!(app.get("/providers/o2-de").await.status(), 200);
    assert_eq!(ro.report_count().await.unwrap(), 20);

    let dir = app.stop().await;
    drop(ro);
    radar_store::backup::integrity_check(&dir.path().join("radar.db")).unwrap();
    // Writable again (after a restart): writes are accepted.
    let app = spawn_app_in(dir).await;
    assert_eq!(readyz(&app).await, (200, None, "ready".to_owned()));
    assert_eq!(app.post_json(&report("o2-de")).await.status(), 202);
    assert_eq!(app.counted("o2-de").await, 21);
    app.stop().await;
}
