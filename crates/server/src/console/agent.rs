//! The agent console (`/agent`): a caller's customer number (from the local directory that
//! `radar customers import` keeps), or their postcode (or Land), provider and service in;
//! every open outage that affects them out — from the same product view the public pages
//! read — with what to say in the caller's language (the latest statement), the workaround,
//! the expected end, and whether it is related to the other incidents of the time, and why.
//! One click logs the call's reason as a report with source `call-center`, which counts for
//! detection like any other. Plain forms, no script; every control reachable by keyboard
//! (access keys: `c` customer number, `p` postcode, `l` log the first reason).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use radar_core::correlate::Verdict;
use radar_core::intake::{validate, RawReport};
use radar_core::view::Outage;
use radar_core::{Problem, ProviderId, RegionId, ServiceId, Source, Timestamp};
use serde::Deserialize;

use crate::auth::csrf::{hidden, CsrfForm};
use crate::auth::login::console;
use crate::auth::Principal;
use crate::explain::outages::product_view;
use crate::publish::pages::outage_block;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Lookup {
    /// The caller's customer number, in the local directory (`radar customers import`).
    customer: Option<String>,
    /// The caller's postcode.
    postcode: Option<String>,
    /// Or their Land (region id), when they do not know the postcode.
    land: Option<String>,
    provider: Option<String>,
    service: Option<String>,
    /// The caller's language: `de` or `en`.
    lang: Option<String>,
    /// Set after a call was logged: its problem type.
    logged: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The caller's region from the postcode, else the Land; an explanation if neither works.
fn region_of(st: &AppState, q: &Lookup) -> Result<Option<RegionId>, String> {
    if let Some(pc) = nonempty(&q.postcode) {
        return st
            .postcodes
            .lookup(pc)
            .map(Some)
            .map_err(|e| format!("Postcode {pc}: {e}"));
    }
    match nonempty(&q.land) {
        Some(l) => st
            .topology
            .region(l)
            .map(|r| Some(r.id.clone()))
            .ok_or_else(|| format!("Unknown Land {l:?}")),
        None => Ok(None),
    }
}

fn verdict_words(v: Verdict, de: bool) -> &'static str {
    match (v, de) {
        (Verdict::Related, true) => "Hängt zusammen mit",
        (Verdict::Unrelated, true) => "Kein Zusammenhang mit",
        (Verdict::Undetermined, true) => "Zusammenhang unklar mit",
        (Verdict::Related, false) => "Related to",
        (Verdict::Unrelated, false) => "Not related to",
        (Verdict::Undetermined, false) => "Undetermined relation to",
    }
}

