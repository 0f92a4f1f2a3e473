//! Public HTML pages: readable without JavaScript.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use radar_core::detect::Episode;
use radar_core::{Problem, Timestamp};
use serde::Deserialize;

use crate::publish::api::known_provider;
use crate::state::AppState;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1f24}\
a{color:#0b57d0}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}\
.ok{color:#137333}.bad{color:#b3261e;font-weight:600}.box{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}\
.err{background:#fce8e6;padding:.5rem;border-radius:4px}label{display:block;margin:.4rem 0}";

pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Outage Radar" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header { a href="/" { "Outage Radar" } }
                (body)
            }
        }
    }
}

fn scope(e: &Episode) -> String {
    let mut parts = Vec::new();
    if !e.services.is_empty() {
        parts.push(
            e.services
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !e.technologies.is_empty() {
        parts.push(e.technologies.join("/"));
    }
    if !e.regions.is_empty() {
        parts.push(format!(
            "{} region(s): {}",
            e.regions.len(),
            e.regions
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    parts.join(" · ")
}

pub async fn overview(State(st): State<AppState>) -> Html<String> {
    let episodes = st.detection.episodes(None);
    let body = html! {
        h1 { "Is it down?" }
        p { "Live problem reports for " (st.topology.providers.len()) " providers." }
        table {
            tr { th { "Provider" } th { "Status" } }
            @for p in &st.topology.providers {
                @let open: Vec<&Episode> = episodes.iter().filter(|e| e.provider == p.id && e.end.is_none()).collect();
                tr {
                    td { a href={ "/providers/" (p.id) } { (p.name) } }
                    td {
                        @if open.is_empty() { span.ok { "No known problems" } }
                        @else { span.bad { "Problems since " (open[0].start) } }
                    }
                }
            }
        }
    };
    Html(layout("Overview", body).into_string())
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub reported: Option<String>,
    /// `de` or `en`; otherwise the Accept-Language header decides.
    pub lang: Option<String>,
}

/// The language for incident texts: `?lang=`, else Accept-Language, else English.
pub fn language(query: Option<&str>, headers: &axum::http::HeaderMap) -> &'static str {
    let pick = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("de") {
            Some("de")
        } else if s.starts_with("en") {
            Some("en")
        } else {
            None
        }
    };
    if let Some(l) = query.and_then(pick) {
        return l;
    }
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(pick))
        .unwrap_or("en")
}

/// A declared incident as a block: title, state, scope, statements, workaround, expected end.
pub fn incident_block(inc: &radar_core::incident::Incident, lang: &str) -> Markup {
    let t = |x: &radar_core::event::LocalizedText| x.get(lang).unwrap_or("").to_owned();
    html! {
        div.box {
            p { strong { (t(&inc.title)) } " — " (inc.category) ", " span class=(if inc.is_open() { "bad" } else { "ok" }) { (inc.state) } }
            p { "Since " (inc.start)
                @if let Some(e) = inc.expected_end { " · expected end " (e) }
                @if let Some(e) = inc.end { " · ended " (e) } }
            @if !inc.services.is_empty() || !inc.components.is_empty() {
                p { "Affects: "
                    (inc.services.iter().map(|s| s.as_str()).chain(inc.components.iter().map(|c| c.component.as_str())).collect::<Vec<_>>().join(", "))
                    @match &inc.regions { None => " (all regions)", Some(r) => { " (" (r.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")) ")" } } }
            }
            @if let Some(w) = inc.workaround() { p.ok { (if lang == "de" { "Abhilfe: " } else { "Workaround: " }) (t(w)) } }
            @for s in inc.statements.iter().rev() { p { small { (s.time) } " " (t(&s.text)) } }
            p { a href={ "/incidents/" (inc.id) "?lang=" (lang) } { "Details and related incidents" } }
        }
    }
}

/// Reports per 15 minutes over the last 24 hours, as an inline SVG bar chart.
fn chart(bins: &[u64]) -> Markup {
    let max = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let w = 4.0;
    let h = 80.0;
    html! {
        svg width=(bins.len() as f64 * w) height=(h + 2.0) role="img" aria-label="Reports per 15 minutes, last 24 hours" {
            @for (i, n) in bins.iter().enumerate() {
                @let bh = (*n as f64 / max) * h;
                rect x=(i as f64 * w) y=(h - bh) width=(w - 1.0) height=(bh) fill="#0b57d0" {
                    title { (n) " reports" }
                }
            }
            line x1="0" y1=(h) x2=(bins.len() as f64 * w) y2=(h) stroke="#999" {}
        }
    }
}

pub async fn provider_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let provider =
        match known_provider(&st, &id) {
            Ok(p) => p,
            Err(_) => return (
                axum::http::StatusCode::NOT_FOUND,
                Html(
                    layout(
                        "Not found",
                        html! { h1 { "No such provider" } p { a href="/" { "All providers" } } },
                    )
                    .into_string(),
                ),
            )
                .into_response(),
        };
    let lang = language(q.lang.as_deref(), &headers);
    render_provider(
        &st,
        &provider,
        lang,
        q.reported.is_some(),
        None,
        axum::http::StatusCode::OK,
    )
    .await
}

/// Renders a provider page; `form_error` re-renders the form with a message.
pub async fn render_provider(
    st: &AppState,
    provider: &radar_core::ProviderId,
    lang: &str,
    reported: bool,
    form_error: Option<String>,
    status: axum::http::StatusCode,
) -> Response {
    let p = st
        .topology
        .provider(provider.as_str())
        .expect("checked provider");
    let now = st.clock.now();
    let since = Timestamp((now.0 / 900 - 95) * 900);
    // A store failure leaves the rest of the page (and the report form) working, with a note.
    let mut unavailable: Vec<&str> = Vec::new();
    let counts = match st
        .store
        .minute_counts(provider, since, Timestamp(now.0 + 60))
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, %provider, "cannot read report counts");
            unavailable.push("report counts");
            Vec::new()
        }
    };
    let mut bins = vec![0u64; 96];
    for c in counts {
        let i = ((c.minute.0 - since.0) / 900) as usize;
        if i < bins.len() {
            bins[i] += c.reporters;
        }
    }
    let episodes = st.detection.episodes(Some(provider));
    let open: Vec<&Episode> = episodes.iter().filter(|e| e.end.is_none()).collect();
    let recent: Vec<&Episode> = episodes
        .iter()
        .rev()
        .filter(|e| e.end.is_some())
        .take(5)
        .collect();
    let services: Vec<_> = st.topology.services_of(provider.as_str()).collect();
    let stored = match st.store.incidents_of(provider).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, %provider, "cannot read incidents");
            unavailable.push("declared incidents");
            Vec::new()
        }
    };
    let declared: Vec<radar_core::incident::Incident> = stored
        .into_iter()
        .map(|s| s.incident)
        .filter(|i| i.is_open() || i.end.is_some_and(|e| now.0 - e.0 < 7 * 86_400))
        .collect();
    let body = html! {
        h1 { (p.name) }
        @if reported { p.box.ok { "Thank you: your report was received." } }
        @if !unavailable.is_empty() {
            p.err { "Some information cannot be shown right now (" (unavailable.join(", ")) "); please try again in a minute." }
        }
        div.box {
            @if open.is_empty() {
                p.ok { "No known problems right now." }
            } @else {
                @for e in &open {
                    p.bad { "Problems since " (e.start) ": " (scope(e)) }
                }
            }
        }
        @if !declared.is_empty() {
            h2 { "Incidents" }
            p { small { a href={ "?lang=de" } { "Deutsch" } " · " a href={ "?lang=en" } { "English" } } }
            @for inc in declared.iter().rev() { (incident_block(inc, lang)) }
        }
        h2 { "Reports, last 24 hours" }
        (chart(&bins))
        @if !recent.is_empty() {
            h2 { "Recent outages" }
            table {
                tr { th { "From" } th { "To" } th { "Scope" } }
                @for e in &recent {
                    tr { td { (e.start) } td { (e.end.map(|t| t.to_string()).unwrap_or_default()) } td { (scope(e)) } }
                }
            }
        }
        h2 id="report" { "Report a problem" }
        @if let Some(err) = &form_error { p.err { (err) } }
        form method="post" action={ "/providers/" (provider) "/report" } {
            label { "Service " select name="service" {
                option value="" { "(not sure)" }
                @for s in &services { option value=(s.id) { (s.name) } }
            } }
            label { "Problem " select name="problem" {
                @for pr in Problem::ALL { option value=(pr.as_str()) { (pr.as_str()) } }
            } }
            label { "Postcode " input name="postcode" inputmode="numeric" pattern="[0-9]{5}" required placeholder="80331"; }
            button type="submit" { "Send report" }
        }
        p { a href="/" { "All providers" } }
    };
    (status, Html(layout(&p.name, body).into_string())).into_response()
}
