//! Scale-out: several `radar serve` nodes behind a load balancer, one NATS JetStream stream as
//! the ingest bus and one PostgreSQL database as the system of record.
//!
//! # The path of a report
//! 1. Any node validates a report as a single node does and publishes the batch to the stream
//!    ([`BusIntake`]); the client is acknowledged once the stream has acknowledged it. Each
//!    message carries a `Nats-Msg-Id` made from its reports' ids, so a batch sent twice within
//!    the stream's duplicate window is kept once.
//! 2. Every node pulls from one durable consumer shared by all ([`store_from_bus`]): each
//!    message goes to one node, which stores its reports ([`radar_store::Store::insert_reports_gated`])
//!    and then acknowledges it. A node that dies before acknowledging leaves the message to be
//!    delivered again; report ids are content hashes, so storing it twice stores it once.
//! 3. Each provider is a partition. One node at a time holds its lease (a PostgreSQL advisory
//!    lock on a connection of its own: a node that dies loses it at once) and closes the
//!    partition's minutes as its clock passes them and the reorder window
//!    ([`radar_store::Store::close_minutes`]). Storing decides whether a report counts against
//!    that mark, in the same transaction, so a closed minute's counted reports are final.
//! 4. Every node's detector follows the store: it closes a minute only once every partition
//!    has closed it, feeding it exactly the reports stored as counted, and takes declarations
//!    from the stored incidents ([`crate::detection::Detection::follow`]). The same reports in
//!    the same minutes give every node the same outages with the same ids; a node that starts
//!    (or restarts) warms up the same way. Incidents, statements and statuses are read from
//!    PostgreSQL, through the half-second view snapshot, so a change made on one node shows on
//!    the others within a second.
//!
//! Nothing here knows SQL (the store does) or detection (the core does).

pub mod wire;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, consumer, stream, AckKind};
use async_trait::async_trait;
use futures_util::StreamExt;
use radar_core::topology::Topology;
use radar_core::{Minute, ProviderId, Report, Timestamp};
use radar_store::{ReportId, Store};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::detection::Detection;
use crate::intake::{Intake, IntakeError, Receipt};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::state::Clock;

/// The durable consumer all nodes share: each message goes to one of them.
const WRITER: &str = "radar-store-writer";
/// How long a node has to store and acknowledge a message before it goes to another node.
const ACK_WAIT: Duration = Duration::from_secs(10);
/// Most messages one node holds unacknowledged.
const MAX_ACK_PENDING: i64 = 20_000;
/// A message the stream saw within this window with the same id is not stored twice.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a publish may wait for the stream's acknowledgement.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the bus and the stream of reports.
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: String,
    subject: String,
}

impl Bus {
    /// Connects to the NATS server the settings name and creates the stream if it does not
    /// exist (work-queue retention: a report leaves the stream once a node has stored it).
    pub async fn connect(settings: &Settings) -> anyhow::Result<Bus> {
        let url = settings
            .bus
            .as_ref()
            .context("no bus is configured (setting `bus`)")?;
        let client = async_nats::ConnectOptions::new()
            .name("radar")
            .connection_timeout(Duration::from_secs(5))
            .retry_on_initial_connect()
            .connect(url.expose())
            .await
            .with_context(|| format!("cannot connect to the bus at {url}"))?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(PUBLISH_TIMEOUT);
        let stream = settings.bus_stream.clone();
        let subject = format!("{}.reports", stream.to_ascii_lowercase());
        tokio::time::timeout(
            Duration::from_secs(15),
            js.get_or_create_stream(stream::Config {
                name: stream.clone(),
                subjects: vec![subject.clone()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                num_replicas: settings.bus_replicas,
                duplicate_window: DUPLICATE_WINDOW,
                ..Default::default()
            }),
        )
        .await
        .map_err(|_| anyhow::anyhow!("the bus at {url} did not answer within 15 s; is JetStream enabled (nats-server -js)?"))?
        .with_context(|| format!("cannot create or open the stream {stream} on the bus at {url} (is JetStream enabled: nats-server -js?)"))?;
        Ok(Bus {
            client,
            js,
            stream,
            subject,
        })
    }

    /// The consumer every node pulls from.
    async fn writer(&self) -> anyhow::Result<consumer::PullConsumer> {
        let stream = self.js.get_stream(&self.stream).await?;
        Ok(stream
            .get_or_create_consumer(
                WRITER,
                consumer::pull::Config {
                    durable_name: Some(WRITER.into()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: ACK_WAIT,
                    max_ack_pending: MAX_ACK_PENDING,
                    ..Default::default()
                },
            )
            .await?)
    }
}

/// The intake of a node of a cluster: accepted reports are acknowledged once the stream has
/// them.
pub struct BusIntake {
    bus: Bus,
    detection: Arc<Detection>,
    clock: Clock,
    metrics: Arc<Metrics>,
}

impl BusIntake {
    pub fn new(bus: Bus, detection: Arc<Detection>, clock: Clock, metrics: Arc<Metrics>) -> Self {
        BusIntake {
            bus,
            detection,
            clock,
            metrics,
        }
    }
}

/// The message id of a batch: the same reports give the same id.
fn message_id(ids: &[ReportId]) -> String {
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.0);
    }
    radar_core::audit::hex(&h.finalize()[..16])
}

