//! The JSON read API: providers and per-minute report counts (outages: `explain::outages`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use radar_core::{ProviderId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::publish::wire::{ProviderOut, ProvidersOut};
use crate::state::AppState;

/// `GET /api/v1/providers`: every provider with its headline status and its services'.
#[utoipa::path(
    get,
    path = "/api/v1/providers",
    tag = "read",
    responses(
        (status = 200, description = "Every provider with its headline status and its services'", body = ProvidersOut),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn providers(State(st): State<AppState>) -> Result<Json<ProvidersOut>, Problem> {
    let lv = crate::explain::outages::product_view(&st).await?;
    Ok(Json(ProvidersOut {
        providers: lv
            .view
            .providers
            .iter()
            .filter_map(|p| ProviderOut::new(&st.topology, p))
            .collect(),
    }))
}

pub fn known_provider(st: &AppState, id: &str) -> Result<ProviderId, Problem> {
    ProviderId::parse(id)
        .ok()
        .filter(|p| st.topology.provider(p.as_str()).is_some())
        .ok_or_else(|| {
            Problem::not_found(format!(
                "unknown provider {id:?}; known providers: {}",
                st.topology.provider_list()
            ))
        })
}

/// `?since=&until=`: RFC 3339 times, at most 31 days apart (default: the hour up to a minute
/// from now).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Start (inclusive); default: an hour before `until`.
    #[param(value_type = Option<crate::openapi::Time>)]
    since: Option<String>,
    /// End (exclusive); default: a minute from now.
    #[param(value_type = Option<crate::openapi::Time>)]
    until: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MinuteOut {
    #[schema(value_type = crate::openapi::Time)]
    pub minute: Timestamp,
    pub reports: u64,
    pub reporters: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CountsOut {
    pub provider: String,
    #[schema(value_type = crate::openapi::Time)]
    pub since: Timestamp,
    #[schema(value_type = crate::openapi::Time)]
    pub until: Timestamp,
    pub minutes: Vec<MinuteOut>,
}

/// Longest range one request may ask for.
const MAX_RANGE_SECS: i64 = 31 * 86_400;

fn time_param(name: &str, v: &str) -> Result<Timestamp, Problem> {
    Timestamp::parse_rfc3339(v).map_err(|m| {
        Problem::bad_query(
            name,
            v,
            m,
            "an RFC 3339 time, e.g. 2017-05-17T13:00:00Z".into(),
        )
    })
}

/// Ranges longer than this are heavy reads (thousands of minutes): they are served one at a
/// time (`AppState::heavy_reads`) and serialised off the async workers, so that a few clients
/// asking for months of counts over and over cannot slow every other page down.
const HEAVY_RANGE_SECS: i64 = 6 * 3600;

/// `GET /api/v1/providers/{id}/reports`: reports and distinct reporters per minute.
#[utoipa::path(
    get,
    path = "/api/v1/providers/{id}/reports",
    tag = "read",
    params(("id" = String, Path, description = "Provider id", example = "o2-de"), RangeQuery),
    responses(
        (status = 200, description = "Reports and distinct reporters per minute that has any", body = CountsOut),
        (status = 400, description = "`bad-query`: an unknown parameter, a time that is not RFC 3339, or a range that is empty or longer than 31 days", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`internal`: the store failed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn report_counts(
    State(st): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<RangeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, Problem> {
    let provider = known_provider(&st, &id)?;
    let Query(q) = query.map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query",
            format!("{e}; allowed parameters: since, until"),
        )
    })?;
    let now = st.clock.now();
    let until = match &q.until {
        Some(v) => time_param("until", v)?,
        None => Timestamp(now.0 + 60),
    };
    let since = match &q.since {
        Some(v) => time_param("since", v)?,
        None => Timestamp(until.0 - 3600),
    };
    if since >= until || until.0 - since.0 > MAX_RANGE_SECS {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid range",
            format!(
                "since must be before until and the range at most 31 days (got {since} .. {until})"
            ),
        ));
    }
    let heavy = until.0 - since.0 > HEAVY_RANGE_SECS;
    let _permit = match heavy {
        true => Some(
            st.heavy_reads
                .acquire()
                .await
                .map_err(|_| Problem::unavailable("the server is shutting down"))?,
        ),
        false => None,
    };
    let counts = st
        .store
        .minute_counts(&provider, since, until)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "minute counts failed");
            Problem::internal()
        })?;
    let out = CountsOut {
        provider: provider.to_string(),
        since,
        until,
        minutes: counts
            .into_iter()
            .map(|c| MinuteOut {
                minute: c.minute,
                reports: c.reports,
                reporters: c.reporters,
            })
            .collect(),
    };
    let body = if heavy {
        tokio::task::spawn_blocking(move || serde_json::to_vec(&out))
            .await
            .map_err(|_| Problem::internal())?
    } else {
        serde_json::to_vec(&out)
    }
    .map_err(|_| Problem::internal())?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}
