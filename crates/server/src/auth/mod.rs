//! Who is asking, and may they. Three ways in:
//!
//! - **Session cookie** (`radar_session`, HttpOnly, SameSite=Strict, Secure when configured or
//!   behind TLS): for the consoles. The cookie holds 32 random bytes; the store keeps their
//!   SHA-256. The session's CSRF token is derived from the cookie's secret, so a page of
//!   another site can neither read nor compute it; every state-changing form carries it
//!   ([`csrf::CsrfForm`]).
//! - **API token** (`Authorization: Bearer rt_…`): for automation; scoped, stored hashed,
//!   shown once by `radar token add`.
//! - **The bootstrap operator token** of the settings: the operator's permissions, for a
//!   server without accounts yet.
//!
//! Every guarded route is declared once in [`routes::table`] with the one [`Permission`] it
//! needs; the router puts the [`routes::require`] layer on it, which authenticates, checks the
//! permission and hands the handler a [`Principal`]. HTML routes take sessions only (no
//! credentials: a redirect to `/login`), JSON routes bearer tokens only (401 problem).
//! A wrong role is 403 either way.

pub mod admin;
pub mod csrf;
pub mod login;
pub mod manage;
pub mod password;
pub mod routes;
pub mod throttle;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use radar_core::account::{Permission, Role};
use radar_core::audit::AuditDraft;
use sha2::{Digest, Sha256};

use crate::problem::Problem;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "radar_session";

/// Who is asking, as the guard layer established it.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The name in the audit log: `user:anna`, `token:rt_1a2b3c4d`, `operator-token`.
    pub actor: String,
    /// The account's name (none for the bootstrap token).
    pub user: Option<String>,
    pub role: Role,
    /// What this credential may do: the role's permissions, narrowed by a token's scopes.
    pub permissions: Vec<Permission>,
    /// The session's CSRF token (sessions only).
    pub csrf: Option<String>,
}

impl Principal {
    pub fn may(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }
}

/// Handlers behind [`routes::require`] read the principal it stored. A handler routed without
/// the layer fails closed (500) rather than run unauthenticated.
impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            tracing::error!(path = %parts.uri.path(), "a guarded handler was routed without its guard");
            Problem::internal()
        })
    }
}

/// 32 random bytes as 64 hex digits.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).expect("the operating system provides randomness");
    radar_core::audit::hex(&b)
}

pub fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// The CSRF token of the session whose cookie holds `secret`.
pub fn csrf_of(secret: &str) -> String {
    radar_core::audit::hex(&Sha256::digest(format!("radar-csrf:{secret}").as_bytes()))
}

/// Equal strings, compared by digest (no early exit on the first difference).
pub fn same(a: &str, b: &str) -> bool {
    sha256(a) == sha256(b)
}

/// The value of a cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The bearer token of the request.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Why a request is not let in.
#[derive(Debug)]
pub enum Denied {
    /// No credentials, or none that are valid.
    Unauthenticated(&'static str),
    /// Valid credentials without the permission.
    Forbidden(Permission),
    Store(Problem),
}

fn store_failed(e: radar_store::StoreError) -> Denied {
    tracing::error!(error = %e, "cannot read accounts");
    Denied::Store(Problem::unavailable("accounts cannot be read; retry later"))
}

/// The principal a bearer token names: the bootstrap operator token or an API token.
pub async fn from_bearer(st: &AppState, token: &str) -> Result<Principal, Denied> {
    if let Some(expected) = &st.settings.operator_token {
        if same(token, expected.expose()) {
            return Ok(Principal {
                actor: "operator-token".into(),
                user: None,
                role: Role::Operator,
                permissions: Role::Operator.permissions().to_vec(),
                csrf: None,
            });
        }
    }
    let now = st.clock.now();
    let Some((t, owner)) = st
        .store
        .accounts()
        .token(&sha256(token))
        .await
        .map_err(store_failed)?
    else {
        return Err(Denied::Unauthenticated("unknown token"));
    };
    if t.revoked || owner.disabled || t.expires.is_some_and(|e| e <= now) {
        return Err(Denied::Unauthenticated(
            "the token is revoked or expired, or its account is disabled",
        ));
    }
    Ok(Principal {
        actor: format!("token:{}", t.id),
        user: Some(owner.name.clone()),
        role: owner.role,
        permissions: t
            .scopes
            .iter()
            .copied()
            .filter(|p| owner.role.grants(*p))
            .collect(),
        csrf: None,
    })
}

/// Whether a report request comes from a trusted relay (a call-centre tool, an app relaying
/// its users' reports): the bootstrap operator token, or an API token with the scope `calls`.
/// Its per-report tokens are its reporters and it is not rate-limited. Anything else —
/// no token, an unknown one — is an anonymous client.
pub async fn trusted_relay(st: &AppState, headers: &HeaderMap) -> bool {
    match bearer(headers) {
        Some(t) => from_bearer(st, t)
            .await
            .is_ok_and(|p| p.user.is_none() || p.may(Permission::Calls)),
        None => false,
    }
}

/// The principal of a session cookie's value.
pub async fn from_session(st: &AppState, secret: &str) -> Result<Principal, Denied> {
    let id = sha256(secret);
    let Some((s, user)) = st
        .store
        .accounts()
        .session(&id)
        .await
        .map_err(store_failed)?
    else {
        return Err(Denied::Unauthenticated("no such session"));
    };
    if s.expires <= st.clock.now() || user.disabled {
        let _ = st.store.accounts().remove_session(&id).await;
        return Err(Denied::Unauthenticated("the session expired"));
    }
    Ok(Principal {
        actor: format!("user:{}", user.name),
        user: Some(user.name.clone()),
        role: user.role,
        permissions: user.role.permissions().to_vec(),
        csrf: Some(csrf_of(secret)),
    })
}

/// The audit entry of an action by `who`, to write with the change it records
/// (`Store::write_audited`).
pub fn draft(
    st: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) -> AuditDraft {
    AuditDraft {
        time: st.clock.now(),
        actor: who.actor.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        before,
        after,
    }
}

/// Records an action that is not itself a stored change (signing in and out, a probe result)
/// in the audit log. An entry that cannot be written is logged as an error.
pub async fn audit(
    st: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) {
    audit_as(st, &who.actor, action, target, before, after).await
}

/// [`audit`] for an actor named directly.
pub async fn audit_as(
    st: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) {
    let draft = AuditDraft {
        time: st.clock.now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        before,
        after,
    };
    if let Err(e) = st.store.accounts().append_audit(draft).await {
        tracing::error!(error = %e, action, target, "the audit entry of a stored change could not be written");
    }
}

/// Scopes as words: `incidents probes`.
pub fn scope_list(scopes: &[Permission]) -> String {
    scopes
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// JSON text of a value for the audit log.
pub fn json<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// Whether cookies of this request's response should be `Secure`: configured, or the request
/// came over TLS through a trusted proxy (`X-Forwarded-Proto: https`).
pub fn secure_cookies(st: &AppState, headers: &HeaderMap) -> bool {
    st.settings.secure_cookies
        || (st.settings.trust_forwarded_for
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

/// A `Set-Cookie` value with the attributes every cookie of ours has.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

impl Denied {
    pub fn problem(self) -> Problem {
        match self {
            Denied::Unauthenticated(why) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                format!("{why}; send an API token (radar token add) or the operator token as Authorization: Bearer <token>"),
            ),
            Denied::Forbidden(p) => Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                format!("this needs the permission {p:?}, which these credentials do not have", p = p.as_str()),
            ),
            Denied::Store(p) => p,
        }
    }
}
