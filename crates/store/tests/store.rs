//! Store tests: every body runs against SQLite and PostgreSQL through `store_test!`.
//!
//! PostgreSQL comes from `RADAR_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it is unreachable the PostgreSQL case prints
//! why and passes, unless `RADAR_REQUIRE_SERVICES=1`, which makes it fail.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use radar_store::{postgres::PostgresStore, sqlite::SqliteStore, MinuteCount, ReportId, Store};

fn pg_url() -> String {
    std::env::var("RADAR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn services_required() -> bool {
    std::env::var("RADAR_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

/// A fresh PostgreSQL schema per test, or `None` (skip) when PostgreSQL is unreachable.
async fn postgres_store(test: &str) -> Option<(Arc<dyn Store>, String)> {
    let schema = format!(
        "t_{}_{}_{}",
        test,
        std::process::id(),
        SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst)
    );
    match PostgresStore::connect(&pg_url(), Some(&schema)).await {
        Ok(s) => Some((Arc::new(s), schema)),
        Err(e) if !services_required() => {
            eprintln!("skipping PostgreSQL case of {test}: {e} (set RADAR_REQUIRE_SERVICES=1 to fail instead)");
            None
        }
        Err(e) => panic!("PostgreSQL is required (RADAR_REQUIRE_SERVICES=1) but unreachable: {e}"),
    }
}

async fn drop_schema(schema: &str) {
    if let Ok((client, conn)) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
}

macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let store: Arc<dyn Store> = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
                ($body)(store).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some((store, schema)) = postgres_store(stringify!($name)).await {
                    ($body)(store).await;
                    drop_schema(&schema).await;
                }
            }
        }
    };
}

fn report(t: i64, provider: &str, reporter: u8) -> Report {
    Report {
        time: Timestamp(t),
        provider: ProviderId::parse(provider).unwrap(),
        service: Some(ServiceId::parse("mobile-data").unwrap()),
        problem: Problem::NoInternet,
        region: RegionId::parse("DE-BY").unwrap(),
        reporter: ReporterKey([reporter; 16]),
        source: Source::Web,
    }
}

store_test!(ping_answers_on_an_empty_and_a_filled_store, |store: Arc<
    dyn Store,
>| async move {
    store.ping().await.unwrap();
    store
        .insert_reports(&[report(60, "o2-de", 1)])
        .await
        .unwrap();
    store.ping().await.unwrap();
});

store_test!(
    report_tally_counts_distinct_reporters_per_problem_and_region,
    |store: Arc<dyn Store>| async move {
        let t0 = 1_494_950_400;
        let mut other = report(t0 + 5, "o2-de", 3);
        other.problem = Problem::NoSignal;
        other.region = RegionId::parse("DE-BE").unwrap();
        store
            .insert_reports(&[
                report(t0 + 1, "o2-de", 1),
                report(t0 + 2, "o2-de", 1),
                report(t0 + 3, "o2-de", 2),
                other,
                report(t0 + 4, "telekom-de", 4),
                report(t0 + 7200, "o2-de", 5),
            ])
            .await
            .unwrap();
        let tally = store
            .report_tally(
                &ProviderId::parse("o2-de").unwrap(),
                Timestamp(t0),
                Timestamp(t0 + 3600),
            )
            .await
            .unwrap();
        let got: Vec<(Problem, &str, u64)> = tally
            .iter()
            .map(|t| (t.problem, t.region.as_str(), t.reporters))
            .collect();
        // Reporter 1 twice counts once; telekom and the report after `until` are left out.
        assert_eq!(
            got,
            vec![
                (Problem::NoInternet, "DE-BY", 2),
                (Problem::NoSignal, "DE-BE", 1)
            ]
        );
    }
);

