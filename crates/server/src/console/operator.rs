//! The operator console (`/operator`): detected outages waiting for a declaration (confirm
//! them, or dismiss false alarms), declared incidents (move them through the lifecycle, set the expected end, post
//! statements in German and English after a preview), new incidents and scheduled
//! maintenance, component statuses. Every form is turned into the JSON API's own input type
//! and handed to the same function the API calls (`explain::incidents`), so a change made
//! here is validated, stored, audited and fed to detection exactly as one made through the
//! API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use radar_core::event::{ComponentStatus, IncidentCategory, IncidentState};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::csrf::{hidden, CsrfForm};
use crate::auth::login::console;
use crate::auth::Principal;
use crate::explain::incidents;
use crate::explain::outages::product_view;
use crate::problem::Problem;
use crate::publish::pages::outage_block;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    done: Option<String>,
}

/// A statement being previewed: shown as it will read, the form filled in again.
struct Draft<'a> {
    incident: &'a str,
    fields: &'a StatementFields,
}

/// `GET /operator`.
pub async fn page(State(st): State<AppState>, who: Principal, Query(n): Query<Notice>) -> Response {
    render(&st, &who, n.done.as_deref(), None, None, StatusCode::OK).await
}

async fn render(
    st: &AppState,
    who: &Principal,
    done: Option<&str>,
    error: Option<&Problem>,
    draft: Option<Draft<'_>>,
    status: StatusCode,
) -> Response {
    let lv = match product_view(st).await {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let now = lv.view.now;
    let waiting: Vec<_> = lv
        .view
        .outages
        .iter()
        .filter(|o| o.is_open() && !o.is_declared())
        .collect();
    let declared: Vec<_> = lv
        .view
        .outages
        .iter()
        .filter(|o| o.is_declared() && o.is_open())
        .collect();
    let statuses = lv.component_statuses();
    let body = html! {
        h1 { "Operator console" }
        @if let Some(d) = done { p.ok role="status" { (d) } }
        @if let Some(p) = error {
            div.err role="alert" {
                strong { (p.title) } ": " (p.detail)
                @if !p.invalid_params.is_empty() {
                    ul { @for ip in &p.invalid_params { li { (ip.name) ": " (ip.reason) } } }
                }
            }
        }
        h2 { "Detected, waiting for confirmation (" (waiting.len()) ")" }
        @if waiting.is_empty() { p { "None." } }
        @for o in &waiting {
            section aria-label=(o.id) {
                (outage_block(st, o, "en", now))
                form method="post" action={ "/operator/outages/" (o.id) "/confirm" } {
                    (hidden(who))
                    label { "Title (German) " input name="title_de" required; }
                    label { "Title (English) " input name="title_en" required; }
                    label { "Category " (category_select()) }
                    button type="submit" { "Confirm " (o.id) " as an incident" }
                }
                form method="post" action={ "/operator/outages/" (o.id) "/dismiss" } {
                    (hidden(who))
                    button type="submit" { "Dismiss " (o.id) " as a false alarm" }
                }
            }
        }
        h2 { "Open incidents (" (declared.len()) ")" }
        @if declared.is_empty() { p { "None." } }
        @for o in &declared {
            @let id = o.incident.as_ref().map(|i| i.id.to_string()).unwrap_or_else(|| o.id.clone());
            section aria-label=(id) {
                (outage_block(st, o, "en", now))
                form method="post" action={ "/operator/incidents/" (id) } {
                    (hidden(who))
                    label { "State "
                        select name="state" {
                            @for s in IncidentState::ALL { option value=(s.as_str()) selected[*s == o.state] { (s.as_str()) } }
                        }
                    }
                    label { "Expected end (UTC, e.g. 2017-05-17T20:00:00Z; empty: unchanged, \"none\": clear) " input name="expected_end"; }
                    button type="submit" { "Update " (id) }
                }
                @let mine = draft.as_ref().filter(|d| d.incident == id);
                @if let Some(d) = mine {
                    div.box aria-label="Preview" {
                        p { strong { "Preview — not published yet" } }
                        p { "Deutsch: " (d.fields.text_de) }
                        p { "English: " (d.fields.text_en) }
                        @if !d.fields.workaround_de.trim().is_empty() { p.ok { "Abhilfe: " (d.fields.workaround_de) } }
                        @if !d.fields.workaround_en.trim().is_empty() { p.ok { "Workaround: " (d.fields.workaround_en) } }
                    }
                }
                (statement_form(who, &id, mine.map(|d| d.fields)))
            }
        }
        h2 { "Declare an incident or schedule maintenance" }
        form method="post" action="/operator/incidents" {
            (hidden(who))
            label { "Provider " (provider_select(st)) }
            label { "Category " (category_select()) }
            label { "Title (German) " input name="title_de" required; }
            label { "Title (English) " input name="title_en" required; }
            label { "Services (ids, comma-separated) " input name="services"; }
            label { "Components (ids, comma-separated) " input name="components"; }
            label { "Regions (* for all, or ids such as DE-BY, DE-BE) " input name="regions" value="*"; }
            label { "State "
                select name="state" { @for s in IncidentState::ALL { option value=(s.as_str()) selected[*s == IncidentState::Confirmed] { (s.as_str()) } } }
            }
            label { "Maintenance start (UTC, maintenance only) " input name="maintenance_start"; }
            label { "Maintenance end (UTC, maintenance only) " input name="maintenance_end"; }
            button type="submit" { "Declare" }
        }
        h2 { "Component status" }
        form method="post" action="/operator/components" {
            (hidden(who))
            label { "Component "
                select name="component" {
                    @for c in &st.topology.components {
                        @let current = statuses.iter().find(|(r, _, _)| r.provider == c.provider && r.component == c.id).map(|(_, s, _)| s.as_str()).unwrap_or("operational");
                        option value={ (c.provider) "/" (c.id) } { (c.provider) ": " (c.name) " (" (current) ")" }
                    }
                }
            }
            label { "Status "
                select name="status" { @for s in ComponentStatus::ALL { option value=(s.as_str()) { (s.as_str()) } } }
            }
            button type="submit" { "Set status" }
        }
        p { a href="/operator/audit" { "Audit log" } }
    };
    (
        status,
        Html(console("Operator console", who, body).into_string()),
    )
        .into_response()
}

fn category_select() -> Markup {
    html! {
        select name="category" {
            @for c in IncidentCategory::ALL { option value=(c.as_str()) { (c.as_str()) } }
        }
    }
}

fn provider_select(st: &AppState) -> Markup {
    html! {
        select name="provider" {
            @for p in &st.topology.providers { option value=(p.id) { (p.name) } }
        }
    }
}

fn statement_form(who: &Principal, id: &str, filled: Option<&StatementFields>) -> Markup {
    let v = |f: fn(&StatementFields) -> &str| filled.map(f).unwrap_or("");
    html! {
        form method="post" action={ "/operator/incidents/" (id) "/statements" } {
            (hidden(who))
            label { "Statement (German) " textarea name="text_de" rows="2" cols="70" required { (v(|f| &f.text_de)) } }
            label { "Statement (English) " textarea name="text_en" rows="2" cols="70" required { (v(|f| &f.text_en)) } }
            label { "Workaround (German, optional) " input name="workaround_de" size="70" value=(v(|f| &f.workaround_de)); }
            label { "Workaround (English, optional) " input name="workaround_en" size="70" value=(v(|f| &f.workaround_en)); }
            button type="submit" name="action" value="preview" { "Preview" }
            " "
            button type="submit" name="action" value="publish" { "Publish statement" }
        }
    }
}

/// The outcome of one console action: back to the console with a notice, or the console
/// again with the API's problem.
async fn outcome(
    st: &AppState,
    who: &Principal,
    result: Result<Response, Problem>,
    done: String,
) -> Response {
    match result {
        Ok(_) => {
            let qs = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
            Redirect::to(&format!("/operator?{qs}")).into_response()
        }
        Err(p) => {
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            render(st, who, None, Some(&p), None, status).await
        }
    }
}

/// Reads an API input type from the JSON a form was turned into, as the API reads its body.
fn api_input<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, Problem> {
    serde_json::from_value(v).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-form",
            "Please check the form",
            crate::problem::echo(&e.to_string()),
        )
    })
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn title(de: &str, en: &str) -> Value {
    let mut m = Map::new();
    for (k, v) in [("de", de), ("en", en)] {
        if !v.trim().is_empty() {
            m.insert(k.into(), Value::from(v.trim()));
        }
    }
    Value::Object(m)
}

