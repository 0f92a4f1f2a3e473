//! A Statuspage-compatible read API, one page per provider: `/providers/{id}/api/v2/…`.
//!
//! The Statuspage clients (exporters, aggregators, widgets) take a page's base URL and append
//! `/api/v2/summary.json`; `/providers/{id}` is such a base URL. The shapes below use
//! Statuspage's field names and enums; what they say comes from the product view:
//!
//! - **components**: one per service of the provider (`service-<id>`, its status from the
//!   service's headline level) and one per network or IT component of the provider
//!   (`component-<id>`, its declared status, operational when none was declared);
//! - **incidents**: the provider's outages, declared or detected, newest first, except declared
//!   maintenance, which is a **scheduled maintenance**; the lifecycle maps to
//!   `investigating` (suspected, confirmed), `identified`, `monitoring` and `resolved`, the
//!   scope to the impact (`critical` nationwide, `major` regional);
//! - **incident_updates**: the operator's statements, newest first, each with the state the
//!   incident was in at the time; an outage without statements has one update made of its
//!   summary (and one more when it was resolved);
//! - **status**: the provider's headline (operational `none`, degraded or maintenance `minor`,
//!   partial outage `major`, major outage `critical`).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use radar_core::event::{ComponentStatus, IncidentCategory, IncidentState};
use radar_core::incident::TimelineEntry;
use radar_core::topology::ComponentRef;
use radar_core::view::{Level, Outage};
use radar_core::{ProviderId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use crate::explain::outages::{product_view, LiveView};
use crate::problem::Problem;
use crate::publish::api::known_provider;
use crate::state::AppState;

/// Most incidents (and scheduled maintenances) in one answer, newest first; Statuspage's own
/// `incidents.json` lists the latest 50.
pub const MAX_INCIDENTS: usize = 50;

/// The origin this server was asked under (`http://host[:port]`, `https` behind a proxy that
/// says so in `X-Forwarded-Proto`), for absolute links. A `Host` that is no plain host name
/// or address gives `http://localhost`.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

fn time(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// The page.
#[derive(Serialize, ToSchema)]
pub struct SpPage {
    /// The provider id.
    pub id: String,
    pub name: String,
    /// The provider's page.
    pub url: String,
    /// An IANA time zone.
    pub time_zone: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The page's overall status.
#[derive(Serialize, ToSchema)]
pub struct SpStatus {
    #[schema(pattern = "^(none|minor|major|critical)$")]
    pub indicator: String,
    pub description: String,
}

/// A component.
#[derive(Serialize, ToSchema, Clone)]
pub struct SpComponent {
    pub id: String,
    pub name: String,
    #[schema(
        pattern = "^(operational|degraded_performance|partial_outage|major_outage|under_maintenance)$"
    )]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub position: u32,
    pub description: Option<String>,
    pub showcase: bool,
    pub start_date: Option<String>,
    pub group_id: Option<String>,
    pub page_id: String,
    pub group: bool,
    pub only_show_if_degraded: bool,
}

/// One update of an incident.
#[derive(Serialize, ToSchema)]
pub struct SpIncidentUpdate {
    pub id: String,
    #[schema(
        pattern = "^(investigating|identified|monitoring|resolved|postmortem|scheduled|in_progress|verifying|completed)$"
    )]
    pub status: String,
    pub body: String,
    pub incident_id: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub display_at: String,
    /// Not recorded per update: always null.
    #[schema(value_type = Option<Vec<Object>>)]
    pub affected_components: Option<Vec<serde_json::Value>>,
}

/// An incident or a scheduled maintenance.
#[derive(Serialize, ToSchema)]
pub struct SpIncident {
    pub id: String,
    pub name: String,
    /// Incidents: `investigating`, `identified`, `monitoring`, `resolved`; scheduled
    /// maintenances: `scheduled`, `in_progress`, `verifying`, `completed`.
    #[schema(
        pattern = "^(investigating|identified|monitoring|resolved|postmortem|scheduled|in_progress|verifying|completed)$"
    )]
    pub status: String,
    #[schema(pattern = "^(none|minor|major|critical|maintenance)$")]
    pub impact: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub shortlink: String,
    #[schema(format = DateTime)]
    pub started_at: String,
    pub page_id: String,
    /// Scheduled maintenances only: the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
    pub incident_updates: Vec<SpIncidentUpdate>,
    pub components: Vec<SpComponent>,
}

#[derive(Serialize, ToSchema)]
pub struct SpSummary {
    pub page: SpPage,
    pub status: SpStatus,
    pub components: Vec<SpComponent>,
    pub incidents: Vec<SpIncident>,
    pub scheduled_maintenances: Vec<SpIncident>,
}

