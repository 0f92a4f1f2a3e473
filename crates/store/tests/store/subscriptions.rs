//! Subscriptions, marks, the outbox and the delivery log on both backends: a mark moves once
//! however many callers saw the same change, a claimed delivery is not claimed again until its
//! lease ends, failures in a row and 410 disable, confirmation works once.

use std::sync::Arc;

use radar_core::notify::Verdict;
use radar_core::Timestamp;
use radar_store::subscriptions::{Attempt, Channel, Notice, SubState, Subscription};
use radar_store::Store;

use super::*;

fn webhook(id: &str, provider: Option<&str>) -> Subscription {
    Subscription {
        id: id.into(),
        channel: Channel::Webhook,
        provider: provider.map(str::to_owned),
        target: format!("http://127.0.0.1:9/{id}"),
        secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        state: SubState::Active,
        reason: None,
        failures: 0,
        lang: "en".into(),
        created: Timestamp(100),
    }
}

fn notice(subject: &str, last: Option<&str>, mark: &str) -> Notice {
    Notice {
        subject: subject.into(),
        provider: "o2-de".into(),
        last: last.map(str::to_owned),
        mark: mark.into(),
        payload: Some(("incident".into(), format!("{{\"mark\":\"{mark}\"}}"))),
        email: true,
    }
}

fn attempt(c: &radar_store::subscriptions::Claimed, at: i64, status: Option<u16>) -> Attempt {
    Attempt {
        outbox_id: c.id,
        event: c.event.clone(),
        attempt: c.attempts + 1,
        at: Timestamp(at),
        status,
        error: status.is_none().then(|| "connection refused".to_owned()),
        duration_ms: 3,
    }
}

store_test!(
    marks_move_once_and_fan_out_to_active_subscribers,
    |store: Arc<dyn Store>| async move {
        let subs = store.subscriptions();
        subs.add_subscription(&webhook("sub_a", Some("o2-de")), None)
            .await
            .unwrap();
        subs.add_subscription(&webhook("sub_b", None), None)
            .await
            .unwrap();
        subs.add_subscription(&webhook("sub_c", Some("telekom-de")), None)
            .await
            .unwrap();
        let mut pending = webhook("sub_d", None);
        pending.channel = Channel::Email;
        pending.state = SubState::Pending;
        subs.add_subscription(&pending, Some([7; 32]))
            .await
            .unwrap();
        assert!(matches!(
            subs.add_subscription(&webhook("sub_a", None), None).await,
            Err(radar_store::StoreError::Exists(_))
        ));

        // The first mark queues one delivery per active subscription of the provider or of all.
        assert_eq!(
            subs.notify(&notice("incident:x", None, "m1"), Timestamp(200))
                .await
                .unwrap(),
            Some(2)
        );
        // A second caller that read the same (absent) mark queues nothing.
        assert_eq!(
            subs.notify(&notice("incident:x", None, "m1"), Timestamp(200))
                .await
                .unwrap(),
            None
        );
        // Moving from a stale mark does nothing; from the stored one it moves.
        assert_eq!(
            subs.notify(&notice("incident:x", Some("m0"), "m2"), Timestamp(201))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            subs.notify(&notice("incident:x", Some("m1"), "m2"), Timestamp(201))
                .await
                .unwrap(),
            Some(2)
        );
        // Recording without a payload queues nothing.
        let mut quiet = notice("incident:old", None, "z");
        quiet.payload = None;
        assert_eq!(subs.notify(&quiet, Timestamp(202)).await.unwrap(), Some(0));
        let mut marks = subs.marks().await.unwrap();
        marks.sort();
        assert_eq!(
            marks,
            vec![
                ("incident:old".into(), "z".into()),
                ("incident:x".into(), "m2".into())
            ]
        );

        // Claims: four due deliveries; a second claim before the lease ends gets none.
        let claimed = subs.claim_deliveries(Timestamp(300), 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 4);
        let mut who: Vec<&str> = claimed.iter().map(|c| c.subscription.id.as_str()).collect();
        who.sort();
        assert_eq!(who, ["sub_a", "sub_a", "sub_b", "sub_b"]);
        assert!(subs
            .claim_deliveries(Timestamp(330), 60, 10)
            .await
            .unwrap()
            .is_empty());
        // Deliver one; leave the others unfinished: their lease ends and another claim takes them.
        let first = &claimed[0];
        assert!(!subs
            .finish_delivery(
                first,
                &attempt(first, 300, Some(200)),
                Verdict::Delivered,
                3
            )
            .await
            .unwrap());
        let again = subs.claim_deliveries(Timestamp(361), 60, 10).await.unwrap();
        assert_eq!(again.len(), 3);
        assert!(again.iter().all(|c| c.id != first.id));
        // The stale claim's finish is logged but changes nothing.
        let stale = &claimed[1];
        assert!(!subs
            .finish_delivery(
                stale,
                &attempt(stale, 362, Some(200)),
                Verdict::Delivered,
                3
            )
            .await
            .unwrap());
        assert!(subs
            .claim_deliveries(Timestamp(363), 60, 10)
            .await
            .unwrap()
            .is_empty());
        let log = subs.attempts(&stale.subscription.id, 10).await.unwrap();
        assert!(log.iter().any(|a| a.outbox_id == stale.id));
    }
);

