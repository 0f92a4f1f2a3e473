//! The incident page: one outage of the product view in words — what, where, since when,
//! its timeline as sentences — and whether it is related to the outages at the same time, as
//! a sentence with the evidence behind a disclosure.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use radar_core::correlate::{Relation, Verdict};
use radar_core::event::IncidentState;
use radar_core::incident::TimelineEntry;
use radar_core::view::Outage;

use crate::explain::outages::product_view;
use crate::publish::i18n::{self, t, tf};
use crate::publish::local_time;
use crate::publish::pages::{
    error_page, language, layout_in, outage_block, outage_title, region_words, PageQuery,
};
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
        return error_page(
            lang,
            StatusCode::NOT_FOUND,
            t(lang, "error.no-incident"),
            t(lang, "error.no-incident-detail"),
        );
    };
    let others: Vec<(&Outage, Relation)> = lv
        .view
        .contemporaries(me)
        .map(|o| (o, me.relate(o, &st.topology)))
        .collect();
    let roots = &me.root_candidates[..me.root_candidates.len().min(3)];
    let provider_name = provider_name(&st, me);
    let tz = st.topology.time_zone(me.provider.as_str());
    let now = lv.view.now;
    let signals = crate::explain::signals::incident_section(&st, me, lang, now).await;
    let title = outage_title(&st, lang, me);
    let problems: Vec<&str> = me
        .problems
        .iter()
        .map(|p| i18n::problem(lang, *p))
        .collect();
    let body = html! {
        div id="live-incident" data-live-part {
        p.crumb { a href={ "/providers/" (me.provider) "?lang=" (lang) } { (provider_name) } }
        h1 { (title) }
        h2 { (t(lang, "incident.status")) }
        (outage_block(&st, me, lang, now))
        dl.facts {
            dt { (t(lang, "incident.what")) }
            dd {
                (title)
                @if !problems.is_empty() { " — " (tf(lang, "incident.problems", &[("problems", &problems.join(", "))])) }
            }
            dt { (t(lang, "incident.where")) }
            dd { (region_words(&st, lang, &me.regions)) }
            dt { (t(lang, "incident.since")) }
            dd {
                @match me.end {
                    None => { (local_time::since(me.start, now, tz, lang)) }
                    Some(end) => { (tf(lang, "incident.was", &[("from", &local_time::date_time(me.start, tz, lang, now)), ("to", &local_time::date_time(end, tz, lang, now)), ("duration", &local_time::duration(end.0 - me.start.0, lang))])) }
                }
            }
            @if me.is_detected() {
                dt { (t(lang, "incident.detected")) }
                dd { (tf(lang, "incident.detected-at", &[("first", &local_time::date_time(me.start, tz, lang, now)), ("at", &local_time::date_time(me.detected_at, tz, lang, now))])) }
            }
        }
        @if let Some(inc) = &me.incident {
            section aria-labelledby="timeline-h" {
                h2 id="timeline-h" { (t(lang, "incident.timeline")) }
                ol.timeline {
                    @for e in &inc.timeline {
                        li {
                            time { (local_time::date_time(e.time(), tz, lang, now)) }
                            " " (timeline_sentence(e, &provider_name, inc, lang))
                        }
                    }
                }
            }
        }
        section aria-labelledby="related-h" {
            h2 id="related-h" { (t(lang, "incident.related")) }
            @if others.is_empty() { p { (t(lang, "incident.related-none")) } }
            @for (o, r) in &others {
                div.box.relation {
                    p.answer { (relation_sentence(&st, lang, o, r.verdict)) }
                    details {
                        summary { (t(lang, "incident.evidence")) }
                        p { (tf(lang, "incident.confidence", &[("pct", &format!("{:.0}", r.confidence * 100.0))])) }
                        p { (if lang == "de" { &r.explanation.de } else { &r.explanation.en }) }
                        p { a href={ "/incidents/" (r.b) "?lang=" (lang) } { (outage_title(&st, lang, o)) } }
                    }
                }
            }
        }
        @if !roots.is_empty() {
            section aria-labelledby="cause-h" {
                h2 id="cause-h" { (t(lang, "incident.cause")) }
                @if let Some(r) = roots.first() {
                    p { (tf(lang, "incident.cause-sentence", &[("component", &i18n::component_name(&st.topology, lang, &r.component))])) }
                }
                details {
                    summary { (t(lang, "incident.evidence")) }
                    ol { @for r in roots {
                        li { (i18n::component_name(&st.topology, lang, &r.component)) " — " (tf(lang, "incident.score", &[("score", &decimal(lang, r.score))])) }
                    } }
                }
            }
        }
        (signals)
        }
        (crate::publish::live::script(&format!("/live?provider={}", me.provider)))
    };
    Html(layout_in(lang, &title, body).into_string()).into_response()
}

/// A number with two decimals in the page's language: `1.68` / `1,68`.
fn decimal(lang: &str, x: f64) -> String {
    let s = format!("{x:.2}");
    if lang == "de" {
        s.replace('.', ",")
    } else {
        s
    }
}

fn provider_name(st: &AppState, o: &Outage) -> String {
    st.topology
        .provider(o.provider.as_str())
        .map_or_else(|| o.provider.to_string(), |p| p.name.clone())
}

/// "Is this related to …?" answered in a sentence: "This is probably connected to the
/// problems with Mobile internet at Vodafone."
fn relation_sentence(st: &AppState, lang: &str, other: &Outage, v: Verdict) -> String {
    let key = match v {
        Verdict::Related => "incident.relation-related",
        Verdict::Unrelated => "incident.relation-unrelated",
        Verdict::Undetermined => "incident.relation-undetermined",
    };
    tf(
        lang,
        key,
        &[
            ("what", &outage_title(st, lang, other)),
            ("provider", &provider_name(st, other)),
        ],
    )
}

/// One timeline entry as a sentence about what the provider did.
fn timeline_sentence(
    e: &TimelineEntry,
    provider: &str,
    inc: &radar_core::incident::Incident,
    lang: &str,
) -> String {
    let state = |s: IncidentState| {
        tf(
            lang,
            &format!("timeline.state.{}", s.as_str()),
            &[("provider", provider)],
        )
    };
    match e {
        TimelineEntry::Declared { state: s, .. } => format!(
            "{} {}",
            tf(lang, "timeline.declared", &[("provider", provider)]),
            state(*s)
        ),
        TimelineEntry::StateChanged { to, .. } => state(*to),
        TimelineEntry::Updated { fields, .. } => {
            let words: Vec<&str> = fields
                .iter()
                .map(|f| i18n::field(lang, f).unwrap_or(f.as_str()))
                .collect();
            tf(
                lang,
                "timeline.updated",
                &[("provider", provider), ("fields", &words.join(", "))],
            )
        }
        TimelineEntry::Statement { index, .. } => {
            let text = inc
                .statements
                .get(*index)
                .and_then(|s| s.text.get(lang))
                .unwrap_or("");
            tf(
                lang,
                "timeline.statement",
                &[("provider", provider), ("text", text)],
            )
        }
    }
}
