//! [`SubscriptionStore`] on PostgreSQL, where several nodes share the tables.
//!
//! - A mark moves only from the value the caller read (`UPDATE … WHERE mark = $last`, or an
//!   `INSERT … ON CONFLICT DO NOTHING` for a first mark): of two nodes that saw the same change,
//!   the second waits for the first's transaction and then updates nothing, so it queues
//!   nothing.
//! - Due deliveries are claimed with `FOR UPDATE SKIP LOCKED`: two nodes claiming at once get
//!   disjoint rows.

use async_trait::async_trait;
use radar_core::notify::Verdict;
use radar_core::Timestamp;
use tokio_postgres::{Row, Transaction};

use super::PostgresStore;
use crate::subscriptions::{
    claim_token, failures_reason, outbox_after, Attempt, Channel, Claimed, Notice, SubState,
    Subscription, SubscriptionStore, ATTEMPTS_KEPT, GONE_REASON,
};
use crate::StoreError;

const COLUMNS: &str =
    "s.id, s.channel, s.provider, s.target, s.secret, s.state, s.reason, s.failures, s.lang, s.created";

fn subscription_of(r: &Row, at: usize) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: r.get(at),
        channel: Channel::parse(r.get(at + 1))?,
        provider: r.get(at + 2),
        target: r.get(at + 3),
        secret: r.get(at + 4),
        state: SubState::parse(r.get(at + 5))?,
        reason: r.get(at + 6),
        failures: r.get::<_, i64>(at + 7).max(0) as u32,
        lang: r.get(at + 8),
        created: Timestamp(r.get(at + 9)),
    })
}

async fn end(
    tx: &Transaction<'_>,
    id: &str,
    state: SubState,
    reason: &str,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            "UPDATE subscriptions SET state = $2, reason = $3, confirm = NULL
             WHERE id = $1 AND state IN ('pending', 'active')",
            &[&id, &state.as_str(), &reason],
        )
        .await?;
    tx.execute(
        "UPDATE outbox SET state = 'dropped' WHERE subscription = $1 AND state = 'pending'",
        &[&id],
    )
    .await?;
    Ok(n > 0)
}

#[async_trait]
impl SubscriptionStore for PostgresStore {
    async fn add_subscription(
        &self,
        s: &Subscription,
        confirm_hash: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        let confirm = confirm_hash.map(|h| h.to_vec());
        let n = self
            .writer
            .lock()
            .await
            .execute(
                "INSERT INTO subscriptions
                 (id, channel, provider, target, secret, confirm, state, reason, failures, lang, created)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                &[
                    &s.id,
                    &s.channel.as_str(),
                    &s.provider,
                    &s.target,
                    &s.secret,
                    &confirm,
                    &s.state.as_str(),
                    &s.reason,
                    &(s.failures as i64),
                    &s.lang,
                    &s.created.0,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Exists(format!("the subscription {}", s.id)));
        }
        Ok(())
    }

    async fn subscription(&self, id: &str) -> Result<Option<Subscription>, StoreError> {
        let row = self
            .reader()
            .query_opt(
                &format!("SELECT {COLUMNS} FROM subscriptions s WHERE s.id = $1"),
                &[&id],
            )
            .await?;
        row.map(|r| subscription_of(&r, 0)).transpose()
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows = self
            .reader()
            .query(
                &format!("SELECT {COLUMNS} FROM subscriptions s ORDER BY s.created DESC, s.id"),
                &[],
            )
            .await?;
        rows.iter().map(|r| subscription_of(r, 0)).collect()
    }

    async fn confirm_subscription(
        &self,
        hash: &[u8; 32],
    ) -> Result<Option<Subscription>, StoreError> {
        let hash = hash.to_vec();
        let row = self
            .writer
            .lock()
            .await
            .query_opt(
                &format!(
                    "UPDATE subscriptions s SET state = 'active', confirm = NULL
                     WHERE confirm = $1 AND state = 'pending' RETURNING {COLUMNS}"
                ),
                &[&hash],
            )
            .await?;
        row.map(|r| subscription_of(&r, 0)).transpose()
    }