store_test!(failures_in_a_row_and_gone_disable, |store: Arc<
    dyn Store,
>| async move {
    let subs = store.subscriptions();
    subs.add_subscription(&webhook("sub_f", None), None)
        .await
        .unwrap();
    subs.add_subscription(&webhook("sub_g", None), None)
        .await
        .unwrap();
    subs.notify(&notice("incident:y", None, "a"), Timestamp(10))
        .await
        .unwrap();
    subs.notify(&notice("incident:y", Some("a"), "b"), Timestamp(11))
        .await
        .unwrap();

    // sub_f fails: retried at the time given, then disabled at the third failure in a row,
    // which drops its other queued delivery.
    let mut t = 20;
    for n in 1..=3u32 {
        let claimed = subs.claim_deliveries(Timestamp(t), 60, 10).await.unwrap();
        let c = claimed
            .iter()
            .find(|c| c.subscription.id == "sub_f")
            .unwrap()
            .clone();
        for (i, other) in claimed
            .iter()
            .filter(|c| c.subscription.id == "sub_g")
            .enumerate()
        {
            // sub_g answers 410 on its first delivery, which disables it and drops the other.
            let gone = subs
                .finish_delivery(other, &attempt(other, t, Some(410)), Verdict::Gone, 3)
                .await
                .unwrap();
            assert_eq!(gone, i == 0 && n == 1);
        }
        let disabled = subs
            .finish_delivery(
                &c,
                &attempt(&c, t, Some(500)),
                Verdict::RetryAt(Timestamp(t + 5)),
                3,
            )
            .await
            .unwrap();
        assert_eq!(disabled, n == 3, "attempt {n}");
        t += 10;
    }
    let f = subs.subscription("sub_f").await.unwrap().unwrap();
    assert_eq!(f.state, SubState::Disabled);
    assert_eq!(f.failures, 3);
    assert!(f.reason.unwrap().contains("3 failed"));
    let g = subs.subscription("sub_g").await.unwrap().unwrap();
    assert_eq!(g.state, SubState::Disabled);
    assert!(g.reason.unwrap().contains("410"));
    assert!(subs
        .claim_deliveries(Timestamp(1000), 60, 10)
        .await
        .unwrap()
        .is_empty());
    let log = subs.attempts("sub_f", 10).await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].status, Some(500));
    assert!(log[0].at > log[2].at, "newest first");
    // Disabled subscriptions get nothing new.
    assert_eq!(
        subs.notify(&notice("incident:y", Some("b"), "c"), Timestamp(1001))
            .await
            .unwrap(),
        Some(0)
    );
});

