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

/// A crowd asking for the same page again gets 304 without a body; clients that accept gzip
/// get it compressed; the language is part of what a cache must tell apart.
#[tokio::test]
async fn pages_and_json_answer_conditional_gets_and_compress() {
    let app = spawn_app().await;
    for path in ["/providers/o2-de", "/api/v1/providers", "/feed.atom"] {
        let url = format!("{}{}", app.base, path);
        let first = app.client.get(&url).send().await.unwrap();
        assert_eq!(first.status().as_u16(), 200, "{path}");
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(tag.starts_with("W/\""), "{path}: {tag}");
        assert_eq!(
            first.headers()["cache-control"],
            "public, no-cache",
            "{path}"
        );
        let vary: Vec<&str> = first
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(
            vary.iter().any(|v| v.contains("Accept-Language")),
            "{path}: {vary:?}"
        );
        let again = app
            .client
            .get(&url)
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
        assert!(again.bytes().await.unwrap().is_empty());
        // Another tag (the page changed since): the whole answer.
        let stale = app
            .client
            .get(&url)
            .header("If-None-Match", "W/\"0000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 200, "{path}");
        let zipped = app
            .client
            .get(&url)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip", "{path}");
        let body = zipped.bytes().await.unwrap();
        assert_eq!(&body[..2], &[0x1f, 0x8b], "{path}: gzip magic");
    }
    // The German page is another document with its own tag.
    let en = app.get("/providers/o2-de?lang=en").await;
    let de = app.get("/providers/o2-de?lang=de").await;
    assert_ne!(en.headers()["etag"], de.headers()["etag"]);
    // What must not be cached keeps its own rule: sign-in says no-store and gets no tag.
    let login = app.get("/login").await;
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert!(login.headers().get("etag").is_none());
}
