//! Public HTML pages: readable without JavaScript.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use radar_core::view::{Level, Outage, ProviderStatus, RegionSet};
use radar_core::{Problem, Timestamp};
use serde::Deserialize;

use crate::explain::outages::product_view;
use crate::publish::api::known_provider;
use crate::publish::local_time;
use crate::state::AppState;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1f24}\
a{color:#0b57d0}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}\
.ok{color:#137333}.bad{color:#b3261e;font-weight:600}.box{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}\
.err{background:#fce8e6;padding:.5rem;border-radius:4px}label{display:block;margin:.4rem 0}\
.say{background:#e8f0fe;padding:.5rem;border-radius:4px;font-size:1.1rem}";

pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Outage Radar" }
                link rel="alternate" type="application/atom+xml" title="Outage Radar: all providers" href="/feed.atom";
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                header { a href="/" { "Outage Radar" } }
                (body)
            }
        }
    }
}

/// A service's name from the topology, else its id.
fn service_name(
    st: &AppState,
    provider: &radar_core::ProviderId,
    s: &radar_core::ServiceId,
) -> String {
    st.topology
        .service(provider.as_str(), s.as_str())
        .map_or_else(|| s.to_string(), |x| x.name.clone())
}

/// Services, technologies and regions of an outage, in a line.
fn scope(st: &AppState, o: &Outage) -> String {
    let mut parts = Vec::new();
    if !o.services.is_empty() {
        parts.push(
            o.services
                .iter()
                .map(|s| service_name(st, &o.provider, s))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !o.technologies.is_empty() {
        parts.push(o.technologies.join("/"));
    }
    match &o.regions {
        RegionSet::All => parts.push("all regions".to_owned()),
        RegionSet::Only(l) => parts.push(
            l.iter()
                .map(|r| {
                    st.topology
                        .region(r.as_str())
                        .map_or_else(|| r.to_string(), |x| x.name.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
    parts.join(" · ")
}

/// The headline of a provider in words: "Problems with Mobile internet since 14:49, 2 h 10 min".
fn headline_text(st: &AppState, h: &ProviderStatus, lang: &str, now: Timestamp) -> String {
    let de = lang == "de";
    let tz = st.topology.time_zone(h.provider.as_str());
    // Affected services grouped by since when: the newest problem first, then older ones
    // ("… since 14:49, 1 h; Customer service since 12 May 17:59, 5 d").
    let mut groups: Vec<(Option<Timestamp>, Vec<String>)> = Vec::new();
    for ss in h.services.iter().filter(|s| s.level != Level::Operational) {
        let name = service_name(st, &h.provider, &ss.service);
        match groups.iter_mut().find(|g| g.0 == ss.since) {
            Some(g) => g.1.push(name),
            None => groups.push((ss.since, vec![name])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    let parts: Vec<String> = groups
        .iter()
        .map(|(since, names)| {
            let names = names.join(", ");
            match since {
                Some(t) => format!("{names} {}", local_time::since(*t, now, tz, lang)),
                None => names,
            }
        })
        .collect();
    let (problems, with) = if de {
        ("Probleme", "mit")
    } else {
        ("Problems", "with")
    };
    if !parts.is_empty() {
        return format!("{problems} {with} {}", parts.join("; "));
    }
    match h.since {
        Some(t) => format!("{problems} {}", local_time::since(t, now, tz, lang)),
        None => problems.to_owned(),
    }
}

pub async fn overview(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let lv = match product_view(&st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let body = html! {
        h1 { "Is it down?" }
        p { "Live problem reports for " (st.topology.providers.len()) " providers." }
        table {
            tr { th { "Provider" } th { "Status" } }
            @for p in &st.topology.providers {
                tr {
                    td { a href={ "/providers/" (p.id) } { (p.name) } }
                    td {
                        @match lv.view.provider(&p.id) {
                            Some(h) if h.level != Level::Operational => { span.bad { (headline_text(&st, h, lang, lv.view.now)) } }
                            _ => { span.ok { "No known problems" } }
                        }
                    }
                }
            }
        }
    };
    Html(layout("Overview", body).into_string()).into_response()
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

/// One outage as a block: what (the operator's title, else "detected from user reports"),
/// its state, since when (local time of the provider, and how long), where, the workaround
/// while it applies, the expected end, and the statements, newest first.
pub fn outage_block(st: &AppState, o: &Outage, lang: &str, now: Timestamp) -> Markup {
    let t = |x: &radar_core::event::LocalizedText| x.get(lang).unwrap_or("").to_owned();
    let tz = st.topology.time_zone(o.provider.as_str());
    let de = lang == "de";
    html! {
        div.box {
            p {
                strong {
                    @match &o.incident {
                        Some(inc) => { (t(&inc.title)) }
                        None => { (if de { "Aus Nutzermeldungen erkannt" } else { "Detected from user reports" }) }
                    }
                }
                " — " span class=(if o.is_open() { "bad" } else { "ok" }) { (o.state) }
            }
            p {
                @match o.end {
                    None => { (local_time::since(o.start, now, tz, lang)) }
                    Some(end) => {
                        (local_time::date_time(o.start, tz, lang, now)) " – " (local_time::date_time(end, tz, lang, now))
                        " (" (local_time::duration(end.0 - o.start.0, lang)) ")"
                    }
                }
                @if let Some(e) = o.incident.as_ref().and_then(|i| i.expected_end).filter(|_| o.is_open()) {
                    " · " (if de { "erwartetes Ende " } else { "expected end " }) (local_time::date_time(e, tz, lang, now))
                }
            }
            p { (scope(st, o)) }
            @if let Some(inc) = &o.incident {
                @if let Some(w) = inc.workaround().filter(|_| o.is_open()) { p.ok { (if de { "Abhilfe: " } else { "Workaround: " }) (t(w)) } }
                @for s in inc.statements.iter().rev() { p { small { (local_time::date_time(s.time, tz, lang, now)) } " " (t(&s.text)) } }
            }
            p { a href={ "/incidents/" (o.id) "?lang=" (lang) } { (if de { "Details und Zusammenhänge" } else { "Details and related incidents" }) } }
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
    let tz = st.topology.time_zone(provider.as_str());
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
    let lv = match product_view(st).await {
        Ok(v) => Some(v),
        Err(_) => {
            unavailable.push("outages");
            None
        }
    };
    let services: Vec<_> = st.topology.services_of(provider.as_str()).collect();
    let mine: Vec<&Outage> = lv
        .as_ref()
        .map(|v| v.view.outages_of(provider).collect())
        .unwrap_or_default();
    let headline = lv.as_ref().and_then(|v| v.view.provider(provider));
    let open: Vec<&Outage> = mine.iter().copied().filter(|o| o.is_open()).collect();
    let recent: Vec<&Outage> = mine
        .iter()
        .rev()
        .copied()
        .filter(|o| o.end.is_some_and(|e| now.0 - e.0 < 7 * 86_400))
        .take(5)
        .collect();
    let body = html! {
        h1 { (p.name) }
        @if reported { p.box.ok { "Thank you: your report was received." } }
        @if !unavailable.is_empty() {
            p.err { "Some information cannot be shown right now (" (unavailable.join(", ")) "); please try again in a minute." }
        }
        div.box {
            @match headline {
                Some(h) if h.level != Level::Operational => { p.bad { (headline_text(st, h, lang, now)) } }
                _ => { p.ok { (if lang == "de" { "Derzeit keine bekannten Probleme." } else { "No known problems right now." }) } }
            }
        }
        @if !open.is_empty() {
            h2 { "Current outages" }
            p { small { a href={ "?lang=de" } { "Deutsch" } " · " a href={ "?lang=en" } { "English" } } }
            @for o in &open {
                (outage_block(st, o, lang, now))
            }
        }
        h2 { "Reports, last 24 hours" }
        (chart(&bins))
        @if !recent.is_empty() {
            h2 { "Recent outages" }
            table {
                tr { th { "From" } th { "To" } th { "Scope" } th { "" } }
                @for o in &recent {
                    tr { td { (local_time::date_time(o.start, tz, lang, now)) } td { (o.end.map(|t| local_time::date_time(t, tz, lang, now)).unwrap_or_default()) } td { (scope(st, o)) }
                         td { a href={ "/incidents/" (o.id) "?lang=" (lang) } { (o.id) } } }
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