store_test!(insert_and_count, |store: Arc<dyn Store>| async move {
    let t0 = 1_494_950_400; // 2017-05-16T16:00:00Z, a minute boundary
    let batch = vec![
        report(t0 + 1, "o2-de", 1),
        report(t0 + 2, "o2-de", 1),
        report(t0 + 3, "o2-de", 2),
        report(t0 + 61, "o2-de", 3),
        report(t0 + 5, "telekom-de", 4),
    ];
    let ids = store.insert_reports(&batch).await.unwrap();
    assert_eq!(ids.len(), 5);
    assert_eq!(store.report_count().await.unwrap(), 5);
    let counts = store
        .minute_counts(
            &ProviderId::parse("o2-de").unwrap(),
            Timestamp(t0),
            Timestamp(t0 + 3600),
        )
        .await
        .unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!(counts[0].minute, Timestamp(t0));
    assert_eq!(counts[0].reports, 3);
    assert_eq!(counts[0].reporters, 2);
    assert_eq!(counts[1].reports, 1);
});

store_test!(
    minute_counts_kept_at_commit_match_the_reports,
    |store: Arc<dyn Store>| async move {
        // Batches that overlap in minutes and repeat reporters, a report sent twice in one
        // batch, a whole batch sent again, two providers, and a minute far in the past.
        let t0 = 1_800_000_020 - 20; // a minute boundary
        let mut all: Vec<Report> = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for b in 0..12 {
            let mut batch: Vec<Report> = (0..40)
                .map(|_| {
                    let provider = if next(4) == 0 { "telekom-de" } else { "o2-de" };
                    report(t0 + next(300) as i64, provider, next(9) as u8)
                })
                .collect();
            batch.push(batch[0].clone());
            if b == 5 {
                batch.push(report(1_000_000_000, "o2-de", 3));
            }
            store.insert_reports(&batch).await.unwrap();
            if b % 4 == 0 {
                store.insert_reports(&batch).await.unwrap();
            }
            all.extend(batch);
        }
        all.sort_by_key(|r| (r.time, ReportId::of(r)));
        all.dedup_by_key(|r| ReportId::of(r));
        for provider in ["o2-de", "telekom-de"] {
            let p = ProviderId::parse(provider).unwrap();
            let mut expected: std::collections::BTreeMap<
                i64,
                (u64, std::collections::BTreeSet<u8>),
            > = Default::default();
            for r in all.iter().filter(|r| r.provider == p) {
                let e = expected.entry(r.time.0.div_euclid(60) * 60).or_default();
                e.0 += 1;
                e.1.insert(r.reporter.0[0]);
            }
            let got = store
                .minute_counts(&p, Timestamp(0), Timestamp(t0 + 3600))
                .await
                .unwrap();
            let want: Vec<MinuteCount> = expected
                .into_iter()
                .map(|(m, (n, who))| MinuteCount {
                    minute: Timestamp(m),
                    reports: n,
                    reporters: who.len() as u64,
                })
                .collect();
            assert_eq!(got, want, "{provider}");
        }
        // A range that starts and ends inside minutes covers those whole minutes.
        let p = ProviderId::parse("o2-de").unwrap();
        let part = store
            .minute_counts(&p, Timestamp(t0 + 61), Timestamp(t0 + 121))
            .await
            .unwrap();
        assert!(part
            .iter()
            .all(|c| c.minute.0 == t0 + 60 || c.minute.0 == t0 + 120));
    }
);

store_test!(idempotent_inserts, |store: Arc<dyn Store>| async move {
    let batch: Vec<Report> = (0..50)
        .map(|i| report(1_000_000 + i, "o2-de", i as u8))
        .collect();
    let a = store.insert_reports(&batch).await.unwrap();
    let b = store.insert_reports(&batch).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(store.report_count().await.unwrap(), 50);
    // Duplicates inside one batch are stored once too.
    let dup = vec![report(5, "o2-de", 9), report(5, "o2-de", 9)];
    store.insert_reports(&dup).await.unwrap();
    assert_eq!(store.report_count().await.unwrap(), 51);
});