#[derive(Debug, Deserialize)]
pub struct DeclareFields {
    provider: String,
    category: String,
    title_de: String,
    title_en: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    components: String,
    #[serde(default)]
    regions: String,
    state: Option<String>,
    #[serde(default)]
    maintenance_start: String,
    #[serde(default)]
    maintenance_end: String,
}

/// `POST /operator/incidents`: declares (the API's `POST /api/v1/incidents`).
pub async fn declare(
    State(st): State<AppState>,
    who: Principal,
    CsrfForm(f): CsrfForm<DeclareFields>,
) -> Response {
    let mut v = json!({
        "provider": f.provider,
        "category": f.category,
        "title": title(&f.title_de, &f.title_en),
        "services": list(&f.services),
        "components": list(&f.components),
    });
    let regions = f.regions.trim();
    v["regions"] = if regions.is_empty() || regions == "*" {
        json!("*")
    } else {
        json!(list(regions))
    };
    if let Some(s) = f.state.filter(|s| !s.is_empty()) {
        v["state"] = json!(s);
    }
    if !f.maintenance_start.trim().is_empty() || !f.maintenance_end.trim().is_empty() {
        v["maintenance"] =
            json!({"start": f.maintenance_start.trim(), "end": f.maintenance_end.trim()});
    }
    let result = match api_input(v) {
        Ok(input) => incidents::declare(&st, &who, input).await,
        Err(p) => Err(p),
    };
    outcome(&st, &who, result, "Incident declared.".into()).await
}