    async fn end_subscription(
        &self,
        id: &str,
        state: SubState,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let ended = end(&tx, id, state, reason).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn marks(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .reader()
            .query("SELECT subject, mark FROM notify_marks", &[])
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn prune_marks(&self, keep: &[String], before: Timestamp) -> Result<u64, StoreError> {
        let client = self.writer.lock().await;
        let keep = keep.to_vec();
        Ok(client
            .execute(
                "DELETE FROM notify_marks WHERE time < $1 AND NOT (subject = ANY($2))",
                &[&before.0, &keep],
            )
            .await?)
    }

    async fn notify(&self, n: &Notice, now: Timestamp) -> Result<Option<u64>, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let moved = match &n.last {
            None => {
                tx.execute(
                    "INSERT INTO notify_marks (subject, provider, mark, time)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &[&n.subject, &n.provider, &n.mark, &now.0],
                )
                .await?
            }
            Some(last) => {
                tx.execute(
                    "UPDATE notify_marks SET mark = $3, time = $4 WHERE subject = $1 AND mark = $2",
                    &[&n.subject, last, &n.mark, &now.0],
                )
                .await?
            }
        };
        if moved == 0 {
            return Ok(None);
        }
        let queued = match &n.payload {
            None => 0,
            Some((event, payload)) => {
                tx.execute(
                    "INSERT INTO outbox (subscription, event, payload, created, attempts, next_at, claimed_until, state)
                     SELECT id, $2, $3, $4, 0, $4, 0, 'pending' FROM subscriptions
                     WHERE state = 'active' AND (provider IS NULL OR provider = $1)
                       AND (channel = 'webhook' OR $5)
                     ORDER BY created, id",
                    &[&n.provider, event, payload, &now.0, &n.email],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(Some(queued))
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        let claim = claim_token();
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE outbox SET claimed_until = $2, claim = $3 WHERE id IN (
                 SELECT o.id FROM outbox o JOIN subscriptions s ON s.id = o.subscription
                 WHERE o.state = 'pending' AND o.next_at <= $1 AND o.claimed_until <= $1
                   AND s.state = 'active'
                 ORDER BY o.next_at, o.id LIMIT $4
                 FOR UPDATE OF o SKIP LOCKED)",
            &[&now.0, &(now.0 + lease_secs), &claim, &(limit as i64)],
        )
        .await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT o.id, o.event, o.payload, o.attempts, o.created, {COLUMNS}
                     FROM outbox o JOIN subscriptions s ON s.id = o.subscription
                     WHERE o.claim = $1 AND o.state = 'pending' ORDER BY o.next_at, o.id"
                ),
                &[&claim],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.get(0),
                    claim: claim.clone(),
                    event: r.get(1),
                    payload: r.get(2),
                    attempts: r.get::<_, i64>(3).max(0) as u32,
                    created: Timestamp(r.get(4)),
                    subscription: subscription_of(r, 5)?,
                })
            })
            .collect()
    }

    async fn finish_delivery(
        &self,
        c: &Claimed,
        a: &Attempt,
        verdict: Verdict,
        disable_after: u32,
    ) -> Result<bool, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let sub = &c.subscription.id;
        tx.execute(
            "INSERT INTO delivery_attempts
             (subscription, outbox_id, event, attempt, time, status, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                sub,
                &a.outbox_id,
                &a.event,
                &(a.attempt as i64),
                &a.at.0,
                &a.status.map(i64::from),
                &a.error,
                &(a.duration_ms as i64),
            ],
        )
        .await?;
        tx.execute(
            "DELETE FROM delivery_attempts WHERE subscription = $1 AND seq <= (
                 SELECT seq FROM delivery_attempts WHERE subscription = $1
                 ORDER BY seq DESC LIMIT 1 OFFSET $2)",
            &[sub, &ATTEMPTS_KEPT],
        )
        .await?;
        let (state, next, failed) = outbox_after(verdict);
        let mine = tx
            .execute(
                "UPDATE outbox SET state = $3, attempts = $4, next_at = coalesce($5, next_at),
                 claimed_until = 0, claim = NULL WHERE id = $1 AND claim = $2 AND state = 'pending'",
                &[&c.id, &c.claim, &state, &(a.attempt as i64), &next],
            )
            .await?;
        let disabled = if mine == 0 {
            false
        } else if !failed {
            tx.execute(
                "UPDATE subscriptions SET failures = 0 WHERE id = $1",
                &[sub],
            )
            .await?;
            false
        } else {
            let failures: i64 = tx
                .query_one(
                    "UPDATE subscriptions SET failures = failures + 1 WHERE id = $1 RETURNING failures",
                    &[sub],
                )
                .await?
                .get(0);
            if verdict == Verdict::Gone {
                end(&tx, sub, SubState::Disabled, GONE_REASON).await?
            } else if failures >= i64::from(disable_after.max(1)) {
                end(
                    &tx,
                    sub,
                    SubState::Disabled,
                    &failures_reason(failures as u32),
                )
                .await?
            } else {
                false
            }
        };
        tx.commit().await?;
        Ok(disabled)
    }

    async fn attempts(&self, subscription: &str, limit: usize) -> Result<Vec<Attempt>, StoreError> {
        let rows = self
            .reader()
            .query(
                "SELECT outbox_id, event, attempt, time, status, error, duration_ms
                 FROM delivery_attempts WHERE subscription = $1 ORDER BY seq DESC LIMIT $2",
                &[&subscription, &(limit as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Attempt {
                outbox_id: r.get(0),
                event: r.get(1),
                attempt: r.get::<_, i64>(2).max(0) as u32,
                at: Timestamp(r.get(3)),
                status: r.get::<_, Option<i64>>(4).map(|s| s.clamp(0, 999) as u16),
                error: r.get(5),
                duration_ms: r.get::<_, i64>(6).max(0) as u32,
            })
            .collect())
    }
}
