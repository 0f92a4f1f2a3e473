//! Public HTML pages: the overview, a provider's page and the shared layout. Readable without
//! JavaScript, in German or English (every label from [`i18n`]), times in the provider's
//! local time, one column on a phone.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use radar_core::view::{Level, Outage, ProviderStatus, RegionSet};
use radar_core::{Problem, ProviderId, Timestamp};
use serde::Deserialize;

use crate::explain::outages::{product_view, LiveView};
use crate::publish::api::known_provider;
use crate::publish::chart::{self, Day};
use crate::publish::i18n::{self, t, tf};
use crate::publish::snapshot::PageKey;
use crate::publish::{live, local_time, map};
use crate::state::AppState;

const STYLE: &str = include_str!("pages.css");

/// The layout in English, for pages that have no language of their own (sign-in, consoles).
pub fn layout(title: &str, body: Markup) -> Markup {
    layout_in("en", title, body)
}

/// The layout of every public page: `<html lang>`, a skip link, the language switch (links
/// that keep the path: `?lang=de`), the content as `main`, and a footer with the
/// subscription and feed links.
pub fn layout_in(lang: &str, title: &str, body: Markup) -> Markup {
    let other = if lang == "de" { "en" } else { "de" };
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Outage Radar" }
                link rel="alternate" type="application/atom+xml" title=(t(lang, "layout.feed-title")) href="/feed.atom";
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (t(lang, "layout.skip")) }
                header.site {
                    div.wrap {
                        a.brand href={ "/?lang=" (lang) } { "Outage Radar" }
                        nav aria-label=(t(lang, "layout.language")) {
                            a href={ "?lang=" (other) } hreflang=(other) lang=(other) {
                                (t(other, "layout.this-language"))
                            }
                        }
                    }
                }
                main id="main" class="wrap" { (body) }
                footer.site {
                    div.wrap {
                        a href={ "/?lang=" (lang) } { (t(lang, "layout.all-providers")) }
                        " · " a href={ "/subscribe?lang=" (lang) } { (t(lang, "layout.subscribe")) }
                        " · " a href="/feed.atom" { (t(lang, "layout.feed")) }
                        " · " a href="/api/openapi.json" { (t(lang, "layout.api")) }
                    }
                }
            }
        }
    }
}

/// "Updated 14:52 · Reload": how fresh a page is, and a link that loads it again.
fn updated(lang: &str, now: Timestamp, tz: chrono_tz::Tz) -> Markup {
    html! {
        p.updated {
            (tf(lang, "layout.updated", &[("time", &local_time::time_of_day(now, tz))]))
            " · " a href={ "?lang=" (lang) } { (t(lang, "layout.reload")) }
        }
    }
}

/// An HTML error page (404 and other 4xx) for browsers.
pub fn error_page(lang: &str, status: StatusCode, heading: &str, detail: &str) -> Response {
    let body = html! {
        h1 { (heading) }
        p { (detail) }
        p { a href={ "/?lang=" (lang) } { (t(lang, "layout.all-providers")) } }
    };
    (status, Html(layout_in(lang, heading, body).into_string())).into_response()
}

/// Whether a client asked for HTML: its `Accept` names `text/html` (browsers do; API clients
/// and `curl` do not).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|m| m.trim().to_ascii_lowercase().starts_with("text/html"))
        })
}

/// Turns a 4xx `application/problem+json` answer into an HTML page for a browser (its
/// `Accept` names `text/html`), except under `/api/` and for `.json` documents, which stay
/// JSON for every client. The page says what went wrong in the request's language.
pub async fn html_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_owned();
    let html = wants_html(req.headers()) && !path.starts_with("/api/") && !path.ends_with(".json");
    let lang = language(
        req.uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))),
        req.headers(),
    );
    let resp = next.run(req).await;
    let problem = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !html || !problem || !resp.status().is_client_error() {
        return resp;
    }
    let status = resp.status();
    let retry = resp.headers().get(axum::http::header::RETRY_AFTER).cloned();
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let detail = doc["detail"].as_str().unwrap_or("");
    let mut page = if status == StatusCode::NOT_FOUND {
        error_page(
            lang,
            status,
            t(lang, "error.not-found"),
            &tf(lang, "error.not-found-detail", &[("path", &path)]),
        )
    } else {
        error_page(lang, status, t(lang, "error.client"), detail)
    };
    if let Some(r) = retry {
        page.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, r);
    }
    page
}

