//! Report intake: acceptance, every rejection rule, durability across restarts.

use serde_json::json;

use crate::helpers::{problem, report, spawn_app, spawn_app_in, NOW};

#[tokio::test]
async fn single_report_is_accepted_and_counted() {
    let app = spawn_app().await;
    let resp = app.post_json(&report("o2-de")).await;
    assert_eq!(resp.status().as_u16(), 202);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["ids"].as_array().unwrap().len(), 1);
    assert_eq!(app.counted("o2-de").await, 1);
    assert_eq!(app.counted("telekom-de").await, 0);
}

#[tokio::test]
async fn batch_is_accepted() {
    let app = spawn_app().await;
    let reports: Vec<_> = (0..3)
        .map(|i| json!({"provider": "o2-de", "problem": "no-signal", "postcode": "80331", "reporter_token": format!("t{i}")}))
        .collect();
    let resp = app.post_json(&json!({ "reports": reports })).await;
    assert_eq!(resp.status().as_u16(), 202);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["ids"].as_array().unwrap().len(), 3);
    let counts: serde_json::Value = app
        .get("/api/v1/providers/o2-de/reports")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["minutes"][0]["reporters"], 3);
}

async fn rejected_field(
    body: serde_json::Value,
    field: &str,
    value: Option<&str>,
) -> serde_json::Value {
    let app = spawn_app().await;
    let v = problem(app.post_json(&body).await, 422).await;
    let p = &v["invalid-params"][0];
    assert_eq!(p["name"], field, "{v}");
    if let Some(val) = value {
        assert_eq!(p["value"], val, "{v}");
    }
    assert_eq!(app.counted("o2-de").await, 0);
    v
}

#[tokio::test]
async fn unknown_provider() {
    let v = rejected_field(
        json!({"provider": "nokia-fi", "problem": "no-signal", "region": "DE-BY"}),
        "provider",
        Some("nokia-fi"),
    )
    .await;
    assert!(
        v["invalid-params"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("o2-de"),
        "lists allowed: {v}"
    );
}

#[tokio::test]
async fn missing_provider() {
    rejected_field(
        json!({"problem": "no-signal", "region": "DE-BY"}),
        "provider",
        None,
    )
    .await;
}

#[tokio::test]
async fn unknown_service() {
    let v = rejected_field(
        json!({"provider": "o2-de", "service": "cable", "problem": "no-signal", "region": "DE-BY"}),
        "service",
        Some("cable"),
    )
    .await;
    assert!(
        v["invalid-params"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("mobile-data"),
        "{v}"
    );
}

#[tokio::test]
async fn unknown_problem() {
    let v = rejected_field(
        json!({"provider": "o2-de", "problem": "broken", "region": "DE-BY"}),
        "problem",
        Some("broken"),
    )
    .await;
    assert!(
        v["invalid-params"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no-signal"),
        "{v}"
    );
}

#[tokio::test]
async fn unknown_region() {
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "region": "FR-IDF"}),
        "region",
        Some("FR-IDF"),
    )
    .await;
}

#[tokio::test]
async fn missing_region_and_postcode() {
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal"}),
        "region",
        None,
    )
    .await;
}

#[tokio::test]
async fn unknown_postcode() {
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "postcode": "00001"}),
        "postcode",
        Some("00001"),
    )
    .await;
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "postcode": "8033"}),
        "postcode",
        Some("8033"),
    )
    .await;
}

#[tokio::test]
async fn time_out_of_range() {
    let future = radar_core::Timestamp(NOW + 6 * 60).to_rfc3339();
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "time": future}),
        "time",
        Some(&future),
    )
    .await;
    let past = radar_core::Timestamp(NOW - 40 * 86_400).to_rfc3339();
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "time": past}),
        "time",
        Some(&past),
    )
    .await;
    rejected_field(json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "time": "yesterday"}), "time", Some("yesterday")).await;
}

#[tokio::test]
async fn time_slightly_in_future_is_fine() {
    let app = spawn_app().await;
    let t = radar_core::Timestamp(NOW + 4 * 60).to_rfc3339();
    let resp = app
        .post_json(
            &json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "time": t}),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 202);
}

#[tokio::test]
async fn unknown_source() {
    rejected_field(
        json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "source": "pigeon"}),
        "source",
        Some("pigeon"),
    )
    .await;
}

#[tokio::test]
async fn malformed_json() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/api/v1/reports", app.base))
        .header("content-type", "application/json")
        .body("{\"provider\": \"o2-de\",")
        .send()
        .await
        .unwrap();
    let v = problem(resp, 400).await;
    assert!(v["detail"].as_str().unwrap().contains("line 1"), "{v}");
}

