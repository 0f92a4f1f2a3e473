//! Accounts, sessions, API tokens and the audit log: what access control needs stored.
//!
//! Secrets are never stored: a password as its argon2id hash (computed by the caller), a
//! session and an API token as the SHA-256 of their random value. Every change to accounts
//! and tokens is written with its audit entry in one transaction; the audit log is a hash
//! chain ([`radar_core::audit`]) whose next link is computed while the table is locked, so
//! several nodes never fork it.

use async_trait::async_trait;
use radar_core::account::{Permission, Role};
use radar_core::audit::{AuditDraft, AuditEntry};
use radar_core::Timestamp;

use crate::StoreError;

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The argon2id hash in PHC string form.
    pub password_hash: String,
    pub disabled: bool,
    pub created: Timestamp,
}

/// A signed-in browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie's value.
    pub id_hash: [u8; 32],
    pub user: String,
    pub created: Timestamp,
    pub expires: Timestamp,
}

/// An API token for automation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// Public id (shown in lists and the audit log; the token's first characters).
    pub id: String,
    /// SHA-256 of the whole token.
    pub hash: [u8; 32],
    pub user: String,
    pub scopes: Vec<Permission>,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
    pub revoked: bool,
}

/// A change to an account: absent fields stay.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds an account; [`StoreError::Exists`] if the name is taken.
    async fn add_user(&self, user: &User, audit: AuditDraft) -> Result<(), StoreError>;
    /// All accounts, by name.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn user(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Changes an account and ends all its sessions. `false` if there is no such account.
    async fn change_user(
        &self,
        name: &str,
        change: &UserChange,
        audit: AuditDraft,
    ) -> Result<bool, StoreError>;

    async fn add_session(&self, session: &Session) -> Result<(), StoreError>;
    /// A session and its account (even if expired or disabled: the caller decides).
    async fn session(&self, id_hash: &[u8; 32]) -> Result<Option<(Session, User)>, StoreError>;
    async fn remove_session(&self, id_hash: &[u8; 32]) -> Result<(), StoreError>;

    /// Adds a token; [`StoreError::Exists`] if its id is taken.
    async fn add_token(&self, token: &ApiToken, audit: AuditDraft) -> Result<(), StoreError>;
    /// A token by the hash of its value, and its owner.
    async fn token(&self, hash: &[u8; 32]) -> Result<Option<(ApiToken, User)>, StoreError>;
    /// All tokens, oldest first.
    async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes a token by id. `false` if there is no such token.
    async fn revoke_token(&self, id: &str, audit: AuditDraft) -> Result<bool, StoreError>;

    /// Appends one entry to the audit log and returns it linked.
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditEntry, StoreError>;
    /// Entries with `seq > after`, in stored order, at most `limit`.
    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
    /// The newest `limit` entries, newest first.
    async fn audit_recent(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
}

pub(crate) fn scopes_to_text(scopes: &[Permission]) -> String {
    scopes
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn scopes_from_text(s: &str) -> Result<Vec<Permission>, StoreError> {
    s.split_whitespace()
        .map(|p| Permission::parse_scope(p).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

pub(crate) fn role_from_text(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn hash32(v: &[u8], what: &str) -> Result<[u8; 32], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

/// An audit row as read back.
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_row(
    seq: i64,
    time: i64,
    actor: String,
    action: String,
    target: String,
    before: Option<String>,
    after: Option<String>,
    prev: &[u8],
    hash: &[u8],
) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq,
        draft: AuditDraft {
            time: Timestamp(time),
            actor,
            action,
            target,
            before,
            after,
        },
        prev: hash32(prev, "an audit entry's prev")?,
        hash: hash32(hash, "an audit entry's hash")?,
    })
}
