//! The product view in the live server: the detector's episodes, the stored incidents,
//! component statuses and failed probes, put together by the core's [`radar_core::view`] — the
//! same function `radar replay` writes `detections.json` from — and the read API over it.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use radar_core::view::{self, ProductView, RelationError};
use radar_core::Timestamp;

use crate::problem::{echo, Problem};
use crate::publish::api::known_provider;
use crate::publish::wire::{
    IncidentsOut, OutageOut, OutagesOut, RelationOut, RootCandidateOut, RootCausesOut,
};
use crate::state::AppState;

/// How long a snapshot of the stored inputs (incidents, component statuses, failed probes) is
/// shared by every reader before the store is read again. Writes through this node drop the
/// snapshot at once ([`ViewCache::invalidate`]); a change made by another node is seen within
/// this time.
pub const SNAPSHOT_TTL: std::time::Duration = std::time::Duration::from_millis(500);

/// What readers share: a snapshot of the stored inputs, and the last view built with the
/// inputs it was built from, so that a read with the same inputs in the same minute neither
/// reads the store nor correlates everything again (correlation is quadratic in the number of
/// outages).
#[derive(Default)]
pub struct ViewCache {
    /// Bumped by every write through this node; a snapshot read across a write is not kept.
    generation: std::sync::atomic::AtomicU64,
    stored: std::sync::Mutex<Option<(std::time::Instant, Arc<StoredInputs>)>>,
    view: std::sync::Mutex<Option<(CacheKey, Arc<LiveView>)>>,
}

impl ViewCache {
    /// The count of writes through this node so far (page snapshots made before a write are
    /// not shown after it).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Drops the snapshot of stored inputs: the next read goes to the store.
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.stored.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// The stored inputs of the view, read together.
pub struct StoredInputs {
    incidents: Vec<radar_core::incident::Incident>,
    /// The stored version of each incident, in the same order.
    versions: Vec<i64>,
    components: Vec<(
        radar_core::topology::ComponentRef,
        radar_core::event::ComponentStatus,
        Timestamp,
    )>,
    /// Failed probes from `failed_since` on, also those dated ahead of the clock (the view
    /// takes those up to its `now`), so the snapshot stays whole as the clock moves.
    failed: Vec<radar_store::FailedProbe>,
    failed_since: i64,
    /// Detected episodes dismissed as false alarms (provider, onset).
    dismissed: Vec<(radar_core::ProviderId, Timestamp)>,
}

struct CacheKey {
    minute: radar_core::Minute,
    episodes: Vec<radar_core::detect::Episode>,
    signal_anomalies: Vec<radar_core::signal::SignalAnomaly>,
    stored: Arc<StoredInputs>,
}

impl PartialEq for CacheKey {
    fn eq(&self, o: &Self) -> bool {
        self.minute == o.minute
            && Arc::ptr_eq(&self.stored, &o.stored)
            && self.episodes == o.episodes
            && self.signal_anomalies == o.signal_anomalies
    }
}

/// The view with the stored incident versions (for `PATCH`) and the stored inputs it was built
/// from.
pub struct LiveView {
    pub view: ProductView,
    pub versions: std::collections::BTreeMap<String, i64>,
    stored: Arc<StoredInputs>,
}

impl LiveView {
    /// The latest declared status of each component, with its time (the view's input).
    pub fn component_statuses(
        &self,
    ) -> &[(
        radar_core::topology::ComponentRef,
        radar_core::event::ComponentStatus,
        Timestamp,
    )] {
        &self.stored.components
    }

