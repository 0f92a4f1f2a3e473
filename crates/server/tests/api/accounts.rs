//! Accounts and roles over HTTP: the role matrix over every guarded route (from the one table
//! the router is built from), CSRF on every console form, signing in and out, session expiry,
//! throttling, API tokens.

use radar_core::account::{Permission, Role};
use radar_server::auth::manage;
use radar_server::auth::routes::{specs, Guarded, Kind};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};

use crate::helpers::{spawn_app, spawn_app_tuned, TestApp, NOW, OPERATOR_TOKEN};

pub const PASSWORD: &str = "a long enough password";

/// A client that follows no redirects, so that the tests see them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden field in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// A cookie set by a response, by name.
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

/// A signed-in browser: its session cookie and the session's CSRF token.
pub struct Browser {
    pub session: String,
    pub csrf: String,
}

impl Browser {
    pub fn get(&self, app: &TestApp, path: &str) -> reqwest::RequestBuilder {
        no_redirects()
            .get(format!("{}{path}", app.base))
            .header(COOKIE, format!("radar_session={}", self.session))
    }

    /// The body of a page read with the session.
    pub async fn text(&self, app: &TestApp, path: &str) -> String {
        self.get(app, path)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Posts a form with the session's CSRF token added.
    pub fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &self.csrf));
        no_redirects()
            .post(format!("{}{path}", app.base))
            .header(COOKIE, format!("radar_session={}", self.session))
            .form(&all)
    }
}

/// Adds an account (through the same code as `radar user add`).
pub async fn add_user(app: &TestApp, name: &str, role: Role) {
    manage::add_user(
        &*app.state.store,
        name,
        role,
        PASSWORD,
        "cli",
        radar_core::Timestamp(NOW),
    )
    .await
    .unwrap();
}

