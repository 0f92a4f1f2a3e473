//! Builds the application from settings and binds the listener first, so callers (tests) can
//! ask for port 0 and learn the address before serving.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use radar_core::topology::{germany, Topology};
use radar_core::Timestamp;
use radar_store::Store;
use tokio::net::TcpListener;

use crate::detection::Detection;
use crate::explain::{outages, relations, signals};
use crate::intake::committer::GroupCommitter;
use crate::intake::reporter::ReporterSecret;
use crate::intake::{api, form};
use crate::metrics::{Metrics, RouteLabels, RouteOnly};
use crate::publish;
use crate::settings::Settings;
use crate::state::{AppInner, AppState, Clock};
use crate::store_health::{StoreHealth, Tracked};
use crate::subscribe;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// A single node's group committer, or a cluster node's bus.
    writes: Writes,
}

enum Writes {
    Local(crate::intake::committer::CommitterHandle),
    /// The bus and what the node's background work needs ([`crate::cluster::start`]).
    Bus(Box<(crate::cluster::Bus, crate::cluster::Node)>),
}

/// Loads the topology a setting names, or the shipped German one.
pub fn load_topology(settings: &Settings) -> anyhow::Result<Topology> {
    match &settings.topology {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read topology file {}", path.display()))?;
            Topology::from_toml(&path.display().to_string(), &text)
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
        None => Ok(germany::topology()),
    }
}

