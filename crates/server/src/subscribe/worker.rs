//! The background work of subscriptions, on every node: every [`PERIOD`], queue what changed
//! (see [`super::changes`]), then claim due deliveries and make them, a few at a time.
//!
//! **Invariant (several nodes):** a change is queued by exactly one node (the store moves a
//! mark only from the value read), and a queued delivery is sent by one node at a time (a
//! claim is a lease of [`LEASE_SECS`], longer than any attempt can take: the HTTP timeout
//! and the SMTP timeout are shorter). A node that dies mid-attempt leaves the delivery to be
//! claimed again when the lease ends, so a delivery is made at least once; receivers
//! recognise a repeat by its `webhook-id`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use radar_core::notify::{verdict, Verdict};
use radar_core::Timestamp;
use radar_store::subscriptions::{Attempt, Channel, Claimed};
use serde_json::Value;

use crate::explain::outages::{product_view, LiveView};
use crate::state::AppState;

/// How often the view is compared and the outbox looked at.
pub const PERIOD: Duration = Duration::from_millis(500);
/// How long a claimed delivery is reserved for the node that claimed it.
pub const LEASE_SECS: i64 = 120;
/// Longest a webhook receiver may take to answer.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed (and made at once) per round.
pub const BATCH: usize = 16;
/// How long the mark of a subject the view no longer shows (an incident past the history,
/// a component gone from the topology) is kept after it was last told. Far longer than two
/// nodes' views can differ; a subject that comes back after it is recorded again without
/// telling anyone (`radar_core::notify::news`), so forgetting it can only cost silence about
/// an incident that is long over.
pub const MARK_KEEP_SECS: i64 = 7 * 86_400;
/// How often at most a node looks for marks to forget (a mark waits a week anyway).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The HTTP client for webhooks: no redirects, public addresses only unless allowed.
pub fn http_client(private_ok: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("OutageRadar-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !private_ok {
        b = b.dns_resolver(Arc::new(super::target::PublicOnly));
    }
    b.build().expect("the HTTP client's settings are valid")
}

/// Runs until aborted.
pub async fn run(st: AppState) {
    let client = http_client(st.settings.webhook_private_targets);
    let mut every = tokio::time::interval(PERIOD);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut compared = None;
    let mut pruned = None;
    loop {
        every.tick().await;
        if let Err(e) = round(&st, &client, &mut compared, &mut pruned).await {
            tracing::warn!(error = %e, "subscriptions: a round failed; trying again");
        }
    }
}

/// One round: queue changes, then make due deliveries. `compared` is the view the last
/// complete comparison read: the same view (the cache hands out one per change and minute)
/// is not compared again. `pruned`: when this node last forgot old marks.
async fn round(
    st: &AppState,
    client: &reqwest::Client,
    compared: &mut Option<Arc<LiveView>>,
    pruned: &mut Option<Instant>,
) -> Result<(), String> {
    if st.store_health.unwritable().is_some() {
        return Ok(()); // nothing can be recorded; the view is still served
    }
    let lv = product_view(st).await.map_err(|p| p.detail.clone())?;
    if !compared.as_ref().is_some_and(|c| Arc::ptr_eq(c, &lv)) {
        queue_changes(st, &lv, pruned).await?;
        *compared = Some(lv);
    }
    deliver_due(st, client).await
}