store_test!(
    confirmation_works_once_and_unsubscribing_drops_queued_mail,
    |store: Arc<dyn Store>| async move {
        let subs = store.subscriptions();
        let mut s = webhook("sub_m", Some("o2-de"));
        s.channel = Channel::Email;
        s.target = "someone@example.org".into();
        s.secret = None;
        s.state = SubState::Pending;
        subs.add_subscription(&s, Some([9; 32])).await.unwrap();
        // Pending: nothing queued.
        assert_eq!(
            subs.notify(&notice("incident:z", None, "a"), Timestamp(5))
                .await
                .unwrap(),
            Some(0)
        );
        assert!(subs.confirm_subscription(&[8; 32]).await.unwrap().is_none());
        let c = subs.confirm_subscription(&[9; 32]).await.unwrap().unwrap();
        assert_eq!((c.id.as_str(), c.state), ("sub_m", SubState::Active));
        assert!(
            subs.confirm_subscription(&[9; 32]).await.unwrap().is_none(),
            "a link works once"
        );
        let mut webhooks_only = notice("component:o2-de:core", None, "major_outage");
        webhooks_only.email = false;
        assert_eq!(
            subs.notify(&webhooks_only, Timestamp(6)).await.unwrap(),
            Some(0)
        );
        assert_eq!(
            subs.notify(&notice("incident:z", Some("a"), "b"), Timestamp(6))
                .await
                .unwrap(),
            Some(1)
        );
        assert!(subs
            .end_subscription(
                "sub_m",
                SubState::Unsubscribed,
                "unsubscribed by the subscriber"
            )
            .await
            .unwrap());
        assert!(!subs
            .end_subscription("sub_m", SubState::Unsubscribed, "again")
            .await
            .unwrap());
        assert!(subs
            .claim_deliveries(Timestamp(10), 60, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            subs.subscriptions().await.unwrap()[0].state,
            SubState::Unsubscribed
        );
    }
);

/// Two nodes on one PostgreSQL database (two stores, each with its own connections): the same
/// change seen by both is queued once, and concurrent claims never take the same delivery.
#[tokio::test]
async fn two_nodes_never_queue_or_claim_the_same_delivery_twice() {
    let Some((a, schema)) = postgres_store("two_nodes_subscriptions").await else {
        return;
    };
    let b: Arc<dyn Store> = Arc::new(
        radar_store::postgres::PostgresStore::connect(&pg_url(), Some(&schema))
            .await
            .unwrap(),
    );
    for i in 0..20 {
        a.subscriptions()
            .add_subscription(&webhook(&format!("sub_{i:02}"), None), None)
            .await
            .unwrap();
    }
    // Both nodes see the same 10 changes at once: each is queued by exactly one of them.
    let mut queued = 0;
    for k in 0..10 {
        let n = notice(&format!("incident:n{k}"), None, "m");
        let (x, y) = tokio::join!(
            a.subscriptions().notify(&n, Timestamp(10)),
            b.subscriptions().notify(&n, Timestamp(10))
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x.is_some() != y.is_some(), "change {k}: {x:?} {y:?}");
        queued += x.or(y).unwrap();
    }
    assert_eq!(queued, 200);
    // Both claim concurrently in small batches until nothing is left: every delivery is
    // claimed exactly once.
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let (x, y) = tokio::join!(
            a.subscriptions().claim_deliveries(Timestamp(20), 60, 7),
            b.subscriptions().claim_deliveries(Timestamp(20), 60, 7)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        if x.is_empty() && y.is_empty() {
            break;
        }
        for c in x.iter().chain(&y) {
            assert!(seen.insert(c.id), "delivery {} claimed twice", c.id);
        }
    }
    assert_eq!(seen.len(), 200);
    drop_schema(&schema).await;
}

store_test!(
    marks_no_longer_shown_are_forgotten_once_old,
    |store: Arc<dyn Store>| async move {
        let subs = store.subscriptions();
        for (subject, at) in [
            ("incident:gone-long-ago", 100),
            ("incident:gone-lately", 900),
            ("incident:shown", 100),
            ("component:o2-de:ran-lte", 100),
        ] {
            let mut n = notice(subject, None, "m");
            n.payload = None;
            assert_eq!(subs.notify(&n, Timestamp(at)).await.unwrap(), Some(0));
        }
        let keep = vec![
            "incident:shown".to_owned(),
            "component:o2-de:ran-lte".to_owned(),
        ];
        // Only what is neither shown nor recent goes.
        assert_eq!(subs.prune_marks(&keep, Timestamp(500)).await.unwrap(), 1);
        let mut left: Vec<String> = subs
            .marks()
            .await
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "component:o2-de:ran-lte",
                "incident:gone-lately",
                "incident:shown"
            ]
        );
        assert_eq!(subs.prune_marks(&keep, Timestamp(500)).await.unwrap(), 0);
        // Nothing to keep: every old mark goes.
        assert_eq!(subs.prune_marks(&[], Timestamp(1000)).await.unwrap(), 3);
        assert!(subs.marks().await.unwrap().is_empty());
    }
);
