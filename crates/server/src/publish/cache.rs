//! Conditional GET and compression for what anyone may read, so that a crowd asking for the
//! same page during a big outage costs a hash and a small answer, not a page each.
//!
//! A successful `GET`/`HEAD` answer that does not say how it may be cached gets a weak `ETag`
//! (a hash of its body: compression changes the bytes on the wire, not the content, hence
//! weak), `Cache-Control: public, no-cache` (a cache may keep it but must ask again each time:
//! outage data changes by the minute) and `Vary: Accept, Accept-Language` (pages follow the
//! reader's language, errors the kind of client). A request whose `If-None-Match` names that
//! tag gets `304 Not Modified` with no body. Answers that already set `Cache-Control` (sign-in
//! and consoles: `no-store`), set a cookie, or stream events (`text/event-stream`) pass through
//! untouched; page snapshots (`snapshot`) are tagged once and answered with [`public`] and
//! [`not_modified`] themselves. Compression (gzip) is `tower_http`'s layer in the router,
//! outside this one.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Bodies up to this size are tagged; a larger one (none of the pages or JSON answers comes
/// near it) fails with 500 rather than being cut.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// The weak entity tag of a body.
pub fn etag_of(body: &[u8]) -> String {
    let d = Sha256::digest(body);
    let hex: String = d[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, RFC 9110 13.1.2).
fn matches(if_none_match: &str, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(tag))
}

pub async fn conditional(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let resp = next.run(req).await;
    let h = resp.headers();
    let streaming = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if resp.status() != StatusCode::OK
        || streaming
        || h.contains_key(header::CACHE_CONTROL)
        || h.contains_key(header::SET_COOKIE)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        tracing::error!("an answer too large to tag (over {MAX_BODY} bytes)");
        return crate::problem::Problem::internal().into_response();
    };
    let tag = etag_of(&bytes);
    let tag = HeaderValue::from_str(&tag).expect("hex tag is a valid header value");
    if public(&mut parts.headers, tag, if_none_match.as_deref()) {
        return not_modified(parts);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Marks an answer anyone may read with its tag, `Cache-Control: public, no-cache` and
/// `Vary: Accept, Accept-Language`; true when `if_none_match` names the tag (answer 304).
pub(crate) fn public(h: &mut HeaderMap, tag: HeaderValue, if_none_match: Option<&str>) -> bool {
    let named = if_none_match.is_some_and(|v| matches(v, tag.to_str().unwrap_or_default()));
    h.insert(header::ETAG, tag);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    h.append(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    named
}

/// The 304 for an answer whose tag the client has: its headers without a body.
pub(crate) fn not_modified(mut parts: axum::http::response::Parts) -> Response {
    parts.status = StatusCode::NOT_MODIFIED;
    for h in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(h);
    }
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_body_and_match_weakly() {
        let a = etag_of(b"<p>O2</p>");
        assert_eq!(a, etag_of(b"<p>O2</p>"));
        assert_ne!(a, etag_of(b"<p>O2.</p>"));
        assert!(a.starts_with("W/\""));
        let strong = a.trim_start_matches("W/");
        assert!(matches(&a, &a));
        assert!(matches(strong, &a));
        assert!(matches(&format!("\"x\", {a}"), &a));
        assert!(matches("*", &a));
        assert!(!matches("\"x\"", &a));
    }
}
