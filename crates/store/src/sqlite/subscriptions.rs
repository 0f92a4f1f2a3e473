//! [`SubscriptionStore`] on SQLite. Every write runs on the one writer connection in an
//! immediate transaction, which also serialises writers in other processes.

use async_trait::async_trait;
use radar_core::notify::Verdict;
use radar_core::Timestamp;
use rusqlite::{params, OptionalExtension, Row};

use super::accounts::locked;
use super::SqliteStore;
use crate::subscriptions::{
    claim_token, failures_reason, outbox_after, Attempt, Channel, Claimed, Notice, SubState,
    Subscription, SubscriptionStore, ATTEMPTS_KEPT, GONE_REASON,
};
use crate::StoreError;

const COLUMNS: &str =
    "s.id, s.channel, s.provider, s.target, s.secret, s.state, s.reason, s.failures, s.lang, s.created";

fn subscription_of(r: &Row<'_>) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: r.get(0)?,
        channel: Channel::parse(&r.get::<_, String>(1)?)?,
        provider: r.get(2)?,
        target: r.get(3)?,
        secret: r.get(4)?,
        state: SubState::parse(&r.get::<_, String>(5)?)?,
        reason: r.get(6)?,
        failures: r.get::<_, i64>(7)?.max(0) as u32,
        lang: r.get(8)?,
        created: Timestamp(r.get(9)?),
    })
}

/// Ends an active or pending subscription and drops its queued deliveries.
fn end(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    state: SubState,
    reason: &str,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        "UPDATE subscriptions SET state = ?2, reason = ?3, confirm = NULL
         WHERE id = ?1 AND state IN ('pending', 'active')",
        params![id, state.as_str(), reason],
    )?;
    tx.execute(
        "UPDATE outbox SET state = 'dropped' WHERE subscription = ?1 AND state = 'pending'",
        [id],
    )?;
    Ok(n > 0)
}