#[async_trait]
impl Intake for BusIntake {
    async fn submit(&self, reports: Vec<Report>) -> Result<Receipt, IntakeError> {
        if reports.is_empty() {
            return Ok(Receipt::default());
        }
        let ids: Vec<ReportId> = reports.iter().map(ReportId::of).collect();
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", message_id(&ids).as_str());
        let ack = self
            .bus
            .js
            .publish_with_headers(
                self.bus.subject.clone(),
                headers,
                wire::encode(&reports).into(),
            )
            .await
            .map_err(|e| IntakeError::Bus(e.to_string()))?;
        ack.await.map_err(|e| IntakeError::Bus(e.to_string()))?;
        self.metrics.reports_accepted.inc_by(reports.len() as u64);
        // What the node expects: a report counts unless its minute has closed. The store
        // decides when it stores the report; only a bus backlog longer than the reorder window
        // makes the two differ.
        let open = self.detection.closing_target(self.clock.now());
        Ok(Receipt {
            counted: reports.iter().map(|r| r.time.minute() >= open).collect(),
            ids,
        })
    }

    fn ready(&self) -> Result<(), String> {
        match self.bus.client.connection_state() {
            async_nats::connection::State::Connected => Ok(()),
            state => Err(format!(
                "the ingest bus is not connected ({state}); reports cannot be acknowledged until it is"
            )),
        }
    }
}

/// The background work of a node of a cluster; stops when dropped or [`Tasks::stop`]ped.
pub struct Tasks {
    stop: watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Tasks {
    /// Stops pulling and closing; what is stored stays stored, what was pulled and not stored
    /// goes to another node.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
    }
}

/// What the partition task needs.
pub struct Node {
    pub store: Arc<dyn Store>,
    pub detection: Arc<Detection>,
    pub topology: Arc<Topology>,
    pub metrics: Arc<Metrics>,
    pub clock: Clock,
    /// Where the first follow starts (the warm-up).
    pub since: Timestamp,
}

/// Starts storing from the bus and the partition work.
pub async fn start(bus: &Bus, node: Node) -> anyhow::Result<Tasks> {
    let (stop, stopped) = watch::channel(false);
    let consumer = bus
        .writer()
        .await
        .context("cannot create the bus consumer that stores reports")?;
    let node = Arc::new(node);
    let handles = vec![
        tokio::spawn(store_from_bus(consumer, node.clone(), stopped.clone())),
        tokio::spawn(partitions(node, stopped)),
    ];
    Ok(Tasks { stop, handles })
}

/// Most messages one pull takes, and how long it waits for them: a pull ends when it has this
/// many or when the wait is over, and its messages are stored in one transaction. The wait
/// bounds how long an acknowledged report waits to be stored when reports are few.
const PULL_MAX: usize = 2000;
const PULL_WAIT: Duration = Duration::from_millis(100);

