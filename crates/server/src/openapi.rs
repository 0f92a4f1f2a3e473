//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json`.
//!
//! It is generated (utoipa) from the handlers' `#[utoipa::path]` annotations and the wire
//! types' `ToSchema` derives, so it changes with them. Core types are not annotated (the core
//! knows no wire formats): their wire shapes are the small schema types below (times, ids,
//! texts, vocabularies), each built from what the core accepts or writes. Every `/api` route of
//! [`crate::startup::router`] is listed; a test fails when one is not.

use std::borrow::Cow;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// A schema type standing for a core type's wire shape.
macro_rules! wire_schema {
    ($(#[$m:meta])* $name:ident, $schema:expr) => {
        $(#[$m])*
        pub struct $name;
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema.into()
            }
        }
        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// A closed vocabulary of the core, in the core's own order.
fn vocabulary<T: Copy>(all: &[T], text: fn(T) -> &'static str, what: &str) -> ObjectBuilder {
    string()
        .enum_values(Some(all.iter().map(|v| text(*v))))
        .description(Some(what))
}

wire_schema!(
    /// A time: RFC 3339 (`radar_core::Timestamp`). Written in UTC with whole seconds; offsets
    /// are accepted and converted.
    Time,
    string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .examples(["2017-05-17T13:02:11Z"])
);

wire_schema!(
    /// A provider, service, component or incident id (`radar_core::ids`).
    Id,
    string()
        .pattern(Some("^[a-z0-9][a-z0-9-]*$"))
        .max_length(Some(64))
        .examples(["o2-de"])
);

wire_schema!(
    /// A region id: ISO 3166-2 (`radar_core::RegionId`).
    RegionId,
    string()
        .pattern(Some("^[A-Za-z0-9][A-Za-z0-9-]*$"))
        .max_length(Some(64))
        .examples(["DE-BY"])
);

wire_schema!(
    /// A component named in an event: an id of the event's provider's component, or
    /// `provider:component` (`radar_core::event::ComponentName`).
    ComponentName,
    string()
        .pattern(Some("^[a-z0-9][a-z0-9-]*(:[a-z0-9][a-z0-9-]*)?$"))
        .examples(["ran-lte", "whatsapp:messaging"])
);

wire_schema!(
    /// Text by language: two lowercase letters (`de`, `en`, …) to the text; at least one
    /// (`radar_core::event::LocalizedText`).
    LocalizedText,
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(string().pattern(Some("^[a-z]{2}$"))))
        .additional_properties(Some(AdditionalProperties::RefOr(string().into())))
        .min_properties(Some(1))
        .examples([serde_json::json!({"de": "Störung", "en": "Outage"})])
);

wire_schema!(
    /// A public text an operator writes: German and English are both required, other
    /// languages may follow.
    PublicText,
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("de", string().min_length(Some(1)))
        .property("en", string().min_length(Some(1)))
        .required("de")
        .required("en")
        .property_names(Some(string().pattern(Some("^[a-z]{2}$"))))
        .additional_properties(Some(AdditionalProperties::RefOr(string().into())))
        .examples([serde_json::json!({"de": "Störung im LTE-Netz", "en": "LTE network outage"})])
);

wire_schema!(
    /// Regions: `"*"` (every region of the provider's country) or a list of region ids.
    Regions,
    OneOfBuilder::new()
        .item(string().enum_values(Some(["*"])))
        .item(ArrayBuilder::new().items(RegionId::schema()))
);

wire_schema!(
    /// An object of a tagged list (a timeline entry, a root-cause reason): `kind` names it.
    Tagged,
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("kind", string())
        .required("kind")
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
);

wire_schema!(
    IncidentCategory,
    vocabulary(
        radar_core::event::IncidentCategory::ALL,
        radar_core::event::IncidentCategory::as_str,
        "What kind of incident an operator declared."
    )
);

wire_schema!(
    IncidentState,
    vocabulary(
        radar_core::event::IncidentState::ALL,
        radar_core::event::IncidentState::as_str,
        "The lifecycle of an incident (a detected outage is `suspected` while open, then \
         `resolved`)."
    )
);

wire_schema!(
    ComponentStatus,
    vocabulary(
        radar_core::event::ComponentStatus::ALL,
        radar_core::event::ComponentStatus::as_str,
        "The declared status of one component."
    )
);

wire_schema!(
    Level,
    vocabulary(
        LEVELS,
        radar_core::view::Level::as_str,
        "How bad it is for a service or a provider, from best to worst."
    )
);

const LEVELS: &[radar_core::view::Level] = &[
    radar_core::view::Level::Operational,
    radar_core::view::Level::Maintenance,
    radar_core::view::Level::Degraded,
    radar_core::view::Level::PartialOutage,
    radar_core::view::Level::MajorOutage,
];

wire_schema!(
    ReportProblem,
    vocabulary(
        radar_core::Problem::ALL,
        radar_core::Problem::as_str,
        "What the reporter says is wrong."
    )
);

wire_schema!(
    ReportSource,
    vocabulary(
        radar_core::Source::ALL,
        radar_core::Source::as_str,
        "Where a report came from (default `api`)."
    )
);

wire_schema!(
    /// A report id: 32 hexadecimal digits (a hash of the report's content).
    ReportId,
    string().pattern(Some("^[0-9a-f]{32}$"))
);

/// One report, as `POST /api/v1/reports` takes it (the fields `intake::api` reads). Unknown
/// fields are refused. `provider` and `problem` are required, and `region` or `postcode`
/// (both only if the postcode lies in the region).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReportIn {
    #[schema(value_type = Id, examples("o2-de"))]
    provider: String,
    #[schema(value_type = Option<Id>, examples("mobile-data"))]
    service: Option<String>,
    #[schema(value_type = ReportProblem)]
    problem: String,
    #[schema(value_type = Option<RegionId>)]
    region: Option<String>,
    /// A German postcode; it decides the region when none is given.
    #[schema(pattern = "^[0-9]{5}$", examples("80331"))]
    postcode: Option<String>,
    /// Default: now. At most 5 minutes ahead of the server's clock and 30 days back.
    #[schema(value_type = Option<Time>)]
    time: Option<String>,
    #[schema(value_type = Option<ReportSource>)]
    source: Option<String>,
    /// An opaque token a client may send instead of being keyed by address and user agent
    /// (also as the `X-Reporter-Token` header).
    reporter_token: Option<String>,
}