#[derive(Serialize, ToSchema)]
pub struct SpStatusOut {
    pub page: SpPage,
    pub status: SpStatus,
}

#[derive(Serialize, ToSchema)]
pub struct SpComponentsOut {
    pub page: SpPage,
    pub components: Vec<SpComponent>,
}

#[derive(Serialize, ToSchema)]
pub struct SpIncidentsOut {
    pub page: SpPage,
    pub incidents: Vec<SpIncident>,
}

#[derive(Serialize, ToSchema)]
pub struct SpMaintenancesOut {
    pub page: SpPage,
    pub scheduled_maintenances: Vec<SpIncident>,
}

/// Statuspage's component status for a level.
pub fn component_status(l: Level) -> &'static str {
    match l {
        Level::Operational => "operational",
        Level::Maintenance => "under_maintenance",
        Level::Degraded => "degraded_performance",
        Level::PartialOutage => "partial_outage",
        Level::MajorOutage => "major_outage",
    }
}

fn level_of(s: ComponentStatus) -> Level {
    match s {
        ComponentStatus::Operational => Level::Operational,
        ComponentStatus::Maintenance => Level::Maintenance,
        ComponentStatus::Degraded => Level::Degraded,
        ComponentStatus::PartialOutage => Level::PartialOutage,
        ComponentStatus::MajorOutage => Level::MajorOutage,
    }
}

/// Statuspage's indicator and description for a provider's headline.
pub fn indicator(l: Level) -> (&'static str, &'static str) {
    match l {
        Level::Operational => ("none", "All Systems Operational"),
        Level::Maintenance => ("minor", "Service Under Maintenance"),
        Level::Degraded => ("minor", "Minor Service Outage"),
        Level::PartialOutage => ("major", "Partial System Outage"),
        Level::MajorOutage => ("critical", "Major System Outage"),
    }
}

/// Statuspage's incident status for a lifecycle state.
pub fn incident_status(s: IncidentState) -> &'static str {
    match s {
        IncidentState::Suspected | IncidentState::Confirmed => "investigating",
        IncidentState::Identified => "identified",
        IncidentState::Monitoring => "monitoring",
        IncidentState::Resolved => "resolved",
    }
}

/// Statuspage's impact for an outage's scope.
pub fn impact(l: Level) -> &'static str {
    match l {
        Level::Operational => "none",
        Level::Maintenance => "maintenance",
        Level::Degraded => "minor",
        Level::PartialOutage => "major",
        Level::MajorOutage => "critical",
    }
}

fn is_maintenance(o: &Outage) -> bool {
    o.category == Some(IncidentCategory::Maintenance)
}

/// Everything of one provider's page, built from the view.
struct PageData {
    page: SpPage,
    status: SpStatus,
    components: Vec<SpComponent>,
    /// Newest first: the newest [`MAX_INCIDENTS`], then older ones that are still open (so
    /// that the unresolved list misses none).
    incidents: Vec<SpIncident>,
    /// The same for scheduled maintenances.
    maintenances: Vec<(SpIncident, MaintenancePhase)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MaintenancePhase {
    Upcoming,
    Active,
    Over,
}

fn build(lv: &LiveView, st: &AppState, provider: &ProviderId, origin: &str) -> PageData {
    let topo = &st.topology;
    let view = &lv.view;
    let p = topo
        .provider(provider.as_str())
        .expect("a known provider is in the topology");
    let page_id = provider.as_str().to_owned();
    let headline = view.provider(provider);
    let outages: Vec<&Outage> = view.outages_of(provider).collect();

    // Components: services first (what users see), then the provider's own components.
    let mut components = Vec::new();
    let mut by_service = std::collections::BTreeMap::new();
    let mut by_component = std::collections::BTreeMap::new();
    for s in topo.services_of(provider.as_str()) {
        let status = headline.and_then(|h| h.services.iter().find(|x| x.service == s.id));
        let level = status.map_or(Level::Operational, |x| x.level);
        let since = status.and_then(|x| x.since);
        let at = time(since.unwrap_or(view.now));
        let c = SpComponent {
            id: format!("service-{}", s.id),
            name: s.name.clone(),
            status: component_status(level).into(),
            created_at: at.clone(),
            updated_at: at,
            position: components.len() as u32 + 1,
            description: None,
            showcase: true,
            start_date: None,
            group_id: None,
            page_id: page_id.clone(),
            group: false,
            only_show_if_degraded: false,
        };
        by_service.insert(s.id.clone(), components.len());
        components.push(c);
    }
    for c in topo.components_of(provider.as_str()) {
        let declared = lv
            .component_statuses()
            .iter()
            .find(|(r, _, _)| r.provider == c.provider && r.component == c.id);
        let level = declared.map_or(Level::Operational, |(_, s, _)| level_of(*s));
        let at = time(declared.map_or(view.now, |(_, _, t)| *t));
        let out = SpComponent {
            id: format!("component-{}", c.id),
            name: c.name.clone(),
            status: component_status(level).into(),
            created_at: at.clone(),
            updated_at: at,
            position: components.len() as u32 + 1,
            description: c.technology.as_ref().map(|t| format!("Technology: {t}")),
            showcase: false,
            start_date: None,
            group_id: None,
            page_id: page_id.clone(),
            group: false,
            only_show_if_degraded: false,
        };
        by_component.insert(c.key(), components.len());
        components.push(out);
    }

    let affected = |o: &Outage| -> Vec<SpComponent> {
        let mut idx: Vec<usize> = o
            .services
            .iter()
            .filter_map(|s| by_service.get(s).copied())
            .chain(
                o.components
                    .iter()
                    .filter_map(|c: &ComponentRef| by_component.get(c).copied()),
            )
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| components[i].clone()).collect()
    };