    pub fn wire(&self, o: &view::Outage) -> OutageOut {
        OutageOut::new(o, self.versions.get(&o.id).copied())
    }
}

/// Where failed probes matter from: a lead before the earliest episode or incident.
fn probes_needed_from(
    episodes: &[radar_core::detect::Episode],
    incidents: &[radar_core::incident::Incident],
) -> Option<i64> {
    episodes
        .iter()
        .map(|e| e.start.0)
        .chain(incidents.iter().map(|i| i.start.0))
        .min()
        .map(|first| first - radar_core::correlate::PROBE_LEAD_SECS)
}

/// The shared snapshot of stored inputs, read again when it is older than [`SNAPSHOT_TTL`],
/// was invalidated, or lacks probes the episodes now need.
async fn stored_inputs(
    st: &AppState,
    episodes: &[radar_core::detect::Episode],
) -> Result<Arc<StoredInputs>, Problem> {
    {
        let cached = st
            .view_cache
            .stored
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((at, s)) = cached.as_ref() {
            let covered = probes_needed_from(episodes, &s.incidents)
                .is_none_or(|need| need >= s.failed_since);
            if at.elapsed() < SNAPSHOT_TTL && covered {
                return Ok(s.clone());
            }
        }
    }
    let read_at = std::time::Instant::now();
    let generation = st
        .view_cache
        .generation
        .load(std::sync::atomic::Ordering::SeqCst);
    let unavailable = |what: &str, e: radar_store::StoreError| {
        tracing::error!(error = %e, "cannot read {what}");
        Problem::unavailable(format!(
            "{what} cannot be read right now; retry in a minute"
        ))
    };
    let stored = st
        .store
        .incidents()
        .await
        .map_err(|e| unavailable("incidents", e))?;
    let components = st
        .store
        .component_statuses()
        .await
        .map_err(|e| unavailable("component statuses", e))?;
    let dismissed = st
        .store
        .dismissals()
        .await
        .map_err(|e| unavailable("dismissals", e))?;
    let (versions, incidents): (Vec<i64>, Vec<_>) =
        stored.into_iter().map(|s| (s.version, s.incident)).unzip();
    let (failed, failed_since) = match probes_needed_from(episodes, &incidents) {
        Some(since) => (
            st.store
                .failed_probes(Timestamp(since), Timestamp(i64::MAX))
                .await
                .map_err(|e| unavailable("probe results", e))?,
            since,
        ),
        None => (Vec::new(), i64::MAX),
    };
    let s = Arc::new(StoredInputs {
        incidents,
        versions,
        components,
        failed,
        failed_since,
        dismissed,
    });
    let mut cached = st
        .view_cache
        .stored
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if st
        .view_cache
        .generation
        .load(std::sync::atomic::Ordering::SeqCst)
        == generation
    {
        *cached = Some((read_at, s.clone()));
    }
    Ok(s)
}

/// The product view as of now (from the cache when nothing changed this minute).
pub async fn product_view(st: &AppState) -> Result<Arc<LiveView>, Problem> {
    let now = st.clock.now();
    let episodes = st.detection.episodes(None);
    let stored = stored_inputs(st, &episodes).await?;
    let key = CacheKey {
        minute: now.minute(),
        episodes,
        signal_anomalies: st.detection.signal_anomalies(),
        stored,
    };
    let mut cache = st.view_cache.view.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((k, v)) = cache.as_ref() {
        if *k == key {
            return Ok(v.clone());
        }
    }
    let s = &key.stored;
    let versions = s
        .incidents
        .iter()
        .zip(&s.versions)
        .map(|(i, v)| (i.id.to_string(), *v))
        .collect();
    // Probes dated ahead of the clock are not known yet.
    let failed: Vec<_> = s.failed.iter().filter(|p| p.2 <= now).cloned().collect();
    let view = view::build(view::Inputs {
        topology: &st.topology,
        episodes: &key.episodes,
        incidents: &s.incidents,
        components: &s.components,
        failed_probes: &failed,
        signal_anomalies: &key.signal_anomalies,
        dismissed: &s.dismissed,
        now,
    });
    let lv = Arc::new(LiveView {
        view,
        versions,
        stored: s.clone(),
    });
    *cache = Some((key, lv.clone()));
    Ok(lv)
}

fn no_outage(id: &str) -> Problem {
    Problem::not_found(format!(
        "no outage or incident {:?}; see /api/v1/outages for the ids (declared incidents keep \
         their own ids, detected outages are ep-YYYYMMDD-HHMM)",
        echo(id)
    ))
}

/// Outages in one answer when the request does not say.
pub const DEFAULT_LIMIT: usize = 100;
/// Most outages in one answer.
pub const MAX_LIMIT: usize = 1000;

/// One page of a list: the list's own envelope plus `next`, the cursor for the following
/// page (`?after=<next>`), or null on the last page.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    #[serde(flatten)]
    pub list: T,
    pub next: Option<String>,
}

/// What a list request asks for: `?limit=` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]),
/// `?after=` (a cursor from `next`) and `?state=open|all` (default `all`). Other parameters
/// are ignored.
#[derive(Debug, PartialEq)]
pub struct PageQuery {
    pub limit: usize,
    /// Start and id of the last outage of the previous page.
    pub after: Option<(Timestamp, String)>,
    pub open_only: bool,
}