/// The login form's response: (status, Set-Cookie of the session, Location).
async fn try_login(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let form = no_redirects()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let login_cookie = cookie_value(&set_cookie(&form, "radar_login").unwrap());
    let html = form.text().await.unwrap();
    let token = hidden_field(&html, "login_csrf").unwrap();
    assert_eq!(token, login_cookie);
    no_redirects()
        .post(format!("{}/login", app.base))
        .header(COOKIE, format!("radar_login={login_cookie}"))
        .form(&[
            ("name", name),
            ("password", password),
            ("login_csrf", &token),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in and reads the session's CSRF token from the start page.
pub async fn login(app: &TestApp, name: &str) -> Browser {
    let resp = try_login(app, name, PASSWORD).await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let session = cookie_value(&set_cookie(&resp, "radar_session").unwrap());
    let home = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    let mut b = Browser {
        session,
        csrf: String::new(),
    };
    let page = b.get(app, &home).send().await.unwrap();
    assert_eq!(page.status(), 200, "{home}");
    b.csrf = hidden_field(&page.text().await.unwrap(), "csrf").unwrap();
    b
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// One request to a guarded route with a session, a bearer token or nothing. JSON bodies are
/// `{}`, forms carry the session's CSRF token and nothing else.
async fn call(
    app: &TestApp,
    g: &Guarded,
    browser: Option<&Browser>,
    bearer: Option<&str>,
) -> reqwest::Response {
    let url = format!("{}{}", app.base, concrete(g.path));
    let mut req = no_redirects().request(g.method.clone(), &url);
    if let Some(b) = browser {
        req = req.header(COOKIE, format!("radar_session={}", b.session));
        if g.method != Method::GET {
            req = req.form(&[("csrf", b.csrf.as_str())]);
        }
    } else if g.method != Method::GET && g.kind == Kind::Json {
        req = req.json(&serde_json::json!({}));
    }
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The guard's answer to a console request without a valid session: to the sign-in page
/// (`/login?next=…` or `/login?signed-out`; signing out itself goes to plain `/login`).
fn signed_out(resp: &reqwest::Response) -> bool {
    resp.status() == StatusCode::SEE_OTHER
        && resp.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?")
}

#[tokio::test]
async fn role_matrix_every_guarded_route_refuses_anonymous_and_wrong_roles_and_admits_the_right_one(
) {
    let app = spawn_app().await;
    let now = radar_core::Timestamp(NOW);
    let mut browsers = Vec::new();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = format!("{}-1", role.as_str());
        add_user(&app, &name, role).await;
        browsers.push((role, login(&app, &name).await));
        let scopes: Vec<&str> = role
            .permissions()
            .iter()
            .filter(|p| **p != Permission::Session)
            .map(|p| p.as_str())
            .collect();
        let (_, secret) = manage::add_token(&*app.state.store, &name, &scopes, None, "cli", now)
            .await
            .unwrap();
        tokens.push((role, secret));
    }
    // An operator's token narrowed to one scope: the role would allow more, the token not.
    let (_, probes_only) = manage::add_token(
        &*app.state.store,
        "operator-1",
        &["probes"],
        None,
        "cli",
        now,
    )
    .await
    .unwrap();

    let mut routes = specs();
    // Signing out ends the session the later requests use: last.
    routes.sort_by_key(|g| g.path == "/logout");
    assert!(routes.len() >= 20, "{} guarded routes", routes.len());
    let mut walked = 0;
    for g in &routes {
        let what = format!("{} {}", g.method, g.path);
        // Without credentials.
        let resp = call(&app, g, None, None).await;
        match g.kind {
            Kind::Json => assert_eq!(resp.status(), 401, "{what} anonymous"),
            Kind::Html => assert!(signed_out(&resp), "{what} anonymous: {}", resp.status()),
        }
        // A session where a token belongs and the other way round count as no credentials.
        match g.kind {
            Kind::Json => {
                let (_, b) = browsers
                    .iter()
                    .find(|(r, _)| r.grants(g.permission))
                    .unwrap();
                let resp = call(&app, g, Some(b), None).await;
                assert_eq!(
                    resp.status(),
                    401,
                    "{what} with a session instead of a token"
                );
            }
            Kind::Html => {
                let resp = call(&app, g, None, Some(OPERATOR_TOKEN)).await;
                assert!(
                    signed_out(&resp),
                    "{what} with a token instead of a session"
                );
            }
        }
        for role in Role::ALL {
            let right = role.grants(g.permission);
            let resp = match g.kind {
                Kind::Json => {
                    let (_, t) = tokens.iter().find(|(r, _)| *r == role).unwrap();
                    call(&app, g, None, Some(t)).await
                }
                Kind::Html => {
                    let (_, b) = browsers.iter().find(|(r, _)| *r == role).unwrap();
                    call(&app, g, Some(b), None).await
                }
            };
            let status = resp.status();
            if right {
                assert!(
                    status != 401 && status != 403 && !signed_out(&resp),
                    "{what} as {role}: {status} {}",
                    resp.text().await.unwrap()
                );
            } else {
                assert_eq!(status, 403, "{what} as {role}");
            }
        }
        if g.kind == Kind::Json {
            let status = call(&app, g, None, Some(&probes_only)).await.status();
            if g.permission == Permission::Probes {
                assert!(
                    status != 401 && status != 403,
                    "{what} with the probes scope: {status}"
                );
            } else {
                assert_eq!(status, 403, "{what} with a token scoped to probes only");
            }
            // The bootstrap token has the operator's permissions.
            let status = call(&app, g, None, Some(OPERATOR_TOKEN)).await.status();
            if Role::Operator.grants(g.permission) {
                assert!(
                    status != 401 && status != 403,
                    "{what} with the operator token: {status}"
                );
            } else {
                assert_eq!(status, 403, "{what} with the operator token");
            }
        }
        walked += 1;
    }
    eprintln!("role matrix: {walked} guarded routes walked");
    assert_eq!(walked, routes.len());
    app.stop().await;
}

#[test]
fn consoles_are_guarded_and_the_table_has_no_duplicates() {
    let routes = specs();
    let mut seen = std::collections::BTreeSet::new();
    for g in &routes {
        assert!(
            seen.insert((g.method.to_string(), g.path)),
            "{} {} twice",
            g.method,
            g.path
        );
        // Console pages are pages, the API is JSON.
        assert_eq!(
            g.kind == Kind::Json,
            g.path.starts_with("/api/"),
            "{}",
            g.path
        );
    }
    // Every path of the public router is outside the consoles: a console route can only be
    // added through the table.
    let src = include_str!("../../src/startup.rs");
    let start = src.find("pub fn router(").unwrap();
    let end = start + src[start..].find(".fallback(").unwrap();
    for path in src[start..end].split('"').skip(1).step_by(2) {
        for prefix in ["/agent", "/operator", "/admin", "/logout"] {
            assert!(
                !path.starts_with(prefix),
                "{path} is routed outside the guarded table"
            );
        }
    }
}

#[tokio::test]
async fn every_console_form_needs_the_sessions_csrf_token() {
    let app = spawn_app().await;
    for role in Role::ALL {
        add_user(&app, &format!("{}-1", role.as_str()), role).await;
    }
    let mut forms = 0;
    for g in specs()
        .iter()
        .filter(|g| g.kind == Kind::Html && g.method != Method::GET)
    {
        let role = Role::ALL
            .into_iter()
            .find(|r| r.grants(g.permission))
            .unwrap();
        let b = login(&app, &format!("{}-1", role.as_str())).await;
        let other = login(&app, &format!("{}-1", role.as_str())).await;
        let url = format!("{}{}", app.base, concrete(g.path));
        let with = |csrf: Option<&str>| {
            let mut fields = vec![("service", "mobile-data")];
            if let Some(c) = csrf {
                fields.push(("csrf", c));
            }
            no_redirects()
                .post(&url)
                .header(COOKIE, format!("radar_session={}", b.session))
                .form(&fields)
        };
        for (csrf, why) in [
            (None, "without a token"),
            (Some("0".repeat(64)), "with a made-up token"),
            (Some(other.csrf.clone()), "with another session's token"),
        ] {
            let resp = with(csrf.as_deref()).send().await.unwrap();
            assert_eq!(resp.status(), 403, "{} {why}", g.path);
            assert!(
                resp.text().await.unwrap().contains("CSRF"),
                "{} {why}",
                g.path
            );
        }
        // The session still works: the refusals changed nothing.
        let home = radar_server::auth::login::home(role);
        assert_eq!(
            b.get(&app, home).send().await.unwrap().status(),
            200,
            "{home}"
        );
        forms += 1;
    }
    assert!(forms >= 8, "{forms} console forms");
    // The login form needs its own cookie's token.
    let resp = no_redirects()
        .post(format!("{}/login", app.base))
        .form(&[
            ("name", "agent-1"),
            ("password", PASSWORD),
            ("login_csrf", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(set_cookie(&resp, "radar_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn sign_in_cookie_attributes_logout_and_expiry() {
    let app = spawn_app().await;
    add_user(&app, "anna", Role::Agent).await;
    // Wrong password, unknown account: the same refusal, no session.
    for (name, pw) in [("anna", "wrong password!!"), ("nobody", PASSWORD)] {
        let resp = try_login(&app, name, pw).await;
        assert_eq!(resp.status(), 401);
        assert!(set_cookie(&resp, "radar_session").is_none());
    }
    let resp = try_login(&app, "anna", PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], "/agent");
    let c = set_cookie(&resp, "radar_session").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(c.contains(attr), "{c} lacks {attr}");
    }
    assert!(
        !c.contains("Secure"),
        "plain HTTP without secure_cookies: {c}"
    );

    // Logout ends the session on the server, not only in the browser.
    let b = login(&app, "anna").await;
    let resp = b.post(&app, "/logout", &[]).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert!(set_cookie(&resp, "radar_session")
        .unwrap()
        .contains("Max-Age=0"));
    assert!(signed_out(&b.get(&app, "/agent").send().await.unwrap()));

    // A session ends after session_hours.
    let b = login(&app, "anna").await;
    assert_eq!(b.get(&app, "/agent").send().await.unwrap().status(), 200);
    app.set_now(NOW + 8 * 3600 + 1);
    assert!(signed_out(&b.get(&app, "/agent").send().await.unwrap()));
    app.set_now(NOW);

    // Disabling an account ends its sessions at once.
    let b = login(&app, "anna").await;
    manage::set_disabled(
        &*app.state.store,
        "anna",
        true,
        "cli",
        radar_core::Timestamp(NOW),
    )
    .await
    .unwrap();
    assert!(signed_out(&b.get(&app, "/agent").send().await.unwrap()));
    assert_eq!(try_login(&app, "anna", PASSWORD).await.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn secure_cookies_when_configured_or_behind_tls() {
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| {
        s.secure_cookies = true
    })
    .await;
    add_user(&app, "anna", Role::Agent).await;
    let resp = try_login(&app, "anna", PASSWORD).await;
    assert!(set_cookie(&resp, "radar_session")
        .unwrap()
        .contains("; Secure"));
    app.stop().await;
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let app = spawn_app().await;
    add_user(&app, "olga", Role::Operator).await;
    for _ in 0..5 {
        assert_eq!(
            try_login(&app, "olga", "not the password").await.status(),
            401
        );
    }
    // Even the right password waits now.
    let resp = try_login(&app, "olga", PASSWORD).await;
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    app.set_now(NOW + 901);
    assert_eq!(try_login(&app, "olga", PASSWORD).await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_are_stored_hashed_scoped_and_revocable() {
    let app = spawn_app().await;
    add_user(&app, "olga", Role::Operator).await;
    let now = radar_core::Timestamp(NOW);
    let store = &*app.state.store;
    // A scope the role does not grant is refused.
    assert!(
        manage::add_token(store, "olga", &["calls"], None, "cli", now)
            .await
            .is_err()
    );
    let (t, secret) = manage::add_token(store, "olga", &["abuse"], None, "cli", now)
        .await
        .unwrap();
    assert!(secret.starts_with(&t.id));
    assert_ne!(t.hash, [0; 32]);
    let listed = store.accounts().tokens().await.unwrap();
    assert!(
        !format!("{listed:?}").contains(&secret[11..]),
        "only the hash is kept"
    );
    let abuse = |tok: String| {
        let app = &app;
        async move {
            no_redirects()
                .get(format!("{}/api/v1/abuse", app.base))
                .bearer_auth(tok)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(abuse(secret.clone()).await, 200);
    assert_eq!(abuse(format!("{secret}x")).await, 401);
    manage::revoke_token(store, &t.id, "cli", now)
        .await
        .unwrap();
    assert_eq!(abuse(secret.clone()).await, 401);
    // An expired token is refused too.
    let (_, short) = manage::add_token(
        store,
        "olga",
        &["abuse"],
        Some(radar_core::Timestamp(NOW + 60)),
        "cli",
        now,
    )
    .await
    .unwrap();
    assert_eq!(abuse(short.clone()).await, 200);
    app.set_now(NOW + 61);
    assert_eq!(abuse(short).await, 401);
    // A disabled owner's tokens stop working with the account.
    let (_, live) = manage::add_token(store, "olga", &["abuse"], None, "cli", now)
        .await
        .unwrap();
    assert_eq!(abuse(live.clone()).await, 200);
    manage::set_disabled(store, "olga", true, "cli", now)
        .await
        .unwrap();
    assert_eq!(abuse(live).await, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_token_with_the_calls_scope_relays_reports_unlimited() {
    let app = spawn_app_tuned(tempfile::tempdir().unwrap(), &[], |s| s.report_burst = 2).await;
    let now = radar_core::Timestamp(NOW);
    add_user(&app, "cti", Role::Agent).await;
    add_user(&app, "olga", Role::Operator).await;
    let (_, relay) = manage::add_token(&*app.state.store, "cti", &["calls"], None, "cli", now)
        .await
        .unwrap();
    let (_, other) = manage::add_token(&*app.state.store, "olga", &["incidents"], None, "cli", now)
        .await
        .unwrap();
    let batch: Vec<_> = (0..5)
        .map(|i| {
            let mut r = crate::helpers::report("o2-de");
            r["reporter_token"] = serde_json::json!(format!("caller-{i}"));
            r
        })
        .collect();
    let post = |token: Option<String>| {
        let mut req = no_redirects()
            .post(format!("{}/api/v1/reports", app.base))
            .json(&serde_json::json!({ "reports": batch }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(
        post(None).await,
        429,
        "anonymous: 5 at once is over the burst of 2"
    );
    assert_eq!(
        post(Some(other)).await,
        429,
        "a token without calls is no relay"
    );
    assert_eq!(post(Some(relay)).await, 202);
    app.stop().await;
}
