//! Operator signals over HTTP: `POST /api/v1/signals` (operator route) takes samples of the
//! signals declared under `[[signals]]` in the topology, `GET /api/v1/signals/{provider}/{signal}`
//! reads one series with its anomalies, and [`chart`] draws a series for the incident page.
//!
//! Samples are checked against the topology here, stored, then fed to live detection's signal
//! watcher (`crate::detection`); what an anomaly means is decided in the core.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use radar_core::ids::SignalId;
use radar_core::signal::{format_value, SignalAnomaly, SignalSample};
use radar_core::{ProviderId, RegionId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::explain::incidents::{check_times, operator_input, store_problem};
use crate::problem::{echo, InvalidParam, Problem};
use crate::publish::i18n::{self, t, tf};
use crate::publish::wire::SignalAnomalyOut;
use crate::state::AppState;

/// Most samples in one request.
pub const MAX_BATCH: usize = 10_000;

/// Longest range `GET /api/v1/signals/…` reads at once (31 days).
pub const MAX_RANGE_SECS: i64 = 31 * 86_400;

const FIELDS: &str = "time, provider, signal, region, value";

/// One sample of an operator signal, as the API takes it. A request body is one sample or an
/// array of them (a batch: all stored, or none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the shape; the handler checks each field itself
pub struct SignalSampleIn {
    /// When it was measured (default: now); at most five minutes ahead.
    #[schema(value_type = Option<crate::openapi::Time>)]
    time: Option<String>,
    /// The provider; may be left out when only one provider declares `signal`.
    #[schema(value_type = Option<crate::openapi::Id>)]
    provider: Option<String>,
    /// A signal declared under `[[signals]]` in the topology.
    #[schema(value_type = crate::openapi::Id, example = "hotline-wait")]
    signal: String,
    /// A region of the topology; left out or null for the provider as a whole.
    #[schema(value_type = Option<crate::openapi::RegionId>)]
    region: Option<String>,
    /// The measurement, in the signal's unit.
    #[schema(example = 2400.0)]
    value: f64,
}

/// A request body: one sample or a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SignalsIn {
    One(SignalSampleIn),
    Batch(Vec<SignalSampleIn>),
}

/// What was taken.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalsOut {
    /// Samples in the request.
    pub received: usize,
    /// Samples not stored before (a sample is keyed by provider, signal, region and time).
    pub stored: u64,
    /// Samples dated in a five-minute bin the signal watcher had already closed: stored, but
    /// not watched.
    pub late: u64,
}

fn invalid(
    index: Option<usize>,
    name: &str,
    value: Option<&Value>,
    reason: String,
) -> InvalidParam {
    InvalidParam {
        index,
        name: name.to_owned(),
        value: value.map(|v| match v {
            Value::String(s) => echo(s),
            other => echo(&other.to_string()),
        }),
        reason,
    }
}

