//! Defences every response and request passes: security headers, a same-origin check for
//! state-changing browser requests, and the metrics endpoint kept to operators.
//!
//! - **Headers.** `Content-Security-Policy` allowing one inline script by its hash (the live
//!   pages' reload; every page works without it) and `frame-ancestors 'none'`, `X-Frame-Options: DENY` for older
//!   browsers, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a provider
//!   page says which operator someone has trouble with) and `Cross-Origin-Opener-Policy`.
//!   Set only where a handler set none.
//! - **Same origin.** A browser marks a cross-site request with `Origin` (on every POST) and
//!   `Sec-Fetch-Site`; a form on another site that posts here, or an auto-submitting one that
//!   turns every visitor into a reporter, is refused with 403. Requests without either header
//!   (scripts, `curl`, the JSON API's clients) are not browsers acting for someone else and
//!   pass; the JSON API is protected by requiring `application/json`, which a cross-site form
//!   cannot send without a preflight.
//! - **Metrics.** `/metrics` answers a bearer `metrics_token` if one is set, else loopback
//!   clients only.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::settings::Secret;
use crate::state::AppState;

/// The policy for every response. Inline styles are allowed (the pages' one style sheet is
/// inline, to need no second request); the only script allowed is the live pages' inline
/// one, by its SHA-256 (`publish::live`), which may connect to this origin only (its event
/// stream and the page it reloads).
pub fn csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; script-src {}; connect-src 'self'; style-src 'unsafe-inline'; \
             img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            crate::publish::live::script_source()
        )
    })
}

/// Adds the security headers a handler did not set.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, csp()),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

/// Whether a state-changing request comes from another site: its `Origin` names another host
/// than the one it was sent to, or (without `Origin`) `Sec-Fetch-Site` says `cross-site`.
pub fn cross_site(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| h.trim().to_ascii_lowercase());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return true;
        };
        // "null" is an opaque origin (sandboxed frame, file:, some redirects) — and what
        // Chromium sends on a form post from a page served with `Referrer-Policy: no-referrer`,
        // as ours are. Then Fetch Metadata decides: only `same-origin` is this site.
        if origin.as_bytes() == b"null" {
            return !headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("same-origin"));
        }
        let authority = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
        return match (authority, host) {
            (Some(a), Some(h)) => a != h,
            _ => true,
        };
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

/// Refuses state-changing requests from other sites (see the module documentation).
pub async fn same_origin(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if !safe && cross_site(req.headers()) {
        st.metrics.reject("cross-site", 1);
        return Problem::new(
            StatusCode::FORBIDDEN,
            "cross-site-request",
            "Cross-site request refused",
            "this request was sent by a page of another site; report a problem on this site's own page",
        )
        .into_response();
    }
    next.run(req).await
}

/// Whether the request carries `Authorization: Bearer <expected>`. Digests are compared, so
/// the comparison takes the same time wherever the tokens differ.
pub fn bearer_is(headers: &HeaderMap, expected: &Secret) -> bool {
    use sha2::{Digest, Sha256};
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| {
            Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
        })
}

/// `/metrics` for operators: the bearer `metrics_token` when one is set, else loopback clients.
pub fn metrics_allowed(st: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    match &st.settings.metrics_token {
        Some(token) => bearer_is(headers, token),
        None => peer.is_some_and(|p| p.ip().is_loopback()),
    }
}

/// The peer address, when the server was started with connection info.
pub fn peer(req: &Request) -> Option<SocketAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// The method as a metrics label: the standard ones by name, anything else as `other`, so
/// that made-up methods cannot grow the label set.
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    #[test]
    fn cross_site_by_origin_or_fetch_metadata() {
        let host = ("host", "radar.example:8080");
        assert!(!cross_site(&h(&[
            host,
            ("origin", "https://radar.example:8080")
        ])));
        assert!(!cross_site(&h(&[
            host,
            ("origin", "http://RADAR.example:8080/")
        ])));
        assert!(cross_site(&h(&[host, ("origin", "https://evil.example")])));
        assert!(cross_site(&h(&[host, ("origin", "null")])));
        assert!(cross_site(&h(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(
            !cross_site(&h(&[
                host,
                ("origin", "null"),
                ("sec-fetch-site", "same-origin")
            ])),
            "Chromium's form post under Referrer-Policy: no-referrer"
        );
        assert!(cross_site(&h(&[host, ("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&h(&[host, ("sec-fetch-site", "same-origin")])));
        assert!(!cross_site(&h(&[host])), "scripts send neither");
    }

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"FOO").unwrap()), "other");
    }
}