    let mut incidents = Vec::new();
    let mut maintenances = Vec::new();
    for o in outages.iter().rev() {
        let maint = is_maintenance(o);
        let phase = match (&o.incident, o.is_open()) {
            (_, false) => MaintenancePhase::Over,
            (Some(i), true) => match i.maintenance {
                Some(w) if view.now < w.start => MaintenancePhase::Upcoming,
                _ => MaintenancePhase::Active,
            },
            (None, true) => MaintenancePhase::Active,
        };
        let status_of = |s: IncidentState| -> &'static str {
            if !maint {
                return incident_status(s);
            }
            match (s, phase) {
                (IncidentState::Resolved, _) | (_, MaintenancePhase::Over) => "completed",
                (_, MaintenancePhase::Upcoming) => "scheduled",
                (IncidentState::Monitoring, _) => "verifying",
                _ => "in_progress",
            }
        };
        let listed = if maint {
            maintenances.len()
        } else {
            incidents.len()
        };
        if listed >= MAX_INCIDENTS && !o.is_open() {
            continue;
        }
        let mut sp = incident(o, origin, &page_id, status_of, affected(o));
        if maint {
            if let Some(w) = o.incident.as_ref().and_then(|i| i.maintenance) {
                sp.scheduled_for = Some(time(w.start));
                sp.scheduled_until = Some(time(w.end));
            }
            maintenances.push((sp, phase));
        } else {
            incidents.push(sp);
        }
    }

    let level = headline.map_or(Level::Operational, |h| h.level);
    let (ind, desc) = indicator(level);
    let updated = outages
        .iter()
        .map(|o| last_change(o))
        .chain(
            lv.component_statuses()
                .iter()
                .filter_map(|(r, _, t)| (&r.provider == provider).then_some(*t)),
        )
        .max()
        .unwrap_or(view.now);
    PageData {
        page: SpPage {
            id: page_id.clone(),
            name: p.name.clone(),
            url: format!("{origin}/providers/{page_id}"),
            time_zone: topo.time_zone(provider.as_str()).name().to_owned(),
            updated_at: time(updated),
        },
        status: SpStatus {
            indicator: ind.into(),
            description: desc.into(),
        },
        components,
        incidents,
        maintenances,
    }
}

/// The last time anything about an outage changed.
pub fn last_change(o: &Outage) -> Timestamp {
    let mut t = o.detected_at.max(o.start);
    if let Some(e) = o.end {
        t = t.max(e);
    }
    if let Some(i) = &o.incident {
        for e in &i.timeline {
            t = t.max(e.time());
        }
        for s in &i.statements {
            t = t.max(s.time);
        }
    }
    t
}

/// The state an incident was in at `at`, from its timeline.
fn state_at(i: &radar_core::incident::Incident, at: Timestamp) -> IncidentState {
    let mut state = None;
    for e in &i.timeline {
        match e {
            TimelineEntry::Declared { state: s, .. } => state = Some(*s),
            TimelineEntry::StateChanged { time, to, .. } if *time <= at => state = Some(*to),
            _ => {}
        }
    }
    state.unwrap_or(i.state)
}

/// English, else German, else any language.
fn english(t: &radar_core::event::LocalizedText) -> String {
    t.get("en").unwrap_or_default().to_owned()
}

