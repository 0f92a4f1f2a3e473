//! End to end in a real browser (Debian's `chromium` and `chromium-driver`, headless, driven
//! over the W3C WebDriver protocol): an agent looks up a postcode during the May 2017 LTE
//! outage with the keyboard only and logs a call; an operator previews and publishes a
//! statement that then appears on the public page and in the Atom feed. Screenshots of both
//! consoles go to `target/e2e/`.
//!
//! Without Chromium the tests print why and pass, unless `RADAR_REQUIRE_SERVICES=1`, which
//! makes them fail. `RADAR_CHROMIUM` and `RADAR_CHROMEDRIVER` name other binaries.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use radar_core::account::Role;
use serde_json::{json, Value};

use crate::accounts::{add_user, PASSWORD};
use crate::consoles::may_2017;
use crate::helpers::{spawn_app, TestApp};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

pub(crate) struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("RADAR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    let driver = std::env::var_os("RADAR_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into());
    (chromium.exists() && driver.exists()).then_some((chromium, driver))
}

/// A headless Chromium under chromedriver, or `None` (skip) when they are not installed.
pub(crate) async fn driver(test: &str) -> Option<Driver> {
    let Some((chromium, chromedriver)) = binaries() else {
        let required = std::env::var("RADAR_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{test}: Chromium is required (RADAR_REQUIRE_SERVICES=1) but /usr/bin/chromium or \
             /usr/bin/chromedriver is missing; apt-get install chromium chromium-driver"
        );
        eprintln!(
            "skipping {test}: no /usr/bin/chromium and /usr/bin/chromedriver \
             (apt-get install chromium chromium-driver; RADAR_REQUIRE_SERVICES=1 fails instead)"
        );
        return None;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{base}/status")).send().await {
            if r.json::<Value>()
                .await
                .is_ok_and(|v| v["value"]["ready"] == true)
            {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "chromedriver did not become ready");
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1200,1800",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }}});
    let v: Value = http
        .post(format!("{base}/session"))
        .json(&caps)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
        .to_owned();
    Some(Driver {
        child,
        base,
        session,
        http,
        _profile: profile,
    })
}

impl Driver {
    pub(crate) async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"]["error"].is_null(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub(crate) async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    /// Keys typed into the element that has the focus: what a keyboard does.
    pub(crate) async fn keys(&self, text: &str) {
        let active = self
            .cmd(reqwest::Method::GET, "/element/active", None)
            .await;
        let Some(id) = active[ELEMENT].as_str().map(str::to_owned) else {
            panic!("no focused element ({active}) on {}", self.source().await);
        };
        self.type_into(&id, text).await;
    }

    pub(crate) async fn type_into(&self, element: &str, text: &str) {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Runs `script` in the page (WebDriver "execute script") and returns its value.
    pub(crate) async fn exec(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Sets the window's size in CSS pixels.
    pub(crate) async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// A PNG of the window, under `target/e2e/`.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64ct::Base64::decode_vec(b64.as_str().unwrap()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, png).unwrap();
        path
    }

    pub(crate) async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Signs in through the login page the guard redirects to, by keyboard: the name field
    /// has the focus, Tab moves to the password, Enter submits.
    pub(crate) async fn sign_in(&self, app: &TestApp, path: &str, name: &str) {
        self.goto(&format!("{}{path}", app.base)).await;
        assert!(
            self.url().await.contains("/login?next="),
            "{}",
            self.url().await
        );
        self.keys(&format!("{name}{TAB}{PASSWORD}{ENTER}")).await;
        self.wait_until(|| async { self.url().await.ends_with(path) })
            .await;
    }
}

use base64ct::Encoding;

impl Driver {
    /// Waits up to 10 s for `cond`; fails with where the browser is and what it shows.
    pub(crate) async fn wait_until<F, Fut>(&self, cond: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..100 {
            if cond().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the browser did not get there in 10 s; it is at {}:\n{}",
            self.url().await,
            self.source().await
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_agent_looks_up_a_postcode_by_keyboard_and_logs_a_call() {
    let Some(d) = driver("browser_agent_looks_up_a_postcode_by_keyboard_and_logs_a_call").await
    else {
        return;
    };
    let app = spawn_app().await;
    may_2017(&app).await;
    add_user(&app, "anna", Role::Agent).await;
    d.sign_in(&app, "/agent", "anna").await;
    // The postcode field has the focus: type the caller's postcode and press Enter.
    d.keys(&format!("80331{ENTER}")).await;
    d.wait_until(|| async { d.url().await.contains("postcode=80331") })
        .await;
    let html = d.source().await;
    for want in [
        "LTE network disruption",
        "We are working hard to fix it.",
        "Workaround: Please switch to GSM or 3G for now.",
        "expected end",
        "DSL customer management shut down",
        "Relation to other incidents",
    ] {
        assert!(
            html.contains(want),
            "{want:?} not on the agent console:\n{html}"
        );
    }
    d.screenshot("agent-console.png").await;
    // One click logs the reason; the console says so and the call counts.
    let before = app.counted("o2-de").await;
    d.click("button[name=problem][value=no-internet]").await;
    d.wait_until(|| async { d.url().await.contains("logged=no-internet") })
        .await;
    assert!(d.source().await.contains("Call logged (no-internet)"));
    assert_eq!(app.counted("o2-de").await, before + 1);
    d.screenshot("agent-console-call-logged.png").await;
    d.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_operator_previews_and_publishes_a_statement_seen_on_the_page_and_feed() {
    let Some(d) =
        driver("browser_operator_previews_and_publishes_a_statement_seen_on_the_page_and_feed")
            .await
    else {
        return;
    };
    let app = spawn_app().await;
    may_2017(&app).await;
    add_user(&app, "olga", Role::Operator).await;
    d.sign_in(&app, "/operator", "olga").await;
    let form = "form[action='/operator/incidents/net-1/statements']";
    for (field, text) in [
        (
            "text_de",
            "Die Störung ist behoben, das LTE-Netz läuft wieder.",
        ),
        ("text_en", "The disruption is fixed, LTE works again."),
    ] {
        let id = d.find(&format!("{form} [name={field}]")).await;
        d.type_into(&id, text).await;
    }
    d.click(&format!("{form} button[value=preview]")).await;
    d.wait_until(|| async { d.source().await.contains("Preview — not published yet") })
        .await;
    d.screenshot("operator-console-preview.png").await;
    let public = app
        .get("/providers/o2-de?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !public.contains("LTE works again"),
        "a preview publishes nothing"
    );
    // The preview kept the texts in the form: publish them.
    d.click(&format!("{form} button[value=publish]")).await;
    d.wait_until(|| async { d.url().await.contains("done=") })
        .await;
    d.screenshot("operator-console.png").await;
    d.goto(&format!("{}/providers/o2-de?lang=en", app.base))
        .await;
    assert!(d
        .source()
        .await
        .contains("The disruption is fixed, LTE works again."));
    d.screenshot("public-page-after-statement.png").await;
    let feed = app
        .get("/providers/o2-de/feed.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains("The disruption is fixed, LTE works again."),
        "{feed}"
    );
    d.quit().await;
    app.stop().await;
}
