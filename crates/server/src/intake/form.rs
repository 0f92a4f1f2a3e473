//! The public report form: a plain HTML form (no JavaScript), postcode → region, or a Land
//! chosen without a postcode. A rejected form comes back with the values sent and the error
//! beside its field, in the page's language.

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
use crate::publish::i18n::{t, tf};
use crate::publish::pages::{language, render_provider, ReportForm};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FormFields {
    service: Option<String>,
    problem: Option<String>,
    postcode: Option<String>,
    region: Option<String>,
    lang: Option<String>,
}

/// An intake error of one field as the form shows it beside that field: a sentence in the
/// page's language from the catalogue for the errors a form can cause, else the core's
/// message.
fn field_message(lang: &str, e: &radar_core::intake::FieldError, value: &str) -> String {
    let key = match (e.field, e.reason) {
        ("postcode", "unknown-postcode")
            if !(value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit())) =>
        {
            "form.error.postcode-syntax"
        }
        ("postcode", "unknown-postcode") => "form.error.postcode-unknown",
        ("postcode", "postcode-outside-region") => "form.error.postcode-outside",
        ("region", "missing-field") => "form.error.place-missing",
        ("region", "unknown-region") => "form.error.region-unknown",
        ("service", _) => "form.error.service-unknown",
        ("problem", _) => "form.error.problem-missing",
        _ => {
            return tf(
                lang,
                "form.error.other",
                &[("field", e.field), ("message", &e.message)],
            )
        }
    };
    tf(lang, key, &[("value", value)])
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
    let header_lang = language(None, &parts.headers);
    // The page again, with the values sent and the error beside its field or above the form.
    let fail = |form: ReportForm, lang: &'static str, status: StatusCode| {
        let st = st.clone();
        let provider = provider.clone();
        async move { render_provider(&st, &provider, lang, &form, status).await }
    };
    if !is_form {
        st.metrics.reject("unsupported-media-type", 1);
        let form = ReportForm {
            error: Some(t(header_lang, "form.error.media-type").to_owned()),
            ..ReportForm::default()
        };
        return fail(form, header_lang, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
    let bytes = match read_body(body, 16 * 1024).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let fields: FormFields = match serde_urlencoded::from_bytes(&bytes) {
        Ok(f) => f,
        Err(e) => {
            st.metrics.reject("malformed-form", 1);
            tracing::debug!(error = %e, "form not readable");
            let form = ReportForm {
                error: Some(t(header_lang, "form.error.malformed").to_owned()),
                ..ReportForm::default()
            };
            return fail(form, header_lang, StatusCode::BAD_REQUEST).await;
        }
    };
    let lang = language(fields.lang.as_deref(), &parts.headers);
    let value = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
    let mut form = ReportForm {
        service: value(&fields.service),
        problem: value(&fields.problem),
        postcode: value(&fields.postcode),
        region: value(&fields.region),
        ..ReportForm::default()
    };
    let now = st.clock.now();
    let client = Client::of(&st.settings, &parts.headers, peer);
    if let Err(p) = admit(&st, &client, 1, now) {
        let wait = p.retry_after.map_or(60, |w| w.get());
        form.error = Some(tf(
            lang,
            "form.error.rate-limited",
            &[("seconds", &wait.to_string())],
        ));
        let mut page = fail(form, lang, StatusCode::TOO_MANY_REQUESTS).await;
        page.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return page;
    }
    let key = st.secret.for_client(now, &client, None);
    let raw = RawReport {
        provider: Some(provider.as_str()),
        service: Some(form.service.as_str()).filter(|s| !s.is_empty()),
        problem: Some(form.problem.as_str()).filter(|s| !s.is_empty()),
        region: Some(form.region.as_str()).filter(|s| !s.is_empty()),
        postcode: Some(form.postcode.as_str()).filter(|s| !s.is_empty()),
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
            let field = match e.field {
                "service" => Some("service"),
                "problem" => Some("problem"),
                "postcode" => Some("postcode"),
                "region" => Some("region"),
                _ => None,
            };
            let sent = match e.field {
                "postcode" => form.postcode.clone(),
                "region" => form.region.clone(),
                _ => String::new(),
            };
            let msg = field_message(lang, &e, &sent);
            match field {
                Some(f) => form.field_error = Some((f, msg)),
                None => form.error = Some(msg),
            }
            return fail(form, lang, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match st.intake.submit(vec![report]).await {
        Ok(_) => {
            Redirect::to(&format!("/providers/{provider}?reported=1&lang={lang}")).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "form report not stored");
            // Full or read-only storage: the same page (the reader can do nothing about it).
            form.error = Some(t(lang, "form.error.unavailable").to_owned());
            fail(form, lang, StatusCode::SERVICE_UNAVAILABLE).await
        }
    }
}
