//! [`AccountStore`] on SQLite. Writes that append to the audit log take the write lock first
//! (`BEGIN IMMEDIATE`), so that the last entry read is still the last when the next is linked
//! to it, also with a `radar user` command writing from another process.

use async_trait::async_trait;
use radar_core::audit::{AuditDraft, AuditEntry, GENESIS};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::SqliteStore;
use crate::accounts::{
    audit_row, hash32, role_from_text, scopes_from_text, scopes_to_text, AccountStore, ApiToken,
    Session, User, UserChange,
};
use crate::StoreError;
use radar_core::Timestamp;

/// Links `draft` to the last entry and inserts it, inside the caller's transaction.
pub(super) fn append(
    tx: &rusqlite::Transaction<'_>,
    draft: AuditDraft,
) -> Result<AuditEntry, StoreError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash32(&hash, "an audit entry's hash")?),
        None => (1, GENESIS),
    };
    let e = draft.chain(seq, prev);
    tx.execute(
        "INSERT INTO audit_log (seq, time, actor, action, target, before_doc, after_doc, prev, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            e.seq,
            e.draft.time.0,
            e.draft.actor,
            e.draft.action,
            e.draft.target,
            e.draft.before,
            e.draft.after,
            &e.prev[..],
            &e.hash[..]
        ],
    )?;
    Ok(e)
}

/// Runs `f` in an immediate (write-locked) transaction and commits.
pub(super) fn locked<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

const USER_COLUMNS: &str = "name, role, password, disabled, created";

fn user_of(r: &Row<'_>, at: usize) -> Result<User, StoreError> {
    Ok(User {
        name: r.get(at)?,
        role: role_from_text(&r.get::<_, String>(at + 1)?)?,
        password_hash: r.get(at + 2)?,
        disabled: r.get::<_, i64>(at + 3)? != 0,
        created: Timestamp(r.get(at + 4)?),
    })
}

const TOKEN_COLUMNS: &str = "id, hash, user_name, scopes, created, expires, revoked";

fn token_of(r: &Row<'_>) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.get(0)?,
        hash: hash32(&r.get::<_, Vec<u8>>(1)?, "a token hash")?,
        user: r.get(2)?,
        scopes: scopes_from_text(&r.get::<_, String>(3)?)?,
        created: Timestamp(r.get(4)?),
        expires: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        revoked: r.get::<_, i64>(6)? != 0,
    })
}

fn audit_of(r: &Row<'_>) -> Result<AuditEntry, StoreError> {
    audit_row(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        &r.get::<_, Vec<u8>>(7)?,
        &r.get::<_, Vec<u8>>(8)?,
    )
}

const AUDIT_COLUMNS: &str = "seq, time, actor, action, target, before_doc, after_doc, prev, hash";

