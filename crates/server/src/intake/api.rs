//! `POST /api/v1/reports`: one report, or `{"reports": [...]}` of up to 1000. A batch is all
//! or nothing: one invalid report and nothing is stored. Answers `202 {"ids": [...],
//! "not_counted": [...]}` only once the reports are durable: `not_counted` lists the indexes
//! (in request order) of the reports live detection does not count because their minute had
//! already closed (dated more than about a minute back; see [`crate::detection`]).

use std::borrow::Cow;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use radar_core::intake::{validate, RawReport};
use radar_core::{Report, ReporterKey, Source, Timestamp};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::intake::identity::Client;
use crate::intake::{IntakeError, Receipt};
use crate::problem::{echo, InvalidParam, Problem};
use crate::state::AppState;

/// Most reports in one request.
pub const MAX_BATCH: usize = 1000;
/// How far back an API report may be dated.
pub const MAX_AGE_SECS: i64 = 30 * 86_400;

/// One report as JSON. Unknown fields are rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportJson {
    pub provider: Option<String>,
    pub service: Option<String>,
    pub problem: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub time: Option<String>,
    pub source: Option<String>,
    /// An opaque token a client may send instead of being keyed by address and user agent.
    pub reporter_token: Option<String>,
}

/// A JSON string, borrowed from the body unless it has escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// One report as it arrives in a request, borrowing from the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields<'a> {
    #[serde(borrow)]
    provider: Option<Text<'a>>,
    #[serde(borrow)]
    service: Option<Text<'a>>,
    #[serde(borrow)]
    problem: Option<Text<'a>>,
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow)]
    postcode: Option<Text<'a>>,
    #[serde(borrow)]
    time: Option<Text<'a>>,
    #[serde(borrow)]
    source: Option<Text<'a>>,
    #[serde(borrow)]
    reporter_token: Option<Text<'a>>,
}

/// Either a single report (its fields at the top level) or `{"reports": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    reports: Option<Vec<Fields<'a>>>,
    #[serde(borrow)]
    provider: Option<Text<'a>>,
    #[serde(borrow)]
    service: Option<Text<'a>>,
    #[serde(borrow)]
    problem: Option<Text<'a>>,
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow)]
    postcode: Option<Text<'a>>,
    #[serde(borrow)]
    time: Option<Text<'a>>,
    #[serde(borrow)]
    source: Option<Text<'a>>,
    #[serde(borrow)]
    reporter_token: Option<Text<'a>>,
}

fn text<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(|t| &*t.0)
}

impl Fields<'_> {
    pub fn raw(&self) -> RawReport<'_> {
        RawReport {
            provider: text(&self.provider),
            service: text(&self.service),
            problem: text(&self.problem),
            region: text(&self.region),
            postcode: text(&self.postcode),
            time: text(&self.time),
            source: text(&self.source),
        }
    }
}

/// The reports of a `POST /api/v1/reports` body, before validation, borrowing from the body.
pub struct Batch<'a> {
    pub reports: Vec<Fields<'a>>,
    /// The body was one report object (not `{"reports": [...]}`): errors name no index.
    pub single: bool,
}

/// Reads a body as the handler does (JSON syntax, one report or `{"reports": [...]}`), with
/// no state: the handler's first step, kept apart for tests and the fuzz targets. The batch
/// size is checked by the caller.
pub fn parse_body(bytes: &[u8]) -> Result<Batch<'_>, Problem> {
    let env: Envelope<'_> = serde_json::from_slice(bytes).map_err(|e| {
        bad_request(
            "malformed-json",
            "Malformed JSON",
            format!(
                "the body is not a valid report: {}. Send one report object or {{\"reports\": [...]}}",
                echo(&e.to_string())
            ),
        )
    })?;
    match env.reports {
        Some(list) => {
            let top_level = [
                &env.provider,
                &env.service,
                &env.problem,
                &env.region,
                &env.postcode,
                &env.time,
                &env.source,
                &env.reporter_token,
            ];
            if top_level.iter().any(|f| f.is_some()) {
                return Err(bad_request(
                    "malformed-json",
                    "Malformed JSON",
                    "a body with \"reports\" may not also have report fields at the top level",
                ));
            }
            Ok(Batch {
                reports: list,
                single: false,
            })
        }
        None => Ok(Batch {
            reports: vec![Fields {
                provider: env.provider,
                service: env.service,
                problem: env.problem,
                region: env.region,
                postcode: env.postcode,
                time: env.time,
                source: env.source,
                reporter_token: env.reporter_token,
            }],
            single: true,
        }),
    }
}

