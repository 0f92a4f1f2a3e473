//! The public pages as a reader meets them: the language, names instead of ids, the HTML
//! error page for browsers, the workaround only while it applies, the report form that keeps
//! what was typed, the incident page in sentences and the history page.

use reqwest::Method;
use serde_json::json;

use crate::consoles::may_2017;
use crate::helpers::{spawn_app, TestApp, NOW};

async fn page(app: &TestApp, path: &str) -> String {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn send_form(app: &TestApp, body: &str, lang: &str) -> reqwest::Response {
    no_redirects()
        .post(format!("{}/providers/o2-de/report", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", lang)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_language_comes_from_the_query_then_accept_language_and_changes_every_label() {
    let app = spawn_app().await;
    for path in ["/", "/providers/o2-de", "/providers/o2-de/history"] {
        let de = page(&app, &format!("{path}?lang=de")).await;
        assert!(de.contains("<html lang=\"de\">"), "{path}: {de}");
        let en = page(&app, &format!("{path}?lang=en")).await;
        assert!(en.contains("<html lang=\"en\">"), "{path}");
        // The switch offers the other language, in that language.
        assert!(
            de.contains("hreflang=\"en\" lang=\"en\">English</a>"),
            "{path}"
        );
        assert!(
            en.contains("hreflang=\"de\" lang=\"de\">Deutsch</a>"),
            "{path}"
        );
    }
    let de = page(&app, "/providers/o2-de?lang=de").await;
    for want in [
        "Störung melden",
        "Was funktioniert nicht?",
        "Kein Netz",
        "Mobiles Internet",
        "Meldungen in den letzten 24 Stunden",
        "Abonnieren",
        "Bundesland wählen",
    ] {
        assert!(de.contains(want), "{want:?} not on the German page");
    }
    for english in [
        "Report a problem",
        "No signal",
        "Mobile internet",
        "Subscribe<",
    ] {
        assert!(!de.contains(english), "{english:?} on the German page");
    }
    let resp = app
        .client
        .get(format!("{}/providers/o2-de", app.base))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("<html lang=\"de\">"));
    assert!(page(&app, "/providers/o2-de")
        .await
        .contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn browsers_get_an_html_404_and_api_clients_problem_json() {
    let app = spawn_app().await;
    let html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let get = |path: &str, accept: &str| {
        app.client
            .get(format!("{}{path}", app.base))
            .header("accept", accept)
            .send()
    };
    let resp = get("/no/such/page?lang=de", html).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.headers().contains_key("content-security-policy"));
    let body = resp.text().await.unwrap();
    assert!(body.contains("<html lang=\"de\">") && body.contains("Seite nicht gefunden"));
    assert!(body.contains("/no/such/page"), "names the address: {body}");
    for (path, accept) in [
        ("/no/such/page", "application/problem+json"),
        ("/no/such/page", "*/*"),
        ("/api/v1/providers/nope/reports", html),
        ("/providers/nope/api/v2/summary.json", html),
    ] {
        let resp = get(path, accept).await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{path} with {accept}"
        );
    }
    // Unknown provider and incident pages are HTML for everyone.
    for path in [
        "/providers/nope",
        "/incidents/nope",
        "/providers/nope/history",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(resp.text().await.unwrap().contains("<h1>No such"), "{path}");
    }
}

#[tokio::test]
async fn the_workaround_shows_while_the_incident_is_open_and_never_once_resolved() {
    let app = spawn_app().await;
    may_2017(&app).await;
    let workaround = "Workaround: Please switch to GSM or 3G for now.";
    let open = page(&app, "/providers/o2-de?lang=en").await;
    assert!(open.contains(workaround), "{open}");
    assert!(page(&app, "/incidents/net-1?lang=en")
        .await
        .contains(workaround));
    assert!(page(&app, "/providers/o2-de?lang=de")
        .await
        .contains("Abhilfe: Bitte vorübergehend auf GSM oder 3G umschalten."));
    app.set_now(NOW + 2 * 3600);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({ "state": "resolved" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for path in [
        "/providers/o2-de?lang=en",
        "/incidents/net-1?lang=en",
        "/providers/o2-de/history?lang=en",
    ] {
        let html = page(&app, path).await;
        assert!(!html.contains("switch to GSM"), "{path} still shows it");
    }
    // The statement itself stays part of the record.
    assert!(page(&app, "/incidents/net-1?lang=en")
        .await
        .contains("We are working hard to fix it."));
}

#[tokio::test]
async fn a_rejected_form_keeps_the_values_and_puts_the_error_beside_the_field() {
    let app = spawn_app().await;
    let resp = send_form(
        &app,
        "service=mobile-data&problem=no-internet&postcode=8033x&region=",
        "de",
    )
    .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">"));
    // The error sits inside the postcode field, before its input, which points at it.
    let field = html.find("for=\"f-postcode\"").unwrap();
    let error = html
        .find("id=\"e-postcode\"")
        .unwrap_or_else(|| panic!("no postcode error: {html}"));
    let input = html.find("id=\"f-postcode\"").unwrap();
    assert!(field < error && error < input, "error beside the field");
    assert!(html.contains("Bitte eine Postleitzahl mit fünf Ziffern eingeben"));
    assert!(html.contains("aria-describedby=\"h-postcode e-postcode\""));
    assert!(html.contains("aria-invalid=\"true\""));
    // Values kept.
    assert!(html.contains("value=\"8033x\""), "postcode kept");
    assert!(html.contains("<option value=\"mobile-data\" selected>"));
    assert!(html.contains("value=\"no-internet\" checked"));
    assert_eq!(app.counted("o2-de").await, 0);

    // Neither postcode nor Land: the error is at the Land, in English when asked.
    let resp = send_form(&app, "service=&problem=no-signal&postcode=&region=", "en").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"e-region\""), "{html}");
    assert!(html.contains("Enter your postcode or choose your Land."));
    // No problem chosen: the error is at the problem.
    let resp = send_form(&app, "service=&postcode=80331&region=", "en").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"e-problem\""));
    assert!(html.contains("value=\"80331\""));

    // A Land instead of a postcode is a report.
    let resp = send_form(
        &app,
        "service=&problem=no-signal&postcode=&region=DE-BE",
        "en",
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "/providers/o2-de?reported=1&lang=en"
    );
    assert_eq!(app.counted("o2-de").await, 1);
}

