//! The subscribe pages, server-rendered and usable without JavaScript: `/subscribe` (all
//! providers or one chosen), `/providers/{id}/subscribe`, the confirmation of an e-mail
//! subscription, a subscription's own page (state, delivery log, unsubscribe) and one-click
//! unsubscribe (RFC 8058).
//!
//! Public form posts are protected as the report form is (the same-origin rule of `guard`)
//! and, since there is no session, by a form token: the time the form was made and an HMAC of
//! it, valid for two hours. Every string of these pages and of the mails is in [`TEXTS`]
//! (English and German), one table to move into the pages' message catalogue.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use radar_core::ProviderId;
use radar_store::subscriptions::{Channel, SubState};
use serde::Deserialize;

use crate::intake::api::read_body;
use crate::intake::identity::Client;
use crate::publish::pages::{language, layout_in};
use crate::state::AppState;
use crate::subscribe::{Created, Refused, Wanted};

/// Every string: key, English, German.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("title", "Subscribe to incident updates", "Störungsmeldungen abonnieren"),
    ("title_for", "Subscribe to incidents of", "Störungsmeldungen abonnieren für"),
    ("intro", "Be told when an incident is declared or detected, changes, gets a new statement or ends, and when a component's status changes (webhooks only).", "Erfahren Sie, wenn eine Störung erkannt oder gemeldet wird, sich ändert, eine neue Mitteilung erhält oder endet, und wenn sich der Zustand einer Komponente ändert (nur Webhooks)."),
    ("provider", "Provider", "Anbieter"),
    ("all_providers", "All providers", "Alle Anbieter"),
    ("how", "How", "Wie"),
    ("by_webhook", "Webhook (a URL of yours receives signed JSON)", "Webhook (eine URL von Ihnen erhält signiertes JSON)"),
    ("by_email", "E-mail", "E-Mail"),
    ("url", "Webhook URL", "Webhook-URL"),
    ("email", "E-mail address", "E-Mail-Adresse"),
    ("language", "Language of mails", "Sprache der E-Mails"),
    ("submit", "Subscribe", "Abonnieren"),
    ("no_mail", "E-mail subscriptions are not available on this server (no mail relay is set up). Use a webhook or the Atom feed instead.", "E-Mail-Abonnements sind auf diesem Server nicht verfügbar (kein Mailserver eingerichtet). Nutzen Sie einen Webhook oder den Atom-Feed."),
    ("feed_hint", "Or read the Atom feed:", "Oder lesen Sie den Atom-Feed:"),
    ("verify_hint", "Each delivery is signed as Standard Webhooks specify (headers webhook-id, webhook-timestamp, webhook-signature); verify it with the secret shown once after subscribing.", "Jede Zustellung ist nach Standard Webhooks signiert (Header webhook-id, webhook-timestamp, webhook-signature); prüfen Sie sie mit dem Geheimnis, das nach dem Abonnieren einmal angezeigt wird."),
    ("webhook_done", "Webhook subscribed", "Webhook abonniert"),
    ("secret", "Signing secret (shown only now: keep it)", "Signatur-Geheimnis (nur jetzt sichtbar: bitte aufbewahren)"),
    ("manage_link", "Your subscription's page (state, delivery log, unsubscribe); keep this link private:", "Seite Ihres Abonnements (Zustand, Zustellprotokoll, Abbestellen); halten Sie diesen Link geheim:"),
    ("email_done", "Check your mailbox", "Bitte prüfen Sie Ihr Postfach"),
    ("email_sent", "We sent a confirmation link to this address. Nothing else is sent until you follow it.", "Wir haben einen Bestätigungslink an diese Adresse geschickt. Bis Sie ihm folgen, senden wir nichts weiter."),
    ("confirm_title", "Confirm your subscription", "Abonnement bestätigen"),
    ("confirm_button", "Confirm", "Bestätigen"),
    ("confirmed", "Subscription confirmed: you will be told when incidents change.", "Abonnement bestätigt: Sie erfahren, wenn sich Störungen ändern."),
    ("confirm_bad", "This confirmation link is unknown or was used already. Subscribe again if you need to.", "Dieser Bestätigungslink ist unbekannt oder wurde schon benutzt. Abonnieren Sie bei Bedarf erneut."),
    ("sub_title", "Subscription", "Abonnement"),
    ("state", "State", "Zustand"),
    ("target", "Sent to", "Empfänger"),
    ("log", "Delivery log (newest first)", "Zustellprotokoll (neueste zuerst)"),
    ("log_empty", "No deliveries yet.", "Noch keine Zustellungen."),
    ("time", "Time", "Zeit"),
    ("event", "Event", "Ereignis"),
    ("attempt", "Attempt", "Versuch"),
    ("result", "Result", "Ergebnis"),
    ("duration", "Duration", "Dauer"),
    ("unsubscribe", "Unsubscribe", "Abbestellen"),
    ("unsubscribed", "You are unsubscribed; nothing more will be sent.", "Sie haben abbestellt; es wird nichts mehr gesendet."),
    ("bad_token", "This link is not valid for this subscription.", "Dieser Link gilt nicht für dieses Abonnement."),
    ("too_many", "Too many subscriptions came from your network just now; please try again later.", "Aus Ihrem Netz kamen gerade zu viele Abonnements; bitte versuchen Sie es später erneut."),
    ("form_old", "This form is out of date or was not sent from this site's own page. Reload the page and try again.", "Dieses Formular ist veraltet oder kam nicht von dieser Seite. Laden Sie die Seite neu und versuchen Sie es erneut."),
    ("mail_failed", "The confirmation mail could not be sent; please try again later.", "Die Bestätigungs-E-Mail konnte nicht gesendet werden; bitte versuchen Sie es später erneut."),
    ("unavailable", "Your subscription could not be stored right now; please try again in a minute.", "Ihr Abonnement konnte gerade nicht gespeichert werden; bitte versuchen Sie es in einer Minute erneut."),
    ("check", "Please check the", "Bitte prüfen Sie das Feld"),
    ("mail_confirm_subject", "Outage Radar: please confirm your subscription", "Outage Radar: bitte bestätigen Sie Ihr Abonnement"),
    ("mail_confirm_intro", "Someone (hopefully you) asked Outage Radar to send incident updates to this address.", "Jemand (hoffentlich Sie) hat Outage Radar gebeten, Störungsmeldungen an diese Adresse zu senden."),
    ("mail_for_provider", "Incidents of", "Störungen von"),
    ("mail_for_all", "Incidents of all providers", "Störungen aller Anbieter"),
    ("mail_confirm_action", "To confirm, open this link and press Confirm:", "Zum Bestätigen öffnen Sie diesen Link und drücken Sie auf Bestätigen:"),
    ("mail_confirm_ignore", "If you did not ask for this, ignore this mail: nothing more will be sent.", "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Es wird nichts weiter gesendet."),
    ("mail_status", "Status", "Status"),
    ("mail_impact", "Impact", "Auswirkung"),
    ("mail_details", "Details:", "Details:"),
    ("mail_unsubscribe", "Unsubscribe or see your deliveries:", "Abbestellen oder Zustellungen ansehen:"),
    ("status_investigating", "investigating", "wird untersucht"),
    ("status_identified", "identified", "Ursache erkannt"),
    ("status_monitoring", "monitoring", "wird beobachtet"),
    ("status_resolved", "resolved", "behoben"),
    ("status_scheduled", "scheduled", "geplant"),
    ("status_in_progress", "in progress", "läuft"),
    ("status_verifying", "verifying", "wird geprüft"),
    ("status_completed", "completed", "abgeschlossen"),
];