/// The query parameters of the lists, as [`PageQuery::parse`] reads them (for the API
/// document; other parameters are ignored).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Outages per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// The `next` of the previous page, as it is.
    after: Option<String>,
    /// `open` (only open outages) or `all` (default).
    #[param(pattern = "^(open|all)$")]
    state: Option<String>,
}

fn bad_param(name: &str, value: &str, reason: String) -> Problem {
    Problem::bad_query(name, value, reason.clone(), reason)
}

/// The cursor of an outage: opaque to clients, `<start in Unix seconds>~<id>` inside. The
/// lists are ordered by start, then id, so a page continues after it.
fn cursor(o: &view::Outage) -> String {
    format!("{}~{}", o.start.0, o.id)
}

impl PageQuery {
    pub fn parse(query: Option<&str>) -> Result<PageQuery, Problem> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "bad-query",
                    "Invalid query parameter",
                    format!("the query string cannot be read: {}", echo(&e.to_string())),
                )
            })?;
        let mut q = PageQuery {
            limit: DEFAULT_LIMIT,
            after: None,
            open_only: false,
        };
        for (k, v) in &pairs {
            match k.as_str() {
                "limit" => {
                    q.limit = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            bad_param(
                                "limit",
                                v,
                                format!("must be a whole number from 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
                            )
                        })?
                }
                "after" => {
                    let parsed = v
                        .split_once('~')
                        .and_then(|(t, id)| Some((Timestamp(t.parse().ok()?), id)))
                        .filter(|(_, id)| !id.is_empty());
                    let (t, id) = parsed.ok_or_else(|| {
                        bad_param(
                            "after",
                            v,
                            "is not a cursor; send the \"next\" of the previous page as it is"
                                .into(),
                        )
                    })?;
                    q.after = Some((t, id.to_owned()));
                }
                "state" => {
                    q.open_only = match v.as_str() {
                        "open" => true,
                        "all" => false,
                        _ => return Err(bad_param("state", v, "must be open or all".into())),
                    }
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// One page of `outages` (in the view's order: start, then id).
    pub fn page<'a>(
        &self,
        outages: impl Iterator<Item = &'a view::Outage>,
    ) -> (Vec<&'a view::Outage>, Option<String>) {
        let mut rest = outages
            .filter(|o| !self.open_only || o.is_open())
            .filter(|o| match &self.after {
                Some((t, id)) => (o.start, o.id.as_str()) > (*t, id.as_str()),
                None => true,
            });
        let page: Vec<_> = rest.by_ref().take(self.limit).collect();
        let next = match (page.last(), rest.next()) {
            (Some(last), Some(_)) => Some(cursor(last)),
            _ => None,
        };
        (page, next)
    }
}

/// One page of the view's outages (all of them, or one provider's) as wire objects, and the
/// cursor of the next page.
async fn page_of(
    st: &AppState,
    provider: Option<&radar_core::ProviderId>,
    query: Option<&str>,
) -> Result<(Vec<OutageOut>, Option<String>), Problem> {
    let q = PageQuery::parse(query)?;
    let lv = product_view(st).await?;
    let (page, next) = q.page(
        lv.view
            .outages
            .iter()
            .filter(|o| provider.is_none_or(|p| &o.provider == p)),
    );
    Ok((page.into_iter().map(|o| lv.wire(o)).collect(), next))
}