/// Checks one sample against the topology, collecting what is wrong with it.
fn check_sample(
    st: &AppState,
    index: Option<usize>,
    v: &Value,
    now: Timestamp,
    errors: &mut Vec<InvalidParam>,
) -> Option<SignalSample> {
    let topo = &st.topology;
    let Some(obj) = v.as_object() else {
        errors.push(invalid(
            index,
            "sample",
            Some(v),
            format!("a sample is a JSON object with the fields {FIELDS}"),
        ));
        return None;
    };
    let before = errors.len();
    for k in obj.keys() {
        if !["time", "provider", "signal", "region", "value"].contains(&k.as_str()) {
            errors.push(invalid(
                index,
                k,
                None,
                format!("unknown field; allowed: {FIELDS}"),
            ));
        }
    }
    let time = match obj.get("time") {
        None | Some(Value::Null) => Some(now),
        Some(Value::String(s)) => match Timestamp::parse_rfc3339(s) {
            Ok(t) if t.0 > now.0 + radar_core::intake::MAX_FUTURE_SECS => {
                errors.push(invalid(
                    index,
                    "time",
                    obj.get("time"),
                    "more than 5 minutes in the future; send the time of the measurement (UTC, RFC 3339) or none for now".into(),
                ));
                None
            }
            Ok(t) => match check_times([("time", Some(t))], now) {
                Ok(()) => Some(t),
                Err(p) => {
                    errors.extend(p.invalid_params.into_iter().map(|mut ip| {
                        ip.index = index;
                        ip
                    }));
                    None
                }
            },
            Err(e) => {
                errors.push(invalid(index, "time", obj.get("time"), e));
                None
            }
        },
        Some(other) => {
            errors.push(invalid(
                index,
                "time",
                Some(other),
                "a string: an RFC 3339 time such as 2017-05-17T13:05:00Z".into(),
            ));
            None
        }
    };
    let signal = match obj.get("signal") {
        Some(Value::String(s)) => match SignalId::parse(s) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(invalid(index, "signal", obj.get("signal"), e.to_string()));
                None
            }
        },
        None => {
            errors.push(invalid(
                index,
                "signal",
                None,
                "required: the id of a signal declared under [[signals]] in the topology".into(),
            ));
            None
        }
        Some(other) => {
            errors.push(invalid(
                index,
                "signal",
                Some(other),
                "a string: the id of a declared signal".into(),
            ));
            None
        }
    };
    let declared_by = |sig: &SignalId| -> Vec<&radar_core::topology::Signal> {
        topo.signals.iter().filter(|s| &s.id == sig).collect()
    };
    let known: Vec<String> = topo
        .signals
        .iter()
        .map(|s| format!("{}/{}", s.provider, s.id))
        .collect();
    let known = if known.is_empty() {
        "the topology declares no signals".to_owned()
    } else {
        format!("declared: {}", known.join(", "))
    };
    let provider = match (obj.get("provider"), &signal) {
        (Some(Value::String(p)), sig) => match ProviderId::parse(p)
            .ok()
            .filter(|p| topo.provider(p.as_str()).is_some())
        {
            None => {
                errors.push(invalid(
                    index,
                    "provider",
                    obj.get("provider"),
                    "no such provider in the topology".into(),
                ));
                None
            }
            Some(p) => {
                if let Some(sig) = sig {
                    if topo.signal(p.as_str(), sig.as_str()).is_none() {
                        errors.push(invalid(
                            index,
                            "signal",
                            obj.get("signal"),
                            format!(
                                "provider {p} declares no signal {sig}; declare it under [[signals]] in the topology ({known})"
                            ),
                        ));
                    }
                }
                Some(p)
            }
        },
        (None | Some(Value::Null), Some(sig)) => match declared_by(sig).as_slice() {
            [one] => Some(one.provider.clone()),
            [] => {
                errors.push(invalid(
                    index,
                    "signal",
                    obj.get("signal"),
                    format!("no provider declares signal {sig}; declare it under [[signals]] in the topology ({known})"),
                ));
                None
            }
            many => {
                let ps: Vec<String> = many.iter().map(|s| s.provider.to_string()).collect();
                errors.push(invalid(
                    index,
                    "provider",
                    None,
                    format!(
                        "required here: signal {sig} is declared by several providers ({}); name one",
                        ps.join(", ")
                    ),
                ));
                None
            }
        },
        (None | Some(Value::Null), None) => None,
        (Some(other), _) => {
            errors.push(invalid(
                index,
                "provider",
                Some(other),
                "a string: a provider id of the topology".into(),
            ));
            None
        }
    };
    let region = match obj.get("region") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(r)) if r.is_empty() => Some(None),
        Some(Value::String(r)) => match RegionId::parse(r)
            .ok()
            .filter(|r| topo.regions.iter().any(|x| &x.id == r))
        {
            Some(r) => Some(Some(r)),
            None => {
                errors.push(invalid(
                    index,
                    "region",
                    obj.get("region"),
                    "not a region of the topology; send a region id such as DE-BY, or leave it out for the provider as a whole".into(),
                ));
                None
            }
        },
        Some(other) => {
            errors.push(invalid(
                index,
                "region",
                Some(other),
                "a string (a region id) or null".into(),
            ));
            None
        }
    };
    let value = match obj.get("value") {
        Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
        _ => None,
    };
    if value.is_none() {
        errors.push(invalid(
            index,
            "value",
            obj.get("value"),
            "required: a finite JSON number in the signal's unit (not a string)".into(),
        ));
    }
    if errors.len() > before {
        return None;
    }
    Some(SignalSample {
        time: time?,
        provider: provider?,
        signal: signal?,
        region: region?,
        value: value?,
    })
}

