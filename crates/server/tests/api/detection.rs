//! End to end: reports posted over HTTP become series, and an outage shows at the API.

use std::time::Duration;

use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use serde_json::json;

use crate::helpers::{spawn_app_with, NOW};

/// A quiet baseline: about one report every two minutes for O2, spread over regions, for the
/// eight days before `NOW`.
pub(crate) fn quiet_history() -> Vec<Report> {
    let regions = [
        "DE-BY", "DE-NW", "DE-BW", "DE-NI", "DE-HE", "DE-BE", "DE-SN", "DE-HH",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::new();
    let mut t = NOW - 8 * 86_400;
    let mut n = 0u64;
    while t < NOW - 60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Exponential gaps with a mean of 120 s.
        let u = ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        t += (-u.ln() * 120.0).max(1.0) as i64;
        n += 1;
        out.push(Report {
            time: Timestamp(t),
            provider: ProviderId::parse("o2-de").unwrap(),
            service: Some(ServiceId::parse("mobile-data").unwrap()),
            problem: Problem::NoInternet,
            region: RegionId::parse(regions[(x % regions.len() as u64) as usize]).unwrap(),
            reporter: ReporterKey::derive(b"history", &n.to_le_bytes()),
            source: Source::Web,
        });
    }
    out
}

pub(crate) async fn o2_outages(app: &crate::helpers::TestApp) -> Vec<serde_json::Value> {
    let v: serde_json::Value = app
        .get("/api/v1/providers/o2-de/outages")
        .await
        .json()
        .await
        .unwrap();
    v["outages"].as_array().unwrap().clone()
}

/// Forty distinct reporters of a national mobile-data outage (tokens `{tag}-{i}`), the i-th
/// dated `time(i)`.
fn burst(tag: &str, time: impl Fn(i64) -> i64) -> serde_json::Value {
    let reports: Vec<_> = (0..40)
        .map(|i| {
            let postcode = ["80331", "10115", "50667", "70173"][i % 4];
            json!({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                   "postcode": postcode,
                   "time": Timestamp(time(i as i64)).to_rfc3339(),
                   "reporter_token": format!("{tag}-{i}")})
        })
        .collect();
    json!({ "reports": reports })
}

