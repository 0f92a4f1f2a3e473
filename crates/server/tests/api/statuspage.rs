//! The Statuspage-compatible API (`/providers/{id}/api/v2/…`): Statuspage's field names and
//! enums for a declared incident with statements and a degraded component, maintenance
//! windows, CORS for GET, 404 for an unknown provider.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app, TestApp, NOW};

const BASE: &str = "/providers/o2-de/api/v2";

async fn get_json(app: &TestApp, path: &str) -> Value {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), 200, "{path}");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{path}"
    );
    resp.json().await.unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

/// Declares `net-1` (regional, mobile data) at NOW, a statement a minute later, monitoring two
/// minutes later; `crm-dsl` degraded.
async fn declared_incident(app: &TestApp) {
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&json!({
            "id": "net-1", "provider": "o2-de", "category": "network", "state": "identified",
            "title": {"de": "Störung mobile Daten", "en": "Mobile data outage"},
            "services": ["mobile-data"], "regions": ["DE-BY"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    app.set_now(NOW + 60);
    let resp = app
        .operator(Method::POST, "/api/v1/incidents/net-1/statements")
        .json(
            &json!({"text": {"de": "Wir arbeiten daran.", "en": "We are working on it."},
                      "workaround": {"de": "WLAN nutzen", "en": "Use Wi-Fi"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    app.set_now(NOW + 120);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({"state": "monitoring"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .operator(Method::PUT, "/api/v1/components/o2-de/crm-dsl/status")
        .json(&json!({"status": "degraded"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

const PAGE_KEYS: [&str; 5] = ["id", "name", "time_zone", "updated_at", "url"];
const COMPONENT_KEYS: [&str; 13] = [
    "created_at",
    "description",
    "group",
    "group_id",
    "id",
    "name",
    "only_show_if_degraded",
    "page_id",
    "position",
    "showcase",
    "start_date",
    "status",
    "updated_at",
];
const INCIDENT_KEYS: [&str; 13] = [
    "components",
    "created_at",
    "id",
    "impact",
    "incident_updates",
    "monitoring_at",
    "name",
    "page_id",
    "resolved_at",
    "shortlink",
    "started_at",
    "status",
    "updated_at",
];
const UPDATE_KEYS: [&str; 8] = [
    "affected_components",
    "body",
    "created_at",
    "display_at",
    "id",
    "incident_id",
    "status",
    "updated_at",
];
const COMPONENT_STATUSES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

#[tokio::test]
async fn statuspage_summary_has_statuspage_fields_and_enums() {
    let app = spawn_app().await;
    declared_incident(&app).await;
    let s = get_json(&app, &format!("{BASE}/summary.json")).await;
    assert_eq!(
        keys(&s),
        [
            "components",
            "incidents",
            "page",
            "scheduled_maintenances",
            "status"
        ]
    );
    assert_eq!(keys(&s["page"]), PAGE_KEYS);
    assert_eq!(s["page"]["id"], "o2-de");
    assert_eq!(s["page"]["time_zone"], "Europe/Berlin");
    assert!(s["page"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/providers/o2-de"));
    assert_eq!(
        s["status"],
        json!({"indicator": "major", "description": "Partial System Outage"})
    );

    let components = s["components"].as_array().unwrap();
    for c in components {
        assert_eq!(keys(c), COMPONENT_KEYS, "{c}");
        assert!(COMPONENT_STATUSES.contains(&c["status"].as_str().unwrap()));
        assert_eq!(c["page_id"], "o2-de");
        assert_eq!(c["group"], false);
    }
    let by_id = |id: &str| {
        components
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no component {id}"))
    };
    assert_eq!(by_id("service-mobile-data")["status"], "partial_outage");
    assert_eq!(by_id("component-crm-dsl")["status"], "degraded_performance");
    assert_eq!(by_id("component-ip-backbone")["status"], "operational");

    let incidents = s["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let i = &incidents[0];
    assert_eq!(keys(i), INCIDENT_KEYS);
    assert_eq!(i["id"], "net-1");
    assert_eq!(i["name"], "Mobile data outage");
    assert_eq!(i["status"], "monitoring");
    assert_eq!(i["impact"], "major", "regional");
    assert_eq!(i["page_id"], "o2-de");
    assert_eq!(i["started_at"], "2026-11-23T12:00:00Z");
    assert_eq!(i["monitoring_at"], "2026-11-23T12:02:00Z");
    assert_eq!(i["updated_at"], "2026-11-23T12:02:00Z");
    assert!(i["resolved_at"].is_null());
    assert!(i["shortlink"]
        .as_str()
        .unwrap()
        .ends_with("/incidents/net-1"));
    let updates = i["incident_updates"].as_array().unwrap();
    assert_eq!(updates.len(), 1);
    let u = &updates[0];
    assert_eq!(keys(u), UPDATE_KEYS);
    assert_eq!(u["status"], "identified", "the state when it was said");
    assert_eq!(u["incident_id"], "net-1");
    assert_eq!(u["display_at"], "2026-11-23T12:01:00Z");
    assert_eq!(u["body"], "We are working on it.\n\nWorkaround: Use Wi-Fi");
    assert!(u["affected_components"].is_null());
    let affected: Vec<&str> = i["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(affected, ["service-mobile-data"]);
    assert_eq!(s["scheduled_maintenances"], json!([]));

    // The other documents say the same.
    let status = get_json(&app, &format!("{BASE}/status.json")).await;
    assert_eq!(keys(&status), ["page", "status"]);
    assert_eq!(status["status"], s["status"]);
    let comps = get_json(&app, &format!("{BASE}/components.json")).await;
    assert_eq!(comps["components"], s["components"]);
    let all = get_json(&app, &format!("{BASE}/incidents.json")).await;
    assert_eq!(all["incidents"], s["incidents"]);
    let open = get_json(&app, &format!("{BASE}/incidents/unresolved.json")).await;
    assert_eq!(open["incidents"], s["incidents"]);

    // Resolved: out of the unresolved list and the summary, still in incidents.json.
    app.set_now(NOW + 600);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({"state": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let open = get_json(&app, &format!("{BASE}/incidents/unresolved.json")).await;
    assert_eq!(open["incidents"], json!([]));
    let all = get_json(&app, &format!("{BASE}/incidents.json")).await;
    assert_eq!(all["incidents"][0]["status"], "resolved");
    assert_eq!(all["incidents"][0]["resolved_at"], "2026-11-23T12:10:00Z");
    assert_eq!(
        all["incidents"][0]["incident_updates"][0]["body"], "We are working on it.",
        "no workaround once resolved"
    );
    let s = get_json(&app, &format!("{BASE}/summary.json")).await;
    assert_eq!(s["incidents"], json!([]));
    assert_eq!(
        s["status"]["indicator"], "minor",
        "crm-dsl is still degraded"
    );
}

#[tokio::test]
async fn statuspage_maintenance_is_scheduled_then_in_progress() {
    let app = spawn_app().await;
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&json!({
            "id": "mnt-1", "provider": "o2-de", "category": "maintenance",
            "title": {"de": "Wartung", "en": "Planned maintenance"},
            "components": ["ip-backbone"], "start": "2026-11-24T01:00:00Z",
            "maintenance": {"start": "2026-11-24T01:00:00Z", "end": "2026-11-24T03:00:00Z"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let up = get_json(
        &app,
        &format!("{BASE}/scheduled-maintenances/upcoming.json"),
    )
    .await;
    let m = &up["scheduled_maintenances"][0];
    assert_eq!(m["id"], "mnt-1", "{up}");
    assert_eq!(m["status"], "scheduled");
    assert_eq!(m["impact"], "maintenance");
    assert_eq!(m["scheduled_for"], "2026-11-24T01:00:00Z");
    assert_eq!(m["scheduled_until"], "2026-11-24T03:00:00Z");
    let active = get_json(&app, &format!("{BASE}/scheduled-maintenances/active.json")).await;
    assert_eq!(active["scheduled_maintenances"], json!([]));
    let all = get_json(&app, &format!("{BASE}/scheduled-maintenances.json")).await;
    assert_eq!(all["scheduled_maintenances"].as_array().unwrap().len(), 1);
    let s = get_json(&app, &format!("{BASE}/summary.json")).await;
    assert_eq!(s["scheduled_maintenances"][0]["id"], "mnt-1");
    assert_eq!(s["incidents"], json!([]), "maintenance is no incident");

    app.set_now(NOW + 14 * 3600);
    let active = get_json(&app, &format!("{BASE}/scheduled-maintenances/active.json")).await;
    assert_eq!(active["scheduled_maintenances"][0]["status"], "in_progress");
}

#[tokio::test]
async fn statuspage_answers_cors_for_get_and_404_for_unknown_providers() {
    let app = spawn_app().await;
    let resp = reqwest::Client::new()
        .get(format!("{}{BASE}/summary.json", app.base))
        .header("origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let s: Value = resp.json().await.unwrap();
    assert_eq!(s["status"]["indicator"], "none");
    assert_eq!(s["status"]["description"], "All Systems Operational");

    let resp = reqwest::Client::new()
        .request(
            Method::OPTIONS,
            format!("{}{BASE}/components.json", app.base),
        )
        .header("origin", "https://dashboard.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("GET"));

    problem(app.get("/providers/nope/api/v2/summary.json").await, 404).await;
}

#[tokio::test]
async fn statuspage_lists_the_newest_50_and_every_unresolved_one() {
    let app = spawn_app().await;
    for n in 1..=55 {
        app.set_now(NOW + n * 60);
        let resp = app
            .operator(Method::POST, "/api/v1/incidents")
            .json(&json!({
                "id": format!("net-{n}"), "provider": "o2-de", "category": "it-system",
                "title": {"de": format!("Störung {n}"), "en": format!("Outage {n}")},
                "services": ["customer-service"]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let all = get_json(&app, &format!("{BASE}/incidents.json")).await;
    let ids: Vec<&str> = all["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 50);
    assert_eq!((ids[0], ids[49]), ("net-55", "net-6"), "newest first");
    let open = get_json(&app, &format!("{BASE}/incidents/unresolved.json")).await;
    assert_eq!(open["incidents"].as_array().unwrap().len(), 55);
    assert_eq!(open["incidents"][54]["id"], "net-1");
    let feed = app
        .get("/providers/o2-de/feed.atom")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        feed.matches("<entry>").count(),
        50,
        "the feed is bounded too"
    );
}
