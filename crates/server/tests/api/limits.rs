//! Limits of the API: error bodies that repeat at most a little of what was sent, size limits
//! on operator fields, the sane time range, UTF-8 JSON only, a postcode that must lie in the
//! region sent with it, and lists served a page at a time.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, report, spawn_app, TestApp, NOW};

fn incident(id: &str, start: i64) -> Value {
    json!({
        "id": id, "provider": "o2-de", "category": "network",
        "title": {"de": "LTE-Störung", "en": "LTE outage"},
        "services": ["mobile-data"], "regions": ["DE-BY"],
        "start": radar_core::Timestamp(start).to_rfc3339(),
    })
}

async fn declare(app: &TestApp, body: &Value) -> reqwest::Response {
    app.operator(Method::POST, "/api/v1/incidents")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The one invalid param of a 422 and the problem.
async fn invalid(resp: reqwest::Response) -> (Value, Value) {
    let v = problem(resp, 422).await;
    let params = v["invalid-params"].as_array().unwrap();
    assert_eq!(params.len(), 1, "{v}");
    (params[0].clone(), v)
}

#[tokio::test]
async fn a_huge_invalid_value_comes_back_cut() {
    let app = spawn_app().await;
    let huge = "x".repeat(200_000);
    let mut r = report("o2-de");
    r["provider"] = json!(huge);
    let resp = app.post_json(&r).await;
    let body = resp.bytes().await.unwrap();
    assert!(body.len() < 4000, "{} bytes", body.len());
    let v: Value = serde_json::from_slice(&body).unwrap();
    let value = v["invalid-params"][0]["value"].as_str().unwrap();
    assert!(value.starts_with(&"x".repeat(200)), "{value}");
    assert!(value.ends_with("… (200000 characters in all)"), "{value}");
    assert!(
        v["detail"].as_str().unwrap().contains("known providers"),
        "{v}"
    );

    // Multibyte characters are cut on a character boundary.
    let mut r = report("o2-de");
    r["service"] = json!("ü".repeat(100_000));
    let v = problem(app.post_json(&r).await, 422).await;
    let value = v["invalid-params"][0]["value"].as_str().unwrap();
    assert!(value.starts_with(&"ü".repeat(200)), "{value}");
    assert!(!value.starts_with(&"ü".repeat(201)), "{value}");
    assert!(v.to_string().len() < 4000);

    // A huge unknown field name in malformed JSON, and a huge component of an incident.
    let mut r = report("o2-de");
    r[huge.as_str()] = json!(1);
    let body = app.post_json(&r).await.bytes().await.unwrap();
    assert!(body.len() < 4000, "{} bytes", body.len());
    let mut inc = incident("net-1", NOW);
    inc["components"] = json!([huge]);
    let body = declare(&app, &inc).await.bytes().await.unwrap();
    assert!(body.len() < 4000, "{} bytes", body.len());
    let body = app
        .get(&format!("/api/v1/incidents/{}", "y".repeat(10_000)))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(body.len() < 4000, "{} bytes", body.len());
}

#[tokio::test]
async fn only_utf8_json_is_accepted() {
    let app = spawn_app().await;
    let body = report("o2-de").to_string();
    for ctype in [
        "application/json; charset=utf-16",
        "application/json;charset=UTF-16LE",
        "Application/JSON; charset=\"latin1\"",
    ] {
        let resp = app
            .client
            .post(format!("{}/api/v1/reports", app.base))
            .header("content-type", ctype)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let v = problem(resp, 415).await;
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("UTF-8 JSON is expected"),
            "{ctype}: {v}"
        );
        let resp = app
            .operator(Method::POST, "/api/v1/incidents")
            .header("content-type", ctype)
            .body(incident("net-1", NOW).to_string())
            .send()
            .await
            .unwrap();
        problem(resp, 415).await;
    }
    for ctype in [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=\"UTF-8\"",
    ] {
        let resp = app
            .client
            .post(format!("{}/api/v1/reports", app.base))
            .header("content-type", ctype)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 202, "{ctype}");
    }
}

#[tokio::test]
async fn a_postcode_sent_with_a_region_must_lie_in_it() {
    let app = spawn_app().await;
    let mut r = report("o2-de");
    r["postcode"] = json!("10115");
    let (p, v) = invalid(app.post_json(&r).await).await;
    assert_eq!(p["name"], "postcode", "{v}");
    assert!(
        p["reason"]
            .as_str()
            .unwrap()
            .contains("not in region DE-BY"),
        "{v}"
    );
    r["postcode"] = json!("1011");
    let (p, _) = invalid(app.post_json(&r).await).await;
    assert_eq!(p["name"], "postcode");
    r["postcode"] = json!("80331");
    assert_eq!(app.post_json(&r).await.status().as_u16(), 202);
}