/// The `202` body, `{"ids":["<32 hex digits>",...],"not_counted":[<index>,...]}`, written
/// directly.
fn accepted_body(receipt: &Receipt) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let ids = &receipt.ids;
    let mut out = Vec::with_capacity(30 + ids.len() * 35);
    out.extend_from_slice(b"{\"ids\":[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        for b in id.0 {
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 15) as usize]);
        }
        out.push(b'"');
    }
    out.extend_from_slice(b"],\"not_counted\":[");
    let mut first = true;
    for (i, _) in receipt.counted.iter().enumerate().filter(|(_, &c)| !c) {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(i.to_string().as_bytes());
    }
    out.extend_from_slice(b"]}");
    out
}

impl ReportJson {
    pub fn raw(&self) -> RawReport<'_> {
        RawReport {
            provider: self.provider.as_deref(),
            service: self.service.as_deref(),
            problem: self.problem.as_deref(),
            region: self.region.as_deref(),
            postcode: self.postcode.as_deref(),
            time: self.time.as_deref(),
            source: self.source.as_deref(),
        }
    }
}

/// Takes `n` anonymous reports from the client's network's allowance, or refuses the request
/// with 429 and `Retry-After` and enters the network in the abuse book.
pub fn admit(state: &AppState, client: &Client, n: usize, now: Timestamp) -> Result<(), Problem> {
    let network = client.network();
    let Err(refused) = state.limiter.check(&network, n) else {
        return Ok(());
    };
    let tag = state.secret.network_tag(now, &network);
    state.metrics.rate_limited(n as u64);
    if state.limiter.record(tag.clone(), n as u64, now) {
        tracing::warn!(
            network = %tag,
            "reports refused: rate limit (logged once a minute per network; see GET /api/v1/abuse)"
        );
    }
    let burst = state.limiter.burst();
    let detail = if refused.too_many_at_once {
        format!(
            "{n} reports at once is more than one network may send ({burst}); send fewer per request, or relay them as a trusted client with the operator token"
        )
    } else {
        format!(
            "too many reports from your network; retry in {} s",
            refused.retry_after_secs
        )
    };
    let mut p = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many reports",
        detail,
    );
    p.retry_after = Some(refused.retry_after_secs);
    Err(p)
}

fn bad_request(reason: &'static str, title: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, reason, title, detail)
}

/// Refuses a request whose `Content-Type` is not `application/json` in UTF-8 (parameters
/// allowed; a `charset` other than UTF-8 is refused).
pub fn require_json(headers: &HeaderMap) -> Result<(), Problem> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = ctype.split(';');
    let mime = parts.next().unwrap_or("").trim();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"'));
    let shown = if ctype.is_empty() {
        "(none)".to_owned()
    } else {
        echo(ctype)
    };
    let refuse = |detail: String| {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported content type",
            detail,
        ))
    };
    if !mime.eq_ignore_ascii_case("application/json") {
        return refuse(format!(
            "Content-Type {shown:?} is not accepted here; send UTF-8 JSON as application/json"
        ));
    }
    match charset {
        Some(c) if !c.eq_ignore_ascii_case("utf-8") && !c.eq_ignore_ascii_case("utf8") => {
            refuse(format!(
                "Content-Type {shown:?}: charset {:?} is not accepted; UTF-8 JSON is expected (application/json or application/json; charset=utf-8)",
                echo(c)
            ))
        }
        _ => Ok(()),
    }
}

/// Reads the body up to the configured limit.
pub async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, Problem> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            format!("the body is larger than {limit} bytes; send at most {MAX_BATCH} reports per request"),
        )
    })
}