#[async_trait]
impl AccountStore for SqliteStore {
    async fn add_user(&self, user: &User, audit: AuditDraft) -> Result<(), StoreError> {
        let u = user.clone();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let n = tx.execute(
                    "INSERT INTO users (name, role, password, disabled, created)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
                    params![
                        u.name,
                        u.role.as_str(),
                        u.password_hash,
                        i64::from(u.disabled),
                        u.created.0
                    ],
                )?;
                if n == 0 {
                    return Err(StoreError::Exists(format!("the user {}", u.name)));
                }
                append(tx, audit)?;
                Ok(())
            })
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(user_of(r, 0)?);
            }
            Ok(out)
        })
        .await
    }

    async fn user(&self, name: &str) -> Result<Option<User>, StoreError> {
        let name = name.to_owned();
        self.read(move |conn| {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?;
            let mut rows = stmt.query([name])?;
            rows.next()?.map(|r| user_of(r, 0)).transpose()
        })
        .await
    }

    async fn change_user(
        &self,
        name: &str,
        change: &UserChange,
        audit: AuditDraft,
    ) -> Result<bool, StoreError> {
        let (name, change) = (name.to_owned(), change.clone());
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let n = tx.execute(
                    "UPDATE users SET disabled = coalesce(?2, disabled), password = coalesce(?3, password)
                     WHERE name = ?1",
                    params![name, change.disabled.map(i64::from), change.password_hash],
                )?;
                if n == 0 {
                    return Ok(false);
                }
                tx.execute("DELETE FROM sessions WHERE user_name = ?1", [&name])?;
                append(tx, audit)?;
                Ok(true)
            })
        })
        .await
    }

    async fn add_session(&self, s: &Session) -> Result<(), StoreError> {
        let s = s.clone();
        Self::with(&self.writer, move |conn| {
            conn.execute(
                "INSERT INTO sessions (id, user_name, created, expires) VALUES (?1, ?2, ?3, ?4)",
                params![&s.id_hash[..], s.user, s.created.0, s.expires.0],
            )?;
            // Expired sessions of everyone go as new ones come.
            conn.execute("DELETE FROM sessions WHERE expires < ?1", [s.created.0])?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &[u8; 32]) -> Result<Option<(Session, User)>, StoreError> {
        let id = *id_hash;
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT s.created, s.expires, {} FROM sessions s JOIN users u ON u.name = s.user_name
                 WHERE s.id = ?1",
                USER_COLUMNS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
            let mut rows = stmt.query([&id[..]])?;
            let Some(r) = rows.next()? else {
                return Ok(None);
            };
            let user = user_of(r, 2)?;
            Ok(Some((
                Session {
                    id_hash: id,
                    user: user.name.clone(),
                    created: Timestamp(r.get(0)?),
                    expires: Timestamp(r.get(1)?),
                },
                user,
            )))
        })
        .await
    }

    async fn remove_session(&self, id_hash: &[u8; 32]) -> Result<(), StoreError> {
        let id = *id_hash;
        Self::with(&self.writer, move |conn| {
            conn.execute("DELETE FROM sessions WHERE id = ?1", [&id[..]])?;
            Ok(())
        })
        .await
    }

    async fn add_token(&self, token: &ApiToken, audit: AuditDraft) -> Result<(), StoreError> {
        let t = token.clone();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let n = tx.execute(
                    "INSERT INTO api_tokens (id, hash, user_name, scopes, created, expires, revoked)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                    params![
                        t.id,
                        &t.hash[..],
                        t.user,
                        scopes_to_text(&t.scopes),
                        t.created.0,
                        t.expires.map(|e| e.0),
                        i64::from(t.revoked)
                    ],
                )?;
                if n == 0 {
                    return Err(StoreError::Exists(format!("the token {}", t.id)));
                }
                append(tx, audit)?;
                Ok(())
            })
        })
        .await
    }

    async fn token(&self, hash: &[u8; 32]) -> Result<Option<(ApiToken, User)>, StoreError> {
        let hash = *hash;
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = ?1"
            ))?;
            let mut rows = stmt.query([&hash[..]])?;
            let Some(t) = rows.next()?.map(token_of).transpose()? else {
                return Ok(None);
            };
            drop(rows);
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?;
            let mut rows = stmt.query([&t.user])?;
            let user = rows.next()?.map(|r| user_of(r, 0)).transpose()?;
            Ok(user.map(|u| (t, u)))
        })
        .await
    }

    async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created, id"
            ))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(token_of(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_token(&self, id: &str, audit: AuditDraft) -> Result<bool, StoreError> {
        let id = id.to_owned();
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| {
                let n = tx.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?1", [&id])?;
                if n == 0 {
                    return Ok(false);
                }
                append(tx, audit)?;
                Ok(true)
            })
        })
        .await
    }

    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditEntry, StoreError> {
        Self::with(&self.writer, move |conn| {
            locked(conn, |tx| append(tx, draft))
        })
        .await
    }

    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let mut rows = stmt.query(params![after, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(audit_of(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn audit_recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?1"
            ))?;
            let mut rows = stmt.query([limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(audit_of(r)?);
            }
            Ok(out)
        })
        .await
    }
}