store_test!(pages_in_time_order, |store: Arc<dyn Store>| async move {
    let batch: Vec<Report> = (0..25)
        .rev()
        .map(|i| report(2_000_000 + i / 2, "o2-de", i as u8))
        .collect();
    store.insert_reports(&batch).await.unwrap();
    let mut after = None;
    let mut seen: Vec<(ReportId, Report)> = Vec::new();
    loop {
        let page = store
            .reports_page(Timestamp(2_000_000), after, 7)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|(id, r)| (r.time, *id));
        seen.extend(page);
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0].1.time <= w[1].1.time));
    let roundtrip = seen
        .iter()
        .find(|(_, r)| r.reporter == ReporterKey([3; 16]))
        .unwrap();
    assert_eq!(roundtrip.1, report(2_000_000 + 1, "o2-de", 3));
});

store_test!(
    reopen_keeps_data_and_schema,
    |store: Arc<dyn Store>| async move {
        // Migrations are idempotent: the same store type opened again sees the same data.
        store
            .insert_reports(&[report(42, "o2-de", 1)])
            .await
            .unwrap();
        assert_eq!(store.report_count().await.unwrap(), 1);
    }
);

store_test!(
    blocking_insert_matches_async,
    |store: Arc<dyn Store>| async move {
        // Backends that write synchronously give the same ids and the same idempotency.
        let batch: Vec<Report> = (0..20)
            .map(|i| report(3_000_000 + i / 4, "o2-de", i as u8))
            .collect();
        let store2 = store.clone();
        let copy = batch.clone();
        let blocking =
            tokio::task::spawn_blocking(move || store2.insert_reports_blocking(&copy, None))
                .await
                .unwrap();
        match blocking {
            Some(ids) => {
                let ids = ids.unwrap();
                assert_eq!(ids, batch.iter().map(ReportId::of).collect::<Vec<_>>());
                assert_eq!(store.insert_reports(&batch).await.unwrap(), ids);
            }
            None => {
                store.insert_reports(&batch).await.unwrap();
            }
        }
        assert_eq!(store.report_count().await.unwrap(), 20);
    }
);

/// All reports of a paged read from `since`.
async fn all_pages(store: &dyn Store, warmup: bool) -> Vec<Report> {
    let mut after = None;
    let mut out = Vec::new();
    loop {
        let page = if warmup {
            store
                .warmup_page(Timestamp(0), Timestamp(i64::MAX), after, 2)
                .await
                .unwrap()
        } else {
            store.reports_page(Timestamp(0), after, 2).await.unwrap()
        };
        let Some(last) = page.last() else { break };
        after = Some((last.1.time, last.0));
        out.extend(page.into_iter().map(|(_, r)| r));
    }
    out
}

