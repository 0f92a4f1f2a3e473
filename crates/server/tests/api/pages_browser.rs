//! The public pages in a real browser (headless Chromium, as in `browser.rs`): a report
//! through the form is counted, a bad postcode comes back beside its field with the values
//! kept, the language switch changes `lang` and the labels, and at phone width (375 px) no
//! page scrolls sideways. Screenshots of the overview, provider, incident and history pages
//! at desktop and phone width go to `target/e2e/pages-*.png`.

use reqwest::Method;
use serde_json::json;

use crate::browser::driver;
use crate::consoles::may_2017;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, NOW};
use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};

/// Fills in the report form on the page the browser shows and sends it.
async fn fill_and_send(d: &crate::browser::Driver, service: &str, problem: &str, postcode: &str) {
    d.click(&format!("#f-service option[value='{service}']"))
        .await;
    d.click(&format!("input[name=problem][value='{problem}']"))
        .await;
    let pc = d.find("#f-postcode").await;
    d.type_into(&pc, postcode).await;
    d.click("form.report button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_reports_through_the_form_and_sees_it_counted() {
    let Some(d) = driver("browser_reports_through_the_form_and_sees_it_counted").await else {
        return;
    };
    let app = spawn_app().await;
    d.goto(&format!("{}/providers/o2-de?lang=en", app.base))
        .await;
    fill_and_send(&d, "mobile-data", "no-internet", "80331").await;
    d.wait_until(|| async { d.url().await.contains("reported=1") })
        .await;
    let html = d.source().await;
    assert!(
        html.contains("Thank you: your report was received."),
        "{html}"
    );
    assert_eq!(app.counted("o2-de").await, 1);
    // Counted on the page: in the problems, the map's list and the chart's table.
    assert!(html.contains("<span class=\"pct\">100 %</span>"), "{html}");
    assert!(html.contains("<th scope=\"row\">Bavaria</th><td>1</td>"));
    let rows = d
        .exec("return [...document.querySelectorAll('details.table tbody tr td:nth-child(2)')].reduce((s, td) => s + Number(td.textContent), 0)")
        .await;
    assert_eq!(rows, json!(1), "the chart's table counts the report");
    d.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_bad_postcode_shows_the_error_beside_the_field_with_values_kept() {
    let Some(d) =
        driver("browser_bad_postcode_shows_the_error_beside_the_field_with_values_kept").await
    else {
        return;
    };
    let app = spawn_app().await;
    d.goto(&format!("{}/providers/o2-de?lang=de", app.base))
        .await;
    fill_and_send(&d, "sms", "no-sms", "123").await;
    d.wait_until(|| async { d.source().await.contains("id=\"e-postcode\"") })
        .await;
    let state = d
        .exec(
            "const err = document.getElementById('e-postcode');
             const input = document.getElementById('f-postcode');
             return {
               sameField: err.closest('.field') === input.closest('.field'),
               described: input.getAttribute('aria-describedby'),
               text: err.textContent,
               postcode: input.value,
               service: document.getElementById('f-service').value,
               problem: document.querySelector('input[name=problem]:checked').value,
               lang: document.documentElement.lang,
               // The error is on screen near the field, not somewhere below the form.
               gap: input.getBoundingClientRect().top - err.getBoundingClientRect().bottom
             };",
        )
        .await;
    assert_eq!(state["sameField"], true, "{state}");
    assert_eq!(state["described"], "h-postcode e-postcode");
    assert!(
        state["text"].as_str().unwrap().contains("fünf Ziffern"),
        "{state}"
    );
    assert_eq!(state["postcode"], "123");
    assert_eq!(state["service"], "sms");
    assert_eq!(state["problem"], "no-sms");
    assert_eq!(state["lang"], "de");
    assert!(state["gap"].as_f64().unwrap() < 60.0, "{state}");
    assert_eq!(app.counted("o2-de").await, 0);
    d.screenshot("pages-form-error.png").await;
    d.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_switches_the_language() {
    let Some(d) = driver("browser_switches_the_language").await else {
        return;
    };
    let app = spawn_app().await;
    d.goto(&format!("{}/providers/o2-de?lang=en", app.base))
        .await;
    let label =
        "return [document.documentElement.lang, document.getElementById('report').textContent]";
    assert_eq!(d.exec(label).await, json!(["en", "Report a problem"]));
    d.click("header nav a[hreflang=de]").await;
    d.wait_until(|| async { d.url().await.contains("lang=de") })
        .await;
    assert_eq!(d.exec(label).await, json!(["de", "Störung melden"]));
    // And back, from the German page.
    d.click("header nav a[hreflang=en]").await;
    d.wait_until(|| async { d.url().await.contains("lang=en") })
        .await;
    assert_eq!(d.exec(label).await, json!(["en", "Report a problem"]));
    d.quit().await;
    app.stop().await;
}

/// Eight quiet days of O2 reports (a daily rhythm, a few users per quarter hour) and, in the
/// last 90 minutes, the reports of an outage in several Länder: what the chart, the problems
/// and the map show in the screenshots.
fn a_week_and_an_outage() -> Vec<Report> {
    let o2 = ProviderId::parse("o2-de").unwrap();
    let data = ServiceId::parse("mobile-data").unwrap();
    let mut out = Vec::new();
    let mut key = 0u32;
    let mut push = |t: i64, problem: Problem, region: &str| {
        key += 1;
        let mut k = [0u8; 16];
        k[..4].copy_from_slice(&key.to_be_bytes());
        out.push(Report {
            time: Timestamp(t),
            provider: o2.clone(),
            service: Some(data.clone()),
            problem,
            region: RegionId::parse(region).unwrap(),
            reporter: ReporterKey(k),
            source: Source::Web,
        });
    };
    let lands = [
        "DE-NW", "DE-BY", "DE-BW", "DE-NI", "DE-HE", "DE-BE", "DE-SN", "DE-HH",
    ];
    let start = NOW - 8 * 86_400;
    for q in 0..(8 * 96 - 6) {
        let t = start + q * 900;
        // The days start at 12:00 UTC; busier by day than by night.
        let hour = ((q % 96) / 4 + 12) % 24;
        let n = match hour {
            0..=4 => 1,
            5..=6 | 20..=23 => 3,
            _ => 4 + (q % 2),
        } + (q / 96 * 5 + q) % 4;
        for i in 0..n {
            push(
                t + i * 60,
                Problem::ALL[(q + i) as usize % 4],
                lands[(q + i) as usize % lands.len()],
            );
        }
    }
    for q in 0..6 {
        let t = NOW - (6 - q) * 900;
        let n = [6, 25, 60, 85, 70, 55][q as usize];
        for i in 0..n {
            let problem = [
                Problem::NoInternet,
                Problem::NoInternet,
                Problem::NoSignal,
                Problem::SlowInternet,
                Problem::NoCalls,
            ][(i % 5) as usize];
            let region = [
                "DE-BY", "DE-BY", "DE-BY", "DE-BW", "DE-NW", "DE-NW", "DE-HE", "DE-SN", "DE-BE",
                "DE-TH",
            ][(i % 10) as usize];
            push(t + (i * 7) % 900, problem, region);
        }
    }
    out
}

/// The May 2017 incidents over that week; the CRM shutdown resolved, for the history.
async fn scene() -> TestApp {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), &a_week_and_an_outage()).await;
    may_2017(&app).await;
    let resp = app
        .operator(Method::PATCH, "/api/v1/incidents/sec-1")
        .json(&json!({ "state": "resolved" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_fit_a_phone_and_are_photographed() {
    let Some(d) = driver("browser_pages_fit_a_phone_and_are_photographed").await else {
        return;
    };
    let app = scene().await;
    let pages = [
        ("overview", "/?lang=en"),
        ("provider", "/providers/o2-de?lang=en"),
        ("incident", "/incidents/net-1?lang=en"),
        ("history", "/providers/o2-de/history?lang=en"),
        ("provider-de", "/providers/o2-de?lang=de"),
    ];
    d.resize(1280, 1600).await;
    for (name, path) in pages {
        d.goto(&format!("{}{path}", app.base)).await;
        d.screenshot(&format!("pages-{name}-desktop.png")).await;
    }
    d.resize(375, 812).await;
    let inner = d.exec("return window.innerWidth").await;
    assert!(
        inner.as_u64().is_some_and(|w| w <= 400),
        "the window did not become phone-sized: {inner}"
    );
    for (name, path) in pages {
        d.goto(&format!("{}{path}", app.base)).await;
        let fit = d
            .exec(
                "return [document.documentElement.scrollWidth, window.innerWidth,
                  [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .filter(e => !e.closest('.table-wrap'))
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)]",
            )
            .await;
        let (scroll, width) = (fit[0].as_u64().unwrap(), fit[1].as_u64().unwrap());
        assert!(
            scroll <= width,
            "{path} scrolls sideways on a phone: scrollWidth {scroll} > innerWidth {width}; too wide: {}",
            fit[2]
        );
        d.screenshot(&format!("pages-{name}-phone.png")).await;
    }
    d.quit().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_page_updates_itself_when_a_statement_is_published() {
    let Some(d) = driver("browser_page_updates_itself_when_a_statement_is_published").await else {
        return;
    };
    let app = spawn_app().await;
    may_2017(&app).await;
    d.goto(&format!("{}/providers/o2-de?lang=en", app.base))
        .await;
    // Something typed into the form must survive the update.
    let pc = d.find("#f-postcode").await;
    d.type_into(&pc, "10115").await;
    // The page has opened its event stream (the CSP let the script run).
    d.wait_until(|| async {
        d.exec("return document.querySelector('[data-live=\\'/live?provider=o2-de\\']').getAttribute('data-open') === '1'")
            .await
            == json!(true)
    })
    .await;
    app.statement(
        "net-1",
        json!({"text": {"de": "Erste Standorte sind wieder online.", "en": "First sites are back online."}}),
    )
    .await;
    let mut seen = false;
    for _ in 0..200 {
        if d.source().await.contains("First sites are back online.") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the page did not update within 20 s:\n{}",
        d.source().await
    );
    assert!(
        d.url().await.ends_with("/providers/o2-de?lang=en"),
        "no navigation"
    );
    assert_eq!(
        d.exec("return document.getElementById('f-postcode').value")
            .await,
        json!("10115"),
        "the form keeps what was typed"
    );
    d.quit().await;
    app.stop().await;
}
