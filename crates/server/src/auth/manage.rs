//! Account management as `radar user` and `radar token` do it (and tests): each change checked
//! by the core's rules, written with its audit entry.

use radar_core::account::{self, AccountError, Permission, Role};
use radar_core::audit::AuditDraft;
use radar_core::Timestamp;
use radar_store::accounts::{ApiToken, User, UserChange};
use radar_store::{Store, StoreError};

use crate::auth::{password, random_secret, sha256};

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("{0}")]
    Account(#[from] AccountError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("there is no user {0:?}; see radar user list")]
    NoSuchUser(String),
    #[error("there is no token {0:?}; see radar token list")]
    NoSuchToken(String),
    #[error("the user {0:?} is disabled")]
    Disabled(String),
}

fn draft(now: Timestamp, actor: &str, action: &str, target: &str) -> AuditDraft {
    AuditDraft {
        time: now,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        before: None,
        after: None,
    }
}

/// Adds an account with an argon2id hash of `password`.
pub async fn add_user(
    store: &dyn Store,
    name: &str,
    role: Role,
    password: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), ManageError> {
    account::check_user_name(name)?;
    account::check_password(password)?;
    let user = User {
        name: name.to_owned(),
        role,
        password_hash: password::hash_async(password.to_owned()).await,
        disabled: false,
        created: now,
    };
    let mut d = draft(now, actor, "user.add", name);
    d.after = Some(format!(
        "{{\"name\":{:?},\"role\":{:?},\"disabled\":false}}",
        name,
        role.as_str()
    ));
    store.accounts().add_user(&user, d).await?;
    Ok(())
}

/// Disables (or enables again) an account; its sessions end.
pub async fn set_disabled(
    store: &dyn Store,
    name: &str,
    disabled: bool,
    actor: &str,
    now: Timestamp,
) -> Result<(), ManageError> {
    let mut d = draft(
        now,
        actor,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        name,
    );
    d.before = Some(format!("{{\"disabled\":{}}}", !disabled));
    d.after = Some(format!("{{\"disabled\":{disabled}}}"));
    let change = UserChange {
        disabled: Some(disabled),
        ..Default::default()
    };
    if store.accounts().change_user(name, &change, d).await? {
        Ok(())
    } else {
        Err(ManageError::NoSuchUser(name.to_owned()))
    }
}

/// Sets a new password; the account's sessions end.
pub async fn reset_password(
    store: &dyn Store,
    name: &str,
    password: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), ManageError> {
    account::check_password(password)?;
    let change = UserChange {
        password_hash: Some(password::hash_async(password.to_owned()).await),
        ..Default::default()
    };
    // The audit entry says that the password changed, never what to.
    let d = draft(now, actor, "user.reset-password", name);
    if store.accounts().change_user(name, &change, d).await? {
        Ok(())
    } else {
        Err(ManageError::NoSuchUser(name.to_owned()))
    }
}

/// A new API token for `user` with `scopes` (each granted by the user's role). Returns the
/// stored token and its secret value, which is shown once and kept nowhere.
pub async fn add_token(
    store: &dyn Store,
    user: &str,
    scopes: &[&str],
    expires: Option<Timestamp>,
    actor: &str,
    now: Timestamp,
) -> Result<(ApiToken, String), ManageError> {
    let owner = store
        .accounts()
        .user(user)
        .await?
        .ok_or_else(|| ManageError::NoSuchUser(user.to_owned()))?;
    if owner.disabled {
        return Err(ManageError::Disabled(user.to_owned()));
    }
    let scopes: Vec<Permission> = account::token_scopes(owner.role, scopes)?;
    let secret = format!("rt_{}", random_secret());
    let token = ApiToken {
        id: secret[..11].to_owned(),
        hash: sha256(&secret),
        user: user.to_owned(),
        scopes,
        created: now,
        expires,
        revoked: false,
    };
    let mut d = draft(now, actor, "token.add", &token.id);
    d.after = Some(format!(
        "{{\"user\":{:?},\"scopes\":{:?}}}",
        user,
        crate::auth::scope_list(&token.scopes)
    ));
    store.accounts().add_token(&token, d).await?;
    Ok((token, secret))
}

/// Revokes a token by its id.
pub async fn revoke_token(
    store: &dyn Store,
    id: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), ManageError> {
    let d = draft(now, actor, "token.revoke", id);
    if store.accounts().revoke_token(id, d).await? {
        Ok(())
    } else {
        Err(ManageError::NoSuchToken(id.to_owned()))
    }
}