/// The time zone the overview shows times in: the first provider's.
fn overview_zone(st: &AppState) -> chrono_tz::Tz {
    st.topology
        .providers
        .first()
        .map_or(chrono_tz::Tz::UTC, |p| st.topology.time_zone(p.id.as_str()))
}

/// Services of an outage in words; "all services" when it names none.
fn service_words(st: &AppState, lang: &str, o: &Outage) -> String {
    if o.services.is_empty() {
        return t(lang, "outage.all-services").to_owned();
    }
    o.services
        .iter()
        .map(|s| i18n::service_name(&st.topology, lang, &o.provider, s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an outage is, in words: "all of Germany" or the Länder by name.
pub fn region_words(st: &AppState, lang: &str, regions: &RegionSet) -> String {
    match regions {
        RegionSet::All => t(lang, "outage.everywhere").to_owned(),
        RegionSet::Only(l) => l
            .iter()
            .map(|r| i18n::region_name(&st.topology, lang, r.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// What an outage is called: the operator's title, else "Problems with Mobile internet".
pub fn outage_title(st: &AppState, lang: &str, o: &Outage) -> String {
    match &o.incident {
        Some(inc) => inc.title.get(lang).unwrap_or("").to_owned(),
        None => tf(
            lang,
            "outage.detected-title",
            &[("services", &service_words(st, lang, o))],
        ),
    }
}

/// The headline of a provider in words: "Users report problems with Mobile internet since
/// 14:49 (2 h 10 min)."; services grouped by since when, newest first.
fn headline_text(st: &AppState, h: &ProviderStatus, lang: &str, now: Timestamp) -> String {
    let tz = st.topology.time_zone(h.provider.as_str());
    let mut groups: Vec<(Option<Timestamp>, Vec<String>)> = Vec::new();
    for ss in h.services.iter().filter(|s| s.level != Level::Operational) {
        let name = i18n::service_name(&st.topology, lang, &h.provider, &ss.service);
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
    if !parts.is_empty() {
        return tf(
            lang,
            "headline.problems-with",
            &[("what", &parts.join("; "))],
        );
    }
    match h.since {
        Some(t) => tf(
            lang,
            "headline.problems-since",
            &[("since", &local_time::since(t, now, tz, lang))],
        ),
        None => t(lang, "headline.problems").to_owned(),
    }
}

/// The status box of a provider: its headline in a sentence, coloured and with a word for
/// the level (never colour alone).
fn status_box(st: &AppState, lang: &str, h: Option<&ProviderStatus>, now: Timestamp) -> Markup {
    html! {
        @match h {
            Some(h) if h.level != Level::Operational => {
                div.status.bad role="status" {
                    p.level { (i18n::level(lang, h.level)) }
                    p { (headline_text(st, h, lang, now)) }
                }
            }
            _ => {
                div.status.ok role="status" {
                    p.level { (i18n::level(lang, Level::Operational)) }
                    p { (t(lang, "headline.none")) }
                }
            }
        }
    }
}

pub async fn overview(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    st.pages
        .page(&st, PageKey::new("/", lang), &headers, || {
            render_overview(&st, lang)
        })
        .await
}

async fn render_overview(st: &AppState, lang: &'static str) -> Response {
    let lv = match product_view(st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let now = st.clock.now();
    let start = chart::day_start(now);
    let mut sparks = Vec::new();
    for p in &st.topology.providers {
        let day = match st
            .store
            .minute_counts(&p.id, start, chart::day_end(now))
            .await
        {
            Ok(c) => Some(Day::of(&c, start, now)),
            Err(e) => {
                tracing::error!(error = %e, provider = %p.id, "cannot read report counts");
                None
            }
        };
        sparks.push(day);
    }
    let body = html! {
        h1 { (t(lang, "overview.title")) }
        p { (tf(lang, "overview.intro", &[("n", &st.topology.providers.len().to_string())])) }
        div id="live-overview" data-live-part {
        (updated(lang, now, overview_zone(st)))
        ul.providers {
            @for (p, day) in order(&lv.view, &st.topology.providers, &sparks) {
                @let h = lv.view.provider(&p.id);
                @let bad = h.is_some_and(|h| h.level != Level::Operational);
                li class=(if bad { "provider is-bad" } else { "provider is-ok" }) {
                    div.name {
                        a href={ "/providers/" (p.id) "?lang=" (lang) } { (p.name) }
                        " " span.level { (i18n::level(lang, h.map_or(Level::Operational, |h| h.level))) }
                    }
                    div.what {
                        @match h {
                            Some(h) if bad => { (headline_text(st, h, lang, lv.view.now)) }
                            _ => { (t(lang, "headline.none")) }
                        }
                    }
                    @if let Some(day) = day { (chart::sparkline(lang, day)) }
                }
            }
        }
        }
        (live::script("/live"))
    };
    Html(layout_in(lang, t(lang, "overview.title"), body).into_string()).into_response()
}

/// The overview's order: the worst level first, then the topology's order.
fn order<'a, T>(
    view: &radar_core::view::ProductView,
    providers: &'a [radar_core::topology::Provider],
    extra: &'a [T],
) -> Vec<(&'a radar_core::topology::Provider, &'a T)> {
    let mut v: Vec<_> = providers.iter().zip(extra).collect();
    v.sort_by_key(|(p, _)| {
        std::cmp::Reverse(view.provider(&p.id).map_or(Level::Operational, |h| h.level))
    });
    v
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub reported: Option<String>,
    /// `de` or `en`; otherwise the Accept-Language header decides.
    pub lang: Option<String>,
}

/// The language of a page: `?lang=`, else Accept-Language, else English.
pub fn language(query: Option<&str>, headers: &HeaderMap) -> &'static str {
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

/// One outage as a block: what (the operator's title, else "Problems with …"), its state in
/// words, since when (local time and how long), which services and where, the latest
/// statement, the workaround while the incident is open (never once resolved), the expected
/// end, and a link to the incident page.
pub fn outage_block(st: &AppState, o: &Outage, lang: &str, now: Timestamp) -> Markup {
    let text = |x: &radar_core::event::LocalizedText| x.get(lang).unwrap_or("").to_owned();
    let tz = st.topology.time_zone(o.provider.as_str());
    let open = o.is_open() && o.incident.as_ref().is_none_or(|i| i.is_open());
    html! {
        article.box {
            h3 { (outage_title(st, lang, o)) }
            p {
                span class=(if open { "tag bad" } else { "tag ok" }) { (i18n::state(lang, o.state)) }
                " "
                @match o.end {
                    None => { (local_time::since(o.start, now, tz, lang)) }
                    Some(end) => {
                        (local_time::date_time(o.start, tz, lang, now)) " – " (local_time::date_time(end, tz, lang, now))
                        " (" (local_time::duration(end.0 - o.start.0, lang)) ")"
                    }
                }
                @if let Some(e) = o.incident.as_ref().and_then(|i| i.expected_end).filter(|_| open) {
                    " · " (tf(lang, "outage.expected-end", &[("time", &local_time::date_time(e, tz, lang, now))]))
                }
            }
            p { (tf(lang, "outage.scope", &[("services", &service_words(st, lang, o)), ("regions", &region_words(st, lang, &o.regions))])) }
            @if let Some(inc) = &o.incident {
                @if let Some(w) = inc.workaround().filter(|_| open) {
                    p.workaround { (tf(lang, "outage.workaround", &[("text", &text(w))])) }
                }
                @if let Some(s) = inc.statements.last() {
                    p.statement { small { (local_time::date_time(s.time, tz, lang, now)) } " " (text(&s.text)) }
                }
                @if inc.statements.len() > 1 {
                    details {
                        summary { (t(lang, "outage.earlier-statements")) }
                        @for s in inc.statements.iter().rev().skip(1) {
                            p { small { (local_time::date_time(s.time, tz, lang, now)) } " " (text(&s.text)) }
                        }
                    }
                }
            }
            p { a href={ "/incidents/" (o.id) "?lang=" (lang) } { (t(lang, "outage.details")) } }
        }
    }
}

/// The provider of a page's path, or the page that says there is no such provider.
pub fn provider_or_404(st: &AppState, id: &str, lang: &str) -> Result<ProviderId, Box<Response>> {
    known_provider(st, id).map_err(|_| {
        Box::new(error_page(
            lang,
            StatusCode::NOT_FOUND,
            t(lang, "error.no-provider"),
            t(lang, "error.no-provider-detail"),
        ))
    })
}

pub async fn provider_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let provider = match provider_or_404(&st, &id, lang) {
        Ok(p) => p,
        Err(page) => return *page,
    };
    if q.reported.is_some() {
        // The reporter sees the page as it is now, with their report counted.
        let form = ReportForm {
            reported: true,
            ..ReportForm::default()
        };
        return render_provider(&st, &provider, lang, &form, StatusCode::OK).await;
    }
    let key = PageKey::new(format!("/providers/{provider}"), lang);
    let blank = ReportForm::default();
    st.pages
        .page(&st, key, &headers, || {
            render_provider(&st, &provider, lang, &blank, StatusCode::OK)
        })
        .await
}

/// The report form as it was sent back (values kept) with its errors beside the fields.
#[derive(Default, Debug)]
pub struct ReportForm {
    pub service: String,
    pub problem: String,
    pub postcode: String,
    pub region: String,
    /// A report was just received.
    pub reported: bool,
    /// (field, message) beside that field: `service`, `problem`, `postcode` or `region`.
    pub field_error: Option<(&'static str, String)>,
    /// A message about the whole form (rate limit, storage).
    pub error: Option<String>,
}

impl ReportForm {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.field_error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// Renders a provider page; `form` carries the values and errors of a report form sent back.
pub async fn render_provider(
    st: &AppState,
    provider: &ProviderId,
    lang: &str,
    form: &ReportForm,
    status: StatusCode,
) -> Response {
    let p = st
        .topology
        .provider(provider.as_str())
        .expect("checked provider");
    let now = st.clock.now();
    let tz = st.topology.time_zone(provider.as_str());
    let start = chart::day_start(now);
    let end = chart::day_end(now);
    // A store failure leaves the rest of the page (and the report form) working, with a note.
    let mut unavailable: Vec<&str> = Vec::new();
    let day = match st
        .store
        .minute_counts(provider, Timestamp(start.0 - 7 * 86_400), end)
        .await
    {
        Ok(c) => Some(Day::of(&c, start, now)),
        Err(e) => {
            tracing::error!(error = %e, %provider, "cannot read report counts");
            unavailable.push(t(lang, "provider.unavailable-counts"));
            None
        }
    };
    let tally = match st.store.report_tally(provider, start, end).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, %provider, "cannot read the reports by problem and region");
            unavailable.push(t(lang, "provider.unavailable-tally"));
            Vec::new()
        }
    };
    let lv = match product_view(st).await {
        Ok(v) => Some(v),
        Err(_) => {
            unavailable.push(t(lang, "provider.unavailable-outages"));
            None
        }
    };
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
        div.title-row {
            h1 { (p.name) }
            a.button href={ "/providers/" (provider) "/subscribe?lang=" (lang) } { (t(lang, "provider.subscribe")) }
        }
        @if form.reported { p.box.thanks role="status" { (t(lang, "form.thanks")) } }
        @if !unavailable.is_empty() {
            p.err role="alert" { (tf(lang, "provider.unavailable", &[("what", &unavailable.join(", "))])) }
        }
        div id="live-status" data-live-part {
            (status_box(st, lang, headline, now))
            (updated(lang, now, tz))
        }
        p.report-link { a href="#report" { (t(lang, "provider.report-link")) } }
        div id="live-main" data-live-part {
        @if !open.is_empty() {
            section aria-labelledby="current" {
                h2 id="current" { (t(lang, "provider.current")) }
                @for o in &open { (outage_block(st, o, lang, now)) }
            }
        }
        @if let Some(day) = &day {
            section aria-labelledby="chart-h" {
                h2 id="chart-h" { (t(lang, "chart.title")) }
                (chart::day_chart(lang, tz, day))
            }
        }
        div.grid.two {
            section aria-labelledby="problems-h" {
                h2 id="problems-h" { (t(lang, "provider.top-problems")) }
                (top_problems(lang, &tally))
            }
            section aria-labelledby="map-h" {
                h2 id="map-h" { (t(lang, "provider.where")) }
                (map::laender(st, lang, &tally))
            }
        }
        @if let Some(h) = headline {
            section aria-labelledby="services-h" {
                h2 id="services-h" { (t(lang, "provider.services")) }
                (service_table(st, lang, h))
                @if let Some(lv) = &lv { (component_table(st, lang, provider, lv, &open)) }
            }
        }
        section aria-labelledby="recent-h" {
            h2 id="recent-h" { (t(lang, "provider.recent")) }
            @if recent.is_empty() { p { (t(lang, "provider.recent-none")) } }
            @else {
                ul.plain {
                    @for o in &recent {
                        li {
                            a href={ "/incidents/" (o.id) "?lang=" (lang) } { (outage_title(st, lang, o)) }
                            " · " (local_time::date_time(o.start, tz, lang, now))
                            @if let Some(e) = o.end { " – " (local_time::date_time(e, tz, lang, now)) }
                            " · " (region_words(st, lang, &o.regions))
                        }
                    }
                }
            }
            p { a href={ "/providers/" (provider) "/history?lang=" (lang) } { (t(lang, "provider.history-link")) } }
        }
        }
        (report_form(st, lang, provider, form))
        (live::script(&format!("/live?provider={provider}")))
    };
    (status, Html(layout_in(lang, &p.name, body).into_string())).into_response()
}

/// Most reported problems over the last 24 hours, in % of distinct reporters, as bars with
/// their numbers in words.
fn top_problems(lang: &str, tally: &[radar_store::ReportTally]) -> Markup {
    let mut by: Vec<(Problem, u64)> = Problem::ALL
        .iter()
        .map(|p| {
            (
                *p,
                tally
                    .iter()
                    .filter(|t| t.problem == *p)
                    .map(|t| t.reporters)
                    .sum(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    by.sort_by_key(|b| std::cmp::Reverse(b.1));
    let total: u64 = by.iter().map(|(_, n)| n).sum();
    html! {
        @if total == 0 { p { (t(lang, "provider.no-reports")) } }
        @else {
            ul.bars {
                @for (p, n) in &by {
                    @let pct = (*n as f64 * 100.0 / total as f64).round() as u64;
                    li {
                        span.label { (i18n::problem(lang, *p)) }
                        span.pct { (pct) " %" }
                        span.bar aria-hidden="true" { span style={ "width:" (pct.max(1)) "%" } {} }
                    }
                }
            }
            p.note { (tf(lang, "provider.problems-note", &[("n", &total.to_string())])) }
        }
    }
}

/// Every service of the provider with its level in words.
fn service_table(st: &AppState, lang: &str, h: &ProviderStatus) -> Markup {
    html! {
        div.table-wrap {
            table {
                caption.visually-hidden { (t(lang, "provider.services")) }
                thead { tr { th scope="col" { (t(lang, "provider.service")) } th scope="col" { (t(lang, "provider.status")) } } }
                tbody {
                    @for s in &h.services {
                        tr {
                            th scope="row" { (i18n::service_name(&st.topology, lang, &h.provider, &s.service)) }
                            td class=(if s.level == Level::Operational { "ok" } else { "bad" }) { (i18n::level(lang, s.level)) }
                        }
                    }
                }
            }
        }
    }
}

/// Every component of the provider: its declared status, else the level of an open outage
/// that names it, else operational.
fn component_table(
    st: &AppState,
    lang: &str,
    provider: &ProviderId,
    lv: &LiveView,
    open: &[&Outage],
) -> Markup {
    let declared = lv.component_statuses();
    let rows: Vec<(String, Level)> = st
        .topology
        .components_of(provider.as_str())
        .map(|c| {
            let key = c.key();
            let level = declared
                .iter()
                .find(|(r, _, _)| *r == key)
                .map(|(_, s, _)| i18n::level_of(*s))
                .filter(|l| *l != Level::Operational)
                .or_else(|| {
                    open.iter()
                        .filter(|o| o.components.contains(&key))
                        .map(|o| o.level())
                        .max()
                })
                .unwrap_or(Level::Operational);
            (i18n::component_name(&st.topology, lang, &key), level)
        })
        .collect();
    let impaired = rows.iter().filter(|r| r.1 != Level::Operational).count();
    html! {
        details open[impaired > 0] {
            summary { (tf(lang, "provider.components", &[("n", &rows.len().to_string()), ("bad", &impaired.to_string())])) }
            div.table-wrap {
                table {
                    thead { tr { th scope="col" { (t(lang, "provider.component")) } th scope="col" { (t(lang, "provider.status")) } } }
                    tbody {
                        @for (name, level) in &rows {
                            tr { th scope="row" { (name) } td class=(if *level == Level::Operational { "ok" } else { "bad" }) { (i18n::level(lang, *level)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The report form: errors beside their fields (linked with `aria-describedby`), values kept,
/// a Land to choose when no postcode is given, problems in words.
fn report_form(st: &AppState, lang: &str, provider: &ProviderId, f: &ReportForm) -> Markup {
    let services: Vec<_> = st.topology.services_of(provider.as_str()).collect();
    let regions = st.topology.provider_regions(provider.as_str());
    let err = |field: &str| f.error_for(field);
    let invalid = |field: &str| {
        if err(field).is_some() {
            "true"
        } else {
            "false"
        }
    };
    html! {
        section aria-labelledby="report" {
            h2 id="report" { (t(lang, "form.title")) }
            @if let Some(e) = &f.error { p.err role="alert" { (e) } }
            form.report method="post" action={ "/providers/" (provider) "/report" } novalidate {
                input type="hidden" name="lang" value=(lang);
                div.field {
                    label for="f-service" { (t(lang, "form.service")) }
                    select id="f-service" name="service" aria-invalid=(invalid("service")) aria-describedby=[err("service").map(|_| "e-service")] {
                        option value="" { (t(lang, "form.service-unsure")) }
                        @for s in &services {
                            option value=(s.id) selected[f.service == s.id.as_str()] { (i18n::service_name(&st.topology, lang, provider, &s.id)) }
                        }
                    }
                    @if let Some(e) = err("service") { p.field-err id="e-service" { (e) } }
                }
                fieldset.field aria-describedby=[err("problem").map(|_| "e-problem")] {
                    legend { (t(lang, "form.problem")) }
                    @if let Some(e) = err("problem") { p.field-err id="e-problem" { (e) } }
                    div.choices {
                        @for pr in Problem::ALL {
                            label.choice {
                                input type="radio" name="problem" value=(pr.as_str())
                                    checked[f.problem == pr.as_str()];
                                " " (i18n::problem(lang, *pr))
                            }
                        }
                    }
                }
                div.field {
                    label for="f-postcode" { (t(lang, "form.postcode")) }
                    p.hint id="h-postcode" { (t(lang, "form.postcode-hint")) }
                    @if let Some(e) = err("postcode") { p.field-err id="e-postcode" { (e) } }
                    input id="f-postcode" name="postcode" value=(f.postcode) inputmode="numeric" autocomplete="postal-code"
                        maxlength="5" size="6" aria-invalid=(invalid("postcode"))
                        aria-describedby={ "h-postcode" @if err("postcode").is_some() { " e-postcode" } };
                }
                div.field {
                    label for="f-region" { (t(lang, "form.region")) }
                    @if let Some(e) = err("region") { p.field-err id="e-region" { (e) } }
                    select id="f-region" name="region" aria-invalid=(invalid("region")) aria-describedby=[err("region").map(|_| "e-region")] {
                        option value="" { (t(lang, "form.region-none")) }
                        @for r in &regions {
                            option value=(r) selected[f.region == r.as_str()] { (i18n::region_name(&st.topology, lang, r.as_str())) }
                        }
                    }
                }
                button type="submit" { (t(lang, "form.send")) }
            }
        }
    }
}
