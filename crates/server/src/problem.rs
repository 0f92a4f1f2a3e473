//! RFC 9457 problem details (`application/problem+json`): every 4xx and 5xx of the API.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// How every error repeats a client's value: at most
/// [`radar_core::intake::ECHO_CHARS`] characters, then `…` and the length sent.
pub use radar_core::intake::echo;

/// One invalid field, possibly of one report in a batch.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvalidParam {
    /// Index of the report in the batch, when the request held several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The field, e.g. `provider`.
    pub name: String,
    /// The value sent, if any, as [`echo`] repeats it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong and what is allowed.
    pub reason: String,
}

/// An RFC 9457 problem: `type` names the kind of error (`/problems/<reason>`), `detail` says
/// what to do, `invalid-params` lists the fields at fault.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(examples("/problems/not-found"))]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(rename = "invalid-params", skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
    /// Short reason for metrics; not serialised.
    #[serde(skip)]
    pub reason: &'static str,
    /// Seconds after which a retry may succeed, sent as `Retry-After`; not serialised.
    #[serde(skip)]
    pub retry_after: Option<std::num::NonZeroU32>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        reason: &'static str,
        title: &str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            type_uri: format!("/problems/{reason}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            invalid_params: Vec::new(),
            reason,
            retry_after: None,
        }
    }

    /// A query parameter that cannot be used: 400 `bad-query`, naming the parameter, the
    /// value (shortened by [`echo`]) and what is allowed.
    pub fn bad_query(name: &str, value: &str, detail: String, reason: String) -> Self {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query parameter",
            format!("{name}: {detail}"),
        );
        p.invalid_params.push(InvalidParam {
            index: None,
            name: name.to_owned(),
            value: Some(echo(value)),
            reason,
        });
        p
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server could not complete the request; it has been logged",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
            detail,
        )
    }

    /// The store cannot write (full disk, read-only data directory or database): 503
    /// `store-unavailable` with `Retry-After`. `what` says what was not stored. Reads still
    /// work, which the detail says too.
    pub fn store_unavailable(kind: radar_store::Unwritable, what: &str) -> Self {
        use radar_store::Unwritable;
        let (why, retry) = match kind {
            Unwritable::Full => ("the server's storage is full", 60),
            Unwritable::ReadOnly => ("the server's storage is read-only", 300),
        };
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store-unavailable",
            "Storage unavailable",
            format!(
                "{what} not stored: {why}. Nothing was changed; reading still works. Retry after {retry} seconds"
            ),
        );
        p.retry_after = std::num::NonZeroU32::new(retry);
        p
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs.get()));
        }
        response
    }
}
