//! Faked crowds: one machine, one network or a rotating handful of networks cannot raise an
//! outage however many tokens or User-Agents they invent; a real crowd from many networks
//! still does within two minutes; floods are refused with 429 and shown to operators.

use std::time::Duration;

use radar_core::Timestamp;
use serde_json::json;

use crate::detection::{o2_outages, quiet_history};
use crate::helpers::{spawn_app_tuned, TestApp, NOW, OPERATOR_TOKEN};

fn report(t: i64, i: usize, token: Option<String>) -> serde_json::Value {
    let postcode = ["80331", "10115", "50667", "70173"][i % 4];
    let mut r = json!({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                       "postcode": postcode, "time": Timestamp(t + (i as i64 % 50)).to_rfc3339()});
    if let Some(tok) = token {
        r["reporter_token"] = json!(tok);
    }
    r
}

/// Closes the minute starting at `t` and returns the open O2 outages.
async fn close_minute(app: &TestApp, t: i64) -> Vec<serde_json::Value> {
    app.set_now(t + 60 + 10);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    o2_outages(app)
        .await
        .into_iter()
        .filter(|o| o["end"].is_null())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_reporters_from_few_networks_raise_no_outage() {
    // Rate limit off: this test is about identity alone.
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &quiet_history(), |s| {
        s.trust_forwarded_for = true;
        s.reports_per_minute = 0;
    })
    .await;
    // Ten minutes of: 40 tokens from one machine; 30 User-Agents from one machine; 40 tokens
    // from each of four networks in turn (a rotating handful), each through several
    // addresses.
    for minute in 0..10i64 {
        let t = NOW + minute * 60;
        app.set_now(t + 30);
        let tokens: Vec<_> = (0..40)
            .map(|i| report(t, i, Some(format!("fake-{minute}-{i}"))))
            .collect();
        let r = app
            .post_anonymous(&json!({ "reports": tokens }), Some("203.0.113.7"), None)
            .await;
        assert_eq!(r.status().as_u16(), 202);
        for ua in 0..30 {
            let r = app
                .post_anonymous(
                    &report(t, ua, None),
                    Some("203.0.113.8"),
                    Some(&format!("Agent/{minute}.{ua}")),
                )
                .await;
            assert_eq!(r.status().as_u16(), 202);
        }
        for net in 0..4 {
            let reports: Vec<_> = (0..40)
                .map(|i| report(t, i, Some(format!("rot-{minute}-{net}-{i}"))))
                .collect();
            let addr = format!("198.51.{}.{}", 100 + net, (minute * 7) % 250);
            let r = app
                .post_anonymous(&json!({ "reports": reports }), Some(&addr), None)
                .await;
            assert_eq!(r.status().as_u16(), 202);
        }
        let open = close_minute(&app, t).await;
        assert!(
            open.is_empty(),
            "a faked crowd raised an outage in minute {minute}: {open:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_from_many_networks_raises_an_outage_within_two_minutes() {
    // Rate limit on (the defaults), behind a proxy: each reporter its own network.
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &quiet_history(), |s| {
        s.trust_forwarded_for = true;
    })
    .await;
    let mut seen = None;
    for minute in 0..5i64 {
        let t = NOW + minute * 60;
        app.set_now(t + 30);
        for i in 0..40usize {
            // The client's own claim on the left is ignored; the proxy's entry counts.
            let xff = format!("6.6.6.6, 100.{}.{}.9", minute + 1, i);
            let r = app
                .post_anonymous(&report(t, i, None), Some(&xff), Some("Phone"))
                .await;
            assert_eq!(r.status().as_u16(), 202, "{}", r.text().await.unwrap());
        }
        let open = close_minute(&app, t).await;
        if !open.is_empty() {
            seen = Some(minute);
            break;
        }
    }
    let minute = seen.expect("a real crowd raised an outage");
    assert!(minute <= 1, "raised only after {} minutes", minute + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_get_429_with_retry_after_and_show_as_abuse() {
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| {
        s.reports_per_minute = 10;
        s.report_burst = 20;
    })
    .await;
    let t = NOW;
    app.set_now(NOW + 120);
    // More than a network may send at once: refused whole, nothing stored.
    let forty: Vec<_> = (0..40)
        .map(|i| report(t, i, Some(format!("t{i}"))))
        .collect();
    let r = app
        .post_anonymous(&json!({ "reports": forty }), None, None)
        .await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["type"], "/problems/rate-limited", "{body}");
    // The burst passes, the next report is refused with the time to wait.
    for i in 0..20 {
        let r = app.post_anonymous(&report(t, i, None), None, None).await;
        assert_eq!(r.status().as_u16(), 202, "report {i}");
    }
    let r = app.post_anonymous(&report(t, 0, None), None, None).await;
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=7).contains(&wait), "Retry-After {wait}");
    // The form is limited too, on the same network's allowance.
    let r = app
        .client
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("service=mobile-data&problem=no-internet&postcode=80331")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.text().await.unwrap().contains("try again in"));
    // A trusted relay is not limited.
    let relay: Vec<_> = (0..100)
        .map(|i| report(t, i, Some(format!("r{i}"))))
        .collect();
    let r = app.post_json(&json!({ "reports": relay })).await;
    assert_eq!(r.status().as_u16(), 202);
    // Only 20 anonymous reports were stored, plus the relay's 100.
    assert_eq!(app.counted("o2-de").await, 120);

    // Operators see the abuse, named without the address; /metrics counts it.
    let abuse: serde_json::Value = app
        .client
        .get(format!("{}/api/v1/abuse", app.base))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = abuse["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{abuse}");
    assert_eq!(refused[0]["refused_reports"], 42, "{abuse}");
    assert_eq!(refused[0]["refused_requests"], 3, "{abuse}");
    let tag = refused[0]["network"].as_str().unwrap();
    assert!(
        tag.starts_with("ipv4/24:") && !tag.contains("127."),
        "{tag}"
    );
    assert_eq!(app.get("/api/v1/abuse").await.status().as_u16(), 401);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("radar_abuse_rate_limited_reports_total 42"),
        "{metrics}"
    );
    assert!(metrics.contains("radar_abuse_rate_limited_requests_total 3"));
}