/// `GET /agent`.
pub async fn page(State(st): State<AppState>, who: Principal, Query(q): Query<Lookup>) -> Response {
    let lang = match nonempty(&q.lang) {
        Some("de") => "de",
        _ => "en",
    };
    let customer = match nonempty(&q.customer) {
        None => Ok(None),
        Some(n) => {
            match st.store.customer(n).await {
                Ok(Some(c)) => Ok(Some(c)),
                Ok(None) => Err(format!(
                    "No customer {n} in the local directory; ask for the postcode instead"
                )),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the customer directory");
                    Err("The customer directory cannot be read right now; ask for the postcode instead".to_owned())
                }
            }
        }
    };
    let region = match &customer {
        Ok(Some(c)) => Ok(Some(c.region.clone())),
        Err(e) => Err(e.clone()),
        Ok(None) => region_of(&st, &q),
    };
    let provider = match &customer {
        Ok(Some(c)) if nonempty(&q.provider).is_none() => Some(c.provider.clone()),
        _ => nonempty(&q.provider).and_then(|p| ProviderId::parse(p).ok()),
    };
    let services: Vec<ServiceId> = match (nonempty(&q.service), &customer) {
        (Some(s), _) => ServiceId::parse(s).into_iter().collect(),
        (None, Ok(Some(c))) => c.products.clone(),
        (None, _) => Vec::new(),
    };
    let lv = match product_view(&st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let now = lv.view.now;
    let results: Option<Markup> = match &region {
        Err(_) | Ok(None) => None,
        Ok(Some(region)) => {
            let affecting = lv.view.affecting(provider.as_ref(), region, &services);
            let log_provider = provider
                .as_ref()
                .map(|p| p.to_string())
                .or_else(|| affecting.first().map(|o| o.provider.to_string()));
            Some(results(
                &st,
                &who,
                &lv.view,
                &affecting,
                &q,
                Caller {
                    region,
                    provider: log_provider,
                    service: services.first().map(|s| s.to_string()),
                },
                lang,
                now,
            ))
        }
    };
    let sel = |v: &Option<String>, x: &str| nonempty(v) == Some(x);
    let body = html! {
        h1 { "Agent console" }
        @if let Some(p) = nonempty(&q.logged) {
            p.ok role="status" { "Call logged (" (p) "). It counts as a report from the call centre." }
        }
        @if let Ok(Some(c)) = &customer {
            p role="status" { "Customer " strong { (c.number) } " of " (c.provider) ": postcode " (c.postcode)
                @if !c.products.is_empty() { ", products " (c.products.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) } }
        }
        form method="get" action="/agent" {
            label { "Customer number " input name="customer" value=(nonempty(&q.customer).unwrap_or("")) autocomplete="off" accesskey="c"; }
            label { "or caller's postcode " input name="postcode" value=(nonempty(&q.postcode).unwrap_or("")) inputmode="numeric" autocomplete="off" autofocus accesskey="p"; }
            label { "or Land "
                select name="land" {
                    option value="" { "—" }
                    @for r in &st.topology.regions {
                        option value=(r.id) selected[sel(&q.land, r.id.as_str())] { (r.name) }
                    }
                }
            }
            label { "Provider "
                select name="provider" {
                    option value="" { "any" }
                    @for p in &st.topology.providers {
                        option value=(p.id) selected[sel(&q.provider, p.id.as_str())] { (p.name) }
                    }
                }
            }
            label { "Service "
                select name="service" {
                    option value="" { "any" }
                    @for s in service_choices(&st) {
                        option value=(s.0) selected[sel(&q.service, &s.0)] { (s.1) }
                    }
                }
            }
            label { "Caller's language "
                select name="lang" {
                    option value="de" selected[lang == "de"] { "Deutsch" }
                    option value="en" selected[lang == "en"] { "English" }
                }
            }
            button type="submit" { "Look up" }
        }
        @if let Err(e) = &region { p.err role="alert" { (e) } }
        @if let Some(r) = results { (r) }
    };
    Html(console("Agent console", &who, body).into_string()).into_response()
}

/// Every service id of the topology once, with its name.
fn service_choices(st: &AppState) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in &st.topology.services {
        if !out.iter().any(|(id, _)| id == s.id.as_str()) {
            out.push((s.id.to_string(), s.name.clone()));
        }
    }
    out.sort();
    out
}