/// The text of `key` in `lang` (`de`, else English); `?` for a key not in the table (the
/// table test keeps keys unique and both languages filled).
pub fn text(lang: &str, key: &str) -> &'static str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, en, de)) => {
            if lang == "de" {
                de
            } else {
                en
            }
        }
        None => "?",
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    pub token: Option<String>,
    pub lang: Option<String>,
}

fn page(lang: &str, status: StatusCode, title: &str, body: Markup) -> Response {
    (status, Html(layout_in(lang, title, body).into_string())).into_response()
}

/// The subscribe form; `fixed` is the provider of `/providers/{id}/subscribe`.
async fn form_page(
    st: &AppState,
    fixed: Option<&ProviderId>,
    lang: &'static str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let t = |k| text(lang, k);
    let now = st.clock.now();
    let (title, action, feed) = match fixed {
        Some(p) => {
            let name = st
                .topology
                .provider(p.as_str())
                .map_or_else(|| p.to_string(), |x| x.name.clone());
            (
                format!("{} {name}", t("title_for")),
                format!("/providers/{p}/subscribe"),
                format!("/providers/{p}/feed.atom"),
            )
        }
        None => (
            t("title").to_owned(),
            "/subscribe".into(),
            "/feed.atom".into(),
        ),
    };
    let mail = st.mailer.is_some();
    let body = html! {
        h1 { (title) }
        p { (t("intro")) }
        @if let Some(e) = &error { p.err role="alert" { (e) } }
        form.box method="post" action=(action) {
            input type="hidden" name="form" value=(super::form_token(st, now));
            input type="hidden" name="lang" value=(lang);
            @if fixed.is_none() {
                label { (t("provider")) " "
                    select name="provider" {
                        option value="" { (t("all_providers")) }
                        @for p in &st.topology.providers {
                            option value=(p.id.as_str()) { (p.name) }
                        }
                    }
                }
            }
            fieldset {
                legend { (t("how")) }
                label { input type="radio" name="channel" value="webhook" checked; " " (t("by_webhook")) }
                @if mail {
                    label { input type="radio" name="channel" value="email"; " " (t("by_email")) }
                }
            }
            label { (t("url")) " " input type="url" name="url" size="60" placeholder="https://example.org/hooks/outages"; }
            @if mail {
                label { (t("email")) " " input type="email" name="email" size="40" placeholder="name@example.org"; }
            } @else {
                p { (t("no_mail")) }
            }
            button type="submit" { (t("submit")) }
        }
        p { (t("verify_hint")) }
        p { (t("feed_hint")) " " a href=(feed) { (feed) } }
    };
    page(lang, status, &title, body)
}