impl Application {
    /// Opens the store the settings name and builds the application.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let store = radar_store::open(&settings.store_target())
            .await
            .with_context(|| "cannot open the store")?;
        let topology = load_topology(&settings)?;
        Self::build_with(settings, topology, store, Clock::System).await
    }

    /// Builds the application around a given store and clock.
    pub async fn build_with(
        settings: Settings,
        topology: Topology,
        store: Arc<dyn Store>,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let store_health = Arc::new(StoreHealth::new(store.read_only()));
        if store.read_only() {
            tracing::warn!(
                store = %settings.store_name(),
                "the store is read-only: pages and reads are served, every write answers 503 store-unavailable"
            );
        }
        let store: Arc<dyn Store> = Arc::new(Tracked::new(store, store_health.clone()));
        let metrics = Arc::new(Metrics::default());
        let detection = Arc::new(Detection::with_reorder(
            &topology,
            settings.detector_config(),
            settings.reorder_secs,
        ));
        let now = clock.now();
        let since = Timestamp(now.0 - settings.warmup_days as i64 * 86_400);
        let topology = Arc::new(topology);
        let (intake, writes): (Arc<dyn crate::intake::Intake>, Writes) = if settings.bus.is_some() {
            let node = crate::cluster::Node {
                store: store.clone(),
                detection: detection.clone(),
                topology: topology.clone(),
                metrics: metrics.clone(),
                clock: clock.clone(),
                since,
            };
            Self::join_cluster(&settings, node).await?
        } else {
            Self::warm_up(&store, &detection, &topology, since, now).await?;
            let (committer, committer_task) =
                GroupCommitter::start(store.clone(), metrics.clone(), detection.clone())
                    .context("cannot start the committer thread")?;
            (Arc::new(committer), Writes::Local(committer_task))
        };
        let secret = match &settings.reporter_secret {
            Some(hex) => ReporterSecret::from_hex(hex.expose())
                .context("reporter_secret is not 64 hexadecimal digits")?,
            None => ReporterSecret::load_or_create(&settings.data).with_context(|| {
                format!(
                    "cannot load the reporter secret in {}",
                    settings.data.display()
                )
            })?,
        };
        if matches!(writes, Writes::Bus(_)) {
            let mine = secret.fingerprint();
            let agreed = store
                .agree("reporter-secret-fingerprint", &mine)
                .await
                .context("cannot compare the reporter secret with the cluster's")?;
            anyhow::ensure!(
                agreed == mine,
                "this node's reporter_secret differs from the one the cluster's other nodes use: reporters would be counted once per node; set the same reporter_secret on every node"
            );
        }
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let limiter = Arc::new(crate::intake::limit::Limiter::new(
            settings.reports_per_minute,
            settings.report_burst,
        ));
        let public_origin = settings.public_url.clone().unwrap_or_else(|| {
            format!(
                "http://{}",
                listener.local_addr().unwrap_or(settings.listen)
            )
        });
        let mailer = crate::subscribe::mail::Mailer::from_settings(&settings)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let subscribe_limiter = Arc::new(crate::intake::limit::Limiter::per_hour(
            settings.subscriptions_per_hour,
        ));
        let state = AppState::new(AppInner {
            public_origin,
            mailer,
            subscribe_limiter,
            limiter,
            throttle: Default::default(),
            settings: Arc::new(settings),
            topology,
            postcodes: Arc::new(germany::postcodes()),
            store,
            store_health,
            intake,
            detection,
            secret,
            metrics,
            clock,
            heavy_reads: tokio::sync::Semaphore::new(1),
            view_cache: Default::default(),
            pages: Default::default(),
        });
        Ok(Application {
            listener,
            state,
            writes,
        })
    }

    /// A single server's warm-up: the stored reports that live detection counted, the stored
    /// declarations and the operator signals since `since`.
    async fn warm_up(
        store: &Arc<dyn Store>,
        detection: &Detection,
        topology: &Topology,
        since: Timestamp,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let declared = store
            .incidents()
            .await
            .context("cannot read stored incidents to warm up detection")?
            .iter()
            .flat_map(|s| crate::explain::incidents::declarations_of(&s.incident, topology))
            .collect();
        let warmed = detection
            .warm_up(&**store, since, now, declared)
            .await
            .context("cannot read stored reports to warm up detection")?;
        let signals = detection
            .warm_up_signals(&**store, since, now)
            .await
            .context("cannot read stored signal samples to warm up the signal watcher")?;
        tracing::info!(
            reports = warmed,
            signal_samples = signals,
            seconds = started.elapsed().as_secs_f64(),
            "detection warmed up from the store"
        );
        Ok(())
    }

    /// A node of a cluster (setting `bus`): reports go through the bus, detection follows the
    /// shared store (see [`crate::cluster`]), warmed up the same way.
    async fn join_cluster(
        settings: &Settings,
        node: crate::cluster::Node,
    ) -> anyhow::Result<(Arc<dyn crate::intake::Intake>, Writes)> {
        let started = Instant::now();
        let bus = crate::cluster::Bus::connect(settings).await?;
        node.detection.follow_store();
        let providers: Vec<_> = node
            .topology
            .providers
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let warmed = crate::cluster::follow(&node, &providers)
            .await
            .context("cannot read stored reports to warm up detection")?;
        tracing::info!(
            reports = warmed,
            seconds = started.elapsed().as_secs_f64(),
            "detection warmed up from the shared store"
        );
        let intake = crate::cluster::BusIntake::new(
            bus.clone(),
            node.detection.clone(),
            node.clock.clone(),
            node.metrics.clone(),
        );
        Ok((Arc::new(intake), Writes::Bus(Box::new((bus, node)))))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, finishes in-flight requests and
    /// flushes every pending write before returning.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            writes,
        } = self;
        let (committer, cluster) = match writes {
            Writes::Local(c) => (Some(c), None),
            Writes::Bus(b) => {
                let (bus, node) = *b;
                (None, Some(crate::cluster::start(&bus, node).await?))
            }
        };
        let local = cluster.is_none();
        let ticker_state = state.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut ticks: u64 = 0;
            loop {
                every.tick().await;
                ticks += 1;
                if ticks.is_multiple_of(60) {
                    ticker_state.limiter.prune();
                }
                if !local {
                    continue; // a cluster node's minutes close in `cluster`
                }
                let now = ticker_state.clock.now();
                // Closing minutes may wait for a commit in flight: off the async workers.
                let detection = ticker_state.detection.clone();
                let _ = tokio::task::spawn_blocking(move || detection.tick(now)).await;
            }
        });
        // Subscriptions: changes queued and deliveries made, on every node (see subscribe).
        let subscriptions = tokio::spawn(crate::subscribe::worker::run(state.clone()));
        let header_timeout = Duration::from_secs(state.settings.header_timeout_secs);
        let app = router(state);
        serve(listener, app, header_timeout, shutdown).await?;
        tracing::info!("HTTP server stopped; flushing pending writes");
        ticker.abort();
        subscriptions.abort();
        if let Some(committer) = committer {
            committer.drain().await.context("committer failed")?;
        }
        // Every acknowledged report is in the stream; what this node pulled and did not store
        // goes to another node.
        if let Some(c) = cluster {
            c.stop().await;
        }
        tracing::info!("stopped; all pending writes flushed");
        Ok(())
    }
}