store_test!(warmup_reads_what_live_detection_counted, |store: Arc<
    dyn Store,
>| async move {
    let counted = report(600, "o2-de", 1);
    let late = report(601, "o2-de", 2);
    let imported = report(602, "o2-de", 3);
    let live = [true, false];
    store
        .insert_reports_with(&[counted.clone(), late.clone()], Some(&live))
        .await
        .unwrap();
    store
        .insert_reports(std::slice::from_ref(&imported))
        .await
        .unwrap();
    // Stored again (a retry): stored once, and its flag stays.
    store
        .insert_reports_with(std::slice::from_ref(&late), Some(&[true]))
        .await
        .unwrap();
    assert_eq!(
        all_pages(&*store, false).await,
        [counted.clone(), late, imported.clone()]
    );
    assert_eq!(all_pages(&*store, true).await, [counted, imported]);
    // One flag per report, or none.
    let err = store
        .insert_reports_with(&[report(700, "o2-de", 4)], Some(&[]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("one per report"), "{err}");
    assert_eq!(store.report_count().await.unwrap(), 3);
});

#[tokio::test]
async fn sqlite_store_of_the_previous_schema_is_migrated_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A store as the previous version left it: reports without the `live` column.
        let conn = rusqlite::Connection::open(dir.path().join("radar.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version (version) VALUES (1), (2), (3), (4);
             CREATE TABLE reports (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, time INTEGER NOT NULL,
                 provider TEXT NOT NULL, service TEXT, problem TEXT NOT NULL, region TEXT NOT NULL,
                 reporter BLOB NOT NULL, source TEXT NOT NULL);
             CREATE UNIQUE INDEX reports_time_id ON reports (time, id);
             CREATE TABLE probes (provider TEXT NOT NULL, comp_provider TEXT NOT NULL,
                 component TEXT NOT NULL, region TEXT NOT NULL, time BIGINT NOT NULL,
                 ok SMALLINT NOT NULL);",
        )
        .unwrap();
        let r = report(42, "o2-de", 1);
        conn.execute(
            "INSERT INTO reports (id, time, provider, service, problem, region, reporter, source)
             VALUES (?1, 42, 'o2-de', 'mobile-data', 'no-internet', 'DE-BY', ?2, 'web')",
            rusqlite::params![&ReportId::of(&r).0[..], &r.reporter.0[..]],
        )
        .unwrap();
    }
    let s = SqliteStore::open_dir(dir.path()).unwrap();
    // Reports from before the flag count at warm-up, as they always did.
    assert_eq!(all_pages(&s, true).await, [report(42, "o2-de", 1)]);
    s.insert_reports_with(&[report(43, "o2-de", 2)], Some(&[false]))
        .await
        .unwrap();
    assert_eq!(all_pages(&s, true).await.len(), 1);
    assert_eq!(s.report_count().await.unwrap(), 2);
    // The per-minute counts include the report stored before they were kept.
    let counts = s
        .minute_counts(
            &ProviderId::parse("o2-de").unwrap(),
            Timestamp(0),
            Timestamp(120),
        )
        .await
        .unwrap();
    assert_eq!(
        counts,
        [MinuteCount {
            minute: Timestamp(0),
            reports: 2,
            reporters: 2
        }]
    );
}

#[tokio::test]
async fn sqlite_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = SqliteStore::open_dir(dir.path()).unwrap();
        s.insert_reports(&[report(42, "o2-de", 1)]).await.unwrap();
    }
    let s = SqliteStore::open_dir(dir.path()).unwrap();
    assert_eq!(s.report_count().await.unwrap(), 1);
}

#[tokio::test]
async fn sqlite_open_error_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = SqliteStore::open_dir(&file).err().unwrap().to_string();
    assert!(err.contains("not-a-dir"), "{err}");
}

fn incident(id: &str) -> radar_core::incident::Incident {
    incident_at(id, "o2-de", "crm-dsl", 1_494_604_800)
}

fn incident_at(
    id: &str,
    provider: &str,
    component: &str,
    start: i64,
) -> radar_core::incident::Incident {
    use radar_core::event::{IncidentCategory, IncidentId, LocalizedText};
    use radar_core::incident::{Declaration, Incident};
    let title = LocalizedText(
        [("de", "Abschaltung"), ("en", "Shutdown")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    );
    Incident::declare(
        Declaration {
            id: Some(IncidentId::parse(id).unwrap()),
            provider: Some(ProviderId::parse(provider).unwrap()),
            category: Some(IncidentCategory::Security),
            title: Some(title),
            components: vec![component.into()],
            ..Declaration::default()
        },
        &radar_core::topology::germany::topology(),
        Timestamp(start),
        || unreachable!(),
        true,
    )
    .unwrap()
}

store_test!(incidents_with_optimistic_versions, |store: Arc<
    dyn Store,
>| async move {
    let mut inc = incident("sec-1");
    assert_eq!(store.put_incident(&inc, None).await.unwrap(), 1);
    // Creating it again is a conflict, not an overwrite.
    assert!(matches!(
        store.put_incident(&inc, None).await,
        Err(radar_store::StoreError::Conflict { .. })
    ));
    inc.state = radar_core::event::IncidentState::Resolved;
    assert_eq!(store.put_incident(&inc, Some(1)).await.unwrap(), 2);
    // A writer that read version 1 loses.
    let err = store.put_incident(&inc, Some(1)).await.unwrap_err();
    assert!(err.to_string().contains("reload and retry"), "{err}");
    let all = store.incidents().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].version, 2);
    assert_eq!(all[0].incident, inc);
});