/// `GET /subscribe`.
pub async fn subscribe_all(
    State(st): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    form_page(&st, None, lang, None, StatusCode::OK).await
}

/// `GET /providers/{id}/subscribe`.
pub async fn subscribe_provider(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let provider = match crate::publish::api::known_provider(&st, &id) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let lang = language(q.lang.as_deref(), &headers);
    form_page(&st, Some(&provider), lang, None, StatusCode::OK).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormFields {
    form: Option<String>,
    channel: Option<String>,
    url: Option<String>,
    email: Option<String>,
    provider: Option<String>,
    lang: Option<String>,
}

/// `POST /subscribe`.
pub async fn post_all(State(st): State<AppState>, req: Request) -> Response {
    post(st, None, req).await
}

/// `POST /providers/{id}/subscribe`.
pub async fn post_provider(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let provider = match crate::publish::api::known_provider(&st, &id) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    post(st, Some(provider), req).await
}

async fn post(st: AppState, fixed: Option<ProviderId>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let mut lang = language(None, &parts.headers);
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let fail = |lang: &'static str, msg: String, status: StatusCode| {
        let st = st.clone();
        let fixed = fixed.clone();
        async move { form_page(&st, fixed.as_ref(), lang, Some(msg), status).await }
    };
    if !is_form {
        return fail(
            lang,
            "The form must be sent as application/x-www-form-urlencoded.".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        )
        .await;
    }
    let bytes = match read_body(body, 16 * 1024).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let f: FormFields = match serde_urlencoded::from_bytes(&bytes) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                lang,
                format!("The form could not be read: {e}."),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    };
    lang = language(f.lang.as_deref(), &parts.headers);
    let now = st.clock.now();
    if !f
        .form
        .as_deref()
        .is_some_and(|t| super::form_token_ok(&st, t, now))
    {
        return fail(lang, text(lang, "form_old").into(), StatusCode::FORBIDDEN).await;
    }
    let provider = match (&fixed, f.provider.as_deref().map(str::trim)) {
        (Some(p), _) => Some(p.clone()),
        (None, None | Some("")) => None,
        (None, Some(p)) => match crate::publish::api::known_provider(&st, p) {
            Ok(p) => Some(p),
            Err(e) => {
                return fail(
                    lang,
                    format!(
                        "{} {}: {}",
                        text(lang, "check"),
                        text(lang, "provider"),
                        e.detail
                    ),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        },
    };
    let (channel, target) = match f.channel.as_deref() {
        Some("email") => (Channel::Email, f.email.unwrap_or_default()),
        Some("webhook") | None => (Channel::Webhook, f.url.unwrap_or_default()),
        Some(other) => {
            return fail(
                lang,
                format!("{other:?} is not a way to subscribe; choose webhook or email."),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let client = Client::of(&st.settings, &parts.headers, peer);
    if let Err(wait) = super::api::admit(&st, &client, now) {
        let mut resp = fail(
            lang,
            text(lang, "too_many").into(),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return resp;
    }
    let wanted = Wanted {
        channel,
        target,
        provider,
        lang,
    };
    match super::create(&st, wanted, now).await {
        Ok(Created::Webhook { sub, secret, token }) => {
            let t = |k| text(lang, k);
            let manage = format!("/subscriptions/{}?token={token}", sub.id);
            page(
                lang,
                StatusCode::CREATED,
                t("webhook_done"),
                html! {
                    h1 { (t("webhook_done")) }
                    p { (t("target")) ": " code { (sub.target) } }
                    p { (t("secret")) }
                    p.say { code #secret { (secret) } }
                    p { (t("manage_link")) " " a #manage href=(manage) { (manage) } }
                    p { (t("verify_hint")) }
                },
            )
        }
        Ok(Created::Email { sub }) => {
            let t = |k| text(lang, k);
            page(
                lang,
                StatusCode::ACCEPTED,
                t("email_done"),
                html! {
                    h1 { (t("email_done")) }
                    p { code { (sub.target) } }
                    p { (t("email_sent")) }
                },
            )
        }
        Err(Refused::Invalid { field, message }) => {
            let name = text(lang, field);
            fail(
                lang,
                format!("{} {name}: {message}", text(lang, "check")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Refused::NoMail) => {
            fail(
                lang,
                text(lang, "no_mail").into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Refused::MailFailed(e)) => {
            tracing::warn!(error = %e, "confirmation mail not sent");
            fail(
                lang,
                text(lang, "mail_failed").into(),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
        Err(Refused::Store(e)) => {
            tracing::error!(error = %e, "subscription not stored");
            fail(
                lang,
                text(lang, "unavailable").into(),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
    }
}

/// `GET /subscriptions/confirm?token=…`: a page with a button (a link opened by a mail
/// scanner confirms nothing).
pub async fn confirm_page(Query(q): Query<TokenQuery>, headers: axum::http::HeaderMap) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let t = |k| text(lang, k);
    page(
        lang,
        StatusCode::OK,
        t("confirm_title"),
        html! {
            h1 { (t("confirm_title")) }
            form.box method="post" action="/subscriptions/confirm" {
                input type="hidden" name="token" value=(q.token.as_deref().unwrap_or(""));
                input type="hidden" name="lang" value=(lang);
                button type="submit" { (t("confirm_button")) }
            }
        },
    )
}

#[derive(Deserialize)]
struct TokenForm {
    token: Option<String>,
    lang: Option<String>,
}

async fn token_form(req: Request) -> (Option<String>, Option<String>, axum::http::HeaderMap) {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, 4096).await.unwrap_or_default();
    let f: Option<TokenForm> = serde_urlencoded::from_bytes(&bytes).ok();
    let (token, lang) = f.map_or((None, None), |f| (f.token, f.lang));
    (token, lang, parts.headers)
}

/// `POST /subscriptions/confirm` with the token: the subscription becomes active.
pub async fn confirm(State(st): State<AppState>, req: Request) -> Response {
    let (token, lang, headers) = token_form(req).await;
    let lang = language(lang.as_deref(), &headers);
    let t = |k| text(lang, k);
    let hash = super::confirm_hash(token.as_deref().unwrap_or(""));
    match st.store.subscriptions().confirm_subscription(&hash).await {
        Ok(Some(_)) => page(
            lang,
            StatusCode::OK,
            t("confirm_title"),
            html! { h1 { (t("confirm_title")) } p.ok #confirmed { (t("confirmed")) } },
        ),
        Ok(None) => page(
            lang,
            StatusCode::NOT_FOUND,
            t("confirm_title"),
            html! { h1 { (t("confirm_title")) } p.err { (t("confirm_bad")) } },
        ),
        Err(e) => {
            tracing::error!(error = %e, "confirmation not stored");
            page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                t("confirm_title"),
                html! { p.err { (t("unavailable")) } },
            )
        }
    }
}

/// `GET /subscriptions/{id}?token=…`: state, delivery log, unsubscribe.
pub async fn manage(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let t = |k| text(lang, k);
    let token = q.token.unwrap_or_default();
    if !super::token_ok(&st, &id, &token) {
        return page(
            lang,
            StatusCode::NOT_FOUND,
            t("sub_title"),
            html! { p.err { (t("bad_token")) } },
        );
    }
    let subs = st.store.subscriptions();
    let (sub, log) = match (subs.subscription(&id).await, subs.attempts(&id, 100).await) {
        (Ok(Some(s)), Ok(l)) => (s, l),
        (Ok(None), _) => {
            return page(
                lang,
                StatusCode::NOT_FOUND,
                t("sub_title"),
                html! { p.err { (t("bad_token")) } },
            )
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "subscription not read");
            return crate::problem::Problem::unavailable("the store cannot be read")
                .into_response();
        }
    };
    let active = matches!(sub.state, SubState::Active | SubState::Pending);
    page(
        lang,
        StatusCode::OK,
        t("sub_title"),
        html! {
            h1 { (t("sub_title")) " " code { (sub.id) } }
            table {
                tr { th { (t("target")) } td { code { (sub.target) } } }
                tr { th { (t("provider")) } td { (sub.provider.as_deref().unwrap_or(t("all_providers"))) } }
                tr { th { (t("state")) } td #state { (sub.state.as_str()) @if let Some(r) = &sub.reason { " — " (r) } } }
            }
            h2 { (t("log")) }
            @if log.is_empty() { p { (t("log_empty")) } } @else {
                table #log {
                    tr { th { (t("time")) } th { (t("event")) } th { (t("attempt")) } th { (t("result")) } th { (t("duration")) } }
                    @for a in &log {
                        tr {
                            td { (a.at.to_rfc3339()) }
                            td { (a.event) }
                            td { (a.attempt) }
                            td { @if let Some(s) = a.status { (s) " " } @if let Some(e) = &a.error { (e) } }
                            td { (a.duration_ms) " ms" }
                        }
                    }
                }
            }
            @if active {
                form.box method="post" action=(format!("/subscriptions/{}/unsubscribe", sub.id)) {
                    input type="hidden" name="token" value=(token);
                    input type="hidden" name="lang" value=(lang);
                    button type="submit" { (t("unsubscribe")) }
                }
            }
        },
    )
}

/// `POST /subscriptions/{id}/unsubscribe`: the token in the query (RFC 8058 one-click, the
/// body then being `List-Unsubscribe=One-Click`) or in the form.
pub async fn unsubscribe(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
    req: Request,
) -> Response {
    let (form_token, form_lang, headers) = token_form(req).await;
    let lang = language(form_lang.or(q.lang).as_deref(), &headers);
    let t = |k| text(lang, k);
    let token = q.token.or(form_token).unwrap_or_default();
    if !super::token_ok(&st, &id, &token) {
        return page(
            lang,
            StatusCode::NOT_FOUND,
            t("unsubscribe"),
            html! { p.err { (t("bad_token")) } },
        );
    }
    match st
        .store
        .subscriptions()
        .end_subscription(
            &id,
            SubState::Unsubscribed,
            "unsubscribed by the subscriber",
        )
        .await
    {
        Ok(_) => page(
            lang,
            StatusCode::OK,
            t("unsubscribe"),
            html! { h1 { (t("unsubscribe")) } p.ok #unsubscribed { (t("unsubscribed")) } },
        ),
        Err(e) => {
            tracing::error!(error = %e, "unsubscription not stored");
            page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                t("unsubscribe"),
                html! { p.err { (t("unavailable")) } },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_and_a_unique_key() {
        let mut keys = std::collections::BTreeSet::new();
        for (k, en, de) in TEXTS {
            assert!(keys.insert(*k), "{k} twice");
            assert!(!en.is_empty() && !de.is_empty(), "{k}");
        }
        assert_eq!(text("de", "submit"), "Abonnieren");
        assert_eq!(text("en", "submit"), "Subscribe");
    }
}
