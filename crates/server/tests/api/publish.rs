//! Read API, pages, health.

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn providers_are_listed() {
    let app = spawn_app().await;
    let v: serde_json::Value = app.get("/api/v1/providers").await.json().await.unwrap();
    let ids: Vec<&str> = v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in ["telekom-de", "vodafone-de", "o2-de", "1und1-de", "whatsapp"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
}

#[tokio::test]
async fn unknown_provider_counts_is_404() {
    let app = spawn_app().await;
    problem(app.get("/api/v1/providers/nope/reports").await, 404).await;
    problem(
        app.get("/api/v1/providers/o2-de/reports?since=soon").await,
        400,
    )
    .await;
    problem(app.get("/no/such/route").await, 404).await;
}

#[tokio::test]
async fn pages_render_without_javascript() {
    let app = spawn_app().await;
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("/providers/o2-de"));
    let page = app.get("/providers/o2-de").await.text().await.unwrap();
    assert!(
        page.contains("<form class=\"report\" method=\"post\" action=\"/providers/o2-de/report\""),
        "{page}"
    );
    // Everything is in the HTML; the one script (live updates, allowed by its hash) adds
    // nothing a reader needs and loads nothing.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(!page.contains("<script src"));
    assert!(page.contains("Report a problem") && page.contains("Reports in the last 24 hours"));
    assert_eq!(app.get("/providers/nope").await.status().as_u16(), 404);
}