/// `POST /api/v1/reports`.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    params(("X-Reporter-Token" = Option<String>, Header, description = "An opaque token that keys the reporter instead of address and user agent (a report's own `reporter_token` wins)")),
    request_body(content = crate::openapi::ReportsIn, content_type = "application/json"),
    responses(
        (status = 202, description = "Stored durably", body = crate::openapi::ReportsAccepted),
        (status = 400, description = "`malformed-json`: not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-report` (each field at fault in `invalid-params`, with the report's `index` in a batch), `empty-batch` or `batch-too-large`; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: more anonymous reports from this network (/24, /48) than `report_burst` at once or `reports_per_minute`; nothing was stored; `Retry-After` says when to retry. Clients with the operator token are not limited", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
        (status = 503, description = "`unavailable` or `store-unavailable` (storage full or read-only): the reports were not stored; retry after `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_reports(State(state): State<AppState>, req: Request) -> Response {
    match accept(&state, req).await {
        Ok(receipt) => (
            StatusCode::ACCEPTED,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            accepted_body(&receipt),
        )
            .into_response(),
        Err(p) => {
            if p.status < 500 && p.invalid_params.is_empty() {
                state.metrics.reject(p.reason, 1);
            }
            p.into_response()
        }
    }
}

async fn accept(state: &AppState, req: Request) -> Result<Receipt, Problem> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    require_json(&parts.headers)?;
    let bytes = read_body(body, state.settings.max_body_bytes).await?;
    let Batch {
        reports: batch,
        single,
    } = parse_body(&bytes)?;
    if batch.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty-batch",
            "Empty batch",
            "\"reports\" is empty; send 1 to 1000 reports",
        ));
    }
    if batch.len() > MAX_BATCH {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch-too-large",
            "Batch too large",
            format!(
                "{} reports in one request; at most {MAX_BATCH} are allowed, split the batch",
                batch.len()
            ),
        );
        p.invalid_params.push(InvalidParam {
            index: None,
            name: "reports".into(),
            value: Some(batch.len().to_string()),
            reason: format!("at most {MAX_BATCH} reports per request"),
        });
        state.metrics.reject("batch-too-large", batch.len() as u64);
        return Err(p);
    }

    let now = state.clock.now();
    let oldest = Timestamp(now.0 - MAX_AGE_SECS);
    let trusted = crate::auth::trusted_relay(state, &parts.headers).await;
    let client = Client::of(&state.settings, &parts.headers, peer);
    if !trusted {
        admit(state, &client, batch.len(), now)?;
    }
    let header_token = parts
        .headers
        .get("x-reporter-token")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty());
    let mut reports: Vec<Report> = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    let mut last: Option<(Option<&str>, ReporterKey)> = None;
    for (i, item) in batch.iter().enumerate() {
        let token = text(&item.reporter_token)
            .filter(|t| !t.is_empty())
            .or(header_token);
        let key = match last {
            Some((t, k)) if t == token => k,
            _ => {
                let k = match token {
                    Some(token) if trusted => state.secret.for_token(now, token),
                    _ => state.secret.for_client(now, &client, token),
                };
                last = Some((token, k));
                k
            }
        };
        match validate(
            &item.raw(),
            &state.topology,
            &state.postcodes,
            now,
            oldest,
            Source::Api,
            key,
        ) {
            Ok(r) => reports.push(r),
            Err(e) => {
                state.metrics.reject(e.reason, 1);
                errors.push(InvalidParam {
                    index: if single { None } else { Some(i) },
                    name: e.field.to_owned(),
                    value: e.value,
                    reason: e.message,
                });
            }
        }
    }
    if !errors.is_empty() {
        let first = &errors[0];
        let detail = if single {
            format!("{}: {}", first.name, first.reason)
        } else {
            format!(
                "{} of {} reports are invalid, so none was stored; first: reports[{}].{}: {}",
                errors.len(),
                batch.len(),
                first.index.unwrap_or(0),
                first.name,
                first.reason
            )
        };
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-report",
            "Invalid report",
            detail,
        );
        p.invalid_params = errors;
        if !single {
            // The valid reports of the batch were not stored either.
            state.metrics.reject(
                "batch-has-invalid-report",
                (batch.len() - p.invalid_params.len()) as u64,
            );
        }
        return Err(p);
    }
    match state.intake.submit(reports).await {
        Ok(receipt) => Ok(receipt),
        Err(IntakeError::Unwritable(kind, e)) => {
            tracing::debug!(error = %e, "reports not stored: the store cannot write");
            Err(Problem::store_unavailable(
                kind,
                if single {
                    "The report was"
                } else {
                    "The reports were"
                },
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "reports not stored");
            Err(Problem::unavailable(format!(
                "the reports were not stored ({e}); retry later"
            )))
        }
    }
}
