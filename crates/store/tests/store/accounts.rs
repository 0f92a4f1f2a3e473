//! Accounts, sessions, tokens and the audit log on both backends; the three tamperings of a
//! stored audit log (an entry altered, removed, moved) made with SQL behind the store's back,
//! each named by `radar_core::audit::verify`.

use std::sync::Arc;

use radar_core::account::{Permission, Role};
use radar_core::audit::{verify, AuditDraft, AuditEntry, Tamper};
use radar_core::Timestamp;
use radar_store::accounts::{ApiToken, Session, User, UserChange};
use radar_store::{postgres::PostgresStore, sqlite::SqliteStore, Store, StoreError};

use super::{drop_schema, pg_url, postgres_store};

/// Raw SQL on the store's own tables, as someone with access to the database would run it.
enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Raw {
    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Raw::Postgres(schema) => {
                let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\"; {sql}"))
                    .await
                    .unwrap();
            }
        }
    }
}

macro_rules! raw_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let store: Arc<dyn Store> = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
                ($body)(store, Raw::Sqlite(dir.path().join("radar.db"))).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some((store, schema)) = postgres_store(stringify!($name)).await {
                    ($body)(store, Raw::Postgres(schema.clone())).await;
                    drop_schema(&schema).await;
                }
            }
        }
    };
}

fn draft(n: i64, action: &str, target: &str) -> AuditDraft {
    AuditDraft {
        time: Timestamp(1_800_000_000 + n),
        actor: "user:olga".into(),
        action: action.into(),
        target: target.into(),
        before: (n > 1).then(|| format!("{{\"v\":{}}}", n - 1)),
        after: Some(format!("{{\"v\":{n}}}")),
    }
}

fn user(name: &str, role: Role) -> User {
    User {
        name: name.into(),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created: Timestamp(1_800_000_000),
    }
}

async fn log_of(store: &dyn Store) -> Vec<AuditEntry> {
    store.accounts().audit_page(0, 1000).await.unwrap()
}

raw_test!(
    accounts_sessions_and_tokens,
    |store: Arc<dyn Store>, _raw: Raw| async move {
        let a = store.accounts();
        a.add_user(&user("olga", Role::Operator), draft(1, "user.add", "olga"))
            .await
            .unwrap();
        a.add_user(&user("anna", Role::Agent), draft(2, "user.add", "anna"))
            .await
            .unwrap();
        assert!(matches!(
            a.add_user(&user("olga", Role::Admin), draft(3, "user.add", "olga"))
                .await,
            Err(StoreError::Exists(_))
        ));
        let names: Vec<String> = a
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["anna", "olga"]);
        assert_eq!(a.user("olga").await.unwrap().unwrap().role, Role::Operator);
        assert!(a.user("nobody").await.unwrap().is_none());

        let s = Session {
            id_hash: [7; 32],
            user: "olga".into(),
            created: Timestamp(1_800_000_000),
            expires: Timestamp(1_800_003_600),
        };
        a.add_session(&s).await.unwrap();
        let (got, u) = a.session(&[7; 32]).await.unwrap().unwrap();
        assert_eq!((got, u.name.as_str()), (s.clone(), "olga"));
        a.remove_session(&[7; 32]).await.unwrap();
        assert!(a.session(&[7; 32]).await.unwrap().is_none());

        // Disabling (or a new password) ends the account's sessions.
        a.add_session(&s).await.unwrap();
        assert!(a
            .change_user(
                "olga",
                &UserChange {
                    disabled: Some(true),
                    ..Default::default()
                },
                draft(3, "user.disable", "olga")
            )
            .await
            .unwrap());
        assert!(a.session(&[7; 32]).await.unwrap().is_none());
        assert!(a.user("olga").await.unwrap().unwrap().disabled);
        assert!(!a
            .change_user(
                "nobody",
                &UserChange::default(),
                draft(4, "user.disable", "nobody")
            )
            .await
            .unwrap());

        let t = ApiToken {
            id: "rt_0123abcd".into(),
            hash: [9; 32],
            user: "olga".into(),
            scopes: vec![Permission::Incidents, Permission::Probes],
            created: Timestamp(1_800_000_000),
            expires: None,
            revoked: false,
        };
        a.add_token(&t, draft(4, "token.add", "rt_0123abcd"))
            .await
            .unwrap();
        let (got, owner) = a.token(&[9; 32]).await.unwrap().unwrap();
        assert_eq!((got, owner.name.as_str()), (t.clone(), "olga"));
        assert!(a.token(&[8; 32]).await.unwrap().is_none());
        assert!(a
            .revoke_token("rt_0123abcd", draft(5, "token.revoke", "rt_0123abcd"))
            .await
            .unwrap());
        assert!(a.tokens().await.unwrap()[0].revoked);

        // Every change above wrote its audit entry, chained; the refused one wrote none.
        let log = log_of(&*store).await;
        let actions: Vec<&str> = log.iter().map(|e| e.draft.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "user.add",
                "user.add",
                "user.disable",
                "token.add",
                "token.revoke"
            ]
        );
        assert_eq!(verify(&log, None).unwrap().unwrap().seq, 5);
        let recent = a.audit_recent(2).await.unwrap();
        assert_eq!(recent.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 4]);
    }
);

