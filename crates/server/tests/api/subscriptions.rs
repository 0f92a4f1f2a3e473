//! Subscriptions end to end: a webhook receiver started here (axum on port 0) gets signed
//! deliveries (verified here with the Standard Webhooks rule) when an incident is declared and
//! when a statement is added; failing receivers are retried with growing waits and the log
//! shows every attempt; 410 disables at once, failures in a row disable. E-mail: a small SMTP
//! sink started here gets the confirmation mail and nothing else before confirming; after
//! confirming, incident mails with RFC 8058 one-click unsubscribe; after the one-click POST,
//! nothing more. A restart sends nothing twice.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::{spawn_app_tuned, TestApp, NOW};

/// What a receiver got: headers and body.
#[derive(Clone, Debug)]
struct Delivery {
    headers: HeaderMap,
    body: String,
}

impl Delivery {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver answering `status` (changeable), recording every delivery.
struct Receiver {
    url: String,
    status: Arc<AtomicU16>,
    got: Arc<Mutex<Vec<Delivery>>>,
}

async fn receiver(status: u16) -> Receiver {
    let status = Arc::new(AtomicU16::new(status));
    let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let (s, g) = (status.clone(), got.clone());
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
        let (s, g) = (s.clone(), g.clone());
        async move {
            g.lock().unwrap().push(Delivery { headers, body });
            StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/outages", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, status, got }
}

impl Receiver {
    fn deliveries(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    /// The incident deliveries so far.
    fn incidents(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.json().get("incident").is_some())
            .collect()
    }

    /// Waits (up to 15 s) until `n` incident deliveries arrived.
    async fn wait_incidents(&self, n: usize) -> Vec<Delivery> {
        for _ in 0..150 {
            let got = self.incidents();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {n} incident deliveries, got {:?}",
            self.incidents()
        );
    }
}

/// Checks a delivery's Standard Webhooks signature with `secret`, as a receiver does.
fn verify(d: &Delivery, secret: &str) {
    let h = |n: &str| d.headers[n].to_str().unwrap().to_owned();
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{}", d.body).as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert!(
        sig.split(' ').any(|s| s == expected),
        "signature {sig} is not {expected}"
    );
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().unwrap();
    assert!(age.abs() < 60, "timestamp {ts} is not now");
    assert!(id.starts_with("msg_"));
}

async fn app(tune: impl FnOnce(&mut radar_server::settings::Settings)) -> TestApp {
    spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| {
        s.webhook_private_targets = true;
        tune(s);
    })
    .await
}

