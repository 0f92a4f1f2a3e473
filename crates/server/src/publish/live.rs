//! Live pages: where JavaScript runs, a page listens to `GET /live` (server-sent events) and,
//! when the data it shows changed, fetches itself again and swaps in the parts marked
//! `data-live-part` (the report form and what is typed in it stay). Without JavaScript the
//! page shows when it was made ("Updated 14:52") and a link that reloads it.
//!
//! The stream sends a `changed` event with a fingerprint of what the page shows — the
//! product view's outages (id, state, end, statements, level) of the provider or of all, the
//! providers' levels, the detector's last minute of the provider and the quarter hour — first
//! at once, then whenever it differs, checked every [`POLL`]. The view is the shared cached
//! one, so a watching page costs no store read. A stream ends after [`MAX_STREAM`] (the
//! browser reconnects after `retry`), so a shutdown never waits longer than that for it.
//!
//! The script is inline and allowed by its SHA-256 in the Content-Security-Policy
//! ([`script_source`]); no other script may run.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use base64ct::Encoding;
use maud::{html, Markup, PreEscaped};
use radar_core::ProviderId;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::explain::outages::product_view;
use crate::publish::api::known_provider;
use crate::state::AppState;

/// How often a stream checks for a change.
pub const POLL: Duration = Duration::from_secs(5);
/// How long one stream lasts before the browser reconnects.
pub const MAX_STREAM: Duration = Duration::from_secs(60);

/// The page script: listen, and on a changed fingerprint swap in the live parts.
pub const SCRIPT: &str = "(function(){var r=document.querySelector('[data-live]');\
if(!r||!window.EventSource||!window.fetch)return;var last=null,\
s=new EventSource(r.getAttribute('data-live'));\
s.onopen=function(){r.setAttribute('data-open','1')};s.addEventListener('changed',function(e){if(last===null||e.data===last){last=e.data;return}\
last=e.data;fetch(location.href,{headers:{Accept:'text/html'}}).then(function(x){return x.text()})\
.then(function(t){var d=new DOMParser().parseFromString(t,'text/html');\
document.querySelectorAll('[data-live-part]').forEach(function(el){var n=d.getElementById(el.id);\
if(n)el.replaceWith(n)})})})})();";

/// The CSP source that allows [`SCRIPT`] and nothing else: `'sha256-…'`.
pub fn script_source() -> String {
    format!(
        "'sha256-{}'",
        base64ct::Base64::encode_string(&Sha256::digest(SCRIPT.as_bytes()))
    )
}

/// The script element; `stream` is the `/live` URL the page listens to.
pub fn script(stream: &str) -> Markup {
    html! {
        div hidden data-live=(stream) {}
        script { (PreEscaped(SCRIPT)) }
    }
}

#[derive(Deserialize)]
pub struct LiveQuery {
    pub provider: Option<String>,
}

/// What a page of `provider` (or the overview) shows, as a number that changes with it.
async fn fingerprint(st: &AppState, provider: Option<&ProviderId>) -> Option<u64> {
    let lv = product_view(st).await.ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (lv.view.now.0 / 900).hash(&mut h);
    for o in &lv.view.outages {
        if provider.is_some_and(|p| *p != o.provider) {
            continue;
        }
        o.id.hash(&mut h);
        o.state.as_str().hash(&mut h);
        o.end.map(|t| t.0).hash(&mut h);
        o.level().as_str().hash(&mut h);
        if let Some(i) = &o.incident {
            i.statements.len().hash(&mut h);
            i.timeline.len().hash(&mut h);
        }
    }
    for p in &lv.view.providers {
        p.level.as_str().hash(&mut h);
    }
    if let Some(s) = provider.and_then(|p| st.detection.status(p)) {
        s.minute_start.0.hash(&mut h);
        s.observed.to_bits().hash(&mut h);
    }
    Some(h.finish())
}

/// `GET /live?provider=…`: `changed` events with the page's fingerprint.
pub async fn events(State(st): State<AppState>, Query(q): Query<LiveQuery>) -> Response {
    let provider = match q.provider.as_deref().map(|p| known_provider(&st, p)) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => return e.into_response(),
    };
    let started = tokio::time::Instant::now();
    let stream = futures_util::stream::unfold(
        (st, provider, None::<u64>, true),
        move |(st, provider, last, first)| async move {
            loop {
                if !first {
                    if started.elapsed() >= MAX_STREAM {
                        return None;
                    }
                    tokio::time::sleep(POLL).await;
                }
                let fp = fingerprint(&st, provider.as_ref()).await;
                if let Some(fp) = fp.filter(|fp| Some(*fp) != last) {
                    let event = Event::default()
                        .event("changed")
                        .retry(Duration::from_secs(3))
                        .data(format!("{fp:016x}"));
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (st, provider, Some(fp), false),
                    ));
                }
                if first {
                    // The view could not be built: say nothing yet, try again later.
                    return Some((
                        Ok(Event::default().comment("waiting")),
                        (st, provider, last, false),
                    ));
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_script() {
        let src = script_source();
        assert!(src.starts_with("'sha256-") && src.ends_with('\''));
        assert_eq!(src.len(), "'sha256-'".len() + 44);
        // The element carries exactly the hashed text.
        let html = script("/live").into_string();
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
    }
}
