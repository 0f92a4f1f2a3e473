//! The public report form: a plain HTML form (no JavaScript), postcode → region.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use radar_core::intake::{validate, RawReport};
use radar_core::{Source, Timestamp};
use serde::Deserialize;

use crate::intake::api::{admit, read_body};
use crate::intake::identity::Client;
use crate::publish::api::known_provider;
use crate::publish::pages::render_provider;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFields {
    service: Option<String>,
    problem: Option<String>,
    postcode: Option<String>,
}

pub async fn post_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let provider = match known_provider(&st, &id) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let fail = |msg: String, status: StatusCode| {
        let st = st.clone();
        let provider = provider.clone();
        let lang = crate::publish::pages::language(None, &parts.headers);
        async move { render_provider(&st, &provider, lang, false, Some(msg), status).await }
    };
    if !is_form {
        st.metrics.reject("unsupported-media-type", 1);
        return fail(
            "The form must be sent as application/x-www-form-urlencoded.".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
    }
    let bytes = match read_body(body, 16 * 1024).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let fields: FormFields = match serde_urlencoded::from_bytes(&bytes) {
        Ok(f) => f,
        Err(e) => {
            st.metrics.reject("malformed-form", 1);
            return fail(
                format!("The form could not be read: {e}."),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let now = st.clock.now();
    let client = Client::of(&st.settings, &parts.headers, peer);
    if let Err(p) = admit(&st, &client, 1, now) {
        let wait = p.retry_after.map_or(60, |w| w.get());
        let mut page = fail(
            format!(
                "Too many reports came from your network just now; please try again in {wait} seconds."
            ),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
        page.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return page;
    }
    let key = st.secret.for_client(now, &client, None);
    let raw = RawReport {
        provider: Some(provider.as_str()),
        service: fields.service.as_deref(),
        problem: fields.problem.as_deref(),
        region: None,
        postcode: fields.postcode.as_deref(),
        time: None,
        source: None,
    };
    let report = match validate(
        &raw,
        &st.topology,
        &st.postcodes,
        now,
        Timestamp(i64::MIN),
        Source::Web,
        key,
    ) {
        Ok(r) => r,
        Err(e) => {
            st.metrics.reject(e.reason, 1);
            return fail(
                format!("Please check the {}: {}", e.field, e.message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match st.intake.submit(vec![report]).await {
        Ok(_) => Redirect::to(&format!("/providers/{provider}?reported=1")).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "form report not stored");
            // Full or read-only storage: the same page (the reader can do nothing about it).
            fail(
                "Your report could not be stored right now; please try again in a minute.".into(),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
    }
}
