//! Live equals replay: the May 2017 package played into a running server on a manual clock
//! (through the intake and the incident rules, as `radar demo` does) serves exactly the
//! product view that `radar replay` computes and writes `detections.json` from.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use radar_core::Timestamp;
use radar_scenario::package::load;
use radar_scenario::replay::replay;
use radar_server::playback::{play, Leg};
use radar_server::publish::wire::OutageOut;
use radar_server::settings::Settings;
use radar_server::state::Clock;
use radar_server::Application;
use serde_json::Value;

/// The outages as served, without the stored record's version (replay has no store).
fn comparable(mut outages: Vec<Value>) -> Vec<Value> {
    for o in &mut outages {
        if let Some(d) = o.get_mut("declared").and_then(Value::as_object_mut) {
            d.remove("version");
        }
    }
    outages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn may_2017_served_live_equals_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/o2-2017-05");
    let pkg = load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let replayed = replay(&pkg);
    let now = replayed.view.now;

    let data = tempfile::tempdir().unwrap();
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: data.path().to_path_buf(),
        ..Settings::default()
    };
    let store = radar_store::open(&data.path().display().to_string())
        .await
        .unwrap();
    let first = pkg.reports[0].time;
    // The server's first minute is the package's first, as in replay (the first tick closes
    // the minutes that ended a reorder window ago).
    let clock = Arc::new(AtomicI64::new(
        first.minute().start().0 + radar_server::detection::REORDER_SECS,
    ));
    let app = Application::build_with(
        settings,
        pkg.topology.clone(),
        store,
        Clock::Manual(clock.clone()),
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    // Plays up to `until` (what was not played yet), then returns O2's provider entry.
    let mut played = first.0 - 1;
    let mut play_until = |until: i64| {
        let reports: Vec<_> = pkg
            .reports
            .iter()
            .filter(|r| r.time.0 > played && r.time.0 <= until)
            .cloned()
            .collect();
        let events: Vec<_> = pkg
            .events
            .iter()
            .filter(|e| e.time().0 > played && e.time().0 <= until)
            .cloned()
            .collect();
        let signals: Vec<_> = pkg
            .signals
            .iter()
            .filter(|s| s.time.0 > played && s.time.0 <= until)
            .cloned()
            .collect();
        played = until;
        let legs = vec![Leg {
            until: Timestamp(until),
            step_secs: 3600,
            pause: Duration::ZERO,
        }];
        play(state.clone(), clock.clone(), reports, events, signals, legs)
    };
    let o2 = |client: reqwest::Client, base: String| async move {
        let v: Value = client
            .get(format!("{base}/api/v1/providers"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "o2-de")
            .unwrap()
            .clone()
    };
    let service = |p: &Value, id: &str| -> String {
        p["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap().0;

    // 14 May: the CRM shutdown is O2's headline (customer service), the network is fine.
    play_until(at("2017-05-14T12:00:00Z")).await.unwrap();
    let p = o2(client.clone(), base.clone()).await;
    assert_eq!(p["open"], serde_json::json!(["sec-1"]), "{p:#}");
    assert_ne!(service(&p, "customer-service"), "operational", "{p:#}");
    assert_eq!(service(&p, "mobile-data"), "operational", "{p:#}");
    let page = client
        .get(format!("{base}/providers/o2-de"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("No known problems"), "{page}");
    // 17 May, 14:00: the LTE outage, detected and declared, is one outage.
    play_until(at("2017-05-17T14:00:00Z")).await.unwrap();
    let p = o2(client.clone(), base.clone()).await;
    assert_eq!(p["open"], serde_json::json!(["sec-1", "net-1"]), "{p:#}");
    assert_eq!(service(&p, "mobile-data"), "major-outage", "{p:#}");
    // 17 May, 17:45: net-1 resolved by the operator: the network is green again at once,
    // while reports are still decaying; customer service is still hampered by sec-1.
    play_until(at("2017-05-17T17:45:00Z")).await.unwrap();
    let p = o2(client.clone(), base.clone()).await;
    assert_eq!(p["open"], serde_json::json!(["sec-1"]), "{p:#}");
    assert_eq!(service(&p, "mobile-data"), "operational", "{p:#}");
    assert_ne!(service(&p, "customer-service"), "operational", "{p:#}");
    // The end of the package.
    play_until(now.0).await.unwrap();
    let p = o2(client.clone(), base.clone()).await;
    assert_eq!(p["status"], "operational", "{p:#}");

    // The whole list, a few at a time, so that paging is part of what is compared.
    let mut served = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            None => format!("{base}/api/v1/outages?limit=3"),
            Some(c) => format!("{base}/api/v1/outages?limit=3&after={c}"),
        };
        let page: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        served.extend(page["outages"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => break,
        }
    }
    let served = comparable(served);
    let expected: Vec<Value> = replayed
        .view
        .outages
        .iter()
        .map(|o| serde_json::to_value(OutageOut::new(o, None)).unwrap())
        .collect();
    let expected = comparable(expected);
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&served), ids(&expected));
    for (s, x) in served.iter().zip(&expected) {
        assert_eq!(s, x, "outage {} differs between live and replay", x["id"]);
    }
    // Every detection that replay writes is one of the served outages, with the same facts.
    for d in &replayed.detections.outages {
        let s = served
            .iter()
            .find(|o| o["id"] == d.id.as_str())
            .unwrap_or_else(|| panic!("{} is not served", d.id));
        assert_eq!(s["start"], d.start.to_rfc3339());
        assert_eq!(s["detected_at"], d.detected_at.to_rfc3339());
        assert_eq!(s["cause_group"], d.cause_group.clone().unwrap());
    }
    // And every id a list shows can be fetched, aliases included.
    for o in &served {
        for id in std::iter::once(&o["id"]).chain(o["aliases"].as_array().unwrap()) {
            let id = id.as_str().unwrap();
            let one: Value = client
                .get(format!("{base}/api/v1/incidents/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(one["id"], o["id"], "{id}");
        }
    }
    // The May 2017 story at the end: both outages over, and both in the view.
    assert!(served.iter().any(|o| o["id"] == "net-1"));
    assert!(served.iter().any(|o| o["id"] == "sec-1"));
    assert!(now > Timestamp(0));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