#[derive(Debug, Deserialize)]
pub struct ConfirmFields {
    title_de: String,
    title_en: String,
    category: String,
}

/// `POST /operator/outages/{id}/confirm`: declares a detected outage (the API's
/// `POST /api/v1/incidents` with `confirms`).
pub async fn confirm(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ConfirmFields>,
) -> Response {
    let provider = match product_view(&st).await {
        Ok(lv) => lv.view.outage(&id).map(|o| o.provider.to_string()),
        Err(p) => return p.into_response(),
    };
    let Some(provider) = provider else {
        let p = Problem::not_found(format!(
            "no detected outage {:?}",
            crate::problem::echo(&id)
        ));
        return outcome(&st, &who, Err(p), String::new()).await;
    };
    let v = json!({
        "provider": provider,
        "category": f.category,
        "state": "confirmed",
        "title": title(&f.title_de, &f.title_en),
        "confirms": id,
    });
    let result = match api_input(v) {
        Ok(input) => incidents::declare(&st, &who, input).await,
        Err(p) => Err(p),
    };
    outcome(&st, &who, result, format!("{id} confirmed.")).await
}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// `POST /operator/outages/{id}/dismiss`: a false alarm (the API's
/// `POST /api/v1/outages/{id}/dismiss`).
pub async fn dismiss(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Response {
    let result = incidents::dismiss(&st, &who, &id)
        .await
        .map(|o| axum::Json(o).into_response());
    outcome(&st, &who, result, format!("{id} dismissed.")).await
}

#[derive(Debug, Deserialize)]
pub struct UpdateFields {
    state: Option<String>,
    #[serde(default)]
    expected_end: String,
}

/// `POST /operator/incidents/{id}`: a change (the API's `PATCH /api/v1/incidents/{id}`).
pub async fn update(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<UpdateFields>,
) -> Response {
    let mut v = json!({});
    if let Some(s) = f.state.filter(|s| !s.is_empty()) {
        v["state"] = json!(s);
    }
    match f.expected_end.trim() {
        "" => {}
        "none" => v["expected_end"] = Value::Null,
        t => v["expected_end"] = json!(t),
    }
    let result = match api_input(v) {
        Ok(input) => incidents::change(&st, &who, &id, input).await,
        Err(p) => Err(p),
    };
    outcome(&st, &who, result, format!("{id} updated.")).await
}

#[derive(Debug, Deserialize)]
pub struct StatementFields {
    text_de: String,
    text_en: String,
    #[serde(default)]
    workaround_de: String,
    #[serde(default)]
    workaround_en: String,
    action: Option<String>,
}

/// `POST /operator/incidents/{id}/statements`: `action=preview` shows the statement as it will
/// read without storing it; `action=publish` posts it (the API's
/// `POST /api/v1/incidents/{id}/statements`).
pub async fn statement(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StatementFields>,
) -> Response {
    if f.action.as_deref() == Some("preview") {
        return render(
            &st,
            &who,
            None,
            None,
            Some(Draft {
                incident: &id,
                fields: &f,
            }),
            StatusCode::OK,
        )
        .await;
    }
    let mut v = json!({ "text": title(&f.text_de, &f.text_en) });
    let w = title(&f.workaround_de, &f.workaround_en);
    if w.as_object().is_some_and(|m| !m.is_empty()) {
        v["workaround"] = w;
    }
    let result = match api_input(v) {
        Ok(input) => incidents::post_statement(&st, &who, &id, input).await,
        Err(p) => Err(p),
    };
    outcome(&st, &who, result, format!("Statement on {id} published.")).await
}

#[derive(Debug, Deserialize)]
pub struct ComponentFields {
    /// `provider/component`.
    component: String,
    status: String,
}

/// `POST /operator/components`: a component's status (the API's
/// `PUT /api/v1/components/{provider}/{id}/status`).
pub async fn component(
    State(st): State<AppState>,
    who: Principal,
    CsrfForm(f): CsrfForm<ComponentFields>,
) -> Response {
    let (provider, component) = f.component.split_once('/').unwrap_or(("", &f.component));
    let result = match ComponentStatus::parse(&f.status) {
        Ok(status) => incidents::set_component_status(&st, &who, provider, component, status).await,
        Err(e) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-form",
            "Please check the form",
            e.to_string(),
        )),
    };
    outcome(
        &st,
        &who,
        result,
        format!("{} is now {}.", f.component, f.status),
    )
    .await
}
