//! Scale-out end to end: three `radar serve` nodes on one NATS JetStream stream and one
//! PostgreSQL database, reports driven at all three, one node killed with SIGKILL mid-stream
//! and restarted. Needs PostgreSQL (`RADAR_TEST_DATABASE_URL`) and NATS with JetStream
//! (`RADAR_TEST_NATS_URL`, default nats://127.0.0.1:4222): without them it prints why and
//! passes, unless `RADAR_REQUIRE_SERVICES=1`.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use radar_store::postgres::PostgresStore;
use radar_store::Store;

use super::{radar, RELAY_TOKEN};

const SECRET: &str = "5eb63bbbe01eeed093cb22bb8f5acdc35eb63bbbe01eeed093cb22bb8f5acdc3";

fn services_required() -> bool {
    std::env::var("RADAR_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

fn skip_or_fail(why: String) {
    if services_required() {
        panic!("{why} (RADAR_REQUIRE_SERVICES=1)");
    }
    eprintln!("skipping the cluster test: {why} (set RADAR_REQUIRE_SERVICES=1 to fail instead)");
}

/// A fresh database for this run, dropped at the end.
struct Database {
    admin: tokio_postgres::Client,
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Result<Database, String> {
        let base = std::env::var("RADAR_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("PostgreSQL at {base} is unreachable: {e}"))?;
        tokio::spawn(conn);
        let name = format!(
            "radar_cluster_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        );
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| format!("cannot create a database: {e}"))?;
        let (prefix, _) = base.rsplit_once('/').expect("a URL with a database");
        let url = format!("{prefix}/{name}");
        Ok(Database { admin, name, url })
    }

    async fn drop(self) {
        let _ = self
            .admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

/// A running node, killed when dropped.
struct Node {
    child: Child,
    url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node(db: &str, nats: &str, stream: &str, data: &std::path::Path) -> Node {
    let mut child = radar()
        .env("RADAR_OPERATOR_TOKEN", RELAY_TOKEN)
        .env("RADAR_REPORTER_SECRET", SECRET)
        .env("RADAR_BUS_STREAM", stream)
        // Minutes close five seconds after they end, so the test waits less for detection.
        .env("RADAR_REORDER_SECS", "5")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            db,
            "--bus",
            nats,
            "--data",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("radar starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://"),
        "unexpected first line: {line:?}"
    );
    Node { child, url }
}

/// A quiet baseline for O2 over the eight days before `now`: about one report every two
/// minutes.
fn quiet_history(now: i64) -> Vec<Report> {
    let regions = [
        "DE-BY", "DE-NW", "DE-BW", "DE-NI", "DE-HE", "DE-BE", "DE-SN", "DE-HH",
    ];
    let mut out = Vec::new();
    let mut t = now - 8 * 86_400;
    let mut n = 0u64;
    while t < now - 300 {
        n += 1;
        t += 60 + (n * 7919 % 120) as i64;
        out.push(Report {
            time: Timestamp(t),
            provider: ProviderId::parse("o2-de").unwrap(),
            service: Some(ServiceId::parse("mobile-data").unwrap()),
            problem: Problem::NoInternet,
            region: RegionId::parse(regions[(n % 8) as usize]).unwrap(),
            reporter: ReporterKey::derive(b"history", &n.to_le_bytes()),
            source: Source::Web,
        });
    }
    out
}

/// Providers of the shipped topology: one partition each.
const PROVIDERS: u64 = 8;

/// How many partitions a node holds (its `/metrics`, which loopback clients may read).
async fn partitions_owned(client: &reqwest::Client, url: &str) -> u64 {
    let Ok(resp) = client.get(format!("{url}/metrics")).send().await else {
        return 0;
    };
    let text = resp.text().await.unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("radar_partitions_owned "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn open_outages(client: &reqwest::Client, url: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = client
        .get(format!("{url}/api/v1/providers/o2-de/outages"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some(
        v["outages"]
            .as_array()?
            .iter()
            .filter(|o| o["end"].is_null())
            .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_one_killed_store_each_acknowledged_report_once_and_agree() {
    let nats =
        std::env::var("RADAR_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let js = match async_nats::connect(&nats).await {
        Ok(c) => async_nats::jetstream::new(c),
        Err(e) => return skip_or_fail(format!("NATS at {nats} is unreachable: {e}")),
    };
    let db = match Database::create().await {
        Ok(db) => db,
        Err(e) => return skip_or_fail(e),
    };
    let stream = format!("RADAR_TEST_{}", db.name.to_ascii_uppercase());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    {
        let store = PostgresStore::connect(&db.url, None).await.unwrap();
        store.insert_reports(&quiet_history(now)).await.unwrap();
    }
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let start = |i: usize| node(&db.url, &nats, &stream, dirs[i].path());
    let mut nodes: Vec<Node> = (0..3).map(start).collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    for n in &nodes {
        let ready = client
            .get(format!("{}/readyz", n.url))
            .send()
            .await
            .unwrap();
        assert_eq!(
            ready.status().as_u16(),
            200,
            "{}",
            ready.text().await.unwrap()
        );
    }
    let urls: Vec<Arc<Mutex<String>>> = nodes
        .iter()
        .map(|n| Arc::new(Mutex::new(n.url.clone())))
        .collect();

    // Writers: two per node, each posting a report of a national mobile-data outage every
    // 150 ms as a trusted relay (a distinct reporter each), recording what was acknowledged.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let attempted = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (client, url, acked, stop, attempted) = (
            client.clone(),
            urls[w % 3].clone(),
            acked.clone(),
            stop.clone(),
            attempted.clone(),
        );
        writers.push(tokio::spawn(async move {
            let postcodes = ["80331", "10115", "50667", "70173", "20095", "01067"];
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let body = serde_json::json!({
                    "provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                    "postcode": postcodes[i % postcodes.len()], "reporter_token": format!("w{w}-{i}")
                });
                attempted.fetch_add(1, Ordering::Relaxed);
                let target = url.lock().unwrap().clone();
                let sent = client
                    .post(format!("{target}/api/v1/reports"))
                    .bearer_auth(RELAY_TOKEN)
                    .json(&body)
                    .send()
                    .await;
                if let Ok(resp) = sent {
                    if resp.status().as_u16() == 202 {
                        if let Ok(v) = resp.json::<serde_json::Value>().await {
                            acked
                                .lock()
                                .unwrap()
                                .push(v["ids"][0].as_str().unwrap().to_owned());
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }));
    }

    // Mid-stream, the node that holds partition leases (it closes their minutes) dies
    // (SIGKILL: no shutdown code runs) and comes back; the others take its partitions over.
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut owned = Vec::new();
    for n in &nodes {
        owned.push(partitions_owned(&client, &n.url).await);
    }
    assert_eq!(owned.iter().sum::<u64>(), PROVIDERS, "{owned:?}");
    let k = (0..3).max_by_key(|&i| owned[i]).unwrap();
    nodes[k].child.kill().unwrap();
    nodes[k].child.wait().unwrap();
    let at_kill = acked.lock().unwrap().len();
    let killed = Instant::now();
    loop {
        let mut sum = 0;
        for (i, n) in nodes.iter().enumerate() {
            if i != k {
                sum += partitions_owned(&client, &n.url).await;
            }
        }
        if sum == PROVIDERS {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "the partitions of the killed node were not taken over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let takeover = killed.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    nodes[k] = start(k);
    *urls[k].lock().unwrap() = nodes[k].url.clone();

    // The outage: raised once, and every node shows it with the same id.
    let deadline = Instant::now() + Duration::from_secs(300);
    let id = loop {
        assert!(
            Instant::now() < deadline,
            "no outage on every node within five minutes"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut seen = Vec::new();
        for n in &nodes {
            seen.push(open_outages(&client, &n.url).await.unwrap_or_default());
        }
        if seen.iter().all(|s| !s.is_empty()) {
            for s in &seen {
                assert_eq!(s, &seen[0], "the nodes disagree: {seen:?}");
            }
            assert_eq!(seen[0].len(), 1, "one outage, raised once: {seen:?}");
            break seen[0][0].clone();
        }
    };
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();

    // Every acknowledged report is stored, once. Messages the killed node had taken but not
    // acknowledged are delivered again after the consumer's acknowledgement wait (10 s).
    let store = PostgresStore::connect(&db.url, None).await.unwrap();
    let spike_since = Timestamp(now - 60);
    let mut stored: Vec<String>;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        stored = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .reports_page(spike_since, after, 10_000)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some((last.1.time, last.0));
            stored.extend(page.into_iter().map(|(id, _)| id.to_hex()));
        }
        let have: HashSet<&String> = stored.iter().collect();
        let missing = acked.iter().filter(|id| !have.contains(id)).count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} acknowledged reports not stored after a minute",
            acked.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let distinct: HashSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), stored.len(), "a report stored twice");
    let acked_set: HashSet<&String> = acked.iter().collect();
    assert_eq!(acked_set.len(), acked.len(), "an id acknowledged twice");
    let attempted = attempted.load(Ordering::Relaxed) as usize;
    // Stored but not acknowledged: requests in flight when the node died.
    assert!(
        stored.len() <= attempted,
        "{} stored > {attempted} sent",
        stored.len()
    );
    eprintln!(
        "cluster: {} reports sent, {} acknowledged ({at_kill} before node {k}, holding {} partitions, was killed; taken over in {} ms), {} stored once each, outage {id} on all three nodes",
        attempted,
        acked.len(),
        owned[k],
        takeover.as_millis(),
        stored.len()
    );

    // A statement posted on one node shows on the others within a second.
    let incident = serde_json::json!({
        "id": "net-1", "provider": "o2-de", "category": "network", "state": "confirmed",
        "title": {"de": "Störung mobiles Internet", "en": "Mobile internet outage"},
        "services": ["mobile-data"], "regions": "*", "confirms": id
    });
    let resp = client
        .post(format!("{}/api/v1/incidents", nodes[0].url))
        .bearer_auth(RELAY_TOKEN)
        .json(&incident)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let text = "Ein Fehler im LTE-Netz; Techniker sind dabei";
    let resp = client
        .post(format!("{}/api/v1/incidents/net-1/statements", nodes[0].url))
        .bearer_auth(RELAY_TOKEN)
        .json(&serde_json::json!({"text": {"de": text, "en": "An LTE network fault; engineers are on it"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let posted = Instant::now();
    for n in &nodes[1..] {
        loop {
            let body = client
                .get(format!("{}/api/v1/incidents/net-1", n.url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if body.contains(text) {
                break;
            }
            assert!(
                posted.elapsed() < Duration::from_secs(1),
                "the statement is not on {} a second after it was posted",
                n.url
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    eprintln!(
        "cluster: the statement showed on the other nodes after {} ms",
        posted.elapsed().as_millis()
    );

    drop(nodes);
    let _ = js.delete_stream(&stream).await;
    db.drop().await;
}