#[tokio::test]
async fn the_provider_page_names_things_and_shows_chart_problems_and_map() {
    let app = spawn_app().await;
    let mut reports = Vec::new();
    for i in 0..6 {
        let (problem, region) = if i < 4 {
            ("no-internet", "DE-BY")
        } else {
            ("no-signal", "DE-BE")
        };
        reports.push(
            json!({"provider": "o2-de", "service": "mobile-data", "problem": problem,
                            "region": region, "reporter_token": format!("user-{i}")}),
        );
    }
    let resp = app.post_json(&json!({ "reports": reports })).await;
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let html = page(&app, "/providers/o2-de?lang=en").await;
    // Top problems in % of reporters.
    let top = html.find("Most reported problems").unwrap();
    let no_internet = html[top..].find("No internet").unwrap();
    let no_signal = html[top..].find("No signal").unwrap();
    assert!(no_internet < no_signal, "most reported first");
    assert!(html.contains("<span class=\"pct\">67 %</span>"), "{html}");
    assert!(html.contains("<span class=\"pct\">33 %</span>"));
    // The map: Bavaria darkest, Berlin lighter, the rest none; and the list.
    assert!(html.contains("<svg class=\"map\""));
    assert!(
        html.contains("<th scope=\"row\">Bavaria</th><td>4</td>"),
        "{html}"
    );
    assert!(html.contains("<th scope=\"row\">Berlin</th><td>2</td>"));
    // Länder by their name in the page's language.
    let de = page(&app, "/providers/o2-de?lang=de").await;
    assert!(
        de.contains("<th scope=\"row\">Bayern</th><td>4</td>"),
        "{de}"
    );
    // The chart scales (no fixed width), has its axis, band, legend and a table.
    assert!(html.contains("viewBox=\"0 0 560 200\""));
    assert!(html.contains("class=\"band\"") && html.contains("class=\"axis\""));
    assert!(html.contains("Typical range (same time, last 7 days)"));
    assert!(html.contains("Show the numbers as a table"));
    // Services and systems by name, a subscription link.
    assert!(html.contains("<th scope=\"row\">Mobile internet</th>"));
    assert!(html.contains("LTE (4G) radio access network"));
    assert!(html.contains("href=\"/providers/o2-de/subscribe?lang=en\""));
    assert!(html.contains("href=\"/subscribe?lang=en\""));
    assert!(html.contains("Updated "), "the time of the page");
    for debug in ["5g/gsm/lte/umts", "T12:", ":00Z", "DE-BW, DE-BY"] {
        assert!(!html.contains(debug), "{debug:?} on the page");
    }
    // The overview: every provider with a sparkline and its 24-hour count in words.
    let home = page(&app, "/?lang=en").await;
    assert!(home.contains("6 reports in the last 24 hours"), "{home}");
    assert!(home.contains("class=\"spark\""));
}

