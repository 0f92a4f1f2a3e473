//! Atom feeds (RFC 4287): `/feed.atom` and `/providers/{id}/feed.atom` — well-formed XML with
//! the required elements, user text escaped, newest first, one provider's feed only its own.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{problem, spawn_app, TestApp, NOW};

const ATOM: &str = "http://www.w3.org/2005/Atom";

async fn declare(app: &TestApp, id: &str, provider: &str, en: &str) {
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&json!({
            "id": id, "provider": provider, "category": "network",
            "title": {"de": "Störung", "en": en}, "services": ["mobile-data"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

async fn feed(app: &TestApp, path: &str) -> String {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), 200, "{path}");
    assert_eq!(
        resp.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    resp.text().await.unwrap()
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM)
    })
}

fn text<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    child(n, name)
        .unwrap_or_else(|| panic!("no <{name}>"))
        .text()
        .unwrap_or("")
}

#[tokio::test]
async fn feeds_are_atom_with_required_elements_and_escaped_text() {
    let app = spawn_app().await;
    declare(&app, "net-1", "o2-de", "Outage in <Bayern> & \"Baden\"").await;
    app.set_now(NOW + 60);
    let resp = app
        .operator(Method::POST, "/api/v1/incidents/net-1/statements")
        .json(&json!({"text": {"de": "Wir arbeiten daran.", "en": "Fix <soon> & 'done'"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    app.set_now(NOW + 120);
    declare(&app, "net-2", "telekom-de", "Second outage").await;

    let body = feed(&app, "/feed.atom").await;
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(
        body.contains("Outage in &lt;Bayern&gt; &amp; &quot;Baden&quot;"),
        "{body}"
    );
    assert!(
        !body.contains("<Bayern>") && !body.contains("<soon>"),
        "{body}"
    );
    let doc = roxmltree::Document::parse(&body).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(root.tag_name().namespace(), Some(ATOM));
    assert!(text(root, "id").starts_with("tag:"));
    assert!(!text(root, "title").is_empty());
    assert_eq!(text(root, "updated"), "2026-11-23T12:02:00Z");
    let self_link = root
        .children()
        .find(|c| c.tag_name().name() == "link" && c.attribute("rel") == Some("self"))
        .expect("link rel=self");
    assert!(self_link.attribute("href").unwrap().ends_with("/feed.atom"));
    assert!(child(root, "author").is_some(), "feed author");

    let entries: Vec<_> = root
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert_eq!(entries.len(), 2);
    // Newest first: net-2 was declared last.
    assert!(entries[0].descendants().any(|n| n
        .attribute("href")
        .is_some_and(|h| h.ends_with("/incidents/net-2"))));
    let e = entries[1];
    for name in ["id", "title", "updated", "published", "summary", "content"] {
        assert!(child(e, name).is_some(), "entry has <{name}>");
    }
    assert!(text(e, "id").starts_with("tag:outage-radar,2017:outage/o2-de/net-1/"));
    assert_eq!(text(e, "title"), "O2: Outage in <Bayern> & \"Baden\"");
    assert_eq!(text(e, "published"), "2026-11-23T12:00:00Z");
    assert_eq!(text(e, "updated"), "2026-11-23T12:01:00Z");
    assert_eq!(
        text(e, "summary"),
        "Fix <soon> & 'done'",
        "the latest statement"
    );
    assert!(text(child(e, "author").unwrap(), "name").len() > 1);
    let link = child(e, "link").unwrap();
    assert!(link
        .attribute("href")
        .unwrap()
        .ends_with("/incidents/net-1"));

    // The entry id is stable across changes.
    let id_before = text(e, "id").to_owned();
    app.set_now(NOW + 300);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({"state": "monitoring"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let one = feed(&app, "/providers/o2-de/feed.atom").await;
    let doc = roxmltree::Document::parse(&one).unwrap();
    let entries: Vec<_> = doc
        .root_element()
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert_eq!(entries.len(), 1, "only o2-de's");
    assert_eq!(text(entries[0], "id"), id_before);
    assert_eq!(text(entries[0], "updated"), "2026-11-23T12:05:00Z");
    assert!(doc
        .root_element()
        .children()
        .any(|c| c.attribute("rel") == Some("self")
            && c.attribute("href")
                .unwrap()
                .ends_with("/providers/o2-de/feed.atom")));

    problem(app.get("/providers/nope/feed.atom").await, 404).await;

    // Pages name the feed for feed readers.
    let page = app.get("/").await.text().await.unwrap();
    assert!(
        page.contains(r#"<link rel="alternate" type="application/atom+xml" title="Outage Radar: all providers" href="/feed.atom">"#),
        "{page}"
    );
}