/// `POST /api/v1/signals`: samples of operator signals (hotline waiting time, sessions per
/// region, …). Checked against the topology (all or nothing), stored, then watched: an anomaly
/// becomes evidence for the outages it bears on.
#[utoipa::path(
    post,
    path = "/api/v1/signals",
    tag = "operator",
    security(("operator" = [])),
    request_body(content = SignalsIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored (a sample stored before is not stored again)", body = SignalsOut),
        (status = 400, description = "`malformed-json`: the body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope (`probes`); `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-signal`: a sample names an undeclared signal, an unknown provider or region, a time out of range or no finite value; `invalid-params` names each (with `index` in a batch) and how to fix it; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`, `store-unavailable`: the store cannot be written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_signals(State(st): State<AppState>, req: Request) -> Result<Response, Problem> {
    let body: Value = operator_input(&st, req).await?;
    let now = st.clock.now();
    let (items, batch): (Vec<&Value>, bool) = match &body {
        Value::Array(a) => (a.iter().collect(), true),
        one => (vec![one], false),
    };
    let unprocessable = |detail: String, params: Vec<InvalidParam>| {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-signal",
            "Invalid signal samples",
            detail,
        );
        p.invalid_params = params;
        p
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(unprocessable(
            format!("{} samples; send 1 to {MAX_BATCH} per request", items.len()),
            Vec::new(),
        ));
    }
    let mut errors = Vec::new();
    let mut samples = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        if let Some(s) = check_sample(&st, batch.then_some(i), v, now, &mut errors) {
            samples.push(s);
        }
    }
    if !errors.is_empty() {
        let bad: std::collections::BTreeSet<Option<usize>> =
            errors.iter().map(|e| e.index).collect();
        let first = &errors[0];
        let detail = format!(
            "{} of {} samples are invalid, nothing was stored; first: {}{}: {}",
            bad.len(),
            items.len(),
            first.index.map(|i| format!("[{i}].")).unwrap_or_default(),
            first.name,
            first.reason
        );
        return Err(unprocessable(detail, errors));
    }
    let stored = st
        .store
        .insert_signal_samples(&samples)
        .await
        .map_err(store_problem)?;
    let detection = st.detection.clone();
    let received = samples.len();
    let late = tokio::task::spawn_blocking(move || detection.observe_signals(&samples))
        .await
        .unwrap_or(0);
    Ok((
        StatusCode::CREATED,
        Json(SignalsOut {
            received,
            stored,
            late,
        }),
    )
        .into_response())
}

/// The range and region of a series read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// From (default: a day before `until`).
    #[param(value_type = Option<crate::openapi::Time>)]
    since: Option<String>,
    /// To (default: now).
    #[param(value_type = Option<crate::openapi::Time>)]
    until: Option<String>,
    /// A region (default: the provider as a whole).
    #[param(value_type = Option<crate::openapi::RegionId>)]
    region: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SamplePoint {
    #[schema(value_type = crate::openapi::Time)]
    pub time: Timestamp,
    pub value: f64,
}

/// One series of an operator signal in a time range.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignalSeriesOut {
    pub provider: String,
    pub signal: String,
    pub name: String,
    pub unit: Option<String>,
    /// The component the signal measures.
    pub component: Option<String>,
    /// None: the provider as a whole.
    pub region: Option<String>,
    #[schema(value_type = crate::openapi::Time)]
    pub since: Timestamp,
    #[schema(value_type = crate::openapi::Time)]
    pub until: Timestamp,
    /// The stored samples, in time order.
    pub samples: Vec<SamplePoint>,
    /// The anomalies of this series that overlap the range.
    pub anomalies: Vec<SignalAnomalyOut>,
}

