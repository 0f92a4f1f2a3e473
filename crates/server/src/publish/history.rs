//! A provider's history page: 90-day availability per service and the past outages with
//! their updates, newest first.
//!
//! **Availability** is computed from the product view's outages (declared incidents and the
//! episodes detected from reports, as one object each): for each local day and service, the
//! minutes in which an open outage affected the service (one that names it, or names no
//! service at all) are down time — fully when the outage covered all regions (a major
//! outage), half when it was regional (a partial outage); overlapping outages count once, at
//! the heavier weight. Maintenance is not down time. A day's availability is
//! 1 − down time / minutes of the day that have passed; the 90-day figure is the same over
//! all 90 days.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, TimeZone};
use chrono_tz::Tz;
use maud::{html, Markup};
use radar_core::event::IncidentCategory;
use radar_core::view::{Level, Outage};
use radar_core::{ProviderId, ServiceId, Timestamp};

use crate::explain::outages::product_view;
use crate::publish::i18n::{self, t, tf};
use crate::publish::local_time;
use crate::publish::pages::{
    language, layout_in, outage_title, provider_or_404, region_words, PageQuery,
};
use crate::publish::snapshot::PageKey;
use crate::state::AppState;

/// Days of availability shown.
pub const DAYS: usize = 90;

/// Start of each of the last `DAYS` local days, oldest first, and the end of today.
fn local_days(now: Timestamp, tz: Tz) -> (Vec<Timestamp>, Timestamp) {
    let today = chrono::DateTime::from_timestamp(now.0, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive();
    let start_of = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or(0, |t| t.timestamp())
    };
    let days = (0..DAYS as i64)
        .rev()
        .map(|k| Timestamp(start_of(today - Duration::days(k))))
        .collect();
    (days, Timestamp(start_of(today + Duration::days(1))))
}

/// Whether an outage counts against a service's availability, and how much (see the module
/// documentation): 2 for a major outage, 1 for a partial one, 0 not at all.
fn weight(o: &Outage, service: &ServiceId) -> u8 {
    if o.category == Some(IncidentCategory::Maintenance) {
        return 0;
    }
    if !o.services.is_empty() && !o.services.contains(service) {
        return 0;
    }
    match o.level() {
        Level::MajorOutage => 2,
        Level::PartialOutage | Level::Degraded => 1,
        Level::Operational | Level::Maintenance => 0,
    }
}