/// Accepts connections until `shutdown`, serving each with HTTP/1.1 or HTTP/2 under the
/// header-read timeout (a client slow to send its headers, or a kept-alive connection idle that
/// long, is disconnected instead of held forever); then stops accepting and waits for the
/// requests in flight.
async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::Service;

    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = match make.call(peer).await {
            Ok(s) => s,
            Err(never) => match never {},
        };
        let hyper_svc =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut svc = svc.clone();
                async move { svc.call(req.map(axum::body::Body::new)).await }
            });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // The first bytes, before the protocol is known, fall under the header timeout
            // too: a connection that sends nothing is closed.
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), hyper_svc)
                .into_owned();
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(publish::pages::overview))
        .route("/providers/{id}", get(publish::pages::provider_page))
        .route("/providers/{id}/report", post(form::post_form))
        .route(
            "/subscribe",
            get(subscribe::pages::subscribe_all).post(subscribe::pages::post_all),
        )
        .route(
            "/providers/{id}/subscribe",
            get(subscribe::pages::subscribe_provider).post(subscribe::pages::post_provider),
        )
        .route(
            "/subscriptions/confirm",
            get(subscribe::pages::confirm_page).post(subscribe::pages::confirm),
        )
        .route("/subscriptions/{id}", get(subscribe::pages::manage))
        .route(
            "/subscriptions/{id}/unsubscribe",
            post(subscribe::pages::unsubscribe),
        )
        .route("/api/v1/subscriptions", post(subscribe::api::create))
        .route(
            "/api/v1/subscriptions/{id}",
            get(subscribe::api::one).delete(subscribe::api::delete),
        )
        .route(
            "/providers/{id}/history",
            get(publish::history::history_page),
        )
        .route("/live", get(publish::live::events))
        .route("/feed.atom", get(publish::atom::all))
        .route("/providers/{id}/feed.atom", get(publish::atom::provider))
        .merge(publish::statuspage::routes())
        .route("/api/openapi.json", get(crate::openapi::openapi_json))
        .route("/api/v1/reports", post(api::post_reports))
        .route("/api/v1/providers", get(publish::api::providers))
        .route(
            "/api/v1/providers/{id}/reports",
            get(publish::api::report_counts),
        )
        .route(
            "/api/v1/providers/{id}/outages",
            get(outages::provider_outages),
        )
        .route("/api/v1/outages", get(outages::outages))
        .route("/api/v1/outages/{id}", get(outages::one))
        .route("/api/v1/incidents", get(outages::incidents))
        .route("/api/v1/incidents/{id}", get(outages::incident))
        .route("/api/v1/signals/{provider}/{signal}", get(signals::series))
        .route("/api/v1/incidents/{a}/relation/{b}", get(outages::relation))
        .route(
            "/api/v1/incidents/{id}/root-causes",
            get(outages::root_causes),
        )
        .route("/incidents/{id}", get(relations::incident_page))
        .route(
            "/login",
            get(crate::auth::login::login_form).post(crate::auth::login::login),
        )
        // Every guarded route, each behind its permission check (auth::routes::table).
        .merge(crate::auth::routes::router(&state))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::guard::same_origin,
        ))
        // ETag, Cache-Control and 304 for what anyone may read (publish::cache).
        .layer(middleware::from_fn(publish::cache::conditional))
        // Browsers get 4xx errors as a page; API clients keep problem+json.
        .layer(middleware::from_fn(publish::pages::html_errors))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.settings.request_timeout_secs),
        ))
        .layer(middleware::from_fn(crate::guard::security_headers))
        // gzip for clients that accept it (not for event streams, images or tiny answers).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    crate::problem::Problem::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

/// Ready when the store answers a trivial query (not a count: that grows with the data and
/// would make the health check the slowest request under load). A store that answers but
/// cannot write (full, read-only) is still ready — reads are served — and says it is degraded:
/// 200 with `degraded: …` in the body and the `Radar-Degraded` header.
async fn readyz(State(st): State<AppState>) -> Response {
    if let Err(why) = st.intake.ready() {
        tracing::warn!(reason = %why, "not ready");
        return crate::problem::Problem::unavailable(why).into_response();
    }
    match st.store.ping().await {
        Ok(_) => match st.store_health.unwritable() {
            None => "ready".into_response(),
            Some(kind) => (
                [("radar-degraded", format!("store-{}", kind.as_str()))],
                format!(
                    "degraded: the store is {}; reads are served, writes answer 503 store-unavailable",
                    kind.as_str()
                ),
            )
                .into_response(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            crate::problem::Problem::unavailable("the store is not reachable").into_response()
        }
    }
}

async fn metrics(State(st): State<AppState>, req: Request) -> Response {
    if !crate::guard::metrics_allowed(&st, req.headers(), crate::guard::peer(&req)) {
        return crate::problem::Problem::new(
            axum::http::StatusCode::FORBIDDEN,
            "metrics-restricted",
            "Metrics are for operators",
            "send the metrics token as Authorization: Bearer <token>, or ask from the machine itself",
        )
        .into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        st.metrics.encode(),
    )
        .into_response()
}

/// Counts requests and latency by matched route (not by raw path, which is unbounded).
async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let method = crate::guard::method_label(req.method()).to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    st.metrics
        .latency
        .get_or_create(&RouteOnly {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    st.metrics
        .requests
        .get_or_create(&RouteLabels {
            method,
            route,
            status: resp.status().as_u16(),
        })
        .inc();
    resp
}
