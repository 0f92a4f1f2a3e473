//! Subscriptions to incident changes (webhooks and e-mail), the marks last notified, the
//! outbox of deliveries and the delivery log.
//!
//! - `subscriptions`: who is told and how. A webhook's signing secret is kept (it is needed
//!   for every delivery); an e-mail subscription's confirmation token only as its SHA-256,
//!   cleared once confirmed. Unsubscribe and management tokens are not stored at all: the
//!   server derives them from its secret and the subscription's id.
//! - `notify_marks`: per subject (an incident, a component) the mark last notified
//!   ([`radar_core::notify`]). [`SubscriptionStore::notify`] moves a mark from the value the
//!   caller read to the new one *and* queues a delivery for every active subscription in one
//!   transaction, and only if the mark still had the value read: of several nodes that see the
//!   same change, exactly one queues it, and a restart neither repeats nor loses it.
//! - `outbox`: one row per delivery to make. [`SubscriptionStore::claim_deliveries`] takes due
//!   rows for a lease (`claimed_until`) in one statement (PostgreSQL: `FOR UPDATE SKIP
//!   LOCKED`), so no two nodes send the same delivery at once; a node that dies leaves its rows
//!   to another when the lease ends.
//! - `delivery_attempts`: each attempt (time, status code or error, duration), the newest
//!   [`ATTEMPTS_KEPT`] per subscription.

use async_trait::async_trait;
use radar_core::notify::Verdict;
use radar_core::Timestamp;

use crate::StoreError;

/// Attempts kept in the log per subscription.
pub const ATTEMPTS_KEPT: i64 = 200;

/// How a subscriber is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
    pub(crate) fn parse(s: &str) -> Result<Channel, StoreError> {
        match s {
            "webhook" => Ok(Channel::Webhook),
            "email" => Ok(Channel::Email),
            _ => Err(StoreError::Corrupt(format!(
                "unknown subscription channel {s:?}"
            ))),
        }
    }
}

/// Where a subscription is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubState {
    /// E-mail not yet confirmed: nothing but the confirmation is sent.
    Pending,
    Active,
    /// Ended by failures (or 410 Gone); the reason says which.
    Disabled,
    /// Ended by the subscriber.
    Unsubscribed,
}

impl SubState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubState::Pending => "pending",
            SubState::Active => "active",
            SubState::Disabled => "disabled",
            SubState::Unsubscribed => "unsubscribed",
        }
    }
    pub(crate) fn parse(s: &str) -> Result<SubState, StoreError> {
        match s {
            "pending" => Ok(SubState::Pending),
            "active" => Ok(SubState::Active),
            "disabled" => Ok(SubState::Disabled),
            "unsubscribed" => Ok(SubState::Unsubscribed),
            _ => Err(StoreError::Corrupt(format!(
                "unknown subscription state {s:?}"
            ))),
        }
    }
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// `sub_` and 24 hexadecimal digits, random.
    pub id: String,
    pub channel: Channel,
    /// One provider's incidents, or every provider's (`None`).
    pub provider: Option<String>,
    /// The webhook's URL or the e-mail address.
    pub target: String,
    /// A webhook's signing secret (`whsec_…`); kept because every delivery is signed with it.
    pub secret: Option<String>,
    pub state: SubState,
    /// Why it was disabled or ended.
    pub reason: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    /// `de` or `en`: the language of mails.
    pub lang: String,
    pub created: Timestamp,
}

/// A change to notify: move `subject`'s mark from `last` (what the caller read; `None`:
/// none stored) to `mark`, and queue `payload` for every active subscription of `provider`
/// (or of all providers); without a payload the mark is only recorded.
#[derive(Clone, Debug)]
pub struct Notice {
    pub subject: String,
    pub provider: String,
    pub last: Option<String>,
    pub mark: String,
    /// The event (`incident`, `component_update`) and its payload, JSON.
    pub payload: Option<(String, String)>,
    /// Whether e-mail subscriptions get it too (webhooks get every notice).
    pub email: bool,
}

