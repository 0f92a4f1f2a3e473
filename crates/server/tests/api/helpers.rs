//! `spawn_app()`: a server on port 0 over a fresh embedded store, with a manual clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use radar_core::topology::germany;
use radar_server::settings::Settings;
use radar_server::state::Clock;
use radar_server::Application;
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<AtomicI64>,
    pub dir: tempfile::TempDir,
    /// The running server's state (its store, clock, settings).
    pub state: radar_server::state::AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub const OPERATOR_TOKEN: &str = "operator-token-for-tests";

/// 2026-11-23T12:00:00Z, a Monday noon.
pub const NOW: i64 = 1_795_435_200;

pub async fn spawn_app() -> TestApp {
    spawn_app_in(tempfile::tempdir().unwrap()).await
}

pub async fn spawn_app_in(dir: tempfile::TempDir) -> TestApp {
    spawn_app_with(dir, &[]).await
}

/// A server whose store already holds `history` before it starts (detection warms up on it).
pub async fn spawn_app_with(dir: tempfile::TempDir, history: &[radar_core::Report]) -> TestApp {
    spawn_app_tuned(dir, history, |_| {}).await
}

/// [`spawn_app_with`] with settings changed by `tune` first.
pub async fn spawn_app_tuned(
    dir: tempfile::TempDir,
    history: &[radar_core::Report],
    tune: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = test_settings(&dir);
    tune(&mut settings);
    let store = radar_store::open(&dir.path().display().to_string())
        .await
        .unwrap();
    for chunk in history.chunks(5000) {
        store.insert_reports(chunk).await.unwrap();
    }
    spawn_app_over(dir, settings, store).await
}

/// Default test settings for a server on `dir`.
pub fn test_settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: dir.path().to_path_buf(),
        max_body_bytes: 256 * 1024,
        operator_token: Some(OPERATOR_TOKEN.into()),
        ..Settings::default()
    }
}

/// A server over a store the test opened itself (e.g. read-only, or one it limits).
pub async fn spawn_app_over(
    dir: tempfile::TempDir,
    settings: Settings,
    store: Arc<dyn radar_store::Store>,
) -> TestApp {
    let clock = Arc::new(AtomicI64::new(NOW));
    let app = Application::build_with(
        settings,
        germany::topology(),
        store,
        Clock::Manual(clock.clone()),
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        clock,
        dir,
        state,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    /// Posts reports as a trusted client (the operator token: a relay of many users, whose
    /// per-report tokens are kept and who is not rate-limited). Anonymous clients: [`Self::post_anonymous`].
    pub async fn post_json(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/reports", self.base))
            .bearer_auth(OPERATOR_TOKEN)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Posts reports as an anonymous client, optionally behind a proxy that forwarded for
    /// `forwarded_for`, with `user_agent` if given.
    pub async fn post_anonymous(
        &self,
        body: &serde_json::Value,
        forwarded_for: Option<&str>,
        user_agent: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}/api/v1/reports", self.base))
            .json(body);
        if let Some(f) = forwarded_for {
            req = req.header("x-forwarded-for", f);
        }
        if let Some(ua) = user_agent {
            req = req.header("user-agent", ua);
        }
        req.send().await.unwrap()
    }

    /// A request with the operator token.
    pub fn operator(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(OPERATOR_TOKEN)
    }

    /// Publishes a statement (`{"text": {"de": …, "en": …}, …}`) on `incident`; it must be
    /// accepted.
    pub async fn statement(&self, incident: &str, body: serde_json::Value) {
        let resp = self
            .operator(
                reqwest::Method::POST,
                &format!("/api/v1/incidents/{incident}/statements"),
            )
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .unwrap()
    }

    pub fn set_now(&self, t: i64) {
        self.clock.store(t, Ordering::SeqCst);
    }

    /// Sum of reports the per-minute API counts for a provider in the last hour.
    pub async fn counted(&self, provider: &str) -> u64 {
        let v: serde_json::Value = self
            .get(&format!("/api/v1/providers/{provider}/reports"))
            .await
            .json()
            .await
            .unwrap();
        v["minutes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["reports"].as_u64().unwrap())
            .sum()
    }

    /// Graceful stop; returns the data directory for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        self.dir
    }
}

pub fn report(provider: &str) -> serde_json::Value {
    serde_json::json!({"provider": provider, "service": "mobile-data", "problem": "no-internet", "region": "DE-BY"})
}

/// Asserts an RFC 9457 body and returns it.
pub async fn problem(resp: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["status"].as_u64().unwrap(), status as u64);
    assert!(
        v["type"].is_string() && v["title"].is_string() && v["detail"].is_string(),
        "{v}"
    );
    v
}