/// Availability of one day `[from, to)` up to `now`, in [0, 1]; `None` for a day not begun.
pub fn day_availability(
    outages: &[&Outage],
    service: &ServiceId,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Option<f64> {
    let end = to.0.min(now.0);
    if end <= from.0 {
        return None;
    }
    let minutes = ((end - from.0 + 59) / 60) as usize;
    let mut worst = vec![0u8; minutes];
    let mut any = false;
    for o in outages {
        let w = weight(o, service);
        let (a, b) = (o.start.0.max(from.0), o.end.map_or(now.0, |e| e.0).min(end));
        if w == 0 || b <= a {
            continue;
        }
        any = true;
        let (i, j) = (
            ((a - from.0) / 60) as usize,
            (((b - from.0) + 59) / 60) as usize,
        );
        for m in &mut worst[i..j.min(minutes)] {
            *m = (*m).max(w);
        }
    }
    if !any {
        return Some(1.0);
    }
    let down: f64 = worst.iter().map(|w| f64::from(*w) / 2.0).sum();
    Some(1.0 - down / minutes as f64)
}

/// A percentage with two decimals, in the page's language: `99.95 %` / `99,95 %`.
fn percent(lang: &str, a: f64) -> String {
    let s = format!("{:.2} %", a * 100.0);
    if lang == "de" {
        s.replace('.', ",")
    } else {
        s
    }
}

fn bars(lang: &str, tz: Tz, now: Timestamp, days: &[(Timestamp, Option<f64>)]) -> Markup {
    let bad_days = days
        .iter()
        .filter(|(_, a)| a.is_some_and(|a| a < 1.0))
        .count();
    html! {
        svg.uptime viewBox={ "0 0 " (DAYS * 4) " 24" } preserveAspectRatio="none" role="img"
            aria-label=(tf(lang, "history.bars-label", &[("n", &bad_days.to_string()), ("days", &DAYS.to_string())])) {
            @for (i, (day, a)) in days.iter().enumerate() {
                @let class = match a { None => "none", Some(a) if *a >= 0.9999 => "up", Some(a) if *a >= 0.99 => "minor", _ => "major" };
                rect x=(i * 4) y="0" width="3" height="24" class=(class) {
                    title {
                        (local_time::date_time(*day, tz, lang, now).replace(" 00:00", ""))
                        ": " (a.map_or_else(|| "—".to_owned(), |a| percent(lang, a)))
                    }
                }
            }
        }
    }
}

pub async fn history_page(
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
    let key = PageKey::new(format!("/providers/{provider}/history"), lang);
    st.pages
        .page(&st, key, &headers, || render_history(&st, &provider, lang))
        .await
}

async fn render_history(st: &AppState, provider: &ProviderId, lang: &'static str) -> Response {
    let lv = match product_view(st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let p = st.topology.provider(provider.as_str()).expect("checked");
    let tz = st.topology.time_zone(provider.as_str());
    let now = lv.view.now;
    let (starts, end) = local_days(now, tz);
    let from = starts[0];
    let mine: Vec<&Outage> = lv
        .view
        .outages_of(provider)
        .filter(|o| o.end.is_none_or(|e| e.0 > from.0))
        .collect();
    let services: Vec<_> = st.topology.services_of(provider.as_str()).collect();
    let past: Vec<&Outage> = mine
        .iter()
        .rev()
        .copied()
        .filter(|o| !o.is_open())
        .collect();
    let body = html! {
        h1 { (tf(lang, "history.title", &[("provider", &p.name)])) }
        p { a href={ "/providers/" (provider) "?lang=" (lang) } { (tf(lang, "history.back", &[("provider", &p.name)])) } }
        section aria-labelledby="uptime-h" {
            h2 id="uptime-h" { (tf(lang, "history.availability", &[("days", &DAYS.to_string())])) }
            p.note { (t(lang, "history.how")) }
            ul.uptime-list {
                @for s in &services {
                    @let days: Vec<(Timestamp, Option<f64>)> = starts.iter().enumerate().map(|(i, d)| {
                        let to = starts.get(i + 1).copied().unwrap_or(end);
                        (*d, day_availability(&mine, &s.id, *d, to, now))
                    }).collect();
                    @let total = day_availability(&mine, &s.id, from, end, now).unwrap_or(1.0);
                    li {
                        div.uptime-head {
                            span { (i18n::service_name(&st.topology, lang, provider, &s.id)) }
                            span { (percent(lang, total)) }
                        }
                        (bars(lang, tz, now, &days))
                    }
                }
            }
            p.note { (tf(lang, "history.range", &[("from", &local_time::date_time(from, tz, lang, now).replace(" 00:00", "")), ("to", t(lang, "history.today"))])) }
        }
        section aria-labelledby="past-h" {
            h2 id="past-h" { (t(lang, "history.past")) }
            @if past.is_empty() { p { (t(lang, "history.none")) } }
            @for o in &past {
                article.box {
                    h3 { a href={ "/incidents/" (o.id) "?lang=" (lang) } { (outage_title(st, lang, o)) } }
                    p {
                        (local_time::date_time(o.start, tz, lang, now))
                        @if let Some(e) = o.end { " – " (local_time::date_time(e, tz, lang, now)) " (" (local_time::duration(e.0 - o.start.0, lang)) ")" }
                        " · " (region_words(st, lang, &o.regions))
                    }
                    @if let Some(inc) = &o.incident {
                        @if !inc.statements.is_empty() {
                            ol.updates reversed {
                                @for s in inc.statements.iter().rev() {
                                    li { small { (local_time::date_time(s.time, tz, lang, now)) } " " (s.text.get(lang).unwrap_or("")) }
                                }
                            }
                        }
                    } @else {
                        p { (t(lang, "history.detected")) }
                    }
                }
            }
        }
    };
    Html(
        layout_in(
            lang,
            &tf(lang, "history.title", &[("provider", &p.name)]),
            body,
        )
        .into_string(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_local_days_end_today() {
        let now = Timestamp::parse_rfc3339("2017-05-17T12:00:00Z").unwrap();
        let (days, end) = local_days(now, chrono_tz::Europe::Berlin);
        assert_eq!(days.len(), DAYS);
        // Midnight in Berlin (CEST) is 22:00 UTC the day before.
        assert_eq!(
            end,
            Timestamp::parse_rfc3339("2017-05-17T22:00:00Z").unwrap()
        );
        assert_eq!(
            days[DAYS - 1],
            Timestamp::parse_rfc3339("2017-05-16T22:00:00Z").unwrap()
        );
        assert!(days.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn percent_in_both_languages() {
        assert_eq!(percent("en", 0.99951), "99.95 %");
        assert_eq!(percent("de", 0.5), "50,00 %");
    }
}