#[tokio::test]
async fn unknown_field_is_rejected() {
    let app = spawn_app().await;
    let v = problem(app.post_json(&json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "colour": "red"})).await, 400).await;
    assert!(v["detail"].as_str().unwrap().contains("colour"), "{v}");
}

#[tokio::test]
async fn wrong_content_type() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/api/v1/reports", app.base))
        .header("content-type", "text/plain")
        .body(report("o2-de").to_string())
        .send()
        .await
        .unwrap();
    let v = problem(resp, 415).await;
    assert!(
        v["detail"].as_str().unwrap().contains("application/json"),
        "{v}"
    );
}

#[tokio::test]
async fn body_over_limit() {
    let app = spawn_app().await;
    let big = "x".repeat(300 * 1024);
    let resp = app
        .client
        .post(format!("{}/api/v1/reports", app.base))
        .header("content-type", "application/json")
        .body(format!("{{\"provider\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    problem(resp, 413).await;
}

#[tokio::test]
async fn batch_over_1000() {
    let app = spawn_app().await;
    let reports: Vec<_> = (0..1001)
        .map(|_| json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY"}))
        .collect();
    let v = problem(app.post_json(&json!({ "reports": reports })).await, 422).await;
    assert_eq!(v["invalid-params"][0]["name"], "reports");
    assert_eq!(app.counted("o2-de").await, 0);
}

#[tokio::test]
async fn batch_with_one_bad_report_stores_nothing() {
    let app = spawn_app().await;
    let mut reports: Vec<_> = (0..10)
        .map(|i| json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "reporter_token": format!("r{i}")}))
        .collect();
    reports[7]["problem"] = json!("meh");
    let v = problem(app.post_json(&json!({ "reports": reports })).await, 422).await;
    assert_eq!(v["invalid-params"][0]["index"], 7);
    assert_eq!(v["invalid-params"][0]["name"], "problem");
    assert_eq!(app.counted("o2-de").await, 0);
}

#[tokio::test]
async fn same_client_is_one_reporter() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.post_json(&report("o2-de")).await.status().as_u16(), 202);
    }
    let counts: serde_json::Value = app
        .get("/api/v1/providers/o2-de/reports")
        .await
        .json()
        .await
        .unwrap();
    // The same report content from the same reporter in the same second is one report.
    assert_eq!(counts["minutes"][0]["reporters"], 1);
}

#[tokio::test]
async fn raw_address_is_not_stored() {
    let app = spawn_app().await;
    assert_eq!(app.post_json(&report("o2-de")).await.status().as_u16(), 202);
    let dir = app.stop().await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        // A file removed between listing and reading (SQLite's journal at close) held nothing
        // that stays.
        let bytes = match std::fs::read(entry.unwrap().path()) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            r => r.unwrap(),
        };
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains("127.0.0.1"),
            "a raw address reached the data directory"
        );
    }
}

#[tokio::test]
async fn reports_survive_restart() {
    let app = spawn_app().await;
    let reports: Vec<_> = (0..5)
        .map(|i| json!({"provider": "o2-de", "problem": "no-signal", "region": "DE-BY", "reporter_token": format!("r{i}")}))
        .collect();
    assert_eq!(
        app.post_json(&json!({ "reports": reports }))
            .await
            .status()
            .as_u16(),
        202
    );
    let dir = app.stop().await;
    let again = spawn_app_in(dir).await;
    assert_eq!(again.counted("o2-de").await, 5);
}

#[tokio::test]
async fn form_report_redirects_and_counts() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("service=mobile-data&problem=no-signal&postcode=10115")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(app.counted("o2-de").await, 1);
    let bad = client
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("service=&problem=no-signal&postcode=abc")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("postcode"), "{html}");
    assert_eq!(app.counted("o2-de").await, 1);
}

#[tokio::test]
async fn metrics_count_accepted_and_rejected() {
    let app = spawn_app().await;
    app.post_json(&report("o2-de")).await;
    app.post_json(&json!({"provider": "nope", "problem": "no-signal", "region": "DE-BY"}))
        .await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("radar_reports_accepted_total 1"), "{text}");
    assert!(
        text.contains("radar_reports_rejected_total{reason=\"unknown-provider\"} 1"),
        "{text}"
    );
    assert!(text.contains("radar_store_commit_batch_reports"), "{text}");
    assert!(text.contains("route=\"/api/v1/reports\""), "{text}");
}