/// `GET /api/v1/signals/{provider}/{signal}`: the samples of one series in a time range (at
/// most 31 days), with the anomalies found in it.
#[utoipa::path(
    get,
    path = "/api/v1/signals/{provider}/{signal}",
    tag = "read",
    params(
        ("provider" = String, Path, description = "A provider id", example = "o2-de"),
        ("signal" = String, Path, description = "A signal the provider declares", example = "hotline-wait"),
        SeriesQuery
    ),
    responses(
        (status = 200, description = "The series", body = SignalSeriesOut),
        (status = 400, description = "`bad-query`: an unknown parameter, a time that is not RFC 3339, a region not in the topology, or a range that runs backwards or is longer than 31 days", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such signal of the provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn series(
    State(st): State<AppState>,
    Path((provider, signal)): Path<(String, String)>,
    query: Result<Query<SeriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let declared = st.topology.signal(&provider, &signal).ok_or_else(|| {
        Problem::not_found(format!(
            "no signal {:?} of provider {:?} is declared in the topology",
            echo(&signal),
            echo(&provider)
        ))
    })?;
    let Query(q) = query.map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query",
            format!("{e}; allowed parameters: since, until, region"),
        )
    })?;
    let bad = |name: &str, value: &str, reason: String| {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query",
            format!("{name}: {reason}"),
        );
        p.invalid_params.push(InvalidParam {
            index: None,
            name: name.to_owned(),
            value: Some(echo(value)),
            reason,
        });
        p
    };
    let time = |name: &str, v: &Option<String>| -> Result<Option<Timestamp>, Problem> {
        v.as_deref()
            .map(|s| Timestamp::parse_rfc3339(s).map_err(|e| bad(name, s, e)))
            .transpose()
    };
    let until = time("until", &q.until)?.unwrap_or_else(|| st.clock.now());
    let since = time("since", &q.since)?.unwrap_or(Timestamp(until.0 - 86_400));
    if since > until || until.0 - since.0 > MAX_RANGE_SECS {
        return Err(bad(
            "since",
            &since.to_string(),
            "the range must run forwards and span at most 31 days".into(),
        ));
    }
    let region = match q.region.as_deref() {
        None | Some("") => None,
        Some(r) => Some(
            RegionId::parse(r)
                .ok()
                .filter(|x| st.topology.regions.iter().any(|y| &y.id == x))
                .ok_or_else(|| bad("region", r, "not a region of the topology".into()))?,
        ),
    };
    let samples = st
        .store
        .signal_samples(
            &declared.provider,
            &declared.id,
            region.as_ref(),
            since,
            until,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read signal samples");
            Problem::unavailable("signal samples cannot be read right now; retry in a minute")
        })?;
    let anomalies = st
        .detection
        .signal_anomalies()
        .iter()
        .filter(|a| {
            a.provider == declared.provider
                && a.signal == declared.id
                && a.region == region
                && a.overlaps(since, until)
        })
        .map(SignalAnomalyOut::from)
        .collect();
    Ok(Json(SignalSeriesOut {
        provider: declared.provider.to_string(),
        signal: declared.id.to_string(),
        name: declared.name.clone(),
        unit: declared.unit.clone(),
        component: declared.component.as_ref().map(|c| c.to_string()),
        region: region.map(|r| r.to_string()),
        since,
        until,
        samples: samples
            .iter()
            .map(|s| SamplePoint {
                time: s.time,
                value: s.value,
            })
            .collect(),
        anomalies,
    })
    .into_response())
}

/// A server-rendered SVG line chart of one signal series from `from` to `to`: the samples,
/// the typical band the anomaly was judged against, and the anomaly itself shaded; a time axis
/// in the provider's time zone.
pub fn chart(
    samples: &[SignalSample],
    anomaly: &SignalAnomaly,
    from: Timestamp,
    to: Timestamp,
    tz: chrono_tz::Tz,
    lang: &str,
) -> Markup {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const L: f64 = 64.0;
    const R: f64 = 12.0;
    const T: f64 = 12.0;
    const B: f64 = 32.0;
    let span = (to.0 - from.0).max(60) as f64;
    let top = samples
        .iter()
        .map(|s| s.value)
        .chain([anomaly.band.1, anomaly.peak])
        .fold(0.0f64, f64::max)
        * 1.1;
    let top = if top > 0.0 { top } else { 1.0 };
    let x = |t: i64| L + (t - from.0) as f64 / span * (W - L - R);
    let y = |v: f64| T + (1.0 - (v / top).clamp(0.0, 1.0)) * (H - T - B);
    let points: Vec<String> = samples
        .iter()
        .map(|s| format!("{:.1},{:.1}", x(s.time.0), y(s.value)))
        .collect();
    let unit = anomaly.unit.as_deref();
    let band = (anomaly.band.0.max(0.0), anomaly.band.1);
    let a_from = anomaly.start.0.max(from.0);
    let a_to = anomaly.end.map_or(to.0, |e| e.0).min(to.0);
    // Time ticks: every 1, 2, 3, 6, 12 or 24 hours, about six of them.
    let step = [3600, 7200, 10_800, 21_600, 43_200, 86_400]
        .into_iter()
        .find(|s| span / *s as f64 <= 7.0)
        .unwrap_or(86_400);
    let first_tick = (from.0 + step - 1).div_euclid(step) * step;
    let ticks: Vec<i64> = (0..)
        .map(|k| first_tick + k * step)
        .take_while(|t| *t <= to.0)
        .collect();
    let label = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.with_timezone(&tz).format("%d.%m. %H:%M").to_string())
            .unwrap_or_default()
    };
    let title = {
        let d = anomaly.describe();
        if lang == "de" {
            d.de
        } else {
            d.en
        }
    };
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" width=(W) height=(H) viewBox={ "0 0 " (W) " " (H) }
            role="img" aria-label=(title) {
            title { (title) }
            rect x=(format!("{:.1}", L)) y=(format!("{:.1}", y(band.1))) width=(format!("{:.1}", W - L - R))
                height=(format!("{:.1}", (y(band.0) - y(band.1)).max(0.5))) fill="#dfe9df" {}
            rect x=(format!("{:.1}", x(a_from))) y=(format!("{:.1}", T)) width=(format!("{:.1}", (x(a_to) - x(a_from)).max(1.0)))
                height=(format!("{:.1}", H - T - B)) fill="#f6d5d0" fill-opacity="0.7" {}
            line x1=(L) y1=(H - B) x2=(W - R) y2=(H - B) stroke="#555" {}
            line x1=(L) y1=(T) x2=(L) y2=(H - B) stroke="#555" {}
            @for t in &ticks {
                line x1=(format!("{:.1}", x(*t))) y1=(H - B) x2=(format!("{:.1}", x(*t))) y2=(H - B + 4.0) stroke="#555" {}
                text x=(format!("{:.1}", x(*t))) y=(H - B + 16.0) font-size="10" text-anchor="middle" { (label(*t)) }
            }
            @for v in [0.0, top / 2.0, top / 1.1] {
                text x=(L - 4.0) y=(format!("{:.1}", y(v) + 3.0)) font-size="10" text-anchor="end" { (format_value(v, unit)) }
            }
            text x=(W - R) y=(H - 2.0) font-size="9" text-anchor="end" fill="#555" { (tz.name()) }
            polyline points=(points.join(" ")) fill="none" stroke="#1f5fa8" stroke-width="1.5" {}
            text x=(format!("{:.1}", L + 4.0)) y=(format!("{:.1}", (y(band.1) - 3.0).max(T + 9.0))) font-size="10" fill="#3b6b3b" {
                (t(lang, "signals.band"))
            }
        }
    }
}

