//! CSRF protection of the consoles' forms: every state-changing form carries the session's
//! token in a hidden field `csrf` ([`hidden`]), and handlers read their form through
//! [`CsrfForm`], which refuses (403) a form without the right token before the handler runs.
//! SameSite=Strict cookies and the same-origin check of `guard` are further layers; this one
//! does not depend on the browser.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use serde::de::DeserializeOwned;

use crate::auth::Principal;
use crate::state::AppState;

/// Largest console form accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The hidden field that carries the session's CSRF token.
pub fn hidden(who: &Principal) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf.as_deref().unwrap_or("")); }
}

/// A form whose `csrf` field matched the session's token; the other fields as `T`.
pub struct CsrfForm<T>(pub T);

pub struct CsrfRejection(StatusCode, String);

impl IntoResponse for CsrfRejection {
    fn into_response(self) -> Response {
        let page = crate::publish::pages::layout(
            "Refused",
            html! { h1 { "Refused" } p.err { (self.1) } p { "Go back, reload the page and try again." } },
        );
        (self.0, Html(page.into_string())).into_response()
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = CsrfRejection;

    async fn from_request(req: Request, _: &AppState) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<Principal>()
            .and_then(|p| p.csrf.clone());
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(CsrfRejection(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The form must be sent as application/x-www-form-urlencoded.".into(),
            ));
        }
        let bytes = crate::intake::api::read_body(req.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|p| {
                CsrfRejection(
                    StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST),
                    p.detail.clone(),
                )
            })?;
        let mut fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| {
                CsrfRejection(
                    StatusCode::BAD_REQUEST,
                    format!("The form could not be read: {e}."),
                )
            })?;
        let given = fields
            .iter()
            .position(|(k, _)| k == "csrf")
            .map(|i| fields.remove(i).1);
        match (expected, given) {
            (Some(e), Some(g)) if crate::auth::same(&e, &g) => {}
            _ => {
                return Err(CsrfRejection(
                    StatusCode::FORBIDDEN,
                    "This form is out of date or was not sent from this site's own page (its CSRF token does not match your session). Reload the page and try again.".into(),
                ))
            }
        }
        let rest = serde_urlencoded::to_string(&fields).map_err(|_| {
            CsrfRejection(
                StatusCode::BAD_REQUEST,
                "The form could not be read.".into(),
            )
        })?;
        serde_urlencoded::from_str(&rest)
            .map(CsrfForm)
            .map_err(|e| {
                CsrfRejection(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("Please check the form: {e}."),
                )
            })
    }
}