store_test!(
    incidents_by_id_and_by_provider,
    |store: Arc<dyn Store>| async move {
        let o2_late = incident_at("o2-late", "o2-de", "crm-dsl", 2_000);
        let o2_early = incident_at("o2-early", "o2-de", "crm-dsl", 1_000);
        let telekom = incident_at("tk-1", "telekom-de", "dns", 1_500);
        for inc in [&o2_late, &o2_early, &telekom] {
            store.put_incident(inc, None).await.unwrap();
        }
        let found = store.incident("tk-1").await.unwrap().expect("stored");
        assert_eq!((found.incident, found.version), (telekom.clone(), 1));
        assert!(store.incident("tk-2").await.unwrap().is_none());
        let o2: Vec<String> = store
            .incidents_of(&ProviderId::parse("o2-de").unwrap())
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.incident.id.to_string())
            .collect();
        assert_eq!(o2, ["o2-early", "o2-late"]);
        let none = store
            .incidents_of(&ProviderId::parse("1und1-de").unwrap())
            .await
            .unwrap();
        assert!(none.is_empty());
    }
);

store_test!(component_statuses_keep_the_latest, |store: Arc<
    dyn Store,
>| async move {
    use radar_core::event::ComponentStatus;
    let c = radar_core::topology::ComponentRef {
        provider: ProviderId::parse("o2-de").unwrap(),
        component: radar_core::ComponentId::parse("crm-dsl").unwrap(),
    };
    store
        .put_component_status(&c, ComponentStatus::MajorOutage, Timestamp(10))
        .await
        .unwrap();
    store
        .put_component_status(&c, ComponentStatus::Operational, Timestamp(20))
        .await
        .unwrap();
    let all = store.component_statuses().await.unwrap();
    assert_eq!(all, vec![(c, ComponentStatus::Operational, Timestamp(20))]);
});

store_test!(
    failed_probes_in_a_time_window,
    |store: Arc<dyn Store>| async move {
        use radar_core::event::{ComponentName, ProbeEvent};
        let probe = |t: i64, component: &str, region: &str, ok: bool| ProbeEvent {
            time: Timestamp(t),
            provider: ProviderId::parse("1und1-de").unwrap(),
            component: ComponentName::parse(component).unwrap(),
            region: RegionId::parse(region).unwrap(),
            ok,
        };
        store
            .insert_probe(&probe(100, "mobile-core", "DE-BY", false))
            .await
            .unwrap();
        store
            .insert_probe(&probe(200, "o2-de:mobile-core", "DE-HH", false))
            .await
            .unwrap();
        store
            .insert_probe(&probe(300, "mobile-core", "DE-BY", true))
            .await
            .unwrap();
        store
            .insert_probe(&probe(900, "mobile-core", "DE-BE", false))
            .await
            .unwrap();
        let failed = store
            .failed_probes(Timestamp(100), Timestamp(500))
            .await
            .unwrap();
        let got: Vec<(String, String, i64)> = failed
            .iter()
            .map(|(c, r, t)| (c.to_string(), r.to_string(), t.0))
            .collect();
        // Successes and probes outside the window are left out; another provider's component
        // named as `provider:component` keeps its owner.
        assert_eq!(
            got,
            [
                ("1und1-de:mobile-core".to_owned(), "DE-BY".to_owned(), 100),
                ("o2-de:mobile-core".to_owned(), "DE-HH".to_owned(), 200),
            ]
        );
    }
);

