//! Snapshots of rendered public pages, so that a crowd asking for the same page during a big
//! outage costs a lookup and a copy of bytes, not a render and two store reads each.
//!
//! A page (the overview, a provider's page, a provider's history) or a JSON list of outages is
//! rendered once per key — its path (with the query string, for JSON) and language — and kept
//! with its body, the body compressed with gzip, and its entity tag. A snapshot answers a request while all of these hold:
//!
//! - nothing was written through this node since it was made (the product view's write
//!   generation, [`crate::explain::outages::ViewCache::generation`]: a statement, a status, a
//!   dismissal — shown at once);
//! - the clock is in the same minute (times, durations and the chart's last minute move with
//!   it);
//! - it is younger than [`MAX_AGE`]: what this node does not write itself — reports counted
//!   by the detector, an outage the detector opens, a change made through another node — is
//!   seen within that time, as with the view's own snapshot of stored inputs.
//!
//! The one reader who must see a report at once, its reporter, is sent back to the page with
//! `?reported=1`, which is always rendered afresh (see `pages::provider_page`).
//!
//! A page is rendered by one request at a time: the others wait for it and take its snapshot
//! (a crowd does not render the page once per connection). When only age made a snapshot
//! stale, they do not even wait: the old snapshot answers while the new one is made.
//!
//! The answer carries the snapshot's weak `ETag` and `Cache-Control: public, no-cache` and
//! answers `If-None-Match` with 304, through the same helpers as
//! [`crate::publish::cache::conditional`] (which, like the compression layer, then leaves it
//! alone).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::publish::cache::{etag_of, not_modified, public};
use crate::state::AppState;

/// How long a snapshot answers at most: the delay within which a change this node did not
/// write (a report counted, an outage detected, another node's statement) reaches the page.
/// The same order as the view's snapshot of stored inputs (500 ms) and far below what a
/// reader notices on a page that changes by the minute.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// Most answers kept: providers × languages × kinds stays far below it. JSON lists are kept
/// per query string, so a flood of distinct queries only empties the store (at worst this
/// many answers of a few hundred kilobytes each are held).
const MAX_ENTRIES: usize = 512;

/// Rendered bodies larger than this are not kept (none comes near it).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Which page, in which language.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct PageKey {
    pub path: String,
    pub lang: &'static str,
}

impl PageKey {
    pub fn new(path: impl Into<String>, lang: &'static str) -> PageKey {
        PageKey {
            path: path.into(),
            lang,
        }
    }
}

struct Snapshot {
    made: Instant,
    minute: radar_core::Minute,
    generation: u64,
    /// The rendered answer's headers (content type, security headers set by the handler).
    headers: HeaderMap,
    etag: HeaderValue,
    plain: Bytes,
    gzip: Bytes,
}

/// The pages kept, and one render lock per page.
#[derive(Default)]
pub struct PageSnapshots {
    pages: Mutex<HashMap<PageKey, Arc<Snapshot>>>,
    rendering: Mutex<HashMap<PageKey, Arc<tokio::sync::Mutex<()>>>>,
    renders: std::sync::atomic::AtomicU64,
}

enum Lookup {
    Fresh(Arc<Snapshot>),
    /// Right minute and writes, only older than [`MAX_AGE`].
    Aged(Arc<Snapshot>),
    Miss,
}