/// The reorder window keeps a minute open for a minute after its end, but an outage that the
/// reports held so far already settle is shown at once, and the close keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_settled_by_held_reports_is_shown_inside_the_reorder_window() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &quiet_history()).await;
    let mut shown = None;
    for minute in 0..4 {
        let t = NOW + minute * 60;
        app.set_now(t + 50);
        let resp = app
            .post_json(&burst(&format!("held-{minute}"), |i| t + i))
            .await;
        assert_eq!(resp.status().as_u16(), 202);
        // Past the minute's end, inside its reorder window: it is still open.
        app.set_now(t + 60 + 20);
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let now = o2_outages(&app).await;
        if let Some(o) = now.iter().find(|o| o["end"].is_null()) {
            shown = Some((t, o.clone()));
            break;
        }
    }
    let (t, outage) = shown.expect("the burst was shown within four minutes");
    let detected = Timestamp::parse_rfc3339(outage["detected_at"].as_str().unwrap()).unwrap();
    // Shown while the first minute of the burst was still open (forty reporters in a minute
    // pass the one-minute rule; the minute closes at t + 120), dated at the report that settled
    // it: inside the minute, not at its end.
    assert_eq!(t, NOW, "{outage}");
    assert!(
        (t + 1..t + 60).contains(&detected.0),
        "detected at {detected}, minute from {}: {outage}",
        Timestamp(t)
    );
    // The close keeps the outage and its time.
    app.set_now(t + 60 + 70);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let after = o2_outages(&app).await;
    let same = after
        .iter()
        .find(|o| o["id"] == outage["id"])
        .unwrap_or_else(|| panic!("{} kept after the close: {after:?}", outage["id"]));
    assert_eq!(same["detected_at"], outage["detected_at"], "{same}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_over_quiet_baseline_becomes_an_outage() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &quiet_history()).await;
    let before = o2_outages(&app).await;
    let open_before = before.iter().filter(|o| o["end"].is_null()).count();
    assert_eq!(
        open_before, 0,
        "no open outage before the burst: {before:?}"
    );

    // Ten minutes of a national mobile-data outage: 40 distinct reporters a minute.
    let mut seen = None;
    for minute in 0..10 {
        let t = NOW + minute * 60;
        app.set_now(t + 30);
        let resp = app
            .post_json(&burst(&format!("burst-{minute}"), |i| t + i % 50))
            .await;
        assert_eq!(resp.status().as_u16(), 202);
        // Let the minute close: move the clock past it and give the ticker a turn.
        app.set_now(t + 60 + 10);
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let now = o2_outages(&app).await;
        if let Some(o) = now.iter().find(|o| o["end"].is_null()) {
            seen = Some((minute, o.clone()));
            break;
        }
    }
    let (minute, outage) =
        seen.expect("the burst was detected as an open outage within ten minutes");
    assert!(minute <= 3, "detected only after {} minutes", minute + 1);
    assert_eq!(outage["provider"], "o2-de");
    let services = outage["services"].as_array().unwrap();
    assert!(
        services.iter().any(|s| s == "mobile-data") || services.is_empty(),
        "{outage}"
    );
    // The pages show it too.
    let page = app.get("/providers/o2-de").await.text().await.unwrap();
    assert!(
        page.contains("Problems with") && page.contains(" since "),
        "provider page shows the outage: {page}"
    );

    // A failed probe of the LTE radio network in one of its regions, confirmed by the next
    // check, names the root.
    for check in 0..2 {
        let probe_time = Timestamp(NOW + minute * 60 + check * 30).to_rfc3339();
        let probe = json!({"provider": "o2-de", "component": "ran-lte", "region": "DE-BY",
                           "ok": false, "time": probe_time});
        let resp = app
            .operator(reqwest::Method::POST, "/api/v1/probes")
            .json(&probe)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
    }
    let id = outage["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ep-"), "{id}");
    // Every listed id can be fetched.
    let one: serde_json::Value = app
        .get(&format!("/api/v1/incidents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["id"], id.as_str(), "{one:#}");
    let roots: serde_json::Value = app
        .get(&format!("/api/v1/incidents/{id}/root-causes"))
        .await
        .json()
        .await
        .unwrap();
    let best = &roots["candidates"][0];
    assert_eq!(best["component"], "o2-de:ran-lte", "{roots:#}");
    assert!(
        best["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "failed-probes" && r["regions"] == json!(["DE-BY"])),
        "{best:#}"
    );

    // The operator declares the detected outage: one outage with both sources, under the
    // declaration's id; the episode's id still answers.
    let resp = app
        .operator(reqwest::Method::POST, "/api/v1/incidents")
        .json(
            &json!({"id": "net-7", "provider": "o2-de", "category": "network",
                      "title": {"de": "Störung im Mobilfunk", "en": "Mobile network disruption"},
                      "confirms": id}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let list = o2_outages(&app).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["id"], "net-7");
    assert_eq!(list[0]["origin"], "detected+declared");
    assert_eq!(list[0]["aliases"], json!([id]));
    assert_eq!(list[0]["start"], outage["start"], "the detected onset");
    let via_alias: serde_json::Value = app
        .get(&format!("/api/v1/incidents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(via_alias["id"], "net-7");
    // A second declaration for the same outage is refused.
    let v = crate::helpers::problem(
        app.operator(reqwest::Method::POST, "/api/v1/incidents")
            .json(&json!({"provider": "o2-de", "category": "network",
                          "title": {"de": "x", "en": "x"}, "confirms": id}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["invalid-params"][0]["name"], "confirms", "{v:#}");
    // Resolved by the operator: over, and the headline follows at once, while reports may
    // still be decaying.
    // A PATCH through the detected outage's id reaches the declaration.
    let resp = app
        .operator(reqwest::Method::PATCH, &format!("/api/v1/incidents/{id}"))
        .json(&json!({ "state": "identified" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (v["id"].as_str(), v["state"].as_str()),
        (Some("net-7"), Some("identified"))
    );
    for state in ["resolved"] {
        let resp = app
            .operator(reqwest::Method::PATCH, "/api/v1/incidents/net-7")
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    let providers: serde_json::Value = app.get("/api/v1/providers").await.json().await.unwrap();
    let o2 = providers["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "o2-de")
        .unwrap();
    assert_eq!(o2["status"], "operational", "{o2:#}");
    assert_eq!(o2["open_outages"], 0);
    let page = app.get("/providers/o2-de").await.text().await.unwrap();
    assert!(page.contains("No known problems"), "{page}");
}

#[tokio::test]
async fn probe_results_are_checked() {
    let app = crate::helpers::spawn_app().await;
    let ok = json!({"provider": "o2-de", "component": "ran-lte", "region": "DE-BY", "ok": true});
    // Operator route: no token, no entry.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/probes", app.base))
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let post = |body: serde_json::Value| {
        app.operator(reqwest::Method::POST, "/api/v1/probes")
            .json(&body)
            .send()
    };
    assert_eq!(post(ok.clone()).await.unwrap().status().as_u16(), 201);
    let bad_region =
        json!({"provider": "o2-de", "component": "ran-lte", "region": "DE-XX", "ok": false});
    let p = crate::helpers::problem(post(bad_region).await.unwrap(), 422).await;
    assert_eq!(p["invalid-params"][0]["name"], "region", "{p:#}");
    let bad_component =
        json!({"provider": "o2-de", "component": "warp-core", "region": "DE-BY", "ok": false});
    let p = crate::helpers::problem(post(bad_component).await.unwrap(), 422).await;
    assert_eq!(p["invalid-params"][0]["name"], "component", "{p:#}");
    let future = json!({"provider": "o2-de", "component": "ran-lte", "region": "DE-BY",
                        "ok": false, "time": Timestamp(NOW + 3600).to_rfc3339()});
    let p = crate::helpers::problem(post(future).await.unwrap(), 422).await;
    assert_eq!(p["invalid-params"][0]["name"], "time", "{p:#}");
}