async fn queue_changes(
    st: &AppState,
    lv: &LiveView,
    pruned: &mut Option<Instant>,
) -> Result<(), String> {
    let now = st.clock.now();
    let subs = st.store.subscriptions();
    let marks: HashMap<String, String> = subs
        .marks()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    let (notices, shown) = super::changes::notices(st, lv, &marks, now);
    let due = pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
    let shown_set: std::collections::HashSet<&String> = shown.iter().collect();
    if due && marks.keys().any(|k| !shown_set.contains(k)) {
        *pruned = Some(Instant::now());
        match subs
            .prune_marks(&shown, Timestamp(now.0 - MARK_KEEP_SECS))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(forgotten = n, "subscriptions: old marks forgotten"),
            Err(e) => tracing::warn!(error = %e, "subscriptions: cannot forget old marks"),
        }
    }
    for n in notices {
        match subs.notify(&n, now).await {
            Ok(Some(q)) if q > 0 => tracing::info!(
                subject = %n.subject,
                queued = q,
                "subscriptions: change queued"
            ),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

async fn deliver_due(st: &AppState, client: &reqwest::Client) -> Result<(), String> {
    let now = st.clock.now();
    let claimed = st
        .store
        .subscriptions()
        .claim_deliveries(now, LEASE_SECS, BATCH)
        .await
        .map_err(|e| e.to_string())?;
    let jobs = claimed.into_iter().map(|c| deliver(st, client, c, now));
    futures_util::future::join_all(jobs).await;
    Ok(())
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    getrandom::getrandom(&mut b).expect("the operating system provides randomness");
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// The `webhook-id` of a delivery: the same for every attempt of it.
pub fn message_id(c: &Claimed) -> String {
    format!(
        "msg_{}_{}",
        c.subscription.id.trim_start_matches("sub_"),
        c.id
    )
}

async fn deliver(st: &AppState, client: &reqwest::Client, c: Claimed, now: Timestamp) {
    let started = Instant::now();
    let result = match c.subscription.channel {
        Channel::Webhook => send_webhook(st, client, &c, now).await,
        Channel::Email => send_mail(st, &c).await,
    };
    let (status, error) = match result {
        Ok(s) => (Some(s), None),
        Err((s, e)) => (s, Some(e)),
    };
    let attempt = c.attempts + 1;
    let policy = super::policy(st);
    let v = verdict(&policy, attempt, status, now, jitter());
    let outcome = match v {
        Verdict::Delivered => "delivered",
        Verdict::RetryAt(_) => "retry",
        Verdict::GiveUp => "given_up",
        Verdict::Gone => "gone",
    };
    st.metrics
        .deliveries
        .get_or_create(&crate::metrics::DeliveryLabels {
            channel: c.subscription.channel.as_str().to_owned(),
            outcome: outcome.to_owned(),
        })
        .inc();
    let a = Attempt {
        outbox_id: c.id,
        event: c.event.clone(),
        attempt,
        at: now,
        status,
        error: error.clone(),
        duration_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
    };
    match st
        .store
        .subscriptions()
        .finish_delivery(&c, &a, v, policy.disable_after)
        .await
    {
        Ok(disabled) => {
            if v != Verdict::Delivered {
                tracing::info!(
                    subscription = %c.subscription.id,
                    attempt,
                    status = ?status,
                    error = ?error,
                    verdict = ?v,
                    "subscriptions: delivery failed"
                );
            }
            if disabled {
                tracing::warn!(subscription = %c.subscription.id, "subscriptions: disabled");
            }
        }
        Err(e) => tracing::warn!(error = %e, "subscriptions: cannot record a delivery attempt"),
    }
}

/// The body sent: the queued payload with Statuspage's `meta`.
fn body(st: &AppState, c: &Claimed, now: Timestamp) -> Result<String, String> {
    let mut v: Value = serde_json::from_str(&c.payload)
        .map_err(|e| format!("the queued payload is not JSON: {e}"))?;
    let meta = serde_json::json!({
        "unsubscribe": super::manage_url(st, &c.subscription.id),
        "documentation": format!("{}/subscribe", super::origin(st)),
        "generated_at": now.to_rfc3339(),
        "event": c.event,
    });
    v.as_object_mut()
        .ok_or("the queued payload is not a JSON object")?
        .insert("meta".into(), meta);
    Ok(v.to_string())
}

type Failure = (Option<u16>, String);

async fn send_webhook(
    st: &AppState,
    client: &reqwest::Client,
    c: &Claimed,
    now: Timestamp,
) -> Result<u16, Failure> {
    let sub = &c.subscription;
    let url = super::target::parse_url(&sub.target).map_err(|e| (None, e))?;
    if !st.settings.webhook_private_targets {
        // Names are resolved by the client's public-only resolver; addresses are checked here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| !super::target::public(*ip)) {
            return Err((None, format!("{ip} is not a public address")));
        }
    }
    let key = sub
        .secret
        .as_deref()
        .and_then(super::sign::key_of)
        .ok_or((None, "the subscription has no valid secret".to_owned()))?;
    let body = body(st, c, now).map_err(|e| (None, e))?;
    let id = message_id(c);
    let ts = chrono::Utc::now().timestamp();
    let resp = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header(
            "webhook-signature",
            super::sign::signature(&key, &id, ts, &body),
        )
        .body(body)
        .send()
        .await;
    match resp {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
        Ok(r) => Err((
            Some(r.status().as_u16()),
            format!("the receiver answered {}", r.status()),
        )),
        Err(e) => Err((None, describe(&e))),
    }
}

/// A transport error in words, with its causes.
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

async fn send_mail(st: &AppState, c: &Claimed) -> Result<u16, Failure> {
    let Some(mailer) = st.mailer.as_ref() else {
        return Err((None, "no SMTP relay is set (smtp_host)".into()));
    };
    let payload: Value = serde_json::from_str(&c.payload)
        .map_err(|e| (None, format!("the queued payload is not JSON: {e}")))?;
    let msg = super::mail::incident(st, &c.subscription, &payload).map_err(|e| (None, e))?;
    mailer.send(msg).await.map_err(|e| (None, e))
}
