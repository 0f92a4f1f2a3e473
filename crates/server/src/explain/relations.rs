//! The incident page: one outage of the product view explained next to its contemporaries.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use radar_core::correlate::{relate, Relation, Verdict};

use crate::explain::outages::product_view;
use crate::publish::local_time;
use crate::publish::pages::{language, layout, outage_block, PageQuery};
use crate::state::AppState;

pub async fn incident_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let lv = match product_view(&st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let Some(me) = lv.view.outage(&id) else {
        return (
            axum::http::StatusCode::NOT_FOUND,
            Html(
                layout(
                    "Not found",
                    html! { h1 { "No such incident" } p { a href="/" { "All providers" } } },
                )
                .into_string(),
            ),
        )
            .into_response();
    };
    let relations: Vec<Relation> = lv
        .view
        .contemporaries(me)
        .map(|o| relate(&me.view, &o.view, &st.topology))
        .collect();
    let roots = &me.root_candidates[..me.root_candidates.len().min(3)];
    let provider_name = st
        .topology
        .provider(me.provider.as_str())
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let related_h = if lang == "de" {
        "Andere Störungen zur selben Zeit"
    } else {
        "Other incidents at the same time"
    };
    let verdict_word = |v: Verdict| match (lang, v) {
        ("de", Verdict::Related) => "Zusammenhang",
        ("de", Verdict::Unrelated) => "Kein Zusammenhang",
        ("de", Verdict::Undetermined) => "Unklar",
        (_, Verdict::Related) => "Related",
        (_, Verdict::Unrelated) => "Unrelated",
        (_, Verdict::Undetermined) => "Undetermined",
    };
    let tz = st.topology.time_zone(me.provider.as_str());
    let now = lv.view.now;
    let signals = crate::explain::signals::incident_section(&st, me, lang, now).await;
    let body = html! {
        h1 { (provider_name) ": " (me.id) }
        p { small { a href="?lang=de" { "Deutsch" } " · " a href="?lang=en" { "English" } } }
        (outage_block(&st, me, lang, lv.view.now))
        @if let Some(inc) = &me.incident {
            h2 { "Timeline" }
            ul { @for t in &inc.timeline { li { (local_time::date_time(t.time(), tz, lang, now)) ": " (timeline_sentence(t, lang)) } } }
        }
        @if me.is_detected() {
            div.box {
                p { strong { (if lang == "de" { "Aus Nutzermeldungen erkannt" } else { "Detected from user reports" }) } }
                p { (if lang == "de" { "Erste Meldungen " } else { "First reports " }) (local_time::date_time(me.start, tz, lang, now))
                    (if lang == "de" { ", erkannt " } else { ", detected " }) (local_time::date_time(me.detected_at, tz, lang, now))
                    @if let Some(end) = me.end { (if lang == "de" { ", vorbei " } else { ", over " }) (local_time::date_time(end, tz, lang, now)) } }
                p { "Services: " (me.services.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                    " · technologies: " (me.technologies.join(", "))
                    " · problems: " (me.problems.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                p { "Regions: " (match &me.regions { radar_core::view::RegionSet::All => "all".to_owned(), radar_core::view::RegionSet::Only(l) => l.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") }) }
                p { (if lang == "de" { &me.summary.de } else { &me.summary.en }) }
            }
        }
        (signals)
        @if !roots.is_empty() {
            h2 { (if lang == "de" { "Wahrscheinliche Ursache" } else { "Likely root cause" }) }
            ol { @for r in roots {
                li { (st.topology.component(&r.component).map(|c| c.name.clone()).unwrap_or_else(|| r.component.to_string()))
                     " (" (r.component) ", score " (format!("{:.2}", r.score)) ")" }
            } }
        }
        h2 { (related_h) }
        @if relations.is_empty() { p { "—" } }
        @for r in &relations {
            div.box {
                p { strong { (verdict_word(r.verdict)) } " — " a href={ "/incidents/" (r.b) "?lang=" (lang) } { (r.b) }
                    " (" (format!("{:.0}", r.confidence * 100.0)) " %)" }
                p { (if lang == "de" { &r.explanation.de } else { &r.explanation.en }) }
            }
        }
    };
    Html(layout(&me.id, body).into_string()).into_response()
}

/// One timeline entry as a sentence.
fn timeline_sentence(t: &radar_core::incident::TimelineEntry, lang: &str) -> String {
    use radar_core::incident::TimelineEntry as T;
    let de = lang == "de";
    match t {
        T::Declared { state, .. } if de => format!("gemeldet, Stand: {state}"),
        T::Declared { state, .. } => format!("declared, state: {state}"),
        T::StateChanged { from, to, .. } if de => format!("Stand von {from} auf {to}"),
        T::StateChanged { from, to, .. } => format!("state changed from {from} to {to}"),
        T::Updated { fields, .. } if de => format!("geändert: {}", fields.join(", ")),
        T::Updated { fields, .. } => format!("updated: {}", fields.join(", ")),
        T::Statement { .. } if de => "neue Mitteilung".to_owned(),
        T::Statement { .. } => "new statement".to_owned(),
    }
}
