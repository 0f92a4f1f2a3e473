//! The incident API. Operator routes (declare, update, statements, component status, probes)
//! are guarded by `auth::routes` (an API token with the scope, or the bootstrap operator
//! token); each change is recorded in the audit log. Reading is public.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use radar_core::detect::Declared;
use radar_core::event::{
    ComponentStatus, IncidentCategory, IncidentId, IncidentState, LocalizedText,
};
use radar_core::incident::{check_time, Declaration, Incident, IncidentError, Update, Window};
use radar_core::topology::ComponentRef;
use radar_core::{ComponentId, ProviderId, Timestamp};
use radar_store::{AuditedChange, StoreError, StoredIncident};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::intake::api::{read_body, require_json};
use crate::problem::{echo, InvalidParam, Problem};
use crate::publish::wire::OutageOut;
use crate::state::AppState;

fn json_body<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    headers: &HeaderMap,
) -> Result<T, Problem> {
    require_json(headers)?;
    serde_json::from_slice(bytes).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON",
            echo(&e.to_string()),
        )
    })
}

/// An operator request's JSON body (the route's guard has authorised it already).
pub(crate) async fn operator_input<T: serde::de::DeserializeOwned>(
    st: &AppState,
    req: Request,
) -> Result<T, Problem> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, st.settings.max_body_bytes).await?;
    json_body(&bytes, &parts.headers)
}

fn incident_problem(e: IncidentError) -> Problem {
    match e {
        IncidentError::Transition { .. } => Problem::new(
            StatusCode::CONFLICT,
            "invalid-transition",
            "Invalid state change",
            e.to_string(),
        ),
        IncidentError::Invalid { field, message } => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-incident",
                "Invalid incident",
                format!("{field}: {message}"),
            );
            p.invalid_params.push(InvalidParam {
                index: None,
                name: field,
                value: None,
                reason: message,
            });
            p
        }
    }
}

/// Refuses times an operator sent outside the sane range of [`check_time`] (from 2000 to a
/// year after the server's now), naming the field.
pub(crate) fn check_times<const N: usize>(
    times: [(&str, Option<Timestamp>); N],
    now: Timestamp,
) -> Result<(), Problem> {
    for (field, t) in times {
        if let Some(t) = t {
            check_time(field, t, now).map_err(|e| {
                let mut p = incident_problem(e);
                if let Some(ip) = p.invalid_params.first_mut() {
                    ip.value = Some(t.to_string());
                }
                p
            })?;
        }
    }
    Ok(())
}

pub(crate) fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict { .. } => {
            Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", e.to_string())
        }
        ref other if other.unwritable().is_some() => {
            tracing::debug!(error = %other, "incident store operation failed: the store cannot write");
            Problem::store_unavailable(other.unwritable().expect("checked"), "The change was")
        }
        other => {
            tracing::error!(error = %other, "incident store operation failed");
            Problem::unavailable("the incident could not be stored; retry later")
        }
    }
}

/// `"*"` or a list of region ids.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RegionsIn {
    All(String),
    List(Vec<String>),
}