store_test!(
    isolated_probe_flaps_are_left_out_of_the_failed_probes,
    |store: Arc<dyn Store>| async move {
        use radar_core::event::{ComponentName, ProbeEvent};
        // Checks of one probe every five minutes: two flaps fifteen minutes apart, each between
        // passed checks; then two failures in a row; then one failure whose next check has not
        // come yet. Another probe reports failures only (no neighbours known).
        let checks = [
            (0, true),
            (300, false),
            (600, true),
            (900, true),
            (1200, false),
            (1500, true),
            (1800, false),
            (2100, false),
            (2400, true),
            (2700, false),
        ];
        for (t, ok) in checks {
            store
                .insert_probe(&ProbeEvent {
                    time: Timestamp(t),
                    provider: ProviderId::parse("o2-de").unwrap(),
                    component: ComponentName::parse("dns").unwrap(),
                    region: RegionId::parse("DE-BY").unwrap(),
                    ok,
                })
                .await
                .unwrap();
        }
        store
            .insert_probe(&ProbeEvent {
                time: Timestamp(1250),
                provider: ProviderId::parse("o2-de").unwrap(),
                component: ComponentName::parse("dns").unwrap(),
                region: RegionId::parse("DE-HH").unwrap(),
                ok: false,
            })
            .await
            .unwrap();
        let by = |t: i64| ("DE-BY".to_owned(), t);
        // The whole history, and a window that starts after the flap at 1200's previous check:
        // that check is found before the window's start, so the flap stays out there too, and
        // the failure at 2100 (after a failure at 1800) stays in.
        for since in [0, 1000] {
            let failed: Vec<(String, i64)> = store
                .failed_probes(Timestamp(since), Timestamp(i64::MAX))
                .await
                .unwrap()
                .iter()
                .map(|(_, r, t)| (r.to_string(), t.0))
                .collect();
            assert_eq!(
                failed,
                [("DE-HH".to_owned(), 1250), by(1800), by(2100), by(2700)],
                "since {since}"
            );
        }
    }
);

store_test!(
    partitions_decide_what_counts_and_close_forward_only,
    |store: Arc<dyn Store>| async move {
        let o2 = ProviderId::parse("o2-de").unwrap();
        assert!(store.closed_minutes().await.unwrap().is_empty());
        // Nothing closed yet: everything counts.
        let (ids, counted) = store
            .insert_reports_gated(&[report(60, "o2-de", 1), report(130, "telekom-de", 2)])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(counted, [true, true]);
        // Minutes before 2 of o2-de close: a report of minute 1 is stored, not counted; minute 2
        // and other providers still count.
        assert_eq!(store.close_minutes(&o2, 2).await.unwrap(), 2);
        let (_, counted) = store
            .insert_reports_gated(&[
                report(119, "o2-de", 3),
                report(120, "o2-de", 4),
                report(119, "telekom-de", 5),
            ])
            .await
            .unwrap();
        assert_eq!(counted, [false, true, true]);
        // The mark never moves back.
        assert_eq!(store.close_minutes(&o2, 1).await.unwrap(), 2);
        let marks = store.closed_minutes().await.unwrap();
        assert!(marks.contains(&(o2.clone(), 2)), "{marks:?}");
        // Warm-up reads the counted ones, before `until`.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .warmup_page(Timestamp(0), Timestamp(120), after, 2)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some((last.1.time, last.0));
            seen.extend(page.into_iter().map(|(_, r)| (r.time.0, r.reporter.0[0])));
        }
        assert_eq!(seen, [(60, 1), (119, 5)]);
        // Stored again (a redelivery): stored once, its first decision kept.
        let (_, _) = store
            .insert_reports_gated(&[report(119, "o2-de", 3)])
            .await
            .unwrap();
        assert_eq!(store.report_count().await.unwrap(), 5);
    }
);