fn incident(
    o: &Outage,
    origin: &str,
    page_id: &str,
    status_of: impl Fn(IncidentState) -> &'static str,
    components: Vec<SpComponent>,
) -> SpIncident {
    let name = match &o.incident {
        Some(i) => english(&i.title),
        None => o.summary.en.clone(),
    };
    let mut updates = Vec::new();
    if let Some(i) = &o.incident {
        for (n, s) in i.statements.iter().enumerate() {
            let mut body = english(&s.text);
            if let (Some(w), true) = (&s.workaround, o.is_open()) {
                body.push_str("\n\nWorkaround: ");
                body.push_str(&english(w));
            }
            let at = time(s.time);
            updates.push(SpIncidentUpdate {
                id: format!("{}-u{}", o.id, n + 1),
                status: status_of(state_at(i, s.time)).into(),
                body,
                incident_id: o.id.clone(),
                created_at: at.clone(),
                updated_at: at.clone(),
                display_at: at,
                affected_components: None,
            });
        }
    }
    if updates.is_empty() {
        let at = time(o.detected_at);
        let first = match &o.incident {
            Some(i) => state_at(i, o.detected_at),
            None => IncidentState::Suspected,
        };
        updates.push(SpIncidentUpdate {
            id: format!("{}-u0", o.id),
            status: status_of(first).into(),
            body: o.summary.en.clone(),
            incident_id: o.id.clone(),
            created_at: at.clone(),
            updated_at: at.clone(),
            display_at: at,
            affected_components: None,
        });
        if let Some(end) = o.end {
            let at = time(end);
            updates.push(SpIncidentUpdate {
                id: format!("{}-u-end", o.id),
                status: status_of(IncidentState::Resolved).into(),
                body: "This incident has been resolved.".into(),
                incident_id: o.id.clone(),
                created_at: at.clone(),
                updated_at: at.clone(),
                display_at: at,
                affected_components: None,
            });
        }
    }
    updates.sort_by(|a, b| b.display_at.cmp(&a.display_at).then(b.id.cmp(&a.id)));
    let monitoring_at = o.incident.as_ref().and_then(|i| {
        i.timeline.iter().rev().find_map(|e| match e {
            TimelineEntry::StateChanged {
                time,
                to: IncidentState::Monitoring,
                ..
            } => Some(*time),
            TimelineEntry::Declared {
                time,
                state: IncidentState::Monitoring,
            } => Some(*time),
            _ => None,
        })
    });
    SpIncident {
        id: o.id.clone(),
        name,
        status: status_of(o.state).into(),
        impact: impact(o.level()).into(),
        created_at: time(o.detected_at),
        updated_at: time(last_change(o)),
        monitoring_at: monitoring_at.map(time),
        resolved_at: o.end.map(time),
        shortlink: format!("{origin}/incidents/{}", o.id),
        started_at: time(o.start),
        page_id: page_id.to_owned(),
        scheduled_for: None,
        scheduled_until: None,
        incident_updates: updates,
        components,
    }
}

/// One provider's page as subscribers are told about it (`crate::subscribe`): the same
/// shapes as the API, incidents and scheduled maintenances together.
pub(crate) struct Snapshot {
    pub page: SpPage,
    pub status: SpStatus,
    pub components: Vec<SpComponent>,
    pub incidents: Vec<SpIncident>,
}

pub(crate) fn snapshot(
    lv: &LiveView,
    st: &AppState,
    provider: &ProviderId,
    origin: &str,
) -> Snapshot {
    let d = build(lv, st, provider, origin);
    let mut incidents = d.incidents;
    incidents.extend(d.maintenances.into_iter().map(|(m, _)| m));
    Snapshot {
        page: d.page,
        status: d.status,
        components: d.components,
        incidents,
    }
}

async fn page_data(st: &AppState, id: &str, headers: &HeaderMap) -> Result<PageData, Problem> {
    let provider = known_provider(st, id)?;
    let lv = product_view(st).await?;
    Ok(build(&lv, st, &provider, &origin(headers)))
}

const ID: &str = "Provider id";

/// `GET /providers/{id}/api/v2/summary.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/summary.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage summary: page, status, components, unresolved incidents, upcoming and active maintenances", body = SpSummary),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_summary(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpSummary>, Problem> {
    let d = page_data(&st, &id, &headers).await?;
    Ok(Json(SpSummary {
        page: d.page,
        status: d.status,
        components: d.components,
        incidents: d
            .incidents
            .into_iter()
            .filter(|i| i.resolved_at.is_none())
            .collect(),
        scheduled_maintenances: d
            .maintenances
            .into_iter()
            .filter(|(_, p)| *p != MaintenancePhase::Over)
            .map(|(m, _)| m)
            .collect(),
    }))
}