#[tokio::test]
async fn operator_fields_have_limits() {
    let app = spawn_app().await;
    let cases: Vec<(Value, &str, &[&str])> = vec![
        (
            json!({"title": {"de": "a", "en": "é".repeat(201)}}),
            "title.en",
            &["201 characters", "at most 200"],
        ),
        (
            json!({"title": {"de": "a", "en": "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF} "}}),
            "title.en",
            &["is empty"],
        ),
        (
            json!({"title": {"de": "a", "en": "b", "fr": "c", "it": "d", "es": "e", "pl": "f",
                             "nl": "g", "cs": "h", "da": "i"}}),
            "title",
            &["9 languages", "at most 8"],
        ),
        (
            json!({"services": ["mobile-data", "mobile-data"]}),
            "services[1]",
            &["listed twice"],
        ),
        (
            json!({"regions": vec!["DE-BY"; 17]}),
            "regions",
            &["17 entries", "at most 16"],
        ),
        (
            json!({"start": "1999-12-31T23:59:59Z"}),
            "start",
            &["before 2000"],
        ),
        (
            json!({"expected_end": "2028-01-01T00:00:00Z"}),
            "expected_end",
            &["more than a year"],
        ),
        (
            json!({"maintenance": {"start": "2026-11-18T00:00:00Z", "end": "9999-01-01T00:00:00Z"}}),
            "maintenance.end",
            &["more than a year"],
        ),
    ];
    for (patch, field, words) in cases {
        let mut body = incident("net-1", NOW);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (p, v) = invalid(declare(&app, &body).await).await;
        assert_eq!(p["name"], field, "{v}");
        for w in words {
            assert!(p["reason"].as_str().unwrap().contains(w), "{w}: {v}");
        }
    }
    assert_eq!(declare(&app, &incident("net-1", NOW)).await.status(), 201);

    let statement = |text: Value| {
        app.operator(Method::POST, "/api/v1/incidents/net-1/statements")
            .json(&json!({"text": text}))
            .send()
    };
    let (p, v) = invalid(
        statement(json!({"de": "x".repeat(5001), "en": "y"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["name"], "text.de", "{v}");
    assert!(p["reason"].as_str().unwrap().contains("5001"), "{v}");
    let (p, _) = invalid(
        statement(json!({"de": "\u{FEFF}", "en": "y"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["name"], "text.de");
    let ok = statement(json!({"de": "x".repeat(5000), "en": "y"}))
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 201);

    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({"expected_end": "1990-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    let (p, _) = invalid(resp).await;
    assert_eq!(p["name"], "expected_end");

    let resp = app
        .operator(Method::POST, "/api/v1/probes")
        .json(
            &json!({"provider": "o2-de", "component": "ran-lte", "region": "DE-BY",
                      "ok": false, "time": "1990-05-17T12:00:00Z"}),
        )
        .send()
        .await
        .unwrap();
    let (p, v) = invalid(resp).await;
    assert_eq!(p["name"], "time", "{v}");
    assert_eq!(v["title"], "Invalid probe result");
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_come_a_page_at_a_time() {
    let app = spawn_app().await;
    // Declared out of order; the lists are oldest first.
    for (id, hours) in [
        ("net-c", 3),
        ("net-a", 5),
        ("net-e", 1),
        ("net-b", 4),
        ("net-d", 2),
    ] {
        let resp = declare(&app, &incident(id, NOW - hours * 3600)).await;
        assert_eq!(resp.status().as_u16(), 201, "{id}");
    }
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-b")
        .json(&json!({"state": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let all: Value = app.get("/api/v1/outages").await.json().await.unwrap();
    assert_eq!(
        ids(&all, "outages"),
        ["net-a", "net-b", "net-c", "net-d", "net-e"]
    );
    assert!(all["next"].is_null(), "{all}");

    for (path, key) in [
        ("/api/v1/outages", "outages"),
        ("/api/v1/incidents", "incidents"),
        ("/api/v1/providers/o2-de/outages", "outages"),
    ] {
        let mut seen = Vec::new();
        let mut url = format!("{path}?limit=2");
        let mut pages = 0;
        loop {
            let v: Value = app.get(&url).await.json().await.unwrap();
            let page = ids(&v, key);
            assert!(page.len() <= 2, "{v}");
            seen.extend(page);
            pages += 1;
            match v["next"].as_str() {
                Some(c) => url = format!("{path}?limit=2&after={c}"),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{path}");
        assert_eq!(
            seen,
            ["net-a", "net-b", "net-c", "net-d", "net-e"],
            "{path}"
        );
    }

    let open: Value = app
        .get("/api/v1/outages?state=open&limit=3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&open, "outages"), ["net-a", "net-c", "net-d"]);
    let cursor = open["next"].as_str().unwrap();
    let rest: Value = app
        .get(&format!("/api/v1/outages?state=open&after={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&rest, "outages"), ["net-e"]);
    assert!(rest["next"].is_null());
    let exact: Value = app
        .get("/api/v1/outages?limit=5")
        .await
        .json()
        .await
        .unwrap();
    assert!(exact["next"].is_null(), "no empty last page");

    for (query, name) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("after=nonsense", "after"),
        ("after=12~", "after"),
        ("state=closed", "state"),
    ] {
        for path in [
            "/api/v1/outages",
            "/api/v1/incidents",
            "/api/v1/providers/o2-de/outages",
        ] {
            let v = problem(app.get(&format!("{path}?{query}")).await, 400).await;
            assert_eq!(v["invalid-params"][0]["name"], name, "{query}: {v}");
        }
    }
    let max: Value = app
        .get("/api/v1/outages?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&max, "outages").len(), 5);
}
