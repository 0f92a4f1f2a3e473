//! The shared application state handed to every handler.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use radar_core::topology::postcode::PostcodeMap;
use radar_core::topology::Topology;
use radar_core::Timestamp;
use radar_store::Store;

use crate::detection::Detection;
use crate::intake::reporter::ReporterSecret;
use crate::intake::Intake;
use crate::metrics::Metrics;
use crate::settings::Settings;

/// Where "now" comes from: the system clock, or a clock the caller moves (tests, demo).
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp(chrono::Utc::now().timestamp()),
            Clock::Manual(t) => Timestamp(t.load(Ordering::SeqCst)),
        }
    }
}

/// Cheap to clone: every handler and middleware gets its own handle to one shared state.
#[derive(Clone)]
pub struct AppState(Arc<AppInner>);

impl AppState {
    pub fn new(inner: AppInner) -> AppState {
        AppState(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

pub struct AppInner {
    pub settings: Arc<Settings>,
    pub topology: Arc<Topology>,
    pub postcodes: Arc<PostcodeMap>,
    pub store: Arc<dyn Store>,
    /// Whether the store can write, as the last write found it (see `store_health`).
    pub store_health: Arc<crate::store_health::StoreHealth>,
    pub intake: Arc<dyn Intake>,
    pub detection: Arc<Detection>,
    pub secret: ReporterSecret,
    /// Failed sign-ins by account and network.
    pub throttle: crate::auth::throttle::Throttle,
    /// Per-network rate limits on anonymous reports, and the abuse book.
    pub limiter: Arc<crate::intake::limit::Limiter>,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    /// Heavy reads (months of per-minute counts) run one at a time (see `publish::api`).
    pub heavy_reads: tokio::sync::Semaphore,
    /// The last product view built (see `explain::outages`).
    pub view_cache: crate::explain::outages::ViewCache,
    /// Rendered public pages (see `publish::snapshot`).
    pub pages: crate::publish::snapshot::PageSnapshots,
    /// The base of links in mails and webhook payloads (`public_url`, else the listening
    /// address).
    pub public_origin: String,
    /// The SMTP relay for e-mail subscriptions, when one is set.
    pub mailer: Option<crate::subscribe::mail::Mailer>,
    /// Per-network rate limit on new subscriptions.
    pub subscribe_limiter: Arc<crate::intake::limit::Limiter>,
}
