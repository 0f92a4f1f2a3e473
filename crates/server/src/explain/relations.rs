//! How incidents relate: every incident (declared or detected) as a correlation view, the
//! relation API and the incident page that explains an incident next to its contemporaries.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use maud::html;
use radar_core::correlate::{
    rank_root_causes, relate, IncidentView, Origin, Relation, RootCandidate, Verdict,
};
use radar_core::detect::Episode;
use radar_core::incident::Incident;

use crate::problem::Problem;
use crate::publish::pages::{incident_block, language, layout, PageQuery};
use crate::state::AppState;

/// An incident as the product knows it: declared (with its full record) or detected.
pub struct Known {
    pub view: IncidentView,
    pub declared: Option<Incident>,
    pub episode: Option<Episode>,
}

pub fn declared_view(i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id.to_string(),
        provider: i.provider.clone(),
        origin: Origin::Declared {
            category: i.category,
            cause: None,
        },
        services: i.services.clone(),
        components: i.components.clone(),
        regions: i.regions.clone(),
        technologies: Vec::new(),
        problems: Vec::new(),
        start: i.start,
        end: i.end,
        failed_probes: Vec::new(),
    }
}

/// Every incident: declared ones from the store, detected ones from the detector.
pub async fn known(st: &AppState) -> Result<Vec<Known>, Problem> {
    let stored = st.store.incidents().await.map_err(|e| {
        tracing::error!(error = %e, "cannot read incidents");
        Problem::unavailable("incidents cannot be read right now")
    })?;
    let mut out: Vec<Known> = stored
        .into_iter()
        .map(|s| Known {
            view: declared_view(&s.incident),
            declared: Some(s.incident),
            episode: None,
        })
        .collect();
    let episodes = st.detection.episodes(None);
    // Failed probes since the earliest episode's onset: evidence for its root and relations.
    let now = st.clock.now();
    let failed = match episodes.iter().map(|e| e.start.0).min() {
        Some(first) => st
            .store
            .failed_probes(
                radar_core::Timestamp(first - radar_core::correlate::PROBE_LEAD_SECS),
                now,
            )
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot read probe results; relating without them");
                Vec::new()
            }),
        None => Vec::new(),
    };
    out.extend(episodes.into_iter().map(|e| {
        let mut view = IncidentView::detected(format!("det-{}", e.id), &e);
        view.attach_failed_probes(&failed, &st.topology, now);
        Known {
            view,
            declared: None,
            episode: Some(e),
        }
    }));
    Ok(out)
}

fn find<'a>(all: &'a [Known], id: &str) -> Result<&'a Known, Problem> {
    all.iter().find(|k| k.view.id == id).ok_or_else(|| {
        Problem::not_found(format!(
            "no incident {id:?}; declared incidents have their own ids, detected ones are det-N (see /api/v1/incidents)"
        ))
    })
}

pub async fn relation(
    State(st): State<AppState>,
    Path((a, b)): Path<(String, String)>,
) -> Result<Json<Relation>, Problem> {
    let all = known(&st).await?;
    let (x, y) = (find(&all, &a)?, find(&all, &b)?);
    Ok(Json(relate(&x.view, &y.view, &st.topology)))
}

#[derive(serde::Serialize)]
pub struct RootCausesOut {
    pub incident: String,
    pub candidates: Vec<RootCandidate>,
}

/// The likely root components of an incident, best first.
pub async fn root_causes(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RootCausesOut>, Problem> {
    let all = known(&st).await?;
    let me = find(&all, &id)?;
    Ok(Json(RootCausesOut {
        incident: id,
        candidates: rank_root_causes(&me.view, &st.topology),
    }))
}

/// Whether two incidents overlap in time, give or take an hour.
fn contemporaries(a: &IncidentView, b: &IncidentView, now: radar_core::Timestamp) -> bool {
    let end = |v: &IncidentView| v.end.unwrap_or(now).0;
    a.start.0 - 3600 <= end(b) && b.start.0 - 3600 <= end(a)
}

pub async fn incident_page(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let all = match known(&st).await {
        Ok(a) => a,
        Err(p) => return p.into_response(),
    };
    let Some(me) = all.iter().find(|k| k.view.id == id) else {
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
    let now = st.clock.now();
    let relations: Vec<Relation> = all
        .iter()
        .filter(|o| o.view.id != me.view.id && contemporaries(&me.view, &o.view, now))
        .map(|o| relate(&me.view, &o.view, &st.topology))
        .collect();
    let roots: Vec<RootCandidate> = rank_root_causes(&me.view, &st.topology)
        .into_iter()
        .take(3)
        .collect();
    let provider_name = st
        .topology
        .provider(me.view.provider.as_str())
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
        h1 { (provider_name) ": " (me.view.id) }
        p { small { a href="?lang=de" { "Deutsch" } " · " a href="?lang=en" { "English" } } }
        @if let Some(inc) = &me.declared {
            (incident_block(inc, lang))
            h2 { "Timeline" }
            ul { @for t in &inc.timeline { li { (t.time()) " " (serde_json::to_string(t).unwrap_or_default()) } } }
        }
        @if let Some(e) = &me.episode {
            div.box {
                p { strong { (if lang == "de" { "Aus Nutzermeldungen erkannt" } else { "Detected from user reports" }) } }
                p { "Since " (e.start) " (detected " (e.detected_at) ")" @if let Some(end) = e.end { ", ended " (end) } }
                p { "Services: " (e.services.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                    " · technologies: " (e.technologies.join(", "))
                    " · problems: " (e.problems.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                p { "Regions: " (if e.regions.len() == st.topology.regions.len() { "all".to_owned() } else { e.regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") }) }
            }
        }
        @if !roots.is_empty() {
            h2 { (if lang == "de" { "Wahrscheinliche Ursache" } else { "Likely root cause" }) }
            ol { @for r in &roots {
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
    Html(layout(&me.view.id, body).into_string()).into_response()
}