/// Five entries written through the store.
async fn five(store: &dyn Store) {
    for n in 1..=5 {
        store
            .accounts()
            .append_audit(draft(n, "statement.add", &format!("net-{n}")))
            .await
            .unwrap();
    }
    assert!(verify(&log_of(store).await, None).is_ok());
}

raw_test!(
    audit_altered_entry_is_named,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five(&*store).await;
        raw.exec("UPDATE audit_log SET after_doc = '{\"v\":0}' WHERE seq = 3")
            .await;
        assert_eq!(
            verify(&log_of(&*store).await, None),
            Err(Tamper::Altered { seq: 3 })
        );
    }
);

raw_test!(
    audit_removed_entry_is_named,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five(&*store).await;
        raw.exec("DELETE FROM audit_log WHERE seq = 2").await;
        let err = verify(&log_of(&*store).await, None).unwrap_err();
        assert_eq!(
            err,
            Tamper::Removed {
                first: 2,
                last: 2,
                after: 1,
                next: 3
            }
        );
        assert_eq!(
            err.to_string(),
            "entries 2 to 2 were removed: entry 3 follows entry 1"
        );
    }
);

raw_test!(
    audit_reordered_entry_is_named,
    |store: Arc<dyn Store>, raw: Raw| async move {
        five(&*store).await;
        // Swap entries 2 and 4 by their numbers.
        raw.exec(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = -2;",
        )
        .await;
        assert_eq!(
            verify(&log_of(&*store).await, None),
            Err(Tamper::Reordered {
                seq: 4,
                stored_as: 2
            })
        );
    }
);

