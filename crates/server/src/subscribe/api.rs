//! The JSON API of subscriptions: `POST /api/v1/subscriptions` (anyone, rate-limited per
//! network), `GET` and `DELETE /api/v1/subscriptions/{id}` with the subscription's own token
//! as bearer token (shown once when subscribing), and the operator's list
//! `GET /api/v1/subscriptions` (guarded in `auth::routes`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use radar_core::Timestamp;
use radar_store::subscriptions::{Attempt, Channel, SubState, Subscription};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::intake::identity::Client;
use crate::problem::{InvalidParam, Problem};
use crate::state::AppState;
use crate::subscribe::{Created, Refused, Wanted};

/// Whether a network may make another subscription now; else the seconds to wait.
pub fn admit(st: &AppState, client: &Client, now: Timestamp) -> Result<(), u32> {
    let network = client.network();
    match st.subscribe_limiter.check(&network, 1) {
        Ok(()) => Ok(()),
        Err(refused) => {
            let tag = st.secret.network_tag(now, &network);
            tracing::warn!(network = %tag, "subscription refused: rate limit");
            Err(refused.retry_after_secs.get())
        }
    }
}

/// A new subscription.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// `webhook` or `email`.
    #[schema(pattern = "^(webhook|email)$")]
    pub channel: String,
    /// The webhook URL (`http://` or `https://`), for `webhook`.
    pub url: Option<String>,
    /// The address, for `email`; a confirmation mail is sent to it first.
    pub email: Option<String>,
    /// One provider's incidents; absent for every provider's.
    pub provider: Option<String>,
    /// `de` or `en`: the language of mails (default `en`).
    pub lang: Option<String>,
}

/// A delivery attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptOut {
    #[schema(value_type = crate::openapi::Time)]
    pub at: Timestamp,
    /// `incident` or `component_update`.
    pub event: String,
    /// 1 for a delivery's first attempt.
    pub attempt: u32,
    /// The HTTP status (webhooks) or SMTP reply code (e-mail), when there was one.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl From<&Attempt> for AttemptOut {
    fn from(a: &Attempt) -> AttemptOut {
        AttemptOut {
            at: a.at,
            event: a.event.clone(),
            attempt: a.attempt,
            status: a.status,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
        }
    }
}

/// A subscription.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionOut {
    pub id: String,
    #[schema(pattern = "^(webhook|email)$")]
    pub channel: String,
    /// Absent: every provider.
    pub provider: Option<String>,
    /// The webhook URL, or the e-mail address (masked in the operator's list).
    pub target: String,
    #[schema(pattern = "^(pending|active|disabled|unsubscribed)$")]
    pub state: String,
    /// Why it was disabled or ended.
    pub reason: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    #[schema(value_type = crate::openapi::Time)]
    pub created: Timestamp,
    /// Newest first (the last 100; the operator's list: the last 5).
    pub attempts: Vec<AttemptOut>,
}

fn out(s: &Subscription, target: String, attempts: &[Attempt]) -> SubscriptionOut {
    SubscriptionOut {
        id: s.id.clone(),
        channel: s.channel.as_str().into(),
        provider: s.provider.clone(),
        target,
        state: s.state.as_str().into(),
        reason: s.reason.clone(),
        failures: s.failures,
        created: s.created,
        attempts: attempts.iter().map(AttemptOut::from).collect(),
    }
}

/// A subscription just made, with what is shown only once.
#[derive(Serialize, ToSchema)]
pub struct CreatedOut {
    pub subscription: SubscriptionOut,
    /// Webhooks: the Standard Webhooks signing secret (`whsec_…`). Shown only now.
    pub secret: Option<String>,
    /// Webhooks: the bearer token for `GET`/`DELETE /api/v1/subscriptions/{id}`. Shown only
    /// now. (E-mail subscribers get their link by mail.)
    pub token: Option<String>,
    /// Webhooks: the subscription's page (state, delivery log, unsubscribe).
    pub manage_url: Option<String>,
}

fn invalid(field: &str, message: String) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-subscription",
        "Invalid subscription",
        format!("{field}: {message}"),
    );
    p.invalid_params = vec![InvalidParam {
        index: None,
        name: field.to_owned(),
        value: None,
        reason: message,
    }];
    p
}

