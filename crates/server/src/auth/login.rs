//! Signing in and out. The login form is protected against login CSRF by a double-submit
//! token (a short-lived `radar_login` cookie and the same value in a hidden field): a page of
//! another site cannot read the cookie, so it cannot sign a browser into an account of its
//! choosing.

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use radar_core::account::Role;
use radar_store::accounts::Session;
use serde::Deserialize;

use crate::auth::csrf::{hidden, CsrfForm};
use crate::auth::{
    cookie, password, random_secret, same, secure_cookies, set_cookie, sha256, Principal,
    SESSION_COOKIE,
};
use crate::intake::identity::Client;
use crate::publish::pages::layout;
use crate::state::AppState;

const LOGIN_COOKIE: &str = "radar_login";

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// A local path to go to after signing in; anything else (another site, `//host`) is dropped.
fn local(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_owned)
}

/// Where each role starts.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        Role::Operator => "/operator",
        Role::Agent => "/agent",
    }
}

fn login_page(
    st: &AppState,
    headers: &HeaderMap,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let token = random_secret();
    let page = layout(
        "Sign in",
        html! {
            h1 { "Sign in" }
            p { "For operators, agents and administrators. The status pages need no account." }
            @if let Some(e) = error { p.err role="alert" { (e) } }
            form method="post" action="/login" {
                input type="hidden" name="login_csrf" value=(token);
                @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                label { "User name " input name="name" autocomplete="username" required autofocus; }
                label { "Password " input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Sign in" }
            }
        },
    );
    let mut resp = (status, Html(page.into_string())).into_response();
    let c = set_cookie(LOGIN_COOKIE, &token, 600, secure_cookies(st, headers));
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&c).expect("cookie is ASCII"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /login`.
pub async fn login_form(
    State(st): State<AppState>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    login_page(
        &st,
        &headers,
        local(q.next.as_deref()).as_deref(),
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct LoginFields {
    name: String,
    password: String,
    login_csrf: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(State(st): State<AppState>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let bytes = match crate::intake::api::read_body(body, 16 * 1024).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let Ok(f) = serde_urlencoded::from_bytes::<LoginFields>(&bytes) else {
        return login_page(
            &st,
            &headers,
            None,
            Some("Please fill in the form."),
            StatusCode::BAD_REQUEST,
        );
    };
    let next = local(f.next.as_deref());
    let fail = |msg: &str, status| login_page(&st, &headers, next.as_deref(), Some(msg), status);
    if !cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same(c, &f.login_csrf)) {
        return fail(
            "This sign-in form is out of date or was not sent from this site. Please try again.",
            StatusCode::FORBIDDEN,
        );
    }
    let now = st.clock.now();
    let name = f.name.trim().to_ascii_lowercase();
    let client = Client::of(&st.settings, &headers, peer);
    let keys = vec![
        format!("user:{name}"),
        format!("net:{}", st.secret.network_tag(now, &client.network())),
    ];
    if let Some(wait) = st.throttle.wait(&keys, now) {
        let mut resp = fail(
            &format!(
                "Too many failed sign-ins; please wait {} minutes.",
                wait.div_ceil(60)
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return resp;
    }
    let user = match st.store.accounts().user(&name).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "cannot read accounts");
            return fail(
                "Sign-in is not possible right now; please try again in a minute.",
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    };
    let stored = user
        .as_ref()
        .map_or_else(|| password::decoy().to_owned(), |u| u.password_hash.clone());
    let ok = password::verify_async(f.password, stored).await;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            st.throttle.failed(&keys, now);
            tracing::info!(user = %name, "failed sign-in");
            return fail(
                "Wrong user name or password, or the account is disabled.",
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    st.throttle.succeeded(&keys[0]);
    let secret = random_secret();
    let hours = i64::from(st.settings.session_hours);
    let session = Session {
        id_hash: sha256(&secret),
        user: user.name.clone(),
        created: now,
        expires: radar_core::Timestamp(now.0 + hours * 3600),
    };
    if let Err(e) = st.store.accounts().add_session(&session).await {
        tracing::error!(error = %e, "cannot store a session");
        return fail(
            "Sign-in is not possible right now; please try again in a minute.",
            StatusCode::SERVICE_UNAVAILABLE,
        );
    }
    crate::auth::audit_as(
        &st,
        &format!("user:{}", user.name),
        "login",
        &user.name,
        None,
        None,
    )
    .await;
    let secure = secure_cookies(&st, &headers);
    let mut resp = Redirect::to(next.as_deref().unwrap_or(home(user.role))).into_response();
    for c in [
        set_cookie(SESSION_COOKIE, &secret, hours * 3600, secure),
        set_cookie(LOGIN_COOKIE, "", 0, secure),
    ] {
        resp.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&c).expect("cookie is ASCII"),
        );
    }
    resp
}

#[derive(Deserialize)]
pub struct NoFields {}

/// `POST /logout` (any signed-in role).
pub async fn logout(
    State(st): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Response {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = st.store.accounts().remove_session(&sha256(secret)).await {
            tracing::error!(error = %e, "cannot remove a session");
        }
    }
    crate::auth::audit(
        &st,
        &who,
        "logout",
        who.user.as_deref().unwrap_or(""),
        None,
        None,
    )
    .await;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&set_cookie(
            SESSION_COOKIE,
            "",
            0,
            secure_cookies(&st, &headers),
        ))
        .expect("cookie is ASCII"),
    );
    resp
}

/// The page frame of the consoles: the public layout with who is signed in, the consoles
/// they may open, and a sign-out button.
pub fn console(title: &str, who: &Principal, body: Markup) -> Markup {
    use radar_core::account::Permission;
    layout(
        title,
        html! {
            nav aria-label="Consoles" {
                @if who.may(Permission::Calls) { a href="/agent" accesskey="a" { "Agent console" } " · " }
                @if who.may(Permission::Incidents) { a href="/operator" accesskey="o" { "Operator console" } " · " }
                @if who.may(Permission::Audit) { a href="/operator/audit" { "Audit log" } " · " }
                @if who.may(Permission::Users) { a href="/admin" { "Accounts" } " · " }
                "Signed in as " strong { (who.user.as_deref().unwrap_or(&who.actor)) } " (" (who.role) ") "
                form method="post" action="/logout" style="display:inline" {
                    (hidden(who))
                    button type="submit" { "Sign out" }
                }
            }
            (body)
        },
    )
}
