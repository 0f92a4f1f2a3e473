//! What administrators and operators read about access: the accounts and tokens page, and
//! the audit log as a page and as JSON. Accounts are changed with `radar user` and
//! `radar token` on the server (they need a password prompt, not a web form).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use maud::html;
use radar_core::audit::{hex, AuditEntry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::login::console;
use crate::auth::Principal;
use crate::problem::Problem;
use crate::state::AppState;

fn store_problem(e: radar_store::StoreError) -> Problem {
    tracing::error!(error = %e, "cannot read accounts or the audit log");
    Problem::unavailable("the store cannot be read; retry later")
}

/// `GET /admin`: accounts and API tokens (never their secrets).
pub async fn accounts_page(
    State(st): State<AppState>,
    who: Principal,
) -> Result<Response, Problem> {
    let a = st.store.accounts();
    let users = a.users().await.map_err(store_problem)?;
    let tokens = a.tokens().await.map_err(store_problem)?;
    let page = console(
        "Accounts",
        &who,
        html! {
            h1 { "Accounts" }
            p { "Add, disable and reset accounts on the server with " code { "radar user" } "; API tokens with " code { "radar token" } "." }
            table {
                thead { tr { th { "Name" } th { "Role" } th { "State" } th { "Since" } } }
                tbody {
                    @for u in &users {
                        tr {
                            td { (u.name) } td { (u.role) }
                            td { @if u.disabled { span.bad { "disabled" } } @else { "active" } }
                            td { (u.created.to_rfc3339()) }
                        }
                    }
                }
            }
            h2 { "API tokens" }
            table {
                thead { tr { th { "Id" } th { "Account" } th { "Scopes" } th { "State" } } }
                tbody {
                    @for t in &tokens {
                        tr {
                            td { code { (t.id) } } td { (t.user) }
                            td { (t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")) }
                            td { @if t.revoked { span.bad { "revoked" } } @else { "active" } }
                        }
                    }
                }
            }
        },
    );
    Ok(Html(page.into_string()).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this number (default 0: from the start).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// At most this many (1 to 1000, default 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    #[schema(value_type = crate::openapi::Time)]
    pub time: radar_core::Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// The state before, as JSON text.
    pub before: Option<String>,
    /// The state after, as JSON text.
    pub after: Option<String>,
    /// The previous entry's hash (hex).
    pub prev: String,
    /// This entry's hash (hex).
    pub hash: String,
}

impl From<&AuditEntry> for AuditEntryOut {
    fn from(e: &AuditEntry) -> Self {
        AuditEntryOut {
            seq: e.seq,
            time: e.draft.time,
            actor: e.draft.actor.clone(),
            action: e.draft.action.clone(),
            target: e.draft.target.clone(),
            before: e.draft.before.clone(),
            after: e.draft.after.clone(),
            prev: hex(&e.prev),
            hash: hex(&e.hash),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub entries: Vec<AuditEntryOut>,
}

/// `GET /api/v1/audit`: the audit log in stored order, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "operator",
    security(("operator" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Entries after `after`, oldest first", body = AuditOut),
        (status = 400, description = "`bad-query`: a parameter is not a whole number in range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no or an invalid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the token lacks the scope `audit`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the store cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn audit_json(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<AuditOut>, Problem> {
    let q: AuditQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-query",
                "Invalid query parameter",
                format!(
                    "{}; after is an entry number (0 or more), limit from 1 to 1000",
                    crate::problem::echo(&e.to_string())
                ),
            )
        })?;
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(1000);
    if after < 0 || !(1..=1000).contains(&limit) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query parameter",
            format!("after={after}, limit={limit}: after is 0 or more, limit from 1 to 1000"),
        ));
    }
    let entries = st
        .store
        .accounts()
        .audit_page(after, limit)
        .await
        .map_err(store_problem)?;
    Ok(Json(AuditOut {
        entries: entries.iter().map(AuditEntryOut::from).collect(),
    }))
}

/// `GET /operator/audit`: the newest entries, and whether the whole chain verifies.
pub async fn audit_page(State(st): State<AppState>, who: Principal) -> Result<Response, Problem> {
    let a = st.store.accounts();
    let recent = a.audit_recent(200).await.map_err(store_problem)?;
    let mut all = Vec::new();
    loop {
        let page = a
            .audit_page(all.last().map_or(0, |e: &AuditEntry| e.seq), 10_000)
            .await
            .map_err(store_problem)?;
        if page.is_empty() {
            break;
        }
        all.extend(page);
    }
    let verdict = radar_core::audit::verify(&all, None);
    let page = console(
        "Audit log",
        &who,
        html! {
            h1 { "Audit log" }
            @match &verdict {
                Ok(Some(head)) => p.ok { (all.len()) " entries; the chain verifies. Head: " code { (head.to_string()) } },
                Ok(None) => p { "No entries yet." },
                Err(t) => p.bad role="alert" { "The chain does not verify: " (t.to_string()) },
            }
            table {
                thead { tr { th { "#" } th { "When (UTC)" } th { "Who" } th { "What" } th { "On" } th { "Before → after" } } }
                tbody {
                    @for e in &recent {
                        tr {
                            td { (e.seq) } td { (e.draft.time.to_rfc3339()) } td { (e.draft.actor) }
                            td { (e.draft.action) } td { (e.draft.target) }
                            td {
                                @if let Some(b) = &e.draft.before { details { summary { "before" } pre { (b) } } }
                                @if let Some(a) = &e.draft.after { details { summary { "after" } pre { (a) } } }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(Html(page.into_string()).into_response())
}
