//! The operator incident API: declare, update through the lifecycle, statements, component
//! status; authorisation and validation.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{problem, spawn_app};

fn crm_incident() -> serde_json::Value {
    json!({
        "id": "sec-1", "provider": "o2-de", "category": "security", "state": "identified",
        "title": {"de": "Kundenverwaltung (DSL) abgeschaltet", "en": "DSL customer management shut down"},
        "components": ["crm-dsl"], "services": ["customer-service"], "regions": "*"
    })
}

#[tokio::test]
async fn declare_update_and_state_through_the_lifecycle() {
    let app = spawn_app().await;
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers()["location"], "/api/v1/incidents/sec-1");
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["state"], "identified");
    assert_eq!(v["origin"], "declared");
    assert_eq!(v["declared"]["version"], 1);

    let resp = app
        .operator(Method::POST, "/api/v1/incidents/sec-1/statements")
        .json(&json!({"text": {"de": "Aus Sicherheitsgründen abgeschaltet", "en": "Shut down as a precaution"},
                      "workaround": {"de": "Bitte später anrufen", "en": "Please call again later"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);

    for state in ["monitoring", "resolved"] {
        let resp = app
            .operator(Method::PATCH, "/api/v1/incidents/sec-1")
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "to {state}");
    }
    let v: serde_json::Value = app
        .get("/api/v1/incidents/sec-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], "resolved");
    assert!(v["end"].is_string());
    assert_eq!(v["origin"], "declared");
    assert_eq!(v["level"], "operational", "over");
    assert_eq!(v["declared"]["statements"].as_array().unwrap().len(), 1);
    assert_eq!(v["declared"]["timeline"].as_array().unwrap().len(), 4);
    assert!(
        v["declared"]["workaround"].is_null(),
        "no workaround once resolved"
    );
    let list: serde_json::Value = app.get("/api/v1/incidents").await.json().await.unwrap();
    assert_eq!(list["incidents"][0]["id"], "sec-1");
}

#[tokio::test]
async fn invalid_transition_is_a_conflict_with_the_reason() {
    let app = spawn_app().await;
    app.operator(Method::POST, "/api/v1/incidents")
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    let v = problem(
        app.operator(Method::PATCH, "/api/v1/incidents/sec-1")
            .json(&json!({"state": "confirmed"}))
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("only move to monitoring, resolved"),
        "{v}"
    );
    let v: serde_json::Value = app
        .get("/api/v1/incidents/sec-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], "identified", "a refused change stores nothing");
}

#[tokio::test]
async fn operator_routes_need_the_token() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/api/v1/incidents", app.base))
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    problem(resp, 401).await;
    let resp = app
        .client
        .post(format!("{}/api/v1/incidents", app.base))
        .bearer_auth("wrong")
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    problem(resp, 401).await;
    // Reading stays public.
    assert_eq!(app.get("/api/v1/incidents").await.status().as_u16(), 200);
}

#[tokio::test]
async fn bad_declarations_are_rejected() {
    let app = spawn_app().await;
    let mut only_en = crm_incident();
    only_en["title"] = json!({"en": "English only"});
    let v = problem(
        app.operator(Method::POST, "/api/v1/incidents")
            .json(&only_en)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["invalid-params"][0]["name"], "title.de");
    let mut bad_component = crm_incident();
    bad_component["components"] = json!(["crm-mars"]);
    let v = problem(
        app.operator(Method::POST, "/api/v1/incidents")
            .json(&bad_component)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert!(
        v["detail"].as_str().unwrap().contains("crm-dsl"),
        "lists known components: {v}"
    );
    let mut bad_category = crm_incident();
    bad_category["category"] = json!("aliens");
    problem(
        app.operator(Method::POST, "/api/v1/incidents")
            .json(&bad_category)
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    // The same id twice is refused.
    app.operator(Method::POST, "/api/v1/incidents")
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    problem(
        app.operator(Method::POST, "/api/v1/incidents")
            .json(&crm_incident())
            .send()
            .await
            .unwrap(),
        409,
    )
    .await;
    problem(
        app.operator(Method::PATCH, "/api/v1/incidents/nope")
            .json(&json!({"state": "resolved"}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
}

#[tokio::test]
async fn component_status() {
    let app = spawn_app().await;
    let resp = app
        .operator(Method::PUT, "/api/v1/components/o2-de/crm-dsl/status")
        .json(&json!({"status": "major-outage"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    problem(
        app.operator(
            Method::PUT,
            "/api/v1/components/o2-de/flux-capacitor/status",
        )
        .json(&json!({"status": "major-outage"}))
        .send()
        .await
        .unwrap(),
        404,
    )
    .await;
    problem(
        app.operator(Method::PUT, "/api/v1/components/o2-de/crm-dsl/status")
            .json(&json!({"status": "meh"}))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
}

#[tokio::test]
async fn crm_shutdown_and_lte_outage_are_unrelated_with_evidence() {
    let app = spawn_app().await;
    app.operator(Method::POST, "/api/v1/incidents")
        .json(&crm_incident())
        .send()
        .await
        .unwrap();
    let lte = json!({
        "id": "net-1", "provider": "o2-de", "category": "network", "state": "confirmed",
        "title": {"de": "Störung im LTE-Netz", "en": "LTE network disruption"},
        "services": ["mobile-data", "mobile-voice"], "components": ["ran-lte"], "regions": "*"
    });
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&lte)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let rel: serde_json::Value = app
        .get("/api/v1/incidents/net-1/relation/sec-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rel["verdict"], "unrelated", "{rel:#}");
    let kinds: Vec<&str> = rel["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Positive evidence: no dependency path (disjoint dependency closures) and different causes.
    assert!(
        kinds.iter().any(|k| [
            "no-dependency-path",
            "disjoint-closures",
            "contradicted-shared"
        ]
        .contains(k)),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"causes"), "{kinds:?}");
    assert!(!rel["explanation"]["de"].as_str().unwrap().is_empty());
    assert!(!rel["explanation"]["en"].as_str().unwrap().is_empty());
    // The incident page says so in both languages.
    let de = app
        .get("/incidents/net-1?lang=de")
        .await
        .text()
        .await
        .unwrap();
    assert!(de.contains("Kein Zusammenhang"), "{de}");
    let en = app
        .get("/incidents/net-1?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Unrelated"), "{en}");
    problem(app.get("/api/v1/incidents/net-1/relation/nope").await, 404).await;
    problem(app.get("/api/v1/incidents/net-1/relation/net-1").await, 422).await;
    // One "kind" per evidence object (JSON objects with duplicate keys are ambiguous).
    let raw = app
        .get("/api/v1/incidents/net-1/relation/sec-1")
        .await
        .text()
        .await
        .unwrap();
    for obj in raw.split('{').skip(1) {
        assert!(obj.matches("\"kind\"").count() <= 1, "{raw}");
    }
    // Root-cause ranking names the declared LTE radio network first.
    let roots: serde_json::Value = app
        .get("/api/v1/incidents/net-1/root-causes")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        roots["candidates"][0]["component"], "o2-de:ran-lte",
        "{roots:#}"
    );
}