store_test!(
    a_lease_is_held_by_one_session_until_it_ends,
    |store: Arc<dyn Store>| async move {
        let a = store.lease_session().await.unwrap();
        assert!(a.try_take("partition:o2-de").await.unwrap());
        assert!(a.try_take("partition:o2-de").await.unwrap(), "held already");
        a.check().await.unwrap();
        if store.backend() == "postgres" {
            let b = store.lease_session().await.unwrap();
            assert!(!b.try_take("partition:o2-de").await.unwrap());
            assert!(b.try_take("partition:telekom-de").await.unwrap());
            drop(a);
            // The lock goes with the session's connection, which closes in the background.
            let mut taken = false;
            for _ in 0..100 {
                if b.try_take("partition:o2-de").await.unwrap() {
                    taken = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(taken, "the lease was not released with its session");
        }
    }
);

store_test!(
    the_first_value_agreed_on_wins,
    |store: Arc<dyn Store>| async move {
        assert_eq!(store.agree("fingerprint", "aaa").await.unwrap(), "aaa");
        assert_eq!(store.agree("fingerprint", "bbb").await.unwrap(), "aaa");
        assert_eq!(store.agree("other", "bbb").await.unwrap(), "bbb");
    }
);

fn sample(
    t: i64,
    signal: &str,
    region: Option<&str>,
    value: f64,
) -> radar_core::signal::SignalSample {
    radar_core::signal::SignalSample {
        time: Timestamp(t),
        provider: ProviderId::parse("o2-de").unwrap(),
        signal: radar_core::ids::SignalId::parse(signal).unwrap(),
        region: region.map(|r| RegionId::parse(r).unwrap()),
        value,
    }
}

store_test!(
    signal_samples_are_stored_once_and_read_by_series_and_time,
    |store: Arc<dyn Store>| async move {
        let a = vec![
            sample(600, "hotline-wait", None, 120.0),
            sample(900, "hotline-wait", None, 2400.5),
            sample(900, "hotline-wait", Some("DE-BY"), 7.0),
            sample(900, "calls-waiting", None, 3.0),
        ];
        assert_eq!(store.insert_signal_samples(&a).await.unwrap(), 4);
        // A retry stores nothing twice and keeps the first value.
        let retry = vec![
            sample(900, "hotline-wait", None, 1.0),
            sample(1200, "hotline-wait", None, 60.0),
        ];
        assert_eq!(store.insert_signal_samples(&retry).await.unwrap(), 1);
        assert_eq!(store.insert_signal_samples(&[]).await.unwrap(), 0);
        let p = ProviderId::parse("o2-de").unwrap();
        let wait = radar_core::ids::SignalId::parse("hotline-wait").unwrap();
        let got = store
            .signal_samples(&p, &wait, None, Timestamp(0), Timestamp(1200))
            .await
            .unwrap();
        assert_eq!(
            got,
            [
                sample(600, "hotline-wait", None, 120.0),
                sample(900, "hotline-wait", None, 2400.5),
                sample(1200, "hotline-wait", None, 60.0),
            ]
        );
        let by = RegionId::parse("DE-BY").unwrap();
        let got = store
            .signal_samples(&p, &wait, Some(&by), Timestamp(0), Timestamp(5000))
            .await
            .unwrap();
        assert_eq!(got, [sample(900, "hotline-wait", Some("DE-BY"), 7.0)]);
        let got = store
            .signal_samples(&p, &wait, None, Timestamp(700), Timestamp(1000))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        let all = store
            .all_signal_samples(Timestamp(900), Timestamp(900))
            .await
            .unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all.iter().all(|s| s.time == Timestamp(900)));
    }
);

#[path = "store/accounts.rs"]
mod accounts;

#[path = "store/subscriptions.rs"]
mod subscriptions;