impl RegionsIn {
    fn resolve(self) -> Result<Option<Vec<String>>, Problem> {
        match self {
            RegionsIn::All(s) if s == "*" => Ok(None),
            RegionsIn::All(s) => Err(incident_problem(IncidentError::Invalid {
                field: "regions".into(),
                message: format!(
                    "{:?}: write \"*\" for all regions or a list such as [\"DE-BY\"]",
                    echo(&s)
                ),
            })),
            RegionsIn::List(l) => Ok(Some(l)),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowIn {
    #[schema(value_type = crate::openapi::Time)]
    start: Timestamp,
    #[schema(value_type = crate::openapi::Time)]
    end: Timestamp,
}

/// A declaration. Without `id` the server makes one (`inc-<day>-<hex>`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentIn {
    #[schema(value_type = Option<crate::openapi::Id>)]
    id: Option<IncidentId>,
    #[schema(value_type = crate::openapi::Id)]
    provider: ProviderId,
    #[schema(value_type = crate::openapi::IncidentCategory)]
    category: IncidentCategory,
    #[schema(value_type = Option<crate::openapi::IncidentState>)]
    state: Option<IncidentState>,
    #[schema(value_type = crate::openapi::PublicText)]
    title: LocalizedText,
    /// Service ids of the provider.
    #[serde(default)]
    services: Vec<String>,
    /// Component ids of the provider, or `provider:component`.
    #[serde(default)]
    components: Vec<String>,
    #[schema(value_type = Option<crate::openapi::Regions>)]
    regions: Option<RegionsIn>,
    #[schema(value_type = Option<crate::openapi::Time>)]
    start: Option<Timestamp>,
    #[schema(value_type = Option<crate::openapi::Time>)]
    expected_end: Option<Timestamp>,
    maintenance: Option<WindowIn>,
    /// A detected outage (`ep-YYYYMMDD-HHMM`) this declaration is for: its services, regions and onset
    /// are the defaults, and the two become one outage.
    confirms: Option<String>,
}

/// A change: absent fields stay as they are; `expected_end: null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[schema(value_type = Option<crate::openapi::IncidentState>)]
    state: Option<IncidentState>,
    #[schema(value_type = Option<crate::openapi::PublicText>)]
    title: Option<LocalizedText>,
    services: Option<Vec<String>>,
    components: Option<Vec<String>>,
    #[schema(value_type = Option<crate::openapi::Regions>)]
    regions: Option<RegionsIn>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::openapi::Time>)]
    expected_end: Option<Option<Timestamp>>,
}

/// Distinguishes an absent field (no change) from `null` (clear it).
fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Timestamp>>, D::Error> {
    Option::<Timestamp>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementIn {
    #[schema(value_type = crate::openapi::PublicText)]
    text: LocalizedText,
    #[schema(value_type = Option<crate::openapi::PublicText>)]
    workaround: Option<LocalizedText>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    #[schema(value_type = crate::openapi::ComponentStatus)]
    status: ComponentStatus,
}

/// A component's status as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    #[schema(value_type = crate::openapi::Id)]
    pub provider: ProviderId,
    #[schema(value_type = crate::openapi::Id)]
    pub component: ComponentId,
    #[schema(value_type = crate::openapi::ComponentStatus)]
    pub status: ComponentStatus,
    #[schema(value_type = crate::openapi::Time)]
    pub time: Timestamp,
}

fn new_incident_id(now: Timestamp) -> IncidentId {
    let mut r = [0u8; 3];
    getrandom::getrandom(&mut r).expect("the operating system provides randomness");
    let day = now.to_rfc3339()[..10].replace('-', "");
    IncidentId::parse(&format!("inc-{day}-{:02x}{:02x}{:02x}", r[0], r[1], r[2])).expect("valid id")
}

/// A stored incident by its id, or by the id of a detected outage folded into it.
async fn find(st: &AppState, id: &str) -> Result<StoredIncident, Problem> {
    if let Some(s) = st.store.incident(id).await.map_err(store_problem)? {
        return Ok(s);
    }
    let lv = crate::explain::outages::product_view(st).await?;
    lv.view
        .outage(id)
        .and_then(|o| {
            Some(StoredIncident {
                incident: o.incident.clone()?,
                version: *lv.versions.get(&o.id)?,
            })
        })
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no declared incident {:?}; a detected outage (ep-YYYYMMDD-HHMM) is declared with POST /api/v1/incidents and \"confirms\"",
                echo(id)
            ))
        })
}

/// The answer to a write: the outage as the product view now shows it (the same object as
/// `GET /api/v1/incidents/{id}`).
async fn written(st: &AppState, id: &str) -> Result<Json<OutageOut>, Problem> {
    let lv = crate::explain::outages::product_view(st).await?;
    let o = lv.view.outage(id).ok_or_else(Problem::internal)?;
    Ok(Json(lv.wire(o)))
}