/// An anomaly in the reader's words: the signal, where, its peak against the typical value,
/// and since when (local time of the provider).
fn anomaly_sentence(
    st: &AppState,
    a: &SignalAnomaly,
    lang: &str,
    tz: chrono_tz::Tz,
    now: Timestamp,
) -> String {
    let unit = a.unit.as_deref();
    let place = a.region.as_ref().map_or_else(String::new, |r| {
        tf(
            lang,
            "signals.in",
            &[("region", &i18n::region_name(&st.topology, lang, r.as_str()))],
        )
    });
    let peak = format_value(a.peak, unit);
    let typical = format_value(a.typical, unit);
    let since = crate::publish::local_time::date_time(a.start, tz, lang, now);
    let until = a
        .end
        .map(|e| crate::publish::local_time::date_time(e, tz, lang, now));
    let mut args = vec![
        ("signal", a.name.as_str()),
        ("where", &place),
        ("peak", &peak),
        ("typical", &typical),
        ("since", &since),
    ];
    match &until {
        None => tf(lang, "signals.anomaly", &args),
        Some(u) => {
            args.push(("until", u));
            tf(lang, "signals.anomaly-ended", &args)
        }
    }
}

/// The incident page's section on operator signals: each anomaly that bears on the outage,
/// named as evidence, with a chart of its series from six hours before it to three hours after
/// (at most three days).
pub async fn incident_section(
    st: &AppState,
    o: &radar_core::view::Outage,
    lang: &str,
    now: Timestamp,
) -> Markup {
    let anomalies = &o.view.signal_anomalies;
    if anomalies.is_empty() {
        return html! {};
    }
    let tz = st.topology.time_zone(o.provider.as_str());
    let mut parts = Vec::new();
    for a in anomalies {
        let from = Timestamp(a.start.0 - 6 * 3600);
        let end = a.end.map_or(now.0, |e| e.0 + 3 * 3600).min(now.0);
        let to = Timestamp(end.min(from.0 + 3 * 86_400).max(from.0 + 3600));
        let samples = st
            .store
            .signal_samples(&a.provider, &a.signal, a.region.as_ref(), from, to)
            .await;
        let text = anomaly_sentence(st, a, lang, tz, now);
        parts.push(html! {
            div.box.signal {
                p {
                    strong { (t(lang, "signals.evidence")) " " }
                    (text)
                    @if let Some(c) = &a.component {
                        " — " (tf(lang, "signals.measures", &[("component", &i18n::component_name(&st.topology, lang, c))]))
                    }
                }
                @match &samples {
                    Ok(s) => (chart(s, a, from, to, tz, lang)),
                    Err(e) => p { (tf(lang, "signals.unreadable", &[("error", &e.to_string())])) },
                }
            }
        });
    }
    html! {
        h2 { (t(lang, "signals.title")) }
        p { small { (t(lang, "signals.note")) } }
        @for p in &parts { (p) }
    }
}
