//! Time in the live path: only the server's clock closes minutes; reports count in their own
//! minute within the reorder window; live and restarted servers agree; a fresh store detects.

use std::time::Duration;

use radar_core::Timestamp;
use radar_server::detection::REORDER_SECS;
use serde_json::{json, Value};

use crate::detection::{o2_outages, quiet_history};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, NOW};

/// `n` reports of a national mobile-data outage at O2, dated in the minute from `t`, each from
/// a reporter of its own (`tag` keeps them apart between minutes).
fn burst(t: i64, n: usize, tag: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let postcode = ["80331", "10115", "50667", "70173"][i % 4];
            json!({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                   "postcode": postcode, "time": Timestamp(t + (i as i64 % 50)).to_rfc3339(),
                   "reporter_token": format!("{tag}-{i}")})
        })
        .collect()
}

/// Posts a batch; returns the `not_counted` indexes of the 202 answer.
async fn post(app: &TestApp, reports: Vec<Value>) -> Vec<u64> {
    let resp = app.post_json(&json!({ "reports": reports })).await;
    assert_eq!(resp.status().as_u16(), 202);
    let v: Value = resp.json().await.unwrap();
    v["not_counted"]
        .as_array()
        .unwrap_or_else(|| panic!("no not_counted in {v}"))
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect()
}

/// Gives the ticker (once a second) a turn at the current clock.
async fn let_tick() {
    tokio::time::sleep(Duration::from_millis(1300)).await;
}

async fn open_outage(app: &TestApp) -> Option<Value> {
    o2_outages(app)
        .await
        .into_iter()
        .find(|o| o["end"].is_null())
}

/// Runs an outage of 40 reporters a minute from `NOW + from·60`, each minute posted live at
/// its 30th second; returns after how many minutes it showed as an open outage.
async fn live_burst(app: &TestApp, from: i64, tag: &str) -> Option<(i64, Value)> {
    for k in 0..8 {
        let t = NOW + (from + k) * 60;
        app.set_now(t + 30);
        assert_eq!(
            post(app, burst(t, 40, &format!("{tag}-{k}"))).await,
            [] as [u64; 0]
        );
        // Close the minute: past its end and the reorder window.
        app.set_now(t + 60 + REORDER_SECS + 5);
        let_tick().await;
        if let Some(o) = open_outage(app).await {
            return Some((k + 1, o));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_dated_ahead_does_not_blind_detection() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &quiet_history()).await;
    // Four minutes ahead (the API allows five): counted, in its own minute, later.
    let ahead = json!({"provider": "o2-de", "service": "dsl", "problem": "other",
                       "region": "DE-HB", "time": Timestamp(NOW + 240).to_rfc3339(),
                       "reporter_token": "early-bird"});
    assert_eq!(post(&app, vec![ahead]).await, [] as [u64; 0]);
    let_tick().await;
    // An outage starting now is still seen from its first minute.
    let (minutes, outage) = live_burst(&app, 0, "after-ahead")
        .await
        .expect("the outage after a report dated ahead is detected");
    assert!(minutes <= 2, "detected after {minutes} minutes: {outage}");
    assert_eq!(
        outage["start"],
        json!(Timestamp(NOW).to_rfc3339()),
        "{outage}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_reports_within_the_window_count_in_their_own_minute() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &quiet_history()).await;
    // Every minute of the outage arrives 40 s after that minute ended, newest first, after a
    // report of the following minute: still within the window, so each counts where it belongs.
    let mut detected = None;
    for k in 0..6 {
        let t = NOW + k * 60;
        app.set_now(t + 60 + 40);
        let next = burst(t + 60, 1, &format!("next-{k}"));
        assert_eq!(post(&app, next).await, [] as [u64; 0]);
        let mut reports = burst(t, 40, &format!("late-{k}"));
        reports.reverse();
        assert_eq!(post(&app, reports).await, [] as [u64; 0], "minute {k}");
        let_tick().await;
        if let Some(o) = open_outage(&app).await {
            detected = Some((k, o));
            break;
        }
    }
    let (k, outage) = detected.expect("the outage is detected from reports arriving late");
    assert!(k <= 2, "detected after {} minutes: {outage}", k + 1);
    // Its onset is the first minute of the reports, not the minute they arrived in.
    assert_eq!(
        outage["start"],
        json!(Timestamp(NOW).to_rfc3339()),
        "{outage}"
    );

    // Beyond the window: stored, but not counted, and the answer says which.
    let now = NOW + 10 * 60;
    app.set_now(now);
    let_tick().await;
    let mut mixed = burst(now - 5 * 60, 1, "straggler");
    mixed.extend(burst(now, 1, "on-time"));
    assert_eq!(post(&app, mixed).await, [0]);
}

/// The served outages, without what depends on when the question is asked.
async fn served(app: &TestApp) -> Value {
    app.get("/api/v1/outages").await.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backdated_report_is_treated_the_same_live_and_after_a_restart() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &quiet_history()).await;
    // Ten minutes of an outage, dated two hours back: stored, not counted live.
    let back = NOW - 2 * 3600;
    for k in 0..10 {
        let reports = burst(back + k * 60, 40, &format!("back-{k}"));
        let not_counted = post(&app, reports).await;
        assert_eq!(not_counted, (0..40).collect::<Vec<u64>>(), "minute {k}");
    }
    // And a live outage, which is.
    let (_, live) = live_burst(&app, 0, "live")
        .await
        .expect("the live outage is detected");
    let end = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    let before = served(&app).await;
    let outages = before["outages"].as_array().unwrap();
    assert_eq!(outages.len(), 1, "only the live outage: {before:#}");
    assert_eq!(outages[0]["start"], live["start"]);

    // Restart on the same data at the same start time, and catch up to the same clock.
    let dir = app.stop().await;
    let app = spawn_app_with(dir, &[]).await;
    app.set_now(end);
    let_tick().await;
    assert_eq!(served(&app).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_store_detects_a_strong_burst_within_minutes() {
    let app = spawn_app().await;
    // A quiet twenty minutes on a store with no history: a report a minute.
    for k in 0..20 {
        let t = NOW + k * 60;
        app.set_now(t + 30);
        let quiet = json!({"provider": "o2-de", "service": "mobile-data", "problem": "slow-internet",
                           "postcode": "80331", "reporter_token": format!("quiet-{k}")});
        assert_eq!(post(&app, vec![quiet]).await, [] as [u64; 0]);
    }
    let (minutes, outage) = live_burst(&app, 20, "fresh")
        .await
        .expect("a strong outage is detected on a fresh store");
    assert!(minutes <= 3, "detected after {minutes} minutes: {outage}");
    assert_eq!(
        outage["start"],
        json!(Timestamp(NOW + 20 * 60).to_rfc3339()),
        "{outage}"
    );
}