#[tokio::test]
async fn the_incident_page_speaks_in_sentences() {
    let app = spawn_app().await;
    may_2017(&app).await;
    app.set_now(NOW + 600);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({ "state": "monitoring" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let en = page(&app, "/incidents/net-1?lang=en").await;
    for want in [
        "<h1>LTE network disruption</h1>",
        "O2 reported the incident. O2 found the cause and is working on a fix.",
        "O2 said: “We are working hard to fix it.”",
        "O2 has put a fix in place and is watching whether it holds.",
        "all of Germany",
        // "Is this related to …?" answered about the other O2 incident, evidence behind a
        // disclosure.
        "“DSL customer management shut down” at O2.",
        "<summary>Why we think so</summary>",
    ] {
        assert!(
            en.contains(want),
            "{want:?} not on the incident page:\n{en}"
        );
    }
    // Outside the evidence disclosures, no ids and no raw records.
    let mut shown = String::new();
    for (i, part) in en.split("<details>").enumerate() {
        shown.push_str(if i == 0 {
            part
        } else {
            part.split_once("</details>").map_or("", |x| x.1)
        });
    }
    for raw in [
        "\"state\"",
        "StateChanged",
        "Declared {",
        "ran-lte",
        "o2-de:",
    ] {
        assert!(!shown.contains(raw), "{raw:?} on the page: {shown}");
    }
    let de = page(&app, "/incidents/net-1?lang=de").await;
    assert!(de.contains("O2 hat die Störung gemeldet."));
    assert!(de.contains("„Kundenverwaltung (DSL) abgeschaltet“ bei O2"));
}

#[tokio::test]
async fn the_history_page_shows_past_incidents_with_updates_and_availability() {
    let app = spawn_app().await;
    may_2017(&app).await;
    app.set_now(NOW + 3 * 3600);
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/net-1")
        .json(&json!({ "state": "resolved" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = page(&app, "/providers/o2-de/history?lang=en").await;
    assert!(html.contains("Past incidents"));
    assert!(html.contains("LTE network disruption"), "{html}");
    assert!(html.contains("We are working hard to fix it."));
    // 90 bars per service; a 3-hour nationwide outage today makes today a bad day for
    // mobile internet, and its 90-day figure less than 100 %.
    assert_eq!(html.matches("<svg class=\"uptime\"").count(), 9, "{html}");
    let mobile = html.find("<span>Mobile internet</span>").unwrap();
    let figure = &html[mobile..mobile + 80];
    assert!(!figure.contains("100.00 %"), "{figure}");
    assert!(html[mobile..].contains("class=\"major\""));
    // SMS did not suffer.
    let sms = html.find("<span>SMS</span>").unwrap();
    assert!(html[sms..sms + 80].contains("100.00 %"));
}

#[tokio::test]
async fn the_live_stream_sends_the_page_fingerprint_and_knows_its_providers() {
    let app = spawn_app().await;
    let mut resp = app.get("/live?provider=o2-de").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), resp.chunk())
        .await
        .expect("an event at once")
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("event: changed"), "{text}");
    assert!(text.contains("data: "), "{text}");
    assert_eq!(app.get("/live?provider=nope").await.status(), 404);
}

/// A crowd asking for a page shares one rendering of it; a write through the node (a
/// statement) shows at once; the reporter's own page (`?reported=1`) is rendered afresh and
/// not kept.
#[tokio::test]
async fn pages_are_kept_as_snapshots_and_made_again_after_a_write() {
    let app = spawn_app().await;
    may_2017(&app).await;
    let renders = || app.state.pages.renders();
    let started = std::time::Instant::now();
    let before = renders();
    let first = page(&app, "/providers/o2-de?lang=en").await;
    for _ in 0..20 {
        assert_eq!(page(&app, "/providers/o2-de?lang=en").await, first);
    }
    // One rendering, and at most one more per second the requests took (a snapshot answers
    // for a second at most): without snapshots there would be 21.
    let made = renders() - before;
    assert!(
        made >= 1 && made <= 1 + started.elapsed().as_secs(),
        "{made} renderings for 21 requests"
    );
    app.statement(
        "net-1",
        json!({"text": {"de": "Erste Standorte sind wieder online.", "en": "First sites are back online."}}),
    )
    .await;
    let before = renders();
    let after = page(&app, "/providers/o2-de?lang=en").await;
    assert!(after.contains("First sites are back online."), "{after}");
    assert_eq!(renders(), before + 1, "the write made the page again");
    // The reporter's page: rendered for them, with the thanks, and not kept for others.
    let mine = page(&app, "/providers/o2-de?lang=en&reported=1").await;
    assert!(mine.contains("your report was received"));
    assert_eq!(renders(), before + 1);
    assert!(!page(&app, "/providers/o2-de?lang=en")
        .await
        .contains("your report was received"));
}