/// Who is calling, as far as the lookup knows: their region, the provider to log the call
/// against (the one asked for or the customer's, else the first affected), and the service.
struct Caller<'a> {
    region: &'a RegionId,
    provider: Option<String>,
    service: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn results(
    st: &AppState,
    who: &Principal,
    view: &radar_core::view::ProductView,
    affecting: &[&Outage],
    q: &Lookup,
    caller: Caller<'_>,
    lang: &str,
    now: Timestamp,
) -> Markup {
    let de = lang == "de";
    let region = caller.region;
    let region_name = st.topology.region_name(region.as_str());
    let log_provider = caller.provider;
    html! {
        h2 { (affecting.len()) " open outage" @if affecting.len() != 1 { "s" } " affecting a caller in " (region_name) }
        @if affecting.is_empty() {
            p.ok { "No known outage affects this caller. If their problem is new, log the call: it counts towards detection." }
        }
        @for o in affecting {
            section aria-label=(o.id) {
                @if let Some(say) = o.incident.as_ref().and_then(|i| i.statements.last()).and_then(|s| s.text.get(lang)) {
                    p.say { strong { "What to say: " } (say) }
                }
                (outage_block(st, o, lang, now))
                @let relations: Vec<_> = view.contemporaries(o).map(|x| (x, o.relate(x, &st.topology))).collect();
                @if !relations.is_empty() {
                    div.box {
                        p { strong { (if de { "Zusammenhang mit anderen Störungen" } else { "Relation to other incidents" }) } }
                        @for (x, r) in &relations {
                            p {
                                (verdict_words(r.verdict, de)) " "
                                strong { (x.incident.as_ref().and_then(|i| i.title.get(lang)).map(str::to_owned).unwrap_or_else(|| x.id.clone())) }
                                ": " (if de { &r.explanation.de } else { &r.explanation.en })
                            }
                        }
                    }
                }
            }
        }
        @if let Some(provider) = log_provider {
            h2 { "Log this call" }
            form method="post" action="/agent/calls" {
                (hidden(who))
                input type="hidden" name="provider" value=(provider);
                input type="hidden" name="region" value=(region);
                @if let Some(s) = &caller.service { input type="hidden" name="service" value=(s); }
                @if let Some(c) = nonempty(&q.customer) { input type="hidden" name="customer" value=(c); }
                @if let Some(p) = nonempty(&q.postcode) { input type="hidden" name="postcode" value=(p); }
                input type="hidden" name="lang" value=(lang);
                p { "Reason (one click logs it):" }
                @for (i, p) in Problem::ALL.iter().enumerate() {
                    @if i == 0 {
                        button type="submit" name="problem" value=(p.as_str()) accesskey="l" { (p.as_str()) }
                    } @else {
                        button type="submit" name="problem" value=(p.as_str()) { (p.as_str()) }
                    }
                    " "
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CallFields {
    provider: String,
    customer: Option<String>,
    region: Option<String>,
    postcode: Option<String>,
    service: Option<String>,
    problem: String,
    lang: Option<String>,
}

/// `POST /agent/calls`: the call's reason as a report (source `call-center`). Each call is
/// its own reporter: callers are distinct people, whoever the agent is.
pub async fn log_call(
    State(st): State<AppState>,
    _who: Principal,
    CsrfForm(f): CsrfForm<CallFields>,
) -> Response {
    let now = st.clock.now();
    let key = st
        .secret
        .for_token(now, &format!("call\n{}", crate::auth::random_secret()));
    let raw = RawReport {
        provider: Some(&f.provider),
        service: f.service.as_deref().filter(|s| !s.is_empty()),
        problem: Some(&f.problem),
        region: f.region.as_deref().filter(|s| !s.is_empty()),
        postcode: None,
        time: None,
        source: None,
    };
    let report = match validate(
        &raw,
        &st.topology,
        &st.postcodes,
        now,
        Timestamp(i64::MIN),
        Source::CallCenter,
        key,
    ) {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(
                    crate::publish::pages::layout(
                        "Call not logged",
                        html! { h1 { "Call not logged" } p.err { (e.to_string()) } p { a href="/agent" { "Back to the agent console" } } },
                    )
                    .into_string(),
                ),
            )
                .into_response()
        }
    };
    if let Err(e) = st.intake.submit(vec![report]).await {
        tracing::error!(error = %e, "call report not stored");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(
                crate::publish::pages::layout(
                    "Call not logged",
                    html! { h1 { "Call not logged" } p.err { "The call could not be stored right now; please try again in a minute." } },
                )
                .into_string(),
            ),
        )
            .into_response();
    }
    let mut back = vec![
        ("provider", f.provider.clone()),
        ("lang", f.lang.unwrap_or_default()),
        ("logged", f.problem.clone()),
    ];
    match (
        f.customer.filter(|c| !c.is_empty()),
        f.postcode.filter(|p| !p.is_empty()),
    ) {
        (Some(c), _) => back.push(("customer", c)),
        (None, Some(p)) => back.push(("postcode", p)),
        (None, None) => back.push(("land", f.region.unwrap_or_default())),
    }
    if let Some(s) = f.service.filter(|s| !s.is_empty()) {
        back.push(("service", s));
    }
    let qs = serde_urlencoded::to_string(&back).unwrap_or_default();
    Redirect::to(&format!("/agent?{qs}")).into_response()
}
