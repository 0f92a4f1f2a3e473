//! The incident page: one outage of the product view explained next to its contemporaries.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use radar_core::correlate::{Relation, Verdict};

use crate::explain::outages::product_view;
use crate::publish::pages::{incident_block, language, layout, PageQuery};
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
        .filter_map(|o| lv.view.relation(&me.id, &o.id, &st.topology).ok())
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
    let body = html! {
        h1 { (provider_name) ": " (me.id) }
        p { small { a href="?lang=de" { "Deutsch" } " · " a href="?lang=en" { "English" } } }
        @if let Some(inc) = &me.incident {
            (incident_block(inc, lang))
            h2 { "Timeline" }
            ul { @for t in &inc.timeline { li { (t.time()) " " (serde_json::to_string(t).unwrap_or_default()) } } }
        }
        @if me.is_detected() {
            div.box {
                p { strong { (if lang == "de" { "Aus Nutzermeldungen erkannt" } else { "Detected from user reports" }) } }
                p { "Since " (me.start) " (detected " (me.detected_at) ")" @if let Some(end) = me.end { ", ended " (end) } }
                p { "Services: " (me.services.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                    " · technologies: " (me.technologies.join(", "))
                    " · problems: " (me.problems.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                p { "Regions: " (match &me.regions { radar_core::view::RegionSet::All => "all".to_owned(), radar_core::view::RegionSet::Only(l) => l.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") }) }
                p { (if lang == "de" { &me.summary.de } else { &me.summary.en }) }
            }
        }
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