/// A delivery claimed for sending.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The outbox row.
    pub id: i64,
    /// The claim's own token: finishing a delivery whose lease another node took over
    /// records the attempt but changes nothing else.
    pub claim: String,
    pub subscription: Subscription,
    pub event: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created: Timestamp,
}

/// One delivery attempt, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub outbox_id: i64,
    pub event: String,
    /// 1 for the first attempt of a delivery.
    pub attempt: u32,
    pub at: Timestamp,
    /// The HTTP status (webhooks) or SMTP reply code (e-mail), when there was an answer.
    pub status: Option<u16>,
    /// What went wrong, when there was no answer or a failing one.
    pub error: Option<String>,
    pub duration_ms: u32,
}

#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Adds a subscription; `confirm_hash` is the SHA-256 of an e-mail confirmation token.
    /// [`StoreError::Exists`] if the id is taken.
    async fn add_subscription(
        &self,
        s: &Subscription,
        confirm_hash: Option<[u8; 32]>,
    ) -> Result<(), StoreError>;

    async fn subscription(&self, id: &str) -> Result<Option<Subscription>, StoreError>;

    /// Every subscription, newest first.
    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;

    /// A pending subscription whose confirmation token hashes to `hash` becomes active (the
    /// hash is cleared, so a link works once); `None` if there is none.
    async fn confirm_subscription(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<Subscription>, StoreError>;

    /// Ends a pending or active subscription (`state` disabled or unsubscribed) and drops its
    /// queued deliveries; false if it was not pending or active.
    async fn end_subscription(
        &self,
        id: &str,
        state: SubState,
        reason: &str,
    ) -> Result<bool, StoreError>;

    /// Every subject's last notified mark.
    async fn marks(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Forgets the marks of subjects not in `keep` that were last told before `before`;
    /// returns how many were forgotten.
    async fn prune_marks(&self, keep: &[String], before: Timestamp) -> Result<u64, StoreError>;

    /// Applies a [`Notice`] atomically: `None` if the stored mark was no longer `last`
    /// (another node notified it), else the number of deliveries queued.
    async fn notify(&self, notice: &Notice, now: Timestamp) -> Result<Option<u64>, StoreError>;

    /// Claims up to `limit` due deliveries of active subscriptions until `now + lease_secs`.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Logs an attempt and applies its verdict: delivered (failures reset), retry at a time,
    /// given up, or gone (the subscription is disabled at once). A failed attempt that makes
    /// `disable_after` failures in a row disables the subscription and drops its queued
    /// deliveries. Returns whether the subscription was disabled now.
    async fn finish_delivery(
        &self,
        claimed: &Claimed,
        attempt: &Attempt,
        verdict: Verdict,
        disable_after: u32,
    ) -> Result<bool, StoreError>;

    /// A subscription's attempts, newest first, at most `limit`.
    async fn attempts(&self, subscription: &str, limit: usize) -> Result<Vec<Attempt>, StoreError>;
}

/// The reason stored when failures in a row disable a subscription.
pub(crate) fn failures_reason(n: u32) -> String {
    format!("disabled after {n} failed delivery attempts in a row")
}

/// The reason stored when a receiver answers 410.
pub(crate) const GONE_REASON: &str = "disabled: the receiver answered 410 Gone";

/// What a verdict does to the outbox row: its state, next time, and whether it counts as a
/// failure.
pub(crate) fn outbox_after(verdict: Verdict) -> (&'static str, Option<i64>, bool) {
    match verdict {
        Verdict::Delivered => ("delivered", None, false),
        Verdict::RetryAt(t) => ("pending", Some(t.0), true),
        Verdict::GiveUp => ("failed", None, true),
        Verdict::Gone => ("failed", None, true),
    }
}

/// A random claim token.
pub(crate) fn claim_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}
