//! Operator signals: `POST /api/v1/signals` takes samples (checked against the topology), live
//! detection watches them, and an anomaly is named as evidence on the incident it bears on.

use std::time::Duration;

use radar_core::Timestamp;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, spawn_app, spawn_app_in, NOW};

fn at(t: i64) -> String {
    Timestamp(t).to_rfc3339()
}

/// Eleven hours of usual hotline waits (about two minutes, every five minutes), then an hour
/// of forty-minute waits up to now.
fn hotline_waits() -> Vec<Value> {
    let mut out = Vec::new();
    let mut t = NOW - 12 * 3600;
    let mut k = 0u64;
    while t < NOW - 60 {
        k += 1;
        let wobble = ((k * 37) % 11) as f64 - 5.0;
        let v = if t >= NOW - 3600 { 2400.0 } else { 120.0 } + 3.0 * wobble;
        out.push(json!({"time": at(t), "signal": "hotline-wait", "value": v}));
        t += 240 + ((k * 53) % 120) as i64;
    }
    out
}

#[tokio::test]
async fn a_hotline_wait_during_an_incident_is_named_as_evidence_with_a_chart() {
    let app = spawn_app().await;
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&json!({
            "id": "sec-1", "provider": "o2-de", "category": "security", "state": "identified",
            "title": {"de": "Kundenverwaltung (DSL) abgeschaltet", "en": "DSL customer management shut down"},
            "components": ["crm-dsl"], "services": ["customer-service"], "regions": "*"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let samples = hotline_waits();
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .json(&samples)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["received"], samples.len());
    assert_eq!(v["stored"], samples.len());
    assert_eq!(v["late"], 0);

    // The ticker closes the watcher's bins within a second or two.
    let mut outage = Value::Null;
    for _ in 0..50 {
        outage = app
            .get("/api/v1/incidents/sec-1")
            .await
            .json()
            .await
            .unwrap();
        if !outage["signals"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signals = outage["signals"].as_array().unwrap();
    assert_eq!(signals.len(), 1, "{outage:#}");
    let s = &signals[0];
    assert_eq!(s["signal"], "hotline-wait");
    assert_eq!(s["component"], "o2-de:hotline-telephony");
    assert!(s["rising"].as_bool().unwrap());
    assert!(s["end"].is_null(), "still going on");
    let start = Timestamp::parse_rfc3339(s["start"].as_str().unwrap()).unwrap();
    assert!((start.0 - (NOW - 3600)).abs() <= 600, "{start}");
    let named = "Hotline waiting time 40 min, typically 2 min, since";
    assert!(
        outage["summary"]["en"].as_str().unwrap().contains(named),
        "{outage:#}"
    );
    // The root stays the declared component: a signal is evidence, not a declaration.
    assert_eq!(outage["root_component"], "o2-de:crm-dsl");

    // The series with its anomaly.
    let series: Value = app
        .get(&format!(
            "/api/v1/signals/o2-de/hotline-wait?since={}&until={}",
            at(NOW - 86_400),
            at(NOW)
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(series["samples"].as_array().unwrap().len(), samples.len());
    assert_eq!(series["unit"], "s");
    assert_eq!(series["anomalies"].as_array().unwrap().len(), 1);

    // The incident page names it and draws the series.
    let page = app
        .get("/incidents/sec-1?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Operator signals"), "{page}");
    assert!(page.contains("Evidence: "), "{page}");
    assert!(page.contains(named), "{page}");
    assert!(page.contains("<svg"), "{page}");
    assert!(page.contains("<polyline"), "{page}");

    // Sent again: stored once, watched once.
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .json(&samples[samples.len() - 1])
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["stored"], 0, "{v}");
}

#[tokio::test]
async fn bad_samples_are_refused_with_the_field_and_the_fix_and_nothing_is_stored() {
    let app = spawn_app().await;
    let bad = json!([
        {"time": at(NOW - 600), "signal": "hotline-wait", "value": 100},
        {"signal": "calls-waiting", "value": 1},
        {"provider": "o2-de", "signal": "hotline-wait", "region": "DE-XX", "value": "3"},
        {"signal": "hotline-wait", "value": 5, "colour": "red"},
        {"signal": "hotline-wait", "time": "yesterday", "value": 1},
        {"provider": "telekom-de", "signal": "hotline-wait", "value": 1},
        {"signal": "hotline-wait", "time": at(NOW + 3600), "value": 1},
        7
    ]);
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .json(&bad)
        .send()
        .await
        .unwrap();
    let p = problem(resp, 422).await;
    assert_eq!(p["type"], "/problems/invalid-signal");
    let params = p["invalid-params"].as_array().unwrap();
    let has = |index: u64, name: &str, words: &str| {
        params.iter().any(|x| {
            x["index"] == index
                && x["name"] == name
                && x["reason"].as_str().unwrap().contains(words)
        })
    };
    assert!(
        has(
            1,
            "signal",
            "no provider declares signal calls-waiting; declare it under [[signals]]"
        ),
        "{p:#}"
    );
    assert!(has(1, "signal", "declared: o2-de/hotline-wait"), "{p:#}");
    assert!(has(2, "region", "not a region of the topology"), "{p:#}");
    assert!(has(2, "value", "a finite JSON number"), "{p:#}");
    assert!(
        has(
            3,
            "colour",
            "unknown field; allowed: time, provider, signal, region, value"
        ),
        "{p:#}"
    );
    assert!(has(4, "time", "RFC 3339"), "{p:#}");
    assert!(
        has(
            5,
            "signal",
            "provider telekom-de declares no signal hotline-wait"
        ),
        "{p:#}"
    );
    assert!(has(6, "time", "future"), "{p:#}");
    assert!(has(7, "sample", "a JSON object"), "{p:#}");
    assert!(params.iter().all(|x| x["index"] != 0), "{p:#}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("7 of 8 samples are invalid, nothing was stored"),
        "{p:#}"
    );
    let series: Value = app
        .get(&format!(
            "/api/v1/signals/o2-de/hotline-wait?since={}",
            at(NOW - 3600)
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(series["samples"].as_array().unwrap().is_empty(), "{series}");

    // Without the token: refused before anything is read.
    let resp = app
        .client
        .post(format!("{}/api/v1/signals", app.base))
        .json(&json!({"signal": "hotline-wait", "value": 1}))
        .send()
        .await
        .unwrap();
    problem(resp, 401).await;
    // Not JSON at all.
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    problem(resp, 400).await;
    // An empty batch, an unknown series, a bad range.
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    problem(resp, 422).await;
    problem(app.get("/api/v1/signals/o2-de/nope").await, 404).await;
    let p = problem(
        app.get("/api/v1/signals/o2-de/hotline-wait?region=DE-XX")
            .await,
        400,
    )
    .await;
    assert_eq!(p["invalid-params"][0]["name"], "region");
    let p = problem(
        app.get("/api/v1/signals/o2-de/hotline-wait?colour=red")
            .await,
        400,
    )
    .await;
    assert_eq!(p["type"], "/problems/bad-query");
}

/// The anomalies of a series as `GET /api/v1/signals/…` lists them, once the ticker has closed
/// the bins (within a few seconds).
async fn anomalies_of(app: &crate::helpers::TestApp, want: usize) -> Vec<Value> {
    let mut got = Vec::new();
    for _ in 0..50 {
        let v: Value = app
            .get(&format!(
                "/api/v1/signals/o2-de/hotline-wait?since={}",
                at(NOW - 86_400)
            ))
            .await
            .json()
            .await
            .unwrap();
        got = v["anomalies"].as_array().unwrap().clone();
        if got.len() >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    got
}

#[tokio::test]
async fn a_restarted_server_watches_the_stored_samples_again() {
    let app = spawn_app().await;
    let resp = app
        .operator(Method::POST, "/api/v1/signals")
        .json(&hotline_waits())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let before = anomalies_of(&app, 1).await;
    assert_eq!(before.len(), 1);
    let app = spawn_app_in(app.stop().await).await;
    let after = anomalies_of(&app, 1).await;
    assert_eq!(after, before);
}