/// `POST /api/v1/subscriptions`.
#[utoipa::path(
    post,
    path = "/api/v1/subscriptions",
    operation_id = "create_subscription",
    tag = "subscriptions",
    request_body = NewSubscription,
    responses(
        (status = 201, description = "Webhook subscribed: deliveries start with the next change; the secret and token are shown only now", body = CreatedOut),
        (status = 202, description = "E-mail subscription pending: a confirmation mail was sent; nothing else is sent before it is confirmed", body = CreatedOut),
        (status = 400, description = "`malformed`: the body is not the JSON described", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-subscription`: a field is wrong (see invalid-params), or e-mail is not set up on this server", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: too many subscriptions from this network; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot write or the confirmation mail cannot be sent", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(State(st): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let body = match crate::intake::api::read_body(body, 16 * 1024).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let n: NewSubscription = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                "Malformed subscription",
                format!("the body is not a subscription: {e}; send {{\"channel\": \"webhook\", \"url\": \"https://…\"}}"),
            )
            .into_response()
        }
    };
    let now = st.clock.now();
    let (channel, target) = match n.channel.as_str() {
        "webhook" => (Channel::Webhook, n.url.unwrap_or_default()),
        "email" => (Channel::Email, n.email.unwrap_or_default()),
        other => {
            return invalid(
                "channel",
                format!("{other:?} is not a channel; write webhook or email"),
            )
            .into_response()
        }
    };
    let provider = match n.provider.as_deref() {
        None => None,
        Some(p) => match crate::publish::api::known_provider(&st, p) {
            Ok(p) => Some(p),
            Err(e) => return invalid("provider", e.detail.clone()).into_response(),
        },
    };
    let lang = match n.lang.as_deref() {
        None | Some("en") => "en",
        Some("de") => "de",
        Some(other) => {
            return invalid(
                "lang",
                format!("{other:?} is not a language; write de or en"),
            )
            .into_response()
        }
    };
    let client = Client::of(&st.settings, &headers, peer);
    if let Err(wait) = admit(&st, &client, now) {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many subscriptions",
            format!("too many subscriptions from your network; retry in {wait} s"),
        );
        p.retry_after = std::num::NonZeroU32::new(wait);
        return p.into_response();
    }
    let wanted = Wanted {
        channel,
        target,
        provider,
        lang,
    };
    match super::create(&st, wanted, now).await {
        Ok(Created::Webhook { sub, secret, token }) => (
            StatusCode::CREATED,
            Json(CreatedOut {
                subscription: out(&sub, sub.target.clone(), &[]),
                secret: Some(secret),
                manage_url: Some(super::manage_url(&st, &sub.id)),
                token: Some(token),
            }),
        )
            .into_response(),
        Ok(Created::Email { sub }) => (
            StatusCode::ACCEPTED,
            Json(CreatedOut {
                subscription: out(&sub, sub.target.clone(), &[]),
                secret: None,
                token: None,
                manage_url: None,
            }),
        )
            .into_response(),
        Err(Refused::Invalid { field, message }) => invalid(field, message).into_response(),
        Err(Refused::NoMail) => invalid(
            "channel",
            "e-mail subscriptions are not available on this server (no SMTP relay is set up); use a webhook".into(),
        )
        .into_response(),
        Err(Refused::MailFailed(e)) => {
            tracing::warn!(error = %e, "confirmation mail not sent");
            Problem::unavailable("the confirmation mail could not be sent; try again later")
                .into_response()
        }
        Err(Refused::Store(e)) => {
            tracing::error!(error = %e, "subscription not stored");
            Problem::unavailable("the subscription could not be stored; try again in a minute")
                .into_response()
        }
    }
}

/// The subscription of `id` if the request carries its token.
async fn own(st: &AppState, id: &str, headers: &HeaderMap) -> Result<Subscription, Problem> {
    let given = crate::auth::bearer(headers).unwrap_or_default();
    let unknown = || {
        Problem::not_found(
            "no such subscription, or the bearer token is not its token (the one shown when subscribing)",
        )
    };
    if !super::token_ok(st, id, given) {
        return Err(unknown());
    }
    st.store
        .subscriptions()
        .subscription(id)
        .await
        .map_err(|_| Problem::unavailable("the store cannot be read"))?
        .ok_or_else(unknown)
}

const ID: &str = "Subscription id (`sub_…`)";

/// `GET /api/v1/subscriptions/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions/{id}",
    operation_id = "get_subscription",
    tag = "subscriptions",
    params(("id" = String, Path, description = ID)),
    security(("subscription" = [])),
    responses(
        (status = 200, description = "The subscription and its delivery log, newest first", body = SubscriptionOut),
        (status = 404, description = "`not-found`: no such subscription, or not its token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SubscriptionOut>, Problem> {
    let sub = own(&st, &id, &headers).await?;
    let log = st
        .store
        .subscriptions()
        .attempts(&id, 100)
        .await
        .map_err(|_| Problem::unavailable("the store cannot be read"))?;
    Ok(Json(out(&sub, sub.target.clone(), &log)))
}

/// `DELETE /api/v1/subscriptions/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/subscriptions/{id}",
    operation_id = "delete_subscription",
    tag = "subscriptions",
    params(("id" = String, Path, description = ID)),
    security(("subscription" = [])),
    responses(
        (status = 200, description = "Unsubscribed: nothing more is sent, queued deliveries are dropped; the subscription as it is now", body = SubscriptionOut),
        (status = 404, description = "`not-found`: no such subscription, or not its token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot write", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SubscriptionOut>, Problem> {
    own(&st, &id, &headers).await?;
    let subs = st.store.subscriptions();
    subs.end_subscription(
        &id,
        SubState::Unsubscribed,
        "unsubscribed by the subscriber",
    )
    .await
    .map_err(|_| Problem::unavailable("the store cannot write"))?;
    let sub = subs
        .subscription(&id)
        .await
        .map_err(|_| Problem::unavailable("the store cannot be read"))?
        .ok_or_else(|| Problem::not_found("no such subscription"))?;
    Ok(Json(out(&sub, sub.target.clone(), &[])))
}

/// `GET /api/v1/subscriptions` (operators): every subscription with its last attempts;
/// e-mail addresses masked.
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions",
    operation_id = "list_subscriptions",
    tag = "subscriptions",
    security(("operator" = [])),
    responses(
        (status = 200, description = "Every subscription, newest first, each with its last 5 attempts", body = [SubscriptionOut]),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope `abuse`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    _who: crate::auth::Principal,
) -> Result<Json<Vec<SubscriptionOut>>, Problem> {
    let subs = st.store.subscriptions();
    let all = subs
        .subscriptions()
        .await
        .map_err(|_| Problem::unavailable("the store cannot be read"))?;
    let mut outs = Vec::with_capacity(all.len());
    for s in &all {
        let log = subs
            .attempts(&s.id, 5)
            .await
            .map_err(|_| Problem::unavailable("the store cannot be read"))?;
        outs.push(out(s, super::masked(s), &log));
    }
    Ok(Json(outs))
}
