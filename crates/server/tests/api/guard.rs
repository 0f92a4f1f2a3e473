//! Defences: security headers, cross-site posts, timeouts, the metrics endpoint.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::helpers::{spawn_app, spawn_app_tuned};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/providers/o2-de",
        "/api/v1/providers",
        "/no/such/page",
    ] {
        let resp = app.get(path).await;
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        // One script, by its hash: no inline script of anyone else, no script file.
        let scripts = csp
            .split(';')
            .find_map(|d| d.trim().strip_prefix("script-src "))
            .unwrap_or_else(|| panic!("no script-src: {csp}"));
        assert!(
            scripts.starts_with("'sha256-") && !scripts.contains(' '),
            "only the live script's hash: {csp}"
        );
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let form = "service=mobile-data&problem=no-internet&postcode=80331";
    let post = |origin: Option<String>, fetch_site: Option<&'static str>| {
        let mut r = app
            .client
            .post(format!("{}/providers/o2-de/report", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(f) = fetch_site {
            r = r.header("sec-fetch-site", f);
        }
        r.send()
    };
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let evil = post(Some("https://evil.example".into()), None)
        .await
        .unwrap();
    assert_eq!(evil.status().as_u16(), 403);
    let evil = post(None, Some("cross-site")).await.unwrap();
    assert_eq!(evil.status().as_u16(), 403);
    assert_eq!(app.counted("o2-de").await, 0, "nothing stored");
    // The same form from the site itself goes through.
    let ok = no_redirect
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{host}"))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(app.counted("o2-de").await, 1);
}

#[tokio::test]
async fn metrics_are_for_operators_and_unknown_methods_share_one_label() {
    // Without a metrics token: loopback clients (the tests) may read.
    let app = spawn_app().await;
    for i in 0..20 {
        let m = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let _ = app
            .client
            .request(m, format!("{}/", app.base))
            .send()
            .await
            .unwrap();
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(!text.contains("MADEUP"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");

    // With a metrics token: only with it.
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| {
        s.metrics_token = Some("metrics-token-for-tests".into());
    })
    .await;
    assert_eq!(app.get("/metrics").await.status().as_u16(), 403);
    let ok = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("metrics-token-for-tests")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| {
        s.header_timeout_secs = 1;
        s.request_timeout_secs = 2;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let t = tokio::task::spawn_blocking(move || {
        // A body announced at 10 GB, 20 bytes sent: answered 408 once the request time is up.
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let started = Instant::now();
        write!(
            s,
            "POST /api/v1/reports HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{{\"provider\": \"o2-de\","
        )
        .unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap_or(0);
        let head = String::from_utf8_lossy(&buf[..n]).to_string();
        let body_wait = started.elapsed();
        // A connection that sends nothing is closed after the header timeout.
        let mut idle = std::net::TcpStream::connect(&addr).unwrap();
        idle.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let started = Instant::now();
        let n = idle.read(&mut buf).unwrap_or(0);
        (head, body_wait, n, started.elapsed())
    });
    let (head, body_wait, idle_read, idle_wait) = t.await.unwrap();
    assert!(head.starts_with("HTTP/1.1 408"), "{head:?}");
    assert!(body_wait < Duration::from_secs(15), "{body_wait:?}");
    assert!(
        idle_wait < Duration::from_secs(15),
        "idle connection held {idle_wait:?}"
    );
    let _ = idle_read;
}