impl PageSnapshots {
    /// How many pages were rendered for a snapshot since start (tests and metrics).
    pub fn renders(&self) -> u64 {
        self.renders.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lookup(&self, key: &PageKey, minute: radar_core::Minute, generation: u64) -> Lookup {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = pages.get(key) else {
            return Lookup::Miss;
        };
        if s.minute != minute || s.generation != generation {
            return Lookup::Miss;
        }
        if s.made.elapsed() < MAX_AGE {
            Lookup::Fresh(s.clone())
        } else {
            Lookup::Aged(s.clone())
        }
    }

    fn render_lock(&self, key: &PageKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.rendering.lock().unwrap_or_else(|p| p.into_inner());
        if locks.len() >= MAX_ENTRIES && !locks.contains_key(key) {
            // Only unheld locks go; a held one stays with its renderer.
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(key.clone()).or_default().clone()
    }

    /// The page `key` from its snapshot, or rendered by `render` (and kept when it is a
    /// plain 200 that sets no cookie and no caching rule of its own).
    pub async fn page<F, Fut>(
        &self,
        st: &AppState,
        key: PageKey,
        request: &HeaderMap,
        render: F,
    ) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Response>,
    {
        let minute = st.clock.now().minute();
        let generation = st.view_cache.generation();
        let aged = match self.lookup(&key, minute, generation) {
            Lookup::Fresh(s) => return s.answer(request),
            Lookup::Aged(s) => Some(s),
            Lookup::Miss => None,
        };
        let lock = self.render_lock(&key);
        let _rendering = match lock.try_lock() {
            Ok(g) => g,
            Err(_) => {
                if let Some(s) = aged {
                    return s.answer(request);
                }
                let g = lock.lock().await;
                // Whoever held the lock has likely just made the page.
                let minute = st.clock.now().minute();
                if let Lookup::Fresh(s) = self.lookup(&key, minute, st.view_cache.generation()) {
                    return s.answer(request);
                }
                g
            }
        };
        let minute = st.clock.now().minute();
        let generation = st.view_cache.generation();
        let resp = render().await;
        let h = resp.headers();
        if resp.status() != StatusCode::OK
            || h.contains_key(header::CACHE_CONTROL)
            || h.contains_key(header::SET_COOKIE)
            || h.contains_key(header::CONTENT_ENCODING)
        {
            return resp;
        }
        let (parts, body) = resp.into_parts();
        let plain = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, page = %key.path, "cannot keep a rendered page");
                return crate::problem::Problem::internal().into_response();
            }
        };
        let snap = Arc::new(Snapshot {
            made: Instant::now(),
            minute,
            generation,
            etag: HeaderValue::from_str(&etag_of(&plain)).expect("hex tag is a valid header"),
            gzip: gzip(&plain),
            plain,
            headers: parts.headers,
        });
        self.renders
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
            if pages.len() >= MAX_ENTRIES && !pages.contains_key(&key) {
                pages.clear();
            }
            pages.insert(key.clone(), snap.clone());
        }
        snap.answer(request)
    }
}

impl Snapshot {
    fn answer(&self, request: &HeaderMap) -> Response {
        let if_none_match = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok());
        let (mut parts, ()) = Response::new(()).into_parts();
        parts.headers = self.headers.clone();
        parts.headers.remove(header::CONTENT_LENGTH);
        let revalidated = public(&mut parts.headers, self.etag.clone(), if_none_match);
        parts
            .headers
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if revalidated {
            return not_modified(parts);
        }
        let body = if accepts_gzip(request) {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            self.gzip.clone()
        } else {
            self.plain.clone()
        };
        Response::from_parts(parts, Body::from(body))
    }
}

/// Whether `Accept-Encoding` allows gzip (listed, or `*`, without `q=0`).
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim().replace(' ', "");
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn gzip(body: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body)
        .and_then(|_| enc.finish())
        .map(Bytes::from)
        .expect("compressing into memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        assert!(accepts_gzip(&headers(&[("accept-encoding", "gzip")])));
        assert!(accepts_gzip(&headers(&[(
            "accept-encoding",
            "br;q=1.0, gzip;q=0.8"
        )])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "*")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[(
            "accept-encoding",
            "br, deflate"
        )])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_snapshot_answers_plain_gzip_and_304() {
        let body = Bytes::from_static(b"<!DOCTYPE html><p>O2</p>");
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let s = Snapshot {
            made: Instant::now(),
            minute: radar_core::Minute(0),
            generation: 0,
            headers: h,
            etag: HeaderValue::from_str(&etag_of(&body)).unwrap(),
            gzip: gzip(&body),
            plain: body.clone(),
        };
        let plain = s.answer(&HeaderMap::new());
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let zipped = s.answer(&headers(&[("accept-encoding", "gzip")]));
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        let mut d = flate2::read::GzDecoder::new(&s.gzip[..]);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut back).unwrap();
        assert_eq!(back, body);
        let tag = s.etag.to_str().unwrap().to_owned();
        let not_modified = s.answer(&headers(&[("if-none-match", &tag)]));
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert!(not_modified.headers().get(header::CONTENT_TYPE).is_none());
        assert_eq!(not_modified.headers()[header::ETAG], tag.as_str());
    }
}
