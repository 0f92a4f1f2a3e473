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
//! untouched, and so do answers that carry their own tag (page snapshots, `snapshot`, which
//! answer `If-None-Match` themselves). Compression (gzip) is `tower_http`'s layer in the router, outside this one.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
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
pub(crate) fn matches(if_none_match: &str, tag: &str) -> bool {
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
        || h.contains_key(header::ETAG)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        tracing::error!("an answer too large to tag (over {MAX_BODY} bytes)");
        return crate::problem::Problem::internal().into_response();
    };
    let tag = etag_of(&bytes);
    let h = &mut parts.headers;
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&tag).expect("hex tag is a valid header value"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    h.append(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    if if_none_match.is_some_and(|v| matches(&v, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        h.remove(header::CONTENT_LENGTH);
        h.remove(header::CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
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