/// `POST /api/v1/incidents`: declares an incident.
#[utoipa::path(
    post,
    path = "/api/v1/incidents",
    tag = "operator",
    security(("operator" = [])),
    request_body(content = IncidentIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Declared: the outage as the API now shows it", body = OutageOut,
         headers(("Location" = String, description = "/api/v1/incidents/{id}"))),
        (status = 400, description = "`malformed-json`: the body is not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: an incident with this id exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-incident`: a field names what the topology does not have, a time is out of range, or `confirms` names no detected outage of the provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(st): State<AppState>,
    who: Principal,
    req: Request,
) -> Result<Response, Problem> {
    let input: IncidentIn = operator_input(&st, req).await?;
    declare(&st, &who, input).await
}

/// Declares an incident: the JSON API and the operator console.
pub async fn declare(
    st: &AppState,
    who: &Principal,
    input: IncidentIn,
) -> Result<Response, Problem> {
    let st = st.clone();
    if let Some(id) = input
        .id
        .as_ref()
        .filter(|id| id.as_str().starts_with(radar_core::view::DETECTED_PREFIX))
    {
        return Err(incident_problem(IncidentError::Invalid {
            field: "id".into(),
            message: format!(
                "{id}: ids starting with {:?} name detected outages; choose another id (e.g. net-1) or leave it out",
                radar_core::view::DETECTED_PREFIX
            ),
        }));
    }
    let now = st.clock.now();
    check_times(
        [
            ("start", input.start),
            ("expected_end", input.expected_end),
            (
                "maintenance.start",
                input.maintenance.as_ref().map(|w| w.start),
            ),
            ("maintenance.end", input.maintenance.as_ref().map(|w| w.end)),
        ],
        now,
    )?;
    let regions_given = input.regions.is_some();
    let mut regions = match input.regions {
        Some(r) => r.resolve()?,
        None => None,
    };
    let (mut services, mut start) = (input.services, input.start);
    let mut confirms = Vec::new();
    if let Some(target) = &input.confirms {
        let lv = crate::explain::outages::product_view(&st).await?;
        let bad = |message: String| {
            incident_problem(IncidentError::Invalid {
                field: "confirms".into(),
                message,
            })
        };
        let o = lv
            .view
            .outage(target)
            .filter(|o| !o.is_declared())
            .ok_or_else(|| {
                bad(format!(
                    "{:?} is not a detected outage waiting for a declaration; see /api/v1/outages (origin \"detected\")",
                    echo(target)
                ))
            })?;
        if o.provider != input.provider {
            return Err(bad(format!(
                "{target} is an outage of {}, not of {}",
                o.provider, input.provider
            )));
        }
        if services.is_empty() && input.components.is_empty() {
            services = o.services.iter().map(|s| s.to_string()).collect();
        }
        if !regions_given {
            regions = match &o.regions {
                radar_core::view::RegionSet::All => None,
                radar_core::view::RegionSet::Only(l) => {
                    Some(l.iter().map(|r| r.to_string()).collect())
                }
            };
        }
        start = start.or(Some(o.start));
        confirms.push(o.id.clone());
    }
    let inc = Incident::declare(
        Declaration {
            id: input.id,
            provider: Some(input.provider),
            category: Some(input.category),
            state: input.state,
            title: Some(input.title),
            services,
            components: input.components,
            regions,
            start,
            expected_end: input.expected_end,
            maintenance: input.maintenance.map(|w| Window {
                start: w.start,
                end: w.end,
            }),
            confirms,
        },
        &st.topology,
        now,
        || new_incident_id(now),
        true,
    )
    .map_err(incident_problem)?;
    let audit = crate::auth::draft(
        &st,
        who,
        "incident.declare",
        inc.id.as_str(),
        None,
        crate::auth::json(&inc),
    );
    st.store
        .write_audited(
            AuditedChange::Incident {
                incident: &inc,
                expected_version: None,
            },
            audit,
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { id, .. } => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Incident exists",
                format!("an incident {id} already exists; PATCH it instead"),
            ),
            other => store_problem(other),
        })?;
    st.view_cache.invalidate();
    st.detection
        .declare(Declared::of_incident(&inc, &st.topology, now));
    let location = format!("/api/v1/incidents/{}", inc.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        written(&st, inc.id.as_str()).await?,
    )
        .into_response())
}