/// `GET /providers/{id}/api/v2/status.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/status.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage status: the provider's headline", body = SpStatusOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_status(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpStatusOut>, Problem> {
    let d = page_data(&st, &id, &headers).await?;
    Ok(Json(SpStatusOut {
        page: d.page,
        status: d.status,
    }))
}

/// `GET /providers/{id}/api/v2/components.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/components.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage components: the provider's services and components", body = SpComponentsOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_components(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpComponentsOut>, Problem> {
    let d = page_data(&st, &id, &headers).await?;
    Ok(Json(SpComponentsOut {
        page: d.page,
        components: d.components,
    }))
}

/// `GET /providers/{id}/api/v2/incidents.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/incidents.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage incidents: the latest 50, newest first", body = SpIncidentsOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_incidents(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpIncidentsOut>, Problem> {
    let d = page_data(&st, &id, &headers).await?;
    Ok(Json(SpIncidentsOut {
        page: d.page,
        incidents: d.incidents.into_iter().take(MAX_INCIDENTS).collect(),
    }))
}

/// `GET /providers/{id}/api/v2/incidents/unresolved.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/incidents/unresolved.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage unresolved incidents, newest first", body = SpIncidentsOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_unresolved(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpIncidentsOut>, Problem> {
    let d = page_data(&st, &id, &headers).await?;
    Ok(Json(SpIncidentsOut {
        page: d.page,
        incidents: d
            .incidents
            .into_iter()
            .filter(|i| i.resolved_at.is_none())
            .collect(),
    }))
}

async fn maintenances(
    st: &AppState,
    id: &str,
    headers: &HeaderMap,
    keep: &[MaintenancePhase],
) -> Result<Json<SpMaintenancesOut>, Problem> {
    let d = page_data(st, id, headers).await?;
    Ok(Json(SpMaintenancesOut {
        page: d.page,
        scheduled_maintenances: d
            .maintenances
            .into_iter()
            .filter(|(_, p)| keep.contains(p))
            .map(|(m, _)| m)
            .take(MAX_INCIDENTS)
            .collect(),
    }))
}

/// `GET /providers/{id}/api/v2/scheduled-maintenances.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/scheduled-maintenances.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage scheduled maintenances: the latest 50, newest first", body = SpMaintenancesOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_scheduled_maintenances(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpMaintenancesOut>, Problem> {
    use MaintenancePhase::*;
    maintenances(&st, &id, &headers, &[Upcoming, Active, Over]).await
}

/// `GET /providers/{id}/api/v2/scheduled-maintenances/upcoming.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/scheduled-maintenances/upcoming.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage upcoming maintenances (window not begun)", body = SpMaintenancesOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_upcoming_maintenances(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpMaintenancesOut>, Problem> {
    maintenances(&st, &id, &headers, &[MaintenancePhase::Upcoming]).await
}

/// `GET /providers/{id}/api/v2/scheduled-maintenances/active.json`.
#[utoipa::path(
    get,
    path = "/providers/{id}/api/v2/scheduled-maintenances/active.json",
    tag = "statuspage",
    params(("id" = String, Path, description = ID, example = "o2-de")),
    responses(
        (status = 200, description = "Statuspage active maintenances (in progress or verifying)", body = SpMaintenancesOut),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn statuspage_active_maintenances(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SpMaintenancesOut>, Problem> {
    maintenances(&st, &id, &headers, &[MaintenancePhase::Active]).await
}

/// The routes, with CORS for GET from any origin (they are public and read-only).
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET]);
    axum::Router::new()
        .route(
            "/providers/{id}/api/v2/summary.json",
            get(statuspage_summary),
        )
        .route("/providers/{id}/api/v2/status.json", get(statuspage_status))
        .route(
            "/providers/{id}/api/v2/components.json",
            get(statuspage_components),
        )
        .route(
            "/providers/{id}/api/v2/incidents.json",
            get(statuspage_incidents),
        )
        .route(
            "/providers/{id}/api/v2/incidents/unresolved.json",
            get(statuspage_unresolved),
        )
        .route(
            "/providers/{id}/api/v2/scheduled-maintenances.json",
            get(statuspage_scheduled_maintenances),
        )
        .route(
            "/providers/{id}/api/v2/scheduled-maintenances/upcoming.json",
            get(statuspage_upcoming_maintenances),
        )
        .route(
            "/providers/{id}/api/v2/scheduled-maintenances/active.json",
            get(statuspage_active_maintenances),
        )
        .layer(cors)
}