raw_test!(
    appends_from_two_stores_never_fork_the_chain,
    |store: Arc<dyn Store>, raw: Raw| async move {
        // A second handle on the same store (another process, another node) appending at once.
        let other: Arc<dyn Store> = match &raw {
            Raw::Sqlite(path) => Arc::new(SqliteStore::open_file(path).unwrap()),
            Raw::Postgres(schema) => Arc::new(
                PostgresStore::connect(&pg_url(), Some(schema))
                    .await
                    .unwrap(),
            ),
        };
        let mut tasks = Vec::new();
        for (i, s) in [store.clone(), other].into_iter().enumerate() {
            tasks.push(tokio::spawn(async move {
                for n in 0..10 {
                    s.accounts()
                        .append_audit(draft(n, "probe.add", &format!("{i}-{n}")))
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let log = log_of(&*store).await;
        assert_eq!(log.len(), 20);
        assert_eq!(verify(&log, None).unwrap().unwrap().seq, 20);
    }
);

raw_test!(
    dismissals_are_kept_once,
    |store: Arc<dyn Store>, _raw: Raw| async move {
        let o2 = radar_core::ProviderId::parse("o2-de").unwrap();
        assert!(store.dismissals().await.unwrap().is_empty());
        for _ in 0..2 {
            store
                .dismiss(
                    &o2,
                    Timestamp(1_800_000_000),
                    "ep-3",
                    Timestamp(1_800_000_600),
                )
                .await
                .unwrap();
        }
        assert_eq!(
            store.dismissals().await.unwrap(),
            [(o2, Timestamp(1_800_000_000))]
        );
    }
);

raw_test!(
    a_customer_import_replaces_the_providers_directory,
    |store: Arc<dyn Store>, _raw: Raw| async move {
        use radar_core::customer::Customer;
        let o2 = radar_core::ProviderId::parse("o2-de").unwrap();
        let c = |n: &str, pc: &str, region: &str| Customer {
            number: n.into(),
            provider: o2.clone(),
            postcode: pc.into(),
            region: radar_core::RegionId::parse(region).unwrap(),
            products: vec![radar_core::ServiceId::parse("mobile-data").unwrap()],
        };
        let first = [c("4711", "80331", "DE-BY"), c("4712", "10115", "DE-BE")];
        assert_eq!(
            store
                .replace_customers(&o2, &first, draft(1, "customers.import", "o2-de"))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            store.customer("4711").await.unwrap(),
            Some(first[0].clone())
        );
        // A refresh replaces the directory whole: 4712 left, 4713 came.
        let second = [c("4711", "20095", "DE-HH"), c("4713", "01067", "DE-SN")];
        store
            .replace_customers(&o2, &second, draft(2, "customers.import", "o2-de"))
            .await
            .unwrap();
        assert_eq!(
            store
                .customer("4711")
                .await
                .unwrap()
                .unwrap()
                .region
                .as_str(),
            "DE-HH"
        );
        assert!(store.customer("4712").await.unwrap().is_none());
        assert!(store.customer("4713").await.unwrap().is_some());
        assert_eq!(log_of(&*store).await.len(), 2, "each import audited");
    }
);

raw_test!(
    an_audited_change_and_its_entry_are_stored_together_or_not_at_all,
    |store: Arc<dyn Store>, _raw: Raw| async move {
        use radar_core::event::ComponentStatus;
        use radar_store::AuditedChange;
        let inc = crate::incident("sec-1");
        let v = store
            .write_audited(
                AuditedChange::Incident {
                    incident: &inc,
                    expected_version: None,
                },
                draft(1, "incident.declare", "sec-1"),
            )
            .await
            .unwrap();
        assert_eq!(v, Some(1));
        assert_eq!(store.incident("sec-1").await.unwrap().unwrap().version, 1);
        // A conflict stores neither the change nor its entry.
        for expected_version in [None, Some(7)] {
            assert!(matches!(
                store
                    .write_audited(
                        AuditedChange::Incident {
                            incident: &inc,
                            expected_version
                        },
                        draft(2, "incident.update", "sec-1"),
                    )
                    .await,
                Err(StoreError::Conflict { .. })
            ));
        }
        assert_eq!(log_of(&*store).await.len(), 1);
        let v = store
            .write_audited(
                AuditedChange::Incident {
                    incident: &inc,
                    expected_version: Some(1),
                },
                draft(2, "incident.update", "sec-1"),
            )
            .await
            .unwrap();
        assert_eq!(v, Some(2));
        let lte = radar_core::topology::ComponentRef {
            provider: radar_core::ProviderId::parse("o2-de").unwrap(),
            component: radar_core::ComponentId::parse("ran-lte").unwrap(),
        };
        store
            .write_audited(
                AuditedChange::ComponentStatus {
                    component: &lte,
                    status: ComponentStatus::MajorOutage,
                    at: Timestamp(1_800_000_100),
                },
                draft(3, "component.status", "o2-de:ran-lte"),
            )
            .await
            .unwrap();
        assert_eq!(
            store.component_statuses().await.unwrap(),
            [(lte, ComponentStatus::MajorOutage, Timestamp(1_800_000_100))]
        );
        let o2 = radar_core::ProviderId::parse("o2-de").unwrap();
        let episodes = [
            (o2.clone(), Timestamp(1_800_000_000), "ep-1".to_owned()),
            (o2.clone(), Timestamp(1_800_000_060), "ep-2".to_owned()),
        ];
        store
            .write_audited(
                AuditedChange::Dismiss {
                    episodes: &episodes,
                    at: Timestamp(1_800_000_200),
                },
                draft(4, "outage.dismiss", "ep-1"),
            )
            .await
            .unwrap();
        assert_eq!(store.dismissals().await.unwrap().len(), 2);
        let log = log_of(&*store).await;
        assert_eq!(
            log.iter()
                .map(|e| e.draft.action.as_str())
                .collect::<Vec<_>>(),
            [
                "incident.declare",
                "incident.update",
                "component.status",
                "outage.dismiss"
            ]
        );
        assert!(verify(&log, None).is_ok());
    }
);
