//! The agent and operator consoles over HTTP, in the May 2017 story: the DSL customer
//! management shut down after the attack, then the LTE outage. An agent looks a caller up
//! and logs the call; an operator declares, previews and publishes, and every action lands
//! in the audit log.

use std::time::Duration;

use radar_core::account::Role;
use radar_core::{Source, Timestamp};
use reqwest::header::LOCATION;
use reqwest::Method;
use serde_json::json;

use crate::accounts::{add_user, login};
use crate::helpers::{spawn_app, spawn_app_with, TestApp, NOW};

/// The CRM shutdown and the LTE outage, declared through the API as on 17 May 2017, with
/// the operator's statement and workaround in German and English.
pub async fn may_2017(app: &TestApp) {
    for body in [
        json!({"id": "sec-1", "provider": "o2-de", "category": "security", "state": "identified",
               "title": {"de": "Kundenverwaltung (DSL) abgeschaltet", "en": "DSL customer management shut down"},
               "components": ["crm-dsl"], "services": ["customer-service"], "regions": "*"}),
        json!({"id": "net-1", "provider": "o2-de", "category": "network", "state": "identified",
               "title": {"de": "Störung im LTE-Netz", "en": "LTE network disruption"},
               "services": ["mobile-data"], "components": ["ran-lte"], "regions": "*",
               "expected_end": Timestamp(NOW + 5 * 3600).to_rfc3339()}),
    ] {
        let resp = app
            .operator(Method::POST, "/api/v1/incidents")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    }
    let resp = app
        .operator(Method::POST, "/api/v1/incidents/net-1/statements")
        .json(&json!({
            "text": {"de": "Wir arbeiten mit Hochdruck an der Behebung.", "en": "We are working hard to fix it."},
            "workaround": {"de": "Bitte vorübergehend auf GSM oder 3G umschalten.", "en": "Please switch to GSM or 3G for now."}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn agent_sees_what_affects_the_caller_in_their_language_and_logs_the_call() {
    let app = spawn_app().await;
    may_2017(&app).await;
    add_user(&app, "anna", Role::Agent).await;
    let b = login(&app, "anna").await;

    let page = b
        .get(
            &app,
            "/agent?postcode=80331&provider=o2-de&service=mobile-data&lang=de",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    for want in [
        "Bayern",
        "Störung im LTE-Netz",
        "What to say: </strong>Wir arbeiten mit Hochdruck an der Behebung.",
        "Abhilfe: Bitte vorübergehend auf GSM oder 3G umschalten.",
        "voraussichtliches Ende",
        // The hotline's own outage affects every caller too.
        "Kundenverwaltung (DSL) abgeschaltet",
        // The relation answer, with its reason.
        "Zusammenhang mit anderen Störungen",
    ] {
        assert!(
            html.contains(want),
            "{want:?} missing from the agent page:\n{html}"
        );
    }
    assert!(!html.contains("<script"), "no script");
    // The caller speaks English: the same outages in English.
    let html = b
        .text(
            &app,
            "/agent?postcode=80331&provider=o2-de&service=mobile-data&lang=en",
        )
        .await;
    assert!(
        html.contains("Workaround: Please switch to GSM or 3G for now."),
        "{html}"
    );
    assert!(html.contains("We are working hard to fix it."));
    // A Land instead of a postcode; a bad postcode says so.
    let html = b
        .text(&app, "/agent?land=DE-BE&service=mobile-data&lang=en")
        .await;
    assert!(html.contains("LTE network disruption"), "{html}");
    let html = b.text(&app, "/agent?postcode=123").await;
    assert!(html.contains("Postcode 123"), "{html}");
    // An outage of another provider does not show.
    let html = b
        .text(&app, "/agent?postcode=80331&provider=telekom-de&lang=en")
        .await;
    assert!(
        !html.contains("LTE network disruption") && html.contains("No known outage"),
        "{html}"
    );

    // One click logs the call: a report from the call centre, counted like any other.
    let before = app.counted("o2-de").await;
    let resp = b
        .post(
            &app,
            "/agent/calls",
            &[
                ("provider", "o2-de"),
                ("region", "DE-BY"),
                ("service", "mobile-data"),
                ("postcode", "80331"),
                ("lang", "de"),
                ("problem", "no-internet"),
            ],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let back = resp.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("/agent?") && back.contains("logged=no-internet"),
        "{back}"
    );
    let html = b.text(&app, &back).await;
    assert!(html.contains("Call logged (no-internet)"), "{html}");
    assert!(
        html.contains("Störung im LTE-Netz"),
        "the lookup is shown again"
    );
    assert_eq!(app.counted("o2-de").await, before + 1);
    let stored = app
        .state
        .store
        .reports_page(Timestamp(0), None, 100)
        .await
        .unwrap();
    let (_, r) = stored.last().unwrap();
    assert_eq!(r.source, Source::CallCenter);
    assert_eq!(r.region.as_str(), "DE-BY");
    // Two calls are two callers, whoever the agent is.
    b.post(
        &app,
        "/agent/calls",
        &[
            ("provider", "o2-de"),
            ("region", "DE-BY"),
            ("problem", "no-internet"),
        ],
    )
    .send()
    .await
    .unwrap();
    let stored = app
        .state
        .store
        .reports_page(Timestamp(0), None, 100)
        .await
        .unwrap();
    assert_ne!(stored[0].1.reporter, stored[1].1.reporter);
    app.stop().await;
}

async fn form(
    app: &TestApp,
    b: &crate::accounts::Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let resp = b.post(app, path, fields).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, resp.text().await.unwrap())
}

#[tokio::test]
async fn operator_console_declares_previews_publishes_and_every_action_is_audited() {
    let app = spawn_app().await;
    add_user(&app, "olga", Role::Operator).await;
    let b = login(&app, "olga").await;

    // Declare through the console: the API's validation answers a wrong service.
    let declare = |service: &'static str| {
        vec![
            ("provider", "o2-de"),
            ("category", "network"),
            ("title_de", "Störung im LTE-Netz"),
            ("title_en", "LTE network disruption"),
            ("services", service),
            ("components", "ran-lte"),
            ("regions", "*"),
            ("state", "identified"),
        ]
    };
    let (status, _, html) =
        form(&app, &b, "/operator/incidents", &declare("no-such-service")).await;
    assert_eq!(status, 422);
    assert!(html.contains("no-such-service"), "{html}");
    let (status, location, _) =
        form(&app, &b, "/operator/incidents", &declare("mobile-data")).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/operator?done="), "{location}");
    let incidents: serde_json::Value = app.get("/api/v1/incidents").await.json().await.unwrap();
    let id = incidents["incidents"][0]["id"].as_str().unwrap().to_owned();

    // Preview shows the statement and stores nothing.
    let statement = [
        ("text_de", "Wir arbeiten an der Behebung."),
        ("text_en", "We are working on a fix."),
        ("workaround_de", "Bitte auf GSM oder 3G umschalten."),
        ("workaround_en", "Please switch to GSM or 3G."),
    ];
    let mut preview = statement.to_vec();
    preview.push(("action", "preview"));
    let path = format!("/operator/incidents/{id}/statements");
    let (status, _, html) = form(&app, &b, &path, &preview).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Preview — not published yet")
            && html.contains("Please switch to GSM or 3G."),
        "{html}"
    );
    let public = app
        .get("/providers/o2-de?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains("We are working on a fix."));
    let mut publish = statement.to_vec();
    publish.push(("action", "publish"));
    let (status, _, _) = form(&app, &b, &path, &publish).await;
    assert_eq!(status, 303);
    // It is on the public page and in the feed.
    let public = app
        .get("/providers/o2-de?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        public.contains("We are working on a fix.")
            && public.contains("Please switch to GSM or 3G."),
        "{public}"
    );
    let feed = app
        .get("/providers/o2-de/feed.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(feed.contains("We are working on a fix."), "{feed}");

    // Lifecycle and component status through the console.
    let (status, _, _) = form(
        &app,
        &b,
        &format!("/operator/incidents/{id}"),
        &[("state", "monitoring"), ("expected_end", "")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, html) = form(
        &app,
        &b,
        &format!("/operator/incidents/{id}"),
        &[("state", "suspected")],
    )
    .await;
    assert_eq!(
        status, 409,
        "monitoring cannot go back to suspected: {html}"
    );
    let (status, _, _) = form(
        &app,
        &b,
        "/operator/components",
        &[("component", "o2-de/ran-lte"), ("status", "major-outage")],
    )
    .await;
    assert_eq!(status, 303);
    let page = b.text(&app, "/operator").await;
    assert!(
        page.contains("Open incidents (1)") && page.contains("major-outage"),
        "{page}"
    );

    // Scheduled maintenance from the same form.
    let maintenance = [
        ("provider", "o2-de"),
        ("category", "maintenance"),
        ("title_de", "Wartung im Kernnetz"),
        ("title_en", "Core network maintenance"),
        ("services", "mobile-data"),
        ("regions", "DE-BY"),
        ("state", "confirmed"),
        ("maintenance_start", "2026-11-24T01:00:00Z"),
        ("maintenance_end", "2026-11-24T03:00:00Z"),
    ];
    let (status, _, html) = form(&app, &b, "/operator/incidents", &maintenance).await;
    assert_eq!(status, 303, "{html}");
    let sp: serde_json::Value = app
        .get("/providers/o2-de/api/v2/scheduled-maintenances/upcoming.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(sp.to_string().contains("Core network maintenance"), "{sp}");

    // The audit log: each action, who, and the state before and after; the chain holds.
    let audit: serde_json::Value = app
        .operator(Method::GET, "/api/v1/audit")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = audit["entries"].as_array().unwrap();
    for bad in ["limit=0", "limit=1001", "after=-1", "after=x"] {
        let resp = app
            .operator(Method::GET, &format!("/api/v1/audit?{bad}"))
            .send()
            .await
            .unwrap();
        crate::helpers::problem(resp, 400).await;
    }
    let page: serde_json::Value = app
        .operator(Method::GET, "/api/v1/audit?after=2&limit=2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seqs: Vec<i64> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4]);
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "login",
            "incident.declare",
            "statement.add",
            "incident.update",
            "component.status",
            "incident.declare",
        ]
    );
    for e in &entries[2..] {
        assert_eq!(e["actor"], "user:olga");
        assert!(e["after"].is_string(), "{e}");
    }
    assert!(entries[3]["before"]
        .as_str()
        .unwrap()
        .contains("\"statements\":[]"));
    assert!(entries[4]["before"]
        .as_str()
        .unwrap()
        .contains("\"identified\""));
    assert!(entries[4]["after"]
        .as_str()
        .unwrap()
        .contains("\"monitoring\""));
    let page = b.text(&app, "/operator/audit").await;
    assert!(page.contains("7 entries; the chain verifies."), "{page}");
    assert!(page.contains("component.status") && page.contains("o2-de:ran-lte"));
    app.stop().await;
}

/// A server over a quiet week into which a national burst is reported until it is detected;
/// the detected outage's id.
async fn detected_burst() -> (TestApp, String) {
    let app = spawn_app_with(
        tempfile::tempdir().unwrap(),
        &crate::detection::quiet_history(),
    )
    .await;
    for minute in 0..10 {
        let t = NOW + minute * 60;
        app.set_now(t + 30);
        let reports: Vec<_> = (0..40)
            .map(|i| {
                let postcode = ["80331", "10115", "50667", "70173"][i % 4];
                json!({"provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                       "postcode": postcode,
                       "time": Timestamp(t + (i as i64 % 50)).to_rfc3339(),
                       "reporter_token": format!("burst-{minute}-{i}")})
            })
            .collect();
        assert_eq!(
            app.post_json(&json!({ "reports": reports })).await.status(),
            202
        );
        app.set_now(t + 70);
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let outages = crate::detection::o2_outages(&app).await;
        if let Some(o) = outages.iter().find(|o| o["end"].is_null()) {
            let id = o["id"].as_str().unwrap().to_owned();
            return (app, id);
        }
    }
    panic!("the burst was not detected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_confirms_a_detected_outage_from_the_console() {
    let (app, id) = detected_burst().await;
    add_user(&app, "olga", Role::Operator).await;
    let b = login(&app, "olga").await;
    let page = b.text(&app, "/operator").await;
    assert!(
        page.contains("Detected, waiting for confirmation (1)")
            && page.contains(&format!("/operator/outages/{id}/confirm")),
        "{page}"
    );
    let (status, _, html) = form(
        &app,
        &b,
        &format!("/operator/outages/{id}/confirm"),
        &[
            ("title_de", "Störung im LTE-Netz"),
            ("title_en", "LTE network disruption"),
            ("category", "network"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let page = b.text(&app, "/operator").await;
    assert!(
        page.contains("Detected, waiting for confirmation (0)")
            && page.contains("Open incidents (1)"),
        "{page}"
    );
    let one: serde_json::Value = app
        .get(&format!("/api/v1/incidents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["origin"], "detected+declared", "{one}");
    // A confirmed outage is not dismissed: its incident is resolved instead.
    let resp = app
        .operator(Method::POST, &format!("/api/v1/outages/{id}/dismiss"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_dismisses_a_false_alarm_and_it_leaves_the_product_view() {
    let (app, id) = detected_burst().await;
    add_user(&app, "olga", Role::Operator).await;
    let b = login(&app, "olga").await;
    let (status, location, html) =
        form(&app, &b, &format!("/operator/outages/{id}/dismiss"), &[]).await;
    assert_eq!(status, 303, "{html}");
    assert!(location.contains("dismissed"), "{location}");
    let outages = crate::detection::o2_outages(&app).await;
    assert!(
        outages.iter().all(|o| o["id"] != id.as_str()),
        "{outages:?}"
    );
    let page = b.text(&app, "/operator").await;
    assert!(
        page.contains("Detected, waiting for confirmation (0)"),
        "{page}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/outages/{id}")).await.status(),
        404,
        "gone from the API"
    );
    let audit: serde_json::Value = app
        .operator(Method::GET, "/api/v1/audit")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = audit["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "outage.dismiss");
    assert_eq!(last["target"], id.as_str());
    assert!(
        last["before"]
            .as_str()
            .unwrap()
            .contains("\"origin\":\"detected\""),
        "{last}"
    );
    app.stop().await;
}

#[tokio::test]
async fn agent_looks_a_caller_up_by_customer_number_from_the_local_directory() {
    use radar_core::customer::parse_row;
    let app = spawn_app().await;
    may_2017(&app).await;
    add_user(&app, "anna", Role::Agent).await;
    let (t, pc) = (
        radar_core::topology::germany::topology(),
        radar_core::topology::germany::postcodes(),
    );
    let o2 = radar_core::ProviderId::parse("o2-de").unwrap();
    let customers = [
        parse_row(&o2, "4711", "80331", "mobile-data", &t, &pc).unwrap(),
        parse_row(&o2, "4712", "10115", "mobile-voice", &t, &pc).unwrap(),
    ];
    let audit = radar_core::audit::AuditDraft {
        time: Timestamp(NOW),
        actor: "cli".into(),
        action: "customers.import".into(),
        target: "o2-de".into(),
        before: None,
        after: None,
    };
    app.state
        .store
        .replace_customers(&o2, &customers, audit)
        .await
        .unwrap();
    let b = login(&app, "anna").await;
    let html = b.text(&app, "/agent?customer=4711&lang=en").await;
    assert!(
        html.contains(
            "Customer <strong>4711</strong> of o2-de: postcode 80331, products mobile-data"
        ),
        "{html}"
    );
    assert!(
        html.contains("LTE network disruption") && html.contains("Bayern"),
        "{html}"
    );
    // A customer with voice only: the mobile-data outage is not theirs; the hotline's is.
    let html = b.text(&app, "/agent?customer=4712&lang=en").await;
    assert!(
        html.contains("1 open outage affecting a caller in Berlin")
            && !html.contains("aria-label=\"net-1\""),
        "{html}"
    );
    assert!(
        html.contains("DSL customer management shut down") && html.contains("Berlin"),
        "{html}"
    );
    // The call is logged against the customer's provider and region.
    let resp = b
        .post(
            &app,
            "/agent/calls",
            &[
                ("provider", "o2-de"),
                ("region", "DE-BE"),
                ("service", "mobile-voice"),
                ("customer", "4712"),
                ("problem", "no-calls"),
            ],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(resp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .contains("customer=4712"));
    let html = b.text(&app, "/agent?customer=9999").await;
    assert!(
        html.contains("No customer 9999 in the local directory"),
        "{html}"
    );
    app.stop().await;
}