/// Several reports in one request: all are stored, or none.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReportBatchIn {
    #[schema(min_items = 1, max_items = 1000)]
    reports: Vec<ReportIn>,
}

/// One report, or `{"reports": [...]}` of 1 to 1000.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ReportsIn {
    One(ReportIn),
    Batch(ReportBatchIn),
}

/// The reports are stored.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportsAccepted {
    /// The id of each report, in request order (the same report sent again has the same id
    /// and is stored once).
    #[schema(value_type = Vec<ReportId>)]
    ids: Vec<String>,
    /// Indexes (in request order) of the reports live detection does not count: their minute
    /// had already closed. They are stored all the same.
    not_counted: Vec<usize>,
}

/// A probe result as stored (`POST /api/v1/probes`): the `events.jsonl` line it is.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProbeOut {
    #[schema(rename = "type", value_type = String, pattern = "^probe$")]
    kind: String,
    #[schema(value_type = Time)]
    time: String,
    #[schema(value_type = Id)]
    provider: String,
    #[schema(value_type = ComponentName)]
    component: String,
    #[schema(value_type = RegionId)]
    region: String,
    ok: bool,
}

/// The bearer token of the operator routes.
struct OperatorAuth;

impl Modify for OperatorAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(
            "An API token (`radar token add --user NAME --scope SCOPE`), which may call the \
             routes of its scopes (`incidents`, `probes`, `abuse`, `audit`, `calls`), or the \
             bootstrap operator token of the settings (`operator_token`, \
             `RADAR_OPERATOR_TOKEN`), which has the operator's. Without a valid token: 401; \
             without the scope: 403."
                .into(),
        );
        components.add_security_scheme("operator", SecurityScheme::Http(http));
        let mut own = Http::new(HttpAuthScheme::Bearer);
        own.description = Some(
            "A subscription's own token, shown once when subscribing (`token` in the answer of \
             `POST /api/v1/subscriptions`)."
                .into(),
        );
        components.add_security_scheme("subscription", SecurityScheme::Http(own));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Outage Radar API",
        description = "Crowd reports in; detected and declared outages, their relations and \
                       root causes out. Errors are RFC 9457 problem details \
                       (`application/problem+json`).",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        openapi_json,
        crate::intake::api::post_reports,
        crate::publish::api::providers,
        crate::publish::api::report_counts,
        crate::explain::outages::provider_outages,
        crate::explain::outages::outages,
        crate::explain::outages::one,
        crate::explain::outages::incidents,
        crate::explain::outages::incident,
        crate::explain::outages::relation,
        crate::explain::outages::root_causes,
        crate::explain::incidents::create,
        crate::explain::incidents::patch,
        crate::explain::incidents::add_statement,
        crate::explain::incidents::put_component_status,
        crate::explain::incidents::post_probe,
        crate::explain::signals::post_signals,
        crate::explain::signals::series,
        crate::explain::incidents::post_dismiss,
        crate::explain::incidents::abuse,
        crate::auth::admin::audit_json,
        crate::publish::statuspage::statuspage_summary,
        crate::publish::statuspage::statuspage_status,
        crate::publish::statuspage::statuspage_components,
        crate::publish::statuspage::statuspage_incidents,
        crate::publish::statuspage::statuspage_unresolved,
        crate::publish::statuspage::statuspage_scheduled_maintenances,
        crate::publish::statuspage::statuspage_upcoming_maintenances,
        crate::publish::statuspage::statuspage_active_maintenances,
        crate::subscribe::api::create,
        crate::subscribe::api::one,
        crate::subscribe::api::delete,
        crate::subscribe::api::list,
    ),
    components(schemas(crate::problem::Problem, crate::problem::InvalidParam)),
    modifiers(&OperatorAuth),
    tags(
        (name = "reports", description = "Crowd reports in"),
        (name = "read", description = "Providers, report counts and outages"),
        (name = "operator", description = "Operator, agent and audit routes: a bearer token with the route's scope"),
        (name = "statuspage", description = "A Statuspage-compatible read API per provider: base URL `/providers/{id}`"),
        (name = "subscriptions", description = "Webhooks (Standard Webhooks signatures, Statuspage's subscriber payloads) and e-mail subscriptions to incident changes"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// The document as served, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises")
    })
}

/// `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_schema_names_exactly_the_fields_the_api_reads() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        let props = doc["components"]["schemas"]["ReportIn"]["properties"]
            .as_object()
            .unwrap();
        // ReportJson refuses unknown fields: every documented one must be known to it …
        let all: serde_json::Map<String, serde_json::Value> = props
            .keys()
            .map(|k| (k.clone(), serde_json::Value::from("x")))
            .collect();
        serde_json::from_value::<crate::intake::api::ReportJson>(all.into()).unwrap();
        // … and every one it knows documented.
        let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "postcode",
                "problem",
                "provider",
                "region",
                "reporter_token",
                "service",
                "source",
                "time"
            ]
        );
    }
}