/// Subscribes a webhook through the API; (id, secret, token).
async fn subscribe_webhook(app: &TestApp, url: &str) -> (String, String, String) {
    let resp = app
        .client
        .post(format!("{}/api/v1/subscriptions", app.base))
        .json(&json!({"channel": "webhook", "url": url, "provider": "o2-de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    (
        v["subscription"]["id"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

async fn declare(app: &TestApp, id: &str) {
    let resp = app
        .operator(Method::POST, "/api/v1/incidents")
        .json(&json!({
            "id": id, "provider": "o2-de", "category": "network", "state": "identified",
            "title": {"de": "Störung mobile Daten", "en": "Mobile data outage"},
            "services": ["mobile-data"], "regions": ["DE-BY"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

async fn statement(app: &TestApp, id: &str, en: &str) {
    let resp = app
        .operator(Method::POST, &format!("/api/v1/incidents/{id}/statements"))
        .json(&json!({"text": {"de": "Wir arbeiten daran.", "en": en}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

/// The subscription as its owner sees it.
async fn own(app: &TestApp, id: &str, token: &str) -> Value {
    let resp = app
        .client
        .get(format!("{}/api/v1/subscriptions/{id}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Waits until the subscription's log holds `n` attempts (of any event); returns it.
async fn wait_attempts(app: &TestApp, id: &str, token: &str, n: usize) -> Value {
    for _ in 0..150 {
        let v = own(app, id, token).await;
        if v["attempts"].as_array().unwrap().len() >= n {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {n} attempts: {}", own(app, id, token).await);
}

/// The stored mark of a subject.
async fn mark(app: &TestApp, subject: &str) -> Option<String> {
    app.state
        .store
        .subscriptions()
        .marks()
        .await
        .unwrap()
        .into_iter()
        .find(|(s, _)| s == subject)
        .map(|(_, m)| m)
}

/// Waits until the subject's mark names the update `update` as its newest, then three more
/// worker rounds.
async fn wait_marked(app: &TestApp, subject: &str, update: &str) {
    for _ in 0..150 {
        if let Some(m) = mark(app, subject).await {
            if m.split('|').nth(3) == Some(update) {
                tokio::time::sleep(radar_server::subscribe::worker::PERIOD * 3).await;
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{subject} was not marked with {update}: {:?}",
        mark(app, subject).await
    );
}

#[tokio::test]
async fn a_webhook_gets_signed_deliveries_for_a_declaration_and_a_statement() {
    let r = receiver(204).await;
    let app = app(|_| {}).await;
    let (id, secret, token) = subscribe_webhook(&app, &r.url).await;
    assert!(secret.starts_with("whsec_"));

    declare(&app, "net-1").await;
    let got = r.wait_incidents(1).await;
    verify(&got[0], &secret);
    let v = got[0].json();
    assert_eq!(v["incident"]["id"], "net-1");
    assert_eq!(v["incident"]["name"], "Mobile data outage");
    assert_eq!(v["incident"]["status"], "identified");
    assert_eq!(v["incident"]["impact"], "major");
    assert_eq!(v["page"]["id"], "o2-de");
    assert!(v["page"]["status_indicator"].is_string());
    assert!(v["meta"]["unsubscribe"]
        .as_str()
        .unwrap()
        .contains(&format!("/subscriptions/{id}?token=")));
    // The service's component changed with it.
    let comp = r
        .deliveries()
        .into_iter()
        .find(|d| d.json().get("component_update").is_some())
        .expect("a component_update delivery");
    verify(&comp, &secret);
    let c = comp.json();
    assert_eq!(c["component_update"]["old_status"], "operational");
    assert_eq!(c["component"]["id"], "service-mobile-data");

    app.set_now(NOW + 60);
    statement(&app, "net-1", "We are working on it.").await;
    let got = r.wait_incidents(2).await;
    verify(&got[1], &secret);
    let v = got[1].json();
    assert_eq!(
        v["incident"]["incident_updates"][0]["body"],
        "We are working on it."
    );
    assert_ne!(
        got[0].headers["webhook-id"], got[1].headers["webhook-id"],
        "each message has its own id"
    );
    // The log shows the deliveries.
    let log = own(&app, &id, &token).await;
    assert_eq!(log["state"], "active");
    assert!(log["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["status"] == 204 && a["attempt"] == 1));

    // A restart sends nothing twice; a wrong token reads nothing.
    let n = r.deliveries().len();
    let dir = app.stop().await;
    let app = spawn_app_tuned(dir, &[], |s| s.webhook_private_targets = true).await;
    app.set_now(NOW + 60);
    wait_marked(&app, "incident:net-1", "net-1-u1").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(r.deliveries().len(), n, "nothing re-sent after a restart");
    let resp = app
        .client
        .get(format!("{}/api/v1/subscriptions/{id}", app.base))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app
        .client
        .delete(format!("{}/api/v1/subscriptions/{id}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(own(&app, &id, &token).await["state"], "unsubscribed");
}

#[tokio::test]
async fn failing_receivers_are_retried_with_growing_waits_and_the_log_shows_each_attempt() {
    let r = receiver(500).await;
    let app = app(|s| {
        s.delivery_attempts = 3;
        s.delivery_retry_secs = 10;
        s.delivery_disable_after = 100;
    })
    .await;
    let (id, secret, token) = subscribe_webhook(&app, &r.url).await;
    declare(&app, "net-2").await;
    r.wait_incidents(1).await;
    // Not before the first wait (10 s ± 20 %) is over …
    app.set_now(NOW + 7);
    tokio::time::sleep(radar_server::subscribe::worker::PERIOD * 3).await;
    assert_eq!(r.incidents().len(), 1);
    // … then again after it, and after the second (40 s ± 20 %), then no more (3 attempts).
    app.set_now(NOW + 13);
    r.wait_incidents(2).await;
    app.set_now(NOW + 13 + 31);
    tokio::time::sleep(radar_server::subscribe::worker::PERIOD * 3).await;
    assert_eq!(r.incidents().len(), 2);
    app.set_now(NOW + 13 + 49);
    let got = r.wait_incidents(3).await;
    for d in &got {
        verify(d, &secret);
    }
    let ids: Vec<_> = got
        .iter()
        .map(|d| d.headers["webhook-id"].clone())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "retries keep the message id"
    );
    app.set_now(NOW + 3600);
    tokio::time::sleep(radar_server::subscribe::worker::PERIOD * 4).await;
    assert_eq!(r.incidents().len(), 3, "at most 3 attempts");

    let log = own(&app, &id, &token).await;
    let incident: Vec<&Value> = log["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["event"] == "incident")
        .collect();
    assert_eq!(incident.len(), 3, "{log}");
    let n: Vec<u64> = incident
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(n, [3, 2, 1], "newest first");
    assert!(incident
        .iter()
        .all(|a| a["status"] == 500 && a["error"].is_string()));
    assert!(incident[0]["duration_ms"].is_u64());
    let at = |a: &Value| {
        chrono::DateTime::parse_from_rfc3339(a["at"].as_str().unwrap())
            .unwrap()
            .timestamp()
    };
    assert!(at(incident[1]) - at(incident[2]) >= 8, "{log}");
    assert!(at(incident[0]) - at(incident[1]) >= 32, "{log}");
    assert_eq!(
        log["state"], "active",
        "100 failures in a row would be needed"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"radar_subscription_deliveries_total{channel="webhook",outcome="given_up"}"#
        ),
        "{metrics}"
    );

    // The operator sees it too (and the role matrix checks the guard).
    let list: Value = app
        .operator(Method::GET, "/api/v1/subscriptions")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["attempts"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_receiver_answering_410_is_disabled_at_once() {
    let r = receiver(410).await;
    let app = app(|_| {}).await;
    let (id, _, token) = subscribe_webhook(&app, &r.url).await;
    declare(&app, "net-3").await;
    let v = wait_attempts(&app, &id, &token, 1).await;
    // Both queued messages went in one round; the first 410 disabled the subscription.
    for _ in 0..50 {
        if own(&app, &id, &token).await["state"] == "disabled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let v2 = own(&app, &id, &token).await;
    assert_eq!(v2["state"], "disabled", "{v} {v2}");
    assert!(v2["reason"].as_str().unwrap().contains("410"));
    let before = r.deliveries().len();
    app.set_now(NOW + 3600);
    statement(&app, "net-3", "Still on it.").await;
    wait_marked(&app, "incident:net-3", "net-3-u1").await;
    assert_eq!(r.deliveries().len(), before, "nothing after 410");
}

#[tokio::test]
async fn failures_in_a_row_disable() {
    let r = receiver(503).await;
    let app = app(|s| {
        s.delivery_disable_after = 3;
        s.delivery_retry_secs = 10;
    })
    .await;
    let (id, _, token) = subscribe_webhook(&app, &r.url).await;
    declare(&app, "net-4").await;
    // Two messages (the incident, its service's component) fail once each: 2 in a row.
    let v = wait_attempts(&app, &id, &token, 2).await;
    assert_eq!(v["failures"], 2);
    assert_eq!(v["state"], "active");
    // The third failure in a row disables.
    app.set_now(NOW + 13);
    let v = wait_attempts(&app, &id, &token, 3).await;
    for _ in 0..50 {
        if own(&app, &id, &token).await["state"] == "disabled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let v2 = own(&app, &id, &token).await;
    assert_eq!(v2["state"], "disabled", "{v}");
    assert!(v2["reason"].as_str().unwrap().contains("3 failed"));
    let n = r.deliveries().len();
    r.status.store(200, Ordering::SeqCst);
    app.set_now(NOW + 3600);
    tokio::time::sleep(radar_server::subscribe::worker::PERIOD * 4).await;
    assert_eq!(
        r.deliveries().len(),
        n,
        "a disabled subscription gets nothing"
    );
}

#[tokio::test]
async fn webhook_urls_are_checked() {
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |_| {}).await;
    for (url, says) in [
        ("ftp://example.org/x", "http:// or https://"),
        ("http://127.0.0.1:9/x", "not a public address"),
        ("https://user:pw@example.org/", "user name or password"),
        ("", "give the URL"),
    ] {
        let resp = app
            .client
            .post(format!("{}/api/v1/subscriptions", app.base))
            .json(&json!({"channel": "webhook", "url": url}))
            .send()
            .await
            .unwrap();
        let p = crate::helpers::problem(resp, 422).await;
        assert!(p["detail"].as_str().unwrap().contains(says), "{url}: {p}");
        assert_eq!(p["invalid-params"][0]["name"], "url");
    }
    // No relay set: e-mail is refused with a reason, on the page too.
    let resp = app
        .client
        .post(format!("{}/api/v1/subscriptions", app.base))
        .json(&json!({"channel": "email", "email": "a@example.org"}))
        .send()
        .await
        .unwrap();
    let p = crate::helpers::problem(resp, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("no SMTP relay"));
    let page = app
        .get("/providers/o2-de/subscribe")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("E-mail subscriptions are not available"));
    let page = app.get("/subscribe?lang=de").await.text().await.unwrap();
    assert!(page.contains("Störungsmeldungen abonnieren"));
}

#[tokio::test]
async fn subscriptions_are_rate_limited_per_network() {
    let app = app(|s| s.subscriptions_per_hour = 2).await;
    let r = receiver(204).await;
    for _ in 0..2 {
        subscribe_webhook(&app, &r.url).await;
    }
    let resp = app
        .client
        .post(format!("{}/api/v1/subscriptions", app.base))
        .json(&json!({"channel": "webhook", "url": r.url}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    crate::helpers::problem(resp, 429).await;
}

#[tokio::test]
async fn the_form_subscribes_a_webhook_and_refuses_a_form_from_elsewhere() {
    let r = receiver(204).await;
    let app = app(|_| {}).await;
    let page = app
        .get("/providers/o2-de/subscribe")
        .await
        .text()
        .await
        .unwrap();
    let token = page
        .split("name=\"form\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let post = |form: String| {
        app.client
            .post(format!("{}/providers/o2-de/subscribe", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let url = urlencode(&r.url);
    let resp = post(format!("form=1.bad&channel=webhook&url={url}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = post(format!("form={token}&channel=webhook&url={url}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let done = resp.text().await.unwrap();
    assert!(done.contains("whsec_"));
    let manage = done
        .split("id=\"manage\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    declare(&app, "net-5").await;
    r.wait_incidents(1).await;
    // The subscription's page shows the log and unsubscribes.
    let mut page = String::new();
    for _ in 0..50 {
        page = app.get(&manage).await.text().await.unwrap();
        if page.contains("id=\"log\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(page.contains("id=\"log\""), "{page}");
    assert!(page.contains("204"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A minimal SMTP server: accepts every mail, keeps each message's text.
struct Sink {
    port: u16,
    mails: Arc<Mutex<Vec<String>>>,
}

async fn smtp_sink() -> Sink {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let m = mails.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let m = m.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if cmd.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut msg = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            msg.push_str(l.strip_prefix('.').unwrap_or(&l));
                            msg.push('\n');
                        }
                        m.lock().unwrap().push(msg);
                        b"250 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    Sink { port, mails }
}

impl Sink {
    fn mails(&self) -> Vec<String> {
        self.mails.lock().unwrap().clone()
    }

    async fn wait(&self, n: usize) -> Vec<String> {
        for _ in 0..150 {
            if self.mails().len() >= n {
                return self.mails();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:?}", self.mails());
    }
}

/// A mail's body decoded from quoted-printable (soft breaks joined, `=XX` decoded).
fn decoded(mail: &str) -> String {
    let body = mail.split_once("\n\n").map_or(mail, |(_, b)| b);
    let joined = body.replace("=\n", "");
    let mut out = Vec::new();
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() + 1 {
            if let Ok(v) = u8::from_str_radix(
                std::str::from_utf8(&b[i + 1..(i + 3).min(b.len())]).unwrap_or(""),
                16,
            ) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A header of a mail (unfolded).
fn mail_header(mail: &str, name: &str) -> Option<String> {
    let head = mail
        .split_once("\n\n")
        .map_or(mail, |(h, _)| h)
        .replace("\n ", " ");
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

fn link_after(text: &str, prefix: &str) -> String {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn email_needs_confirming_then_sends_with_one_click_unsubscribe() {
    let sink = smtp_sink().await;
    let app = app(|s| {
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = Some(sink.port);
        s.smtp_tls = radar_server::settings::SmtpTls::None;
        s.mail_from = Some("Outage Radar <radar@example.org>".into());
    })
    .await;
    let resp = app
        .client
        .post(format!("{}/api/v1/subscriptions", app.base))
        .json(&json!({"channel": "email", "email": "anna@example.org", "provider": "o2-de", "lang": "de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["subscription"]["state"], "pending");
    assert!(v["secret"].is_null() && v["token"].is_null());
    let mails = sink.wait(1).await;
    assert!(
        mail_header(&mails[0], "Subject")
            .unwrap()
            .contains("bestätigen")
            || mails[0].contains("=?utf-8?")
    );
    let confirm = link_after(
        &decoded(&mails[0]),
        &format!("{}/subscriptions/confirm?token=", app.base),
    );

    // Before confirming: an incident changes, nothing is sent.
    declare(&app, "net-6").await;
    wait_marked(&app, "incident:net-6", "net-6-u0").await;
    assert_eq!(
        sink.mails().len(),
        1,
        "only the confirmation before confirming"
    );

    // The link shows a button; pressing it confirms (once).
    let page = app
        .client
        .get(&confirm)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("action=\"/subscriptions/confirm\""));
    let token = confirm.split("token=").nth(1).unwrap();
    let press = || {
        app.client
            .post(format!("{}/subscriptions/confirm", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
    };
    assert_eq!(press().await.unwrap().status(), 200);
    assert_eq!(press().await.unwrap().status(), 404, "a link works once");

    // After confirming: a statement sends the incident mail with one-click unsubscribe.
    app.set_now(NOW + 60);
    statement(&app, "net-6", "We are working on it.").await;
    let mails = sink.wait(2).await;
    let mail = &mails[1];
    let unsubscribe = mail_header(mail, "List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        mail_header(mail, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let url = unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/subscriptions/sub_", app.base)),
        "{url}"
    );
    let body = decoded(mail);
    assert!(body.contains("We are working on it."), "{body}");
    assert!(
        body.contains("/subscriptions/sub_"),
        "the body links the subscription's page"
    );
    assert_eq!(mails.iter().filter(|m| m.contains("component")).count(), 0);

    // One-click unsubscribe (RFC 8058), then nothing more.
    let resp = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.set_now(NOW + 120);
    statement(&app, "net-6", "Fixed soon.").await;
    wait_marked(&app, "incident:net-6", "net-6-u2").await;
    assert_eq!(sink.mails().len(), 2, "nothing after unsubscribing");
}

#[tokio::test]
async fn the_form_subscribes_an_email_address_pending_its_confirmation() {
    let sink = smtp_sink().await;
    let app = app(|s| {
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = Some(sink.port);
        s.smtp_tls = radar_server::settings::SmtpTls::None;
        s.mail_from = Some("radar@example.org".into());
    })
    .await;
    let page = app.get("/subscribe?lang=de").await.text().await.unwrap();
    assert!(page.contains("name=\"email\""));
    let token = page
        .split("name=\"form\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let post = |form: String| {
        app.client
            .post(format!("{}/subscribe", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    // A bad address and an unknown provider are named on the page.
    let resp = post(format!(
        "form={token}&lang=de&channel=email&email=nobody&provider="
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("E-Mail-Adresse"));
    let resp = post(format!(
        "form={token}&lang=de&channel=email&email=b%40example.org&provider=nope"
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Anbieter"));
    let resp = post(format!(
        "form={token}&lang=de&channel=email&email=b%40example.org&provider=telekom-de"
    ))
    .await
    .unwrap();
    assert_eq!(resp.status(), 202);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Bitte prüfen Sie Ihr Postfach"));
    let mails = sink.wait(1).await;
    assert!(mails[0].contains("To: b@example.org"), "{}", mails[0]);
    let subs = app
        .state
        .store
        .subscriptions()
        .subscriptions()
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].state, radar_store::subscriptions::SubState::Pending);
    assert_eq!(subs[0].provider.as_deref(), Some("telekom-de"));
    assert_eq!(subs[0].lang, "de");
}
