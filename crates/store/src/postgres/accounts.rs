//! [`AccountStore`] on PostgreSQL. Appending to the audit log locks the table for the rest of
//! the transaction (`LOCK TABLE … IN EXCLUSIVE MODE`: readers go on), so two nodes never link
//! two entries to the same predecessor.

use async_trait::async_trait;
use radar_core::audit::{AuditDraft, AuditEntry, GENESIS};
use radar_core::Timestamp;
use tokio_postgres::{Row, Transaction};

use super::PostgresStore;
use crate::accounts::{
    audit_row, hash32, role_from_text, scopes_from_text, scopes_to_text, AccountStore, ApiToken,
    Session, User, UserChange,
};
use crate::StoreError;

pub(super) async fn append(
    tx: &Transaction<'_>,
    draft: AuditDraft,
) -> Result<AuditEntry, StoreError> {
    tx.batch_execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .await?;
    let last = tx
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await?;
    let (seq, prev) = match last {
        Some(r) => (
            r.get::<_, i64>(0) + 1,
            hash32(r.get::<_, &[u8]>(1), "an audit entry's hash")?,
        ),
        None => (1, GENESIS),
    };
    let e = draft.chain(seq, prev);
    tx.execute(
        "INSERT INTO audit_log (seq, time, actor, action, target, before_doc, after_doc, prev, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &e.seq,
            &e.draft.time.0,
            &e.draft.actor,
            &e.draft.action,
            &e.draft.target,
            &e.draft.before,
            &e.draft.after,
            &&e.prev[..],
            &&e.hash[..],
        ],
    )
    .await?;
    Ok(e)
}

const USER_COLUMNS: &str = "name, role, password, disabled, created";

fn user_of(r: &Row, at: usize) -> Result<User, StoreError> {
    Ok(User {
        name: r.get(at),
        role: role_from_text(r.get(at + 1))?,
        password_hash: r.get(at + 2),
        disabled: r.get::<_, i16>(at + 3) != 0,
        created: Timestamp(r.get(at + 4)),
    })
}

const TOKEN_COLUMNS: &str = "id, hash, user_name, scopes, created, expires, revoked";

fn token_of(r: &Row) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.get(0),
        hash: hash32(r.get::<_, &[u8]>(1), "a token hash")?,
        user: r.get(2),
        scopes: scopes_from_text(r.get(3))?,
        created: Timestamp(r.get(4)),
        expires: r.get::<_, Option<i64>>(5).map(Timestamp),
        revoked: r.get::<_, i16>(6) != 0,
    })
}

const AUDIT_COLUMNS: &str = "seq, time, actor, action, target, before_doc, after_doc, prev, hash";

fn audit_of(r: &Row) -> Result<AuditEntry, StoreError> {
    audit_row(
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
    )
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn add_user(&self, u: &User, audit: AuditDraft) -> Result<(), StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "INSERT INTO users (name, role, password, disabled, created)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                &[
                    &u.name,
                    &u.role.as_str(),
                    &u.password_hash,
                    &i16::from(u.disabled),
                    &u.created.0,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Exists(format!("the user {}", u.name)));
        }
        append(&tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.reader()
            .query(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"),
                &[],
            )
            .await?
            .iter()
            .map(|r| user_of(r, 0))
            .collect()
    }

    async fn user(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.reader()
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
                &[&name],
            )
            .await?
            .map(|r| user_of(&r, 0))
            .transpose()
    }

    async fn change_user(
        &self,
        name: &str,
        change: &UserChange,
        audit: AuditDraft,
    ) -> Result<bool, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE users SET disabled = coalesce($2, disabled), password = coalesce($3, password)
                 WHERE name = $1",
                &[&name, &change.disabled.map(i16::from), &change.password_hash],
            )
            .await?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM sessions WHERE user_name = $1", &[&name])
            .await?;
        append(&tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn add_session(&self, s: &Session) -> Result<(), StoreError> {
        let client = self.writer.lock().await;
        client
            .execute(
                "INSERT INTO sessions (id, user_name, created, expires) VALUES ($1, $2, $3, $4)",
                &[&&s.id_hash[..], &s.user, &s.created.0, &s.expires.0],
            )
            .await?;
        client
            .execute("DELETE FROM sessions WHERE expires < $1", &[&s.created.0])
            .await?;
        Ok(())
    }

    async fn session(&self, id_hash: &[u8; 32]) -> Result<Option<(Session, User)>, StoreError> {
        let cols = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(r) = self
            .reader()
            .query_opt(
                &format!(
                    "SELECT s.created, s.expires, {cols} FROM sessions s
                     JOIN users u ON u.name = s.user_name WHERE s.id = $1"
                ),
                &[&&id_hash[..]],
            )
            .await?
        else {
            return Ok(None);
        };
        let user = user_of(&r, 2)?;
        Ok(Some((
            Session {
                id_hash: *id_hash,
                user: user.name.clone(),
                created: Timestamp(r.get(0)),
                expires: Timestamp(r.get(1)),
            },
            user,
        )))
    }

    async fn remove_session(&self, id_hash: &[u8; 32]) -> Result<(), StoreError> {
        self.writer
            .lock()
            .await
            .execute("DELETE FROM sessions WHERE id = $1", &[&&id_hash[..]])
            .await?;
        Ok(())
    }

    async fn add_token(&self, t: &ApiToken, audit: AuditDraft) -> Result<(), StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "INSERT INTO api_tokens (id, hash, user_name, scopes, created, expires, revoked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[
                    &t.id,
                    &&t.hash[..],
                    &t.user,
                    &scopes_to_text(&t.scopes),
                    &t.created.0,
                    &t.expires.map(|e| e.0),
                    &i16::from(t.revoked),
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Exists(format!("the token {}", t.id)));
        }
        append(&tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token(&self, hash: &[u8; 32]) -> Result<Option<(ApiToken, User)>, StoreError> {
        let cols = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let tcols = TOKEN_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(r) = self
            .reader()
            .query_opt(
                &format!(
                    "SELECT {tcols}, {cols} FROM api_tokens t
                     JOIN users u ON u.name = t.user_name WHERE t.hash = $1"
                ),
                &[&&hash[..]],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((token_of(&r)?, user_of(&r, 7)?)))
    }

    async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        self.reader()
            .query(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created, id"),
                &[],
            )
            .await?
            .iter()
            .map(token_of)
            .collect()
    }

    async fn revoke_token(&self, id: &str, audit: AuditDraft) -> Result<bool, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let n = tx
            .execute("UPDATE api_tokens SET revoked = 1 WHERE id = $1", &[&id])
            .await?;
        if n == 0 {
            return Ok(false);
        }
        append(&tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditEntry, StoreError> {
        let mut client = self.writer.lock().await;
        let tx = client.transaction().await?;
        let e = append(&tx, draft).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.reader()
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&after, &(limit as i64)],
            )
            .await?
            .iter()
            .map(audit_of)
            .collect()
    }

    async fn audit_recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.reader()
            .query(
                &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                &[&(limit as i64)],
            )
            .await?
            .iter()
            .map(audit_of)
            .collect()
    }
}