/// Pulls batches from the shared consumer, stores them and acknowledges them. A message that
/// does not decode is dropped with an error in the log (it never would); one whose store write
/// failed is handed back for redelivery.
async fn store_from_bus(
    consumer: consumer::PullConsumer,
    node: Arc<Node>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let pulled = consumer
            .batch()
            .max_messages(PULL_MAX)
            .expires(PULL_WAIT)
            .messages()
            .await;
        let mut batch = match pulled {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot pull from the bus; retrying in a second");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = stopped.changed() => return,
                }
            }
        };
        let mut taken = Vec::new();
        let mut reports = Vec::new();
        while let Some(m) = batch.next().await {
            let msg = match m {
                Ok(msg) => msg,
                Err(e) => {
                    tracing::warn!(error = %e, "bus delivery error");
                    break;
                }
            };
            match wire::decode(&msg.payload) {
                Ok(rs) => {
                    reports.extend(rs);
                    taken.push(msg);
                }
                Err(e) => {
                    tracing::error!(error = %e, "a message on the bus is not a batch of reports; dropped");
                    let _ = msg.ack_with(AckKind::Term).await;
                }
            }
        }
        if taken.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        match node.store.insert_reports_gated(&reports).await {
            Ok(_) => {
                node.metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                node.metrics
                    .commit_batch_reports
                    .observe(reports.len() as f64);
                node.metrics.bus_stored.inc_by(reports.len() as u64);
                for msg in taken {
                    if let Err(e) = msg.ack().await {
                        // Delivered again after ACK_WAIT and stored once all the same.
                        tracing::warn!(error = %e, "cannot acknowledge a stored message");
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reports = reports.len(), "cannot store reports from the bus; they will be delivered again");
                for msg in taken {
                    let _ = msg
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                        .await;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Once a second: take the leases of partitions nobody holds, close the minutes of those held,
/// and let detection follow the store.
async fn partitions(node: Arc<Node>, mut stopped: watch::Receiver<bool>) {
    let providers: Vec<ProviderId> = node
        .topology
        .providers
        .iter()
        .map(|p| p.id.clone())
        .collect();
    let mut session: Option<Box<dyn radar_store::LeaseSession>> = None;
    let mut owned: BTreeMap<ProviderId, i64> = BTreeMap::new();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopped.changed() => return,
        }
        if let Err(e) = lease_and_close(&node, &providers, &mut session, &mut owned).await {
            tracing::warn!(error = %e, "partition leases: the store is not reachable; retrying");
        }
        node.metrics.partitions_owned.set(owned.len() as i64);
        if let Err(e) = follow(&node, &providers).await {
            tracing::warn!(error = %e, "detection cannot follow the store; retrying");
        }
    }
}

async fn lease_and_close(
    node: &Node,
    providers: &[ProviderId],
    session: &mut Option<Box<dyn radar_store::LeaseSession>>,
    owned: &mut BTreeMap<ProviderId, i64>,
) -> Result<(), radar_store::StoreError> {
    if let Some(s) = session {
        if let Err(e) = s.check().await {
            tracing::warn!(error = %e, partitions = owned.len(), "lost the lease session: every partition lease it held is gone");
            owned.clear();
            *session = None;
        }
    }
    let s = match session {
        Some(s) => s,
        None => session.insert(node.store.lease_session().await?),
    };
    for p in providers {
        if !owned.contains_key(p) && s.try_take(&format!("partition:{p}")).await? {
            tracing::info!(partition = %p, "took the partition lease: this node closes its minutes");
            owned.insert(p.clone(), i64::MIN);
        }
    }
    let target = node.detection.closing_target(node.clock.now());
    for (p, closed) in owned.iter_mut() {
        if *closed < target.0 {
            *closed = node.store.close_minutes(p, target.0).await?;
        }
    }
    Ok(())
}

/// Detection follows the store up to the minutes every partition has closed, after taking in
/// the stored declarations.
pub async fn follow(node: &Node, providers: &[ProviderId]) -> Result<u64, radar_store::StoreError> {
    let marks: BTreeMap<ProviderId, i64> = node.store.closed_minutes().await?.into_iter().collect();
    let Some(until) = providers
        .iter()
        .map(|p| marks.get(p).copied())
        .collect::<Option<Vec<i64>>>()
        .and_then(|m| m.into_iter().min())
        .map(Minute)
    else {
        return Ok(0); // a partition has never been closed yet
    };
    if node
        .detection
        .open_minute()
        .is_some_and(|open| open >= until)
    {
        return Ok(0); // nothing new to close
    }
    // Declarations first: one made before a minute closed is in the store before its
    // partition's owner closed that minute (a minute closes the reorder window after it ends).
    // Those taken in before are skipped by `declare_stored`.
    for stored in node.store.incidents().await? {
        for d in crate::explain::incidents::declarations_of(&stored.incident, &node.topology) {
            node.detection.declare_stored(d);
        }
    }
    node.detection.follow(&*node.store, node.since, until).await
}