/// `PATCH /api/v1/incidents/{id}`: changes a declared incident.
#[utoipa::path(
    patch,
    path = "/api/v1/incidents/{id}",
    tag = "operator",
    security(("operator" = [])),
    params(("id" = String, Path, description = "Incident id, or the id of an outage folded into it", example = "net-1")),
    request_body(content = IncidentPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed: the outage as the API now shows it", body = OutageOut),
        (status = 400, description = "`malformed-json`: the body is not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no declared incident with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: the state cannot change so; `conflict`: changed by another request meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-incident`: a field names what the topology does not have, or a time is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Problem> {
    let input: IncidentPatch = operator_input(&st, req).await?;
    change(&st, &who, &id, input).await
}

/// Changes a declared incident: the JSON API and the operator console.
pub async fn change(
    st: &AppState,
    who: &Principal,
    id: &str,
    input: IncidentPatch,
) -> Result<Response, Problem> {
    let st = st.clone();
    check_times(
        [("expected_end", input.expected_end.flatten())],
        st.clock.now(),
    )?;
    let StoredIncident {
        mut incident,
        version,
    } = find(&st, id).await?;
    let before = crate::auth::json(&incident);
    let regions = match input.regions {
        Some(r) => Some(r.resolve()?),
        None => None,
    };
    incident
        .update(
            Update {
                state: input.state,
                title: input.title,
                services: input.services,
                components: input.components,
                regions,
                expected_end: input.expected_end,
                maintenance: None,
            },
            &st.topology,
            st.clock.now(),
            true,
        )
        .map_err(incident_problem)?;
    let audit = crate::auth::draft(
        &st,
        who,
        "incident.update",
        incident.id.as_str(),
        before,
        crate::auth::json(&incident),
    );
    st.store
        .write_audited(
            AuditedChange::Incident {
                incident: &incident,
                expected_version: Some(version),
            },
            audit,
        )
        .await
        .map_err(store_problem)?;
    st.view_cache.invalidate();
    st.detection.declare(Declared::of_incident(
        &incident,
        &st.topology,
        st.clock.now(),
    ));
    Ok(written(&st, incident.id.as_str()).await?.into_response())
}

/// `POST /api/v1/incidents/{id}/statements`: a public statement on a declared incident.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/statements",
    tag = "operator",
    security(("operator" = [])),
    params(("id" = String, Path, description = "Incident id, or the id of an outage folded into it", example = "net-1")),
    request_body(content = StatementIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Added: the outage as the API now shows it", body = OutageOut),
        (status = 400, description = "`malformed-json`: the body is not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no declared incident with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: the incident is closed; `conflict`: changed by another request meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-incident`: the statement cannot be added", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_statement(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, Problem> {
    let input: StatementIn = operator_input(&st, req).await?;
    post_statement(&st, &who, &id, input).await
}

/// Adds a statement: the JSON API and the operator console.
pub async fn post_statement(
    st: &AppState,
    who: &Principal,
    id: &str,
    input: StatementIn,
) -> Result<Response, Problem> {
    let st = st.clone();
    let StoredIncident {
        mut incident,
        version,
    } = find(&st, id).await?;
    let before = crate::auth::json(&incident);
    incident
        .add_statement(input.text, input.workaround, st.clock.now(), true)
        .map_err(incident_problem)?;
    let audit = crate::auth::draft(
        &st,
        who,
        "statement.add",
        incident.id.as_str(),
        before,
        crate::auth::json(&incident),
    );
    st.store
        .write_audited(
            AuditedChange::Incident {
                incident: &incident,
                expected_version: Some(version),
            },
            audit,
        )
        .await
        .map_err(store_problem)?;
    st.view_cache.invalidate();
    Ok((
        StatusCode::CREATED,
        written(&st, incident.id.as_str()).await?,
    )
        .into_response())
}

/// `PUT /api/v1/components/{provider}/{id}/status`: the declared status of one component.
#[utoipa::path(
    put,
    path = "/api/v1/components/{provider}/{id}/status",
    tag = "operator",
    security(("operator" = [])),
    params(("provider" = String, Path, description = "Provider id", example = "o2-de"), ("id" = String, Path, description = "Component id", example = "ran-lte")),
    request_body(content = StatusIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = StatusOut),
        (status = 400, description = "`malformed-json`: the body is not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such component of the provider in the topology", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_component_status(
    State(st): State<AppState>,
    who: Principal,
    Path((provider, component)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Problem> {
    let input: StatusIn = operator_input(&st, req).await?;
    set_component_status(&st, &who, &provider, &component, input.status).await
}

/// Sets a component's status: the JSON API and the operator console.
pub async fn set_component_status(
    st: &AppState,
    who: &Principal,
    provider: &str,
    component: &str,
    status: ComponentStatus,
) -> Result<Response, Problem> {
    let (provider, component) = (provider.to_owned(), component.to_owned());
    let r = ProviderId::parse(&provider)
        .ok()
        .zip(ComponentId::parse(&component).ok())
        .map(|(provider, component)| ComponentRef {
            provider,
            component,
        })
        .filter(|r| st.topology.component(r).is_some())
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no component {:?} of provider {:?} in the topology",
                echo(&component),
                echo(&provider)
            ))
        })?;
    let now = st.clock.now();
    let before = st
        .store
        .component_statuses()
        .await
        .map_err(store_problem)?
        .into_iter()
        .find(|(c, _, _)| *c == r)
        .map(|(_, s, _)| format!("{:?}", s.as_str()));
    let audit = crate::auth::draft(
        st,
        who,
        "component.status",
        &format!("{}:{}", r.provider, r.component),
        before,
        Some(format!("{:?}", status.as_str())),
    );
    st.store
        .write_audited(
            AuditedChange::ComponentStatus {
                component: &r,
                status,
                at: now,
            },
            audit,
        )
        .await
        .map_err(store_problem)?;
    st.view_cache.invalidate();
    Ok(Json(StatusOut {
        provider: r.provider,
        component: r.component,
        status,
        time: now,
    })
    .into_response())
}

/// `POST /api/v1/outages/{id}/dismiss`: a detected outage is a false alarm. It leaves the
/// product view (API, pages, feeds); the reports stay stored and counted.
#[utoipa::path(
    post,
    path = "/api/v1/outages/{id}/dismiss",
    tag = "operator",
    security(("operator" = [])),
    params(("id" = String, Path, description = "A detected outage waiting for a declaration", example = "ep-20170517-1251")),
    responses(
        (status = 200, description = "Dismissed: the outage as the API showed it", body = OutageOut),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no detected outage with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`declared`: the outage is part of a declared incident; resolve that instead", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_dismiss(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    Ok(Json(dismiss(&st, &who, &id).await?).into_response())
}

/// Dismisses a detected outage: the JSON API and the operator console.
pub async fn dismiss(st: &AppState, who: &Principal, id: &str) -> Result<OutageOut, Problem> {
    let lv = crate::explain::outages::product_view(st).await?;
    let o = lv
        .view
        .outage(id)
        .filter(|o| o.is_detected())
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no detected outage {:?}; see /api/v1/outages",
                echo(id)
            ))
        })?;
    if o.is_declared() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "declared",
            "Declared",
            format!(
                "{id} is part of the declared incident {}; resolve that instead",
                o.id
            ),
        ));
    }
    let wire = lv.wire(o);
    let before = crate::auth::json(&wire);
    let now = st.clock.now();
    let episodes: Vec<_> = o
        .episodes
        .iter()
        .map(|e| (e.provider.clone(), e.start, radar_core::view::episode_id(e)))
        .collect();
    let audit = crate::auth::draft(st, who, "outage.dismiss", id, before, None);
    st.store
        .write_audited(
            AuditedChange::Dismiss {
                episodes: &episodes,
                at: now,
            },
            audit,
        )
        .await
        .map_err(store_problem)?;
    st.view_cache.invalidate();
    Ok(wire)
}

