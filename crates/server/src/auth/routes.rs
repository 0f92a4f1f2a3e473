//! Every guarded route, once: method, path, the permission it needs, whether it is a page or
//! JSON, and its handler. The router is built from [`table`] with the [`require`] layer on
//! each entry, and the role-matrix test walks the same list, so a guarded route cannot be
//! added without its guard or without being tested. Routes not listed here are public.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, patch, post, put, MethodRouter};
use axum::Router;
use maud::html;
use radar_core::account::Permission;

use crate::auth::{bearer, cookie, from_bearer, from_session, Denied, SESSION_COOKIE};
use crate::console::{agent, operator};
use crate::explain::incidents;
use crate::state::AppState;

/// How a route is used, which decides how it authenticates and how it refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A console page or form: session cookie; without one, a redirect to `/login`.
    Html,
    /// The JSON API: bearer token; without one, 401 problem details.
    Json,
}

/// A guarded route as the matrix test sees it.
#[derive(Clone, Debug)]
pub struct Guarded {
    pub method: Method,
    pub path: &'static str,
    pub permission: Permission,
    pub kind: Kind,
}

fn g(
    method: Method,
    path: &'static str,
    permission: Permission,
    kind: Kind,
    handler: MethodRouter<AppState>,
) -> (Guarded, MethodRouter<AppState>) {
    (
        Guarded {
            method,
            path,
            permission,
            kind,
        },
        handler,
    )
}

/// The guarded routes and their handlers.
pub fn table() -> Vec<(Guarded, MethodRouter<AppState>)> {
    use Kind::{Html, Json};
    use Permission::*;
    vec![
        g(
            Method::POST,
            "/api/v1/incidents",
            Incidents,
            Json,
            post(incidents::create),
        ),
        g(
            Method::PATCH,
            "/api/v1/incidents/{id}",
            Incidents,
            Json,
            patch(incidents::patch),
        ),
        g(
            Method::POST,
            "/api/v1/incidents/{id}/statements",
            Incidents,
            Json,
            post(incidents::add_statement),
        ),
        g(
            Method::PUT,
            "/api/v1/components/{provider}/{id}/status",
            Incidents,
            Json,
            put(incidents::put_component_status),
        ),
        g(
            Method::POST,
            "/api/v1/probes",
            Probes,
            Json,
            post(incidents::post_probe),
        ),
        g(
            Method::POST,
            "/api/v1/signals",
            Probes,
            Json,
            post(crate::explain::signals::post_signals),
        ),
        g(
            Method::GET,
            "/api/v1/abuse",
            Abuse,
            Json,
            get(incidents::abuse),
        ),
        g(
            Method::GET,
            "/api/v1/subscriptions",
            Abuse,
            Json,
            get(crate::subscribe::api::list),
        ),
        g(
            Method::GET,
            "/api/v1/audit",
            Audit,
            Json,
            get(crate::auth::admin::audit_json),
        ),
        g(
            Method::POST,
            "/logout",
            Session,
            Html,
            post(crate::auth::login::logout),
        ),
        g(
            Method::GET,
            "/admin",
            Users,
            Html,
            get(crate::auth::admin::accounts_page),
        ),
        g(
            Method::GET,
            "/operator/audit",
            Audit,
            Html,
            get(crate::auth::admin::audit_page),
        ),
        g(Method::GET, "/agent", Calls, Html, get(agent::page)),
        g(
            Method::POST,
            "/agent/calls",
            Calls,
            Html,
            post(agent::log_call),
        ),
        g(
            Method::GET,
            "/operator",
            Incidents,
            Html,
            get(operator::page),
        ),
        g(
            Method::POST,
            "/operator/incidents",
            Incidents,
            Html,
            post(operator::declare),
        ),
        g(
            Method::POST,
            "/operator/incidents/{id}",
            Incidents,
            Html,
            post(operator::update),
        ),
        g(
            Method::POST,
            "/operator/incidents/{id}/statements",
            Incidents,
            Html,
            post(operator::statement),
        ),
        g(
            Method::POST,
            "/operator/outages/{id}/confirm",
            Incidents,
            Html,
            post(operator::confirm),
        ),
        g(
            Method::POST,
            "/operator/components",
            Incidents,
            Html,
            post(operator::component),
        ),
        g(
            Method::POST,
            "/api/v1/outages/{id}/dismiss",
            Incidents,
            Json,
            post(incidents::post_dismiss),
        ),
        g(
            Method::POST,
            "/operator/outages/{id}/dismiss",
            Incidents,
            Html,
            post(operator::dismiss),
        ),
    ]
}

/// The guarded routes, without their handlers.
pub fn specs() -> Vec<Guarded> {
    table().into_iter().map(|(g, _)| g).collect()
}

/// The guarded routes, each behind [`require`].
pub fn router(state: &AppState) -> Router<AppState> {
    table().into_iter().fold(Router::new(), |r, (g, handler)| {
        r.route(
            g.path,
            handler.route_layer(middleware::from_fn_with_state(
                (state.clone(), g.permission, g.kind),
                require,
            )),
        )
    })
}

/// Authenticates the request as its kind allows, checks the permission, and hands the
/// handler the [`crate::auth::Principal`]; refuses otherwise. Console pages are not cached.
pub async fn require(
    State((st, permission, kind)): State<(AppState, Permission, Kind)>,
    mut req: Request,
    next: Next,
) -> Response {
    let who = match kind {
        Kind::Json => match bearer(req.headers()) {
            Some(t) => from_bearer(&st, t).await,
            None => Err(Denied::Unauthenticated("no credentials")),
        },
        Kind::Html => match cookie(req.headers(), SESSION_COOKIE) {
            Some(s) => from_session(&st, s).await,
            None => Err(Denied::Unauthenticated("not signed in")),
        },
    }
    .and_then(|p| {
        if p.may(permission) {
            Ok(p)
        } else {
            Err(Denied::Forbidden(permission))
        }
    });
    let who = match (who, kind) {
        (Ok(p), _) => p,
        (Err(d), Kind::Json) => return d.problem().into_response(),
        (Err(Denied::Unauthenticated(_)), Kind::Html) => {
            let path = req.uri().path();
            let next = if req.method() == Method::GET {
                format!("/login?next={}", urlencode(path))
            } else {
                "/login?signed-out".to_owned()
            };
            return Redirect::to(&next).into_response();
        }
        (Err(Denied::Forbidden(p)), Kind::Html) => {
            let page = crate::publish::pages::layout(
                "Not allowed",
                html! {
                    h1 { "Not allowed" }
                    p.err { "Your account's role does not allow this (it needs the permission " code { (p.as_str()) } ")." }
                    p { a href="/login" { "Sign in with another account" } }
                },
            );
            return (StatusCode::FORBIDDEN, Html(page.into_string())).into_response();
        }
        (Err(Denied::Store(p)), Kind::Html) => return p.into_response(),
    };
    req.extensions_mut().insert(who);
    let mut resp = next.run(req).await;
    if kind == Kind::Html {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
