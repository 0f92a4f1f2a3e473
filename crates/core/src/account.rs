//! Accounts: who may do what. Three roles (the public stays anonymous), each granting a fixed
//! set of permissions; every guarded route needs exactly one permission, and an API token
//! carries a subset of its owner's permissions (its scopes).

use std::fmt;

/// An account's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages accounts; reads the audit log.
    Admin,
    /// Declares and updates incidents, posts statements, sets component statuses, confirms
    /// detected outages, sends probe results; reads the abuse book and the audit log.
    Operator,
    /// Answers callers: looks up the outages that affect them and logs call reasons.
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Result<Role, AccountError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| AccountError::UnknownRole(s.to_owned()))
    }

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[Users, Audit, Session],
            Role::Operator => &[Incidents, Probes, Abuse, Audit, Session],
            Role::Agent => &[Calls, Session],
        }
    }

    pub fn grants(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a guarded route needs. As API token scopes they are written `incidents`, `probes`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Account management.
    Users,
    /// Reading the audit log.
    Audit,
    /// Declaring and changing incidents, statements, component statuses.
    Incidents,
    /// Sending probe results.
    Probes,
    /// Reading the abuse book.
    Abuse,
    /// The agent console: looking up callers' outages and logging calls.
    Calls,
    /// Being signed in at all (signing out). Never a token scope.
    Session,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::Users,
        Permission::Audit,
        Permission::Incidents,
        Permission::Probes,
        Permission::Abuse,
        Permission::Calls,
        Permission::Session,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Users => "users",
            Permission::Audit => "audit",
            Permission::Incidents => "incidents",
            Permission::Probes => "probes",
            Permission::Abuse => "abuse",
            Permission::Calls => "calls",
            Permission::Session => "session",
        }
    }

    /// A token scope: any permission but [`Permission::Session`].
    pub fn parse_scope(s: &str) -> Result<Permission, AccountError> {
        Permission::ALL
            .into_iter()
            .filter(|p| *p != Permission::Session)
            .find(|p| p.as_str() == s)
            .ok_or_else(|| AccountError::UnknownScope(s.to_owned()))
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks the scopes asked for a token of an account with `role`: each known, each granted by
/// the role, at least one. Returns them sorted, without repeats.
pub fn token_scopes(role: Role, asked: &[&str]) -> Result<Vec<Permission>, AccountError> {
    let mut out = Vec::new();
    for s in asked {
        let p = Permission::parse_scope(s.trim())?;
        if !role.grants(p) {
            return Err(AccountError::ScopeNotGranted {
                scope: p.as_str().to_owned(),
                role,
            });
        }
        out.push(p);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(AccountError::NoScope(role));
    }
    Ok(out)
}

/// A user name: 1 to 64 characters of `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter or
/// digit (lower case, so that `Anna` and `anna` are not two accounts).
pub fn check_user_name(name: &str) -> Result<(), AccountError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadName(name.chars().take(80).collect()))
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A new password: at least [`MIN_PASSWORD_CHARS`] characters, at most 1024 bytes.
pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if password.len() > 1024 {
        return Err(AccountError::LongPassword);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("unknown role {0:?}: write admin, operator or agent")]
    UnknownRole(String),
    #[error("unknown scope {0:?}: write users, audit, incidents, probes, abuse or calls")]
    UnknownScope(String),
    #[error("the scope {scope:?} is not granted by the {role} role")]
    ScopeNotGranted { scope: String, role: Role },
    #[error("a token needs at least one scope; the {0} role grants: {list}", list = scopes_of(*.0))]
    NoScope(Role),
    #[error("user name {0:?}: use 1 to 64 characters a-z, 0-9, '.', '_', '-', starting with a letter or digit")]
    BadName(String),
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("the password is too long: use at most 1024 bytes")]
    LongPassword,
}

fn scopes_of(role: Role) -> String {
    role.permissions()
        .iter()
        .filter(|p| **p != Permission::Session)
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_scopes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert!(r.grants(Permission::Session));
        }
        assert!(Role::parse("root").is_err());
        assert!(Permission::parse_scope("session").is_err());
        assert_eq!(
            Permission::parse_scope("incidents").unwrap(),
            Permission::Incidents
        );
    }

    #[test]
    fn a_token_cannot_exceed_its_role() {
        assert_eq!(
            token_scopes(Role::Operator, &["probes", "incidents", "probes"]).unwrap(),
            vec![Permission::Incidents, Permission::Probes]
        );
        assert!(matches!(
            token_scopes(Role::Agent, &["incidents"]),
            Err(AccountError::ScopeNotGranted { .. })
        ));
        assert!(matches!(
            token_scopes(Role::Agent, &[]),
            Err(AccountError::NoScope(Role::Agent))
        ));
        assert_eq!(
            token_scopes(Role::Agent, &[]).unwrap_err().to_string(),
            "a token needs at least one scope; the agent role grants: calls"
        );
    }

    #[test]
    fn names_and_passwords() {
        assert!(check_user_name("anna.schmidt").is_ok());
        assert!(check_user_name("Anna").is_err());
        assert!(check_user_name("-x").is_err());
        assert!(check_user_name("").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough password").is_ok());
    }
}
