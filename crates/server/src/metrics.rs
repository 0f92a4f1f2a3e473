//! Prometheus metrics: requests and latency by route, reports accepted and rejected by reason,
//! store commit batch sizes and latency.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteOnly {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    pub requests: Family<RouteLabels, Counter>,
    pub latency: Family<RouteOnly, Histogram>,
    pub reports_accepted: Counter,
    pub reports_rejected: Family<ReasonLabels, Counter>,
    pub commit_batch_reports: Histogram,
    pub commit_seconds: Histogram,
    /// Anonymous reports refused by the per-network rate limit, and the requests that held them.
    pub limited_reports: Counter,
    pub limited_requests: Counter,
    /// Scale-out: reports this node took from the bus and stored, and the partitions whose
    /// minutes it closes.
    pub bus_stored: Counter,
    pub partitions_owned: prometheus_client::metrics::gauge::Gauge,
    /// Subscription delivery attempts by channel and outcome (see `subscribe::worker`).
    pub deliveries: Family<DeliveryLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `webhook` or `email`.
    pub channel: String,
    /// `delivered`, `retry`, `given_up` or `gone`.
    pub outcome: String,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("radar");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 2.0, 18))
        });
        let reports_accepted = Counter::default();
        let reports_rejected = Family::<ReasonLabels, Counter>::default();
        let commit_batch_reports = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        let commit_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        let limited_reports = Counter::default();
        let limited_requests = Counter::default();
        let bus_stored = Counter::default();
        let partitions_owned = prometheus_client::metrics::gauge::Gauge::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "subscription_deliveries",
            "Subscription delivery attempts (webhooks, e-mail) by channel and outcome",
            deliveries.clone(),
        );
        registry.register(
            "bus_reports_stored",
            "Reports this node took from the bus and stored (scale-out)",
            bus_stored.clone(),
        );
        registry.register(
            "partitions_owned",
            "Provider partitions whose minutes this node closes (scale-out)",
            partitions_owned.clone(),
        );
        registry.register(
            "abuse_rate_limited_reports",
            "Anonymous reports refused by the per-network rate limit (429)",
            limited_reports.clone(),
        );
        registry.register(
            "abuse_rate_limited_requests",
            "Requests refused by the per-network rate limit (429)",
            limited_requests.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "reports_accepted",
            "Reports stored durably",
            reports_accepted.clone(),
        );
        registry.register(
            "reports_rejected",
            "Reports rejected, by reason",
            reports_rejected.clone(),
        );
        registry.register(
            "store_commit_batch_reports",
            "Reports per store commit (group commit batch size)",
            commit_batch_reports.clone(),
        );
        registry.register(
            "store_commit_duration_seconds",
            "Store commit latency",
            commit_seconds.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            reports_accepted,
            reports_rejected,
            commit_batch_reports,
            commit_seconds,
            limited_reports,
            limited_requests,
            bus_stored,
            partitions_owned,
            deliveries,
        }
    }
}

impl Metrics {
    pub fn reject(&self, reason: &str, n: u64) {
        self.reports_rejected
            .get_or_create(&ReasonLabels {
                reason: reason.to_owned(),
            })
            .inc_by(n);
    }

    /// One request of `n` reports refused by the rate limit.
    pub fn rate_limited(&self, n: u64) {
        self.limited_reports.inc_by(n);
        self.limited_requests.inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        let reg = self.registry.lock().expect("metrics registry lock");
        if prometheus_client::encoding::text::encode(&mut out, &reg).is_err() {
            out.clear();
        }
        out
    }
}