#[async_trait]
impl SubscriptionStore for SqliteStore {
    async fn add_subscription(
        &self,
        s: &Subscription,
        confirm_hash: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        let s = s.clone();
        Self::with(&self.writer, move |conn| {
            let n = conn.execute(
                "INSERT INTO subscriptions
                 (id, channel, provider, target, secret, confirm, state, reason, failures, lang, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
                params![
                    s.id,
                    s.channel.as_str(),
                    s.provider,
                    s.target,
                    s.secret,
                    confirm_hash.as_ref().map(|h| &h[..]),
                    s.state.as_str(),
                    s.reason,
                    s.failures as i64,
                    s.lang,
                    s.created.0
                ],
            )?;
            if n == 0 {
                return Err(StoreError::Exists(format!("the subscription {}", s.id)));
            }
            Ok(())
        })
        .await
    }

    async fn subscription(&self, id: &str) -> Result<Option<Subscription>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM subscriptions s WHERE s.id = ?1"
            ))?;
            let mut rows = stmt.query([id])?;
            rows.next()?.map(subscription_of).transpose()
        })
        .await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM subscriptions s ORDER BY s.created DESC, s.id"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(subscription_of(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn confirm_subscription(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<Subscription>, StoreError> {
        let hash = *hash;
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let id: Option<String> = tx
                    .query_row(
                        "UPDATE subscriptions SET state = 'active', confirm = NULL
                         WHERE confirm = ?1 AND state = 'pending' RETURNING id",
                        [&hash[..]],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(id) = id else { return Ok(None) };
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM subscriptions s WHERE s.id = ?1"
                ))?;
                let mut rows = stmt.query([id])?;
                rows.next()?.map(subscription_of).transpose()
            })
        })
        .await
    }

    async fn end_subscription(
        &self,
        id: &str,
        state: SubState,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let (id, reason) = (id.to_owned(), reason.to_owned());
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| end(tx, &id, state, &reason))
        })
        .await
    }

    async fn marks(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT subject, mark FROM notify_marks")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn prune_marks(&self, keep: &[String], before: Timestamp) -> Result<u64, StoreError> {
        let keep: std::collections::HashSet<String> = keep.iter().cloned().collect();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let old: Vec<String> = {
                    let mut stmt =
                        tx.prepare_cached("SELECT subject FROM notify_marks WHERE time < ?1")?;
                    let rows = stmt.query_map(params![before.0], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                };
                let mut gone = 0u64;
                for subject in old.iter().filter(|s| !keep.contains(*s)) {
                    gone += tx.execute(
                        "DELETE FROM notify_marks WHERE subject = ?1 AND time < ?2",
                        params![subject, before.0],
                    )? as u64;
                }
                Ok(gone)
            })
        })
        .await
    }

    async fn notify(&self, notice: &Notice, now: Timestamp) -> Result<Option<u64>, StoreError> {
        let n = notice.clone();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let moved = match &n.last {
                    None => tx.execute(
                        "INSERT INTO notify_marks (subject, provider, mark, time)
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                        params![n.subject, n.provider, n.mark, now.0],
                    )?,
                    Some(last) => tx.execute(
                        "UPDATE notify_marks SET mark = ?3, time = ?4 WHERE subject = ?1 AND mark = ?2",
                        params![n.subject, last, n.mark, now.0],
                    )?,
                };
                if moved == 0 {
                    return Ok(None);
                }
                let Some((event, payload)) = &n.payload else {
                    return Ok(Some(0));
                };
                let queued = tx.execute(
                    "INSERT INTO outbox (subscription, event, payload, created, attempts, next_at, claimed_until, state)
                     SELECT id, ?2, ?3, ?4, 0, ?4, 0, 'pending' FROM subscriptions
                     WHERE state = 'active' AND (provider IS NULL OR provider = ?1)
                       AND (channel = 'webhook' OR ?5)
                     ORDER BY created, id",
                    params![n.provider, event, payload, now.0, n.email],
                )?;
                Ok(Some(queued as u64))
            })
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        let claim = claim_token();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                tx.execute(
                    "UPDATE outbox SET claimed_until = ?2, claim = ?3 WHERE id IN (
                         SELECT o.id FROM outbox o JOIN subscriptions s ON s.id = o.subscription
                         WHERE o.state = 'pending' AND o.next_at <= ?1 AND o.claimed_until <= ?1
                           AND s.state = 'active'
                         ORDER BY o.next_at, o.id LIMIT ?4)",
                    params![now.0, now.0 + lease_secs, claim, limit as i64],
                )?;
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT o.id, o.event, o.payload, o.attempts, o.created, {COLUMNS}
                     FROM outbox o JOIN subscriptions s ON s.id = o.subscription
                     WHERE o.claim = ?1 AND o.state = 'pending' ORDER BY o.next_at, o.id"
                ))?;
                let mut rows = stmt.query([&claim])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let sub = Subscription {
                        id: r.get(5)?,
                        channel: Channel::parse(&r.get::<_, String>(6)?)?,
                        provider: r.get(7)?,
                        target: r.get(8)?,
                        secret: r.get(9)?,
                        state: SubState::parse(&r.get::<_, String>(10)?)?,
                        reason: r.get(11)?,
                        failures: r.get::<_, i64>(12)?.max(0) as u32,
                        lang: r.get(13)?,
                        created: Timestamp(r.get(14)?),
                    };
                    out.push(Claimed {
                        id: r.get(0)?,
                        claim: claim.clone(),
                        subscription: sub,
                        event: r.get(1)?,
                        payload: r.get(2)?,
                        attempts: r.get::<_, i64>(3)?.max(0) as u32,
                        created: Timestamp(r.get(4)?),
                    });
                }
                Ok(out)
            })
        })
        .await
    }

    async fn finish_delivery(
        &self,
        claimed: &Claimed,
        attempt: &Attempt,
        verdict: Verdict,
        disable_after: u32,
    ) -> Result<bool, StoreError> {
        let (c, a) = (claimed.clone(), attempt.clone());
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let sub = &c.subscription.id;
                tx.execute(
                    "INSERT INTO delivery_attempts
                     (subscription, outbox_id, event, attempt, time, status, error, duration_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        sub,
                        a.outbox_id,
                        a.event,
                        a.attempt as i64,
                        a.at.0,
                        a.status.map(i64::from),
                        a.error,
                        a.duration_ms as i64
                    ],
                )?;
                tx.execute(
                    "DELETE FROM delivery_attempts WHERE subscription = ?1 AND seq <= (
                         SELECT seq FROM delivery_attempts WHERE subscription = ?1
                         ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
                    params![sub, ATTEMPTS_KEPT],
                )?;
                let (state, next, failed) = outbox_after(verdict);
                let mine = tx.execute(
                    "UPDATE outbox SET state = ?3, attempts = ?4, next_at = coalesce(?5, next_at),
                     claimed_until = 0, claim = NULL WHERE id = ?1 AND claim = ?2 AND state = 'pending'",
                    params![c.id, c.claim, state, a.attempt as i64, next],
                )?;
                if mine == 0 {
                    // Another node took the delivery over: only the log entry stays.
                    return Ok(false);
                }
                if !failed {
                    tx.execute("UPDATE subscriptions SET failures = 0 WHERE id = ?1", [sub])?;
                    return Ok(false);
                }
                let failures: i64 = tx.query_row(
                    "UPDATE subscriptions SET failures = failures + 1 WHERE id = ?1 RETURNING failures",
                    [sub],
                    |r| r.get(0),
                )?;
                if verdict == Verdict::Gone {
                    return end(tx, sub, SubState::Disabled, GONE_REASON);
                }
                if failures >= i64::from(disable_after.max(1)) {
                    return end(tx, sub, SubState::Disabled, &failures_reason(failures as u32));
                }
                Ok(false)
            })
        })
        .await
    }

    async fn attempts(&self, subscription: &str, limit: usize) -> Result<Vec<Attempt>, StoreError> {
        let id = subscription.to_owned();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT outbox_id, event, attempt, time, status, error, duration_ms
                 FROM delivery_attempts WHERE subscription = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![id, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(Attempt {
                    outbox_id: r.get(0)?,
                    event: r.get(1)?,
                    attempt: r.get::<_, i64>(2)?.max(0) as u32,
                    at: Timestamp(r.get(3)?),
                    status: r.get::<_, Option<i64>>(4)?.map(|s| s.clamp(0, 999) as u16),
                    error: r.get(5)?,
                    duration_ms: r.get::<_, i64>(6)?.max(0) as u32,
                });
            }
            Ok(out)
        })
        .await
    }
}