/// A probe result as the operator API takes it (`time` defaults to now).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeIn {
    #[schema(value_type = crate::openapi::Id)]
    provider: ProviderId,
    /// A component of `provider`, or another provider's as `provider:component`.
    #[schema(value_type = crate::openapi::ComponentName)]
    component: radar_core::event::ComponentName,
    #[schema(value_type = crate::openapi::RegionId)]
    region: radar_core::RegionId,
    ok: bool,
    #[schema(value_type = Option<crate::openapi::Time>)]
    time: Option<Timestamp>,
}

/// `POST /api/v1/probes`: one probe result. Failed probes become evidence for the root cause
/// and the relations of the incidents they fall into.
#[utoipa::path(
    post,
    path = "/api/v1/probes",
    tag = "operator",
    security(("operator" = [])),
    request_body(content = ProbeIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored: the probe result as an `events.jsonl` line", body = crate::openapi::ProbeOut),
        (status = 400, description = "`malformed-json`: the body is not JSON of this shape (unknown fields are refused)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope; `cross-site-request`: sent by a page of another site", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`body-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`: the body must be `application/json` (UTF-8)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid-probe`: unknown component or region, or a time out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read or written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_probe(
    State(st): State<AppState>,
    who: Principal,
    req: Request,
) -> Result<Response, Problem> {
    use radar_core::event::{Event, ProbeEvent};
    let input: ProbeIn = operator_input(&st, req).await?;
    let now = st.clock.now();
    let time = input.time.unwrap_or(now);
    check_times([("time", input.time)], now).map_err(|mut p| {
        p.type_uri = "/problems/invalid-probe".into();
        p.title = "Invalid probe result".into();
        p.reason = "invalid-probe";
        p
    })?;
    if time.0 > now.0 + radar_core::intake::MAX_FUTURE_SECS {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-probe",
            "Invalid probe result",
            format!("time {time} is in the future; send the time the probe ran (UTC, RFC 3339) or none for now"),
        );
        p.invalid_params.push(InvalidParam {
            index: None,
            name: "time".into(),
            value: Some(time.to_string()),
            reason: "more than 5 minutes in the future".into(),
        });
        return Err(p);
    }
    let event = Event::Probe(ProbeEvent {
        time,
        provider: input.provider,
        component: input.component,
        region: input.region,
        ok: input.ok,
    });
    let errors = event.check(&st.topology);
    if !errors.is_empty() {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-probe",
            "Invalid probe result",
            errors
                .iter()
                .map(|(k, m)| format!("{k}: {m}"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        for (name, reason) in errors {
            p.invalid_params.push(InvalidParam {
                index: None,
                name,
                value: None,
                reason,
            });
        }
        return Err(p);
    }
    apply_event(&st, &event).await?;
    let target = format!("{}:{}", input_target(&event), time);
    crate::auth::audit(
        &st,
        &who,
        "probe.add",
        &target,
        None,
        crate::auth::json(&event),
    )
    .await;
    Ok((StatusCode::CREATED, Json(event)).into_response())
}

/// Applies one `events.jsonl` line through the same rules as the operator API (the core's
/// [`radar_core::incident::IncidentBook`]) and stores the result. A probe result is stored as
/// it is: evidence for correlation, not state of an incident.
pub async fn apply_event(st: &AppState, event: &radar_core::event::Event) -> Result<(), Problem> {
    use radar_core::event::Event;
    use radar_core::incident::IncidentBook;
    let incident_id = match event {
        Event::Incident(e) => Some(e.id.clone()),
        Event::Statement(s) => Some(s.incident.clone()),
        Event::Component(_) => None,
        Event::Probe(p) => {
            st.store.insert_probe(p).await.map_err(store_problem)?;
            st.view_cache.invalidate();
            return Ok(());
        }
    };
    let mut book = IncidentBook::default();
    let mut version = None;
    if let Some(id) = &incident_id {
        if let Some(stored) = st
            .store
            .incident(id.as_str())
            .await
            .map_err(store_problem)?
        {
            version = Some(stored.version);
            book.incidents.insert(id.clone(), stored.incident);
        }
    }
    book.apply(event, &st.topology).map_err(incident_problem)?;
    if let Event::Incident(e) = event {
        // The same declaration `radar replay` passes to its detector for this line.
        st.detection.declare(Declared::of_event(e, &st.topology));
    }
    if let Some(id) = incident_id {
        if let Some(inc) = book.incidents.get(&id) {
            st.store
                .put_incident(inc, version)
                .await
                .map_err(store_problem)?;
            st.view_cache.invalidate();
        }
    }
    for (component, (status, at)) in &book.components {
        st.store
            .put_component_status(component, *status, *at)
            .await
            .map_err(store_problem)?;
        st.view_cache.invalidate();
    }
    Ok(())
}

/// The declarations of a stored incident along its timeline (declared, state changes), for
/// warm-up at start. Each carries the incident's current services: the ones it named at the
/// time are not kept.
pub fn declarations_of(inc: &Incident, topology: &radar_core::topology::Topology) -> Vec<Declared> {
    use radar_core::incident::TimelineEntry;
    let now = Declared::of_incident(inc, topology, inc.start);
    inc.timeline
        .iter()
        .filter_map(|t| match t {
            TimelineEntry::Declared { time, state }
            | TimelineEntry::StateChanged {
                time, to: state, ..
            } => Some(Declared {
                time: *time,
                open: *state != IncidentState::Resolved,
                ..now.clone()
            }),
            _ => None,
        })
        .collect()
}

/// The operator's view of abuse: the limits in force and the networks refused.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AbuseOut {
    /// Anonymous reports one network may send per minute (0: no limit).
    pub reports_per_minute: u32,
    /// Anonymous reports one network may send at once.
    pub report_burst: u32,
    /// Networks with a rate-limit bucket in memory.
    pub networks_tracked: usize,
    /// Networks refused, most refused reports first.
    pub refused: Vec<crate::intake::limit::AbuseEntry>,
}

/// `GET /api/v1/abuse` (operator): networks refused by the per-network rate limit, most refused
/// reports first, each named by a keyed hash (never its address), with the limits in force.
#[utoipa::path(
    get,
    path = "/api/v1/abuse",
    tag = "operator",
    security(("operator" = [])),
    responses(
        (status = 200, description = "The limits and the networks refused", body = AbuseOut),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope `abuse`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn abuse(State(st): State<AppState>) -> Response {
    Json(AbuseOut {
        reports_per_minute: st.settings.reports_per_minute,
        report_burst: st.settings.report_burst,
        networks_tracked: st.limiter.tracked(),
        refused: st.limiter.book(),
    })
    .into_response()
}

/// A probe's provider and component, for the audit log.
fn input_target(e: &radar_core::event::Event) -> String {
    match e {
        radar_core::event::Event::Probe(p) => {
            let c = p.component.resolve(&p.provider);
            format!("{}:{}", c.provider, c.component)
        }
        _ => String::new(),
    }
}