/// `GET /api/v1/outages`: the outages, oldest first, a page at a time ([`PageQuery`]).
#[utoipa::path(
    get,
    path = "/api/v1/outages",
    tag = "read",
    params(PageParams),
    responses(
        (status = 200, description = "One page of the outages (detected, declared or both), oldest first", body = Paged<OutagesOut>),
        (status = 400, description = "`bad-query`: `limit`, `after` or `state` cannot be used", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn outages(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let key = json_key("/api/v1/outages", query.as_deref());
    st.pages
        .page(&st, key, &headers, || async {
            outages_page(&st, None, query.as_deref())
                .await
                .into_response()
        })
        .await
}

/// The snapshot key of a JSON list (the query string is part of it; see `publish::snapshot`).
fn json_key(path: &str, query: Option<&str>) -> crate::publish::snapshot::PageKey {
    let path = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    crate::publish::snapshot::PageKey::new(path, "json")
}

async fn outages_page(
    st: &AppState,
    provider: Option<&radar_core::ProviderId>,
    query: Option<&str>,
) -> Result<Json<Paged<OutagesOut>>, Problem> {
    let (outages, next) = page_of(st, provider, query).await?;
    Ok(Json(Paged {
        list: OutagesOut { outages },
        next,
    }))
}

/// `GET /api/v1/providers/{id}/outages`: as `/api/v1/outages`, for one provider.
#[utoipa::path(
    get,
    path = "/api/v1/providers/{id}/outages",
    tag = "read",
    params(("id" = String, Path, description = "Provider id", example = "o2-de"), PageParams),
    responses(
        (status = 200, description = "One page of the provider's outages, oldest first", body = Paged<OutagesOut>),
        (status = 400, description = "`bad-query`: `limit`, `after` or `state` cannot be used", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such provider", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn provider_outages(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let provider = match known_provider(&st, &id) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let key = json_key(
        &format!("/api/v1/providers/{provider}/outages"),
        query.as_deref(),
    );
    st.pages
        .page(&st, key, &headers, || async {
            outages_page(&st, Some(&provider), query.as_deref())
                .await
                .into_response()
        })
        .await
}

/// `GET /api/v1/incidents`: the same outages as `/api/v1/outages`, under `incidents`.
#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "read",
    params(PageParams),
    responses(
        (status = 200, description = "The same page as /api/v1/outages, under `incidents`", body = Paged<IncidentsOut>),
        (status = 400, description = "`bad-query`: `limit`, `after` or `state` cannot be used", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn incidents(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Paged<IncidentsOut>>, Problem> {
    let (incidents, next) = page_of(&st, None, query.as_deref()).await?;
    Ok(Json(Paged {
        list: IncidentsOut { incidents },
        next,
    }))
}

/// `GET /api/v1/outages/{id}`: one outage by id or alias.
#[utoipa::path(
    get,
    path = "/api/v1/outages/{id}",
    tag = "read",
    params(("id" = String, Path, description = "Outage id (`ep-YYYYMMDD-HHMM` for a detected one) or alias", example = "net-1")),
    responses(
        (status = 200, description = "The outage", body = OutageOut),
        (status = 404, description = "`not-found`: no outage or incident with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn one(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<OutageOut>, Problem> {
    let lv = product_view(&st).await?;
    let o = lv.view.outage(&id).ok_or_else(|| no_outage(&id))?;
    Ok(Json(lv.wire(o)))
}

/// `GET /api/v1/incidents/{id}`: as `/api/v1/outages/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    tag = "read",
    params(("id" = String, Path, description = "Incident id, or the id (`ep-YYYYMMDD-HHMM`) or alias of any outage", example = "net-1")),
    responses(
        (status = 200, description = "The outage", body = OutageOut),
        (status = 404, description = "`not-found`: no outage or incident with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn incident(st: State<AppState>, id: Path<String>) -> Result<Json<OutageOut>, Problem> {
    one(st, id).await
}

/// `GET /api/v1/incidents/{a}/relation/{b}`.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{a}/relation/{b}",
    tag = "read",
    params(("a" = String, Path, description = "An outage id or alias", example = "net-1"), ("b" = String, Path, description = "Another outage id or alias", example = "net-2")),
    responses(
        (status = 200, description = "Whether the two outages are related, how sure, and the evidence", body = RelationOut),
        (status = 404, description = "`not-found`: one of the two is no outage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`same-outage`: both name the same outage", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn relation(
    State(st): State<AppState>,
    Path((a, b)): Path<(String, String)>,
) -> Result<Json<RelationOut>, Problem> {
    let lv = product_view(&st).await?;
    match lv.view.relation(&a, &b, &st.topology) {
        Ok(r) => Ok(Json(RelationOut::from(&r))),
        Err(RelationError::Unknown(id)) => Err(no_outage(&id)),
        Err(e @ RelationError::Same(..)) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "same-outage",
            "Same outage",
            e.to_string(),
        )),
    }
}

/// `GET /api/v1/incidents/{id}/root-causes`: the outage's likely root components, best first.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/root-causes",
    tag = "read",
    params(("id" = String, Path, description = "An outage id or alias", example = "net-1")),
    responses(
        (status = 200, description = "Likely root components, best first, with the reasons", body = RootCausesOut),
        (status = 404, description = "`not-found`: no outage or incident with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn root_causes(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RootCausesOut>, Problem> {
    let lv = product_view(&st).await?;
    let o = lv.view.outage(&id).ok_or_else(|| no_outage(&id))?;
    Ok(Json(RootCausesOut {
        incident: o.id.clone(),
        candidates: o
            .root_candidates
            .iter()
            .map(|c| RootCandidateOut::new(c, &st.topology))
            .collect(),
    }))
}
