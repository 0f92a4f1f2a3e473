//! `GET /api/openapi.json`: a well-formed OpenAPI 3 document that lists every `/api` route
//! the router serves, with exactly the methods it serves, so that a route added without
//! documentation fails here.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::spawn_app;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The `/api` paths named in `router()`, from its source (the public routes are kept in no
/// list that a test could read), and the guarded ones from their table.
fn routed_paths() -> BTreeSet<String> {
    let mut paths = public_routed_paths();
    paths.extend(
        radar_server::auth::routes::specs()
            .into_iter()
            .map(|g| g.path.to_owned())
            .filter(|p| p.starts_with("/api")),
    );
    paths
}

fn public_routed_paths() -> BTreeSet<String> {
    let src = include_str!("../../src/startup.rs");
    let start = src.find("pub fn router(").expect("startup.rs has router()");
    let end = start
        + src[start..]
            .find(".fallback(")
            .expect("router() has a fallback");
    let body = &src[start..end];
    body.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("/api"))
        .map(str::to_owned)
        .collect()
}

/// Resolves a local `$ref` such as `#/components/schemas/Problem`.
fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

fn check_refs(doc: &Value, v: &Value, at: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    let r = x.as_str().expect("$ref is a string");
                    assert!(
                        resolve(doc, r).is_some(),
                        "{at}: $ref {r} resolves to nothing"
                    );
                } else {
                    check_refs(doc, x, &format!("{at}/{k}"));
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| check_refs(doc, x, at)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_and_lists_every_api_route_with_its_methods() {
    let app = spawn_app().await;
    let resp = app.get("/api/openapi.json").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let text = resp.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();

    // An OpenAPI 3 document: version, info, paths, every reference resolvable, every
    // operation with responses and a unique id, every path parameter declared.
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    serde_json::from_str::<utoipa::openapi::OpenApi>(&text).expect("OpenAPI object model");
    check_refs(&doc, &doc, "#");
    let paths = doc["paths"].as_object().unwrap();
    let mut ids = BTreeSet::new();
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            documented.insert((method.to_uppercase(), path.clone()));
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path} has no responses");
            for (status, r) in responses {
                let content = r["content"].as_object();
                // Errors are problem details; successes are JSON.
                let wanted = if status.starts_with('2') {
                    "application/json"
                } else {
                    "application/problem+json"
                };
                let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
                assert_eq!(types, [wanted], "{method} {path} {status}");
            }
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            let in_path: BTreeSet<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n))
                .collect();
            assert_eq!(declared, in_path, "path parameters of {method} {path}");
            if op["tags"][0] == "operator" {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{"operator": []}]),
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["operator"]["scheme"],
        "bearer"
    );

    // What the router serves: every /api path of router(), asked with each method (without
    // a token or a body); a route that exists answers anything but 405.
    let routed_paths = routed_paths();
    assert!(routed_paths.len() >= 10, "{routed_paths:?}");
    let mut served = BTreeSet::new();
    for path in &routed_paths {
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for m in METHODS {
            let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let status = app
                .client
                .request(method.clone(), format!("{}{}", app.base, concrete))
                .send()
                .await
                .unwrap()
                .status();
            if status != 405 {
                served.insert((method.to_string(), path.clone()));
            }
        }
    }
    let documented_api: BTreeSet<_> = documented
        .iter()
        .filter(|(_, p)| p.starts_with("/api"))
        .cloned()
        .collect();
    let undocumented: Vec<_> = served.difference(&documented_api).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation (add #[utoipa::path] and list them in openapi::ApiDoc): {undocumented:?}"
    );
    let unserved: Vec<_> = documented_api.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
    app.stop().await;
}
