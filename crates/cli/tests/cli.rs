//! End-to-end tests of the `radar` binary: crash safety, import, the harness commands.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use radar_store::sqlite::SqliteStore;
use radar_store::Store;

#[path = "cli/cluster.rs"]
mod cluster;

fn radar() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_radar"));
    c.env("RADAR_LOG", "warn");
    c
}

/// Starts `radar serve` on port 0 and returns the child and its base URL.
/// The operator token: the kill -9 writers post as a trusted relay (not rate-limited).
const RELAY_TOKEN: &str = "relay-token-for-cli-tests";

fn serve(data: &Path) -> (Child, String) {
    let mut child = radar()
        .env("RADAR_OPERATOR_TOKEN", RELAY_TOKEN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("radar starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("the server prints its URL")
        .to_owned();
    assert!(
        url.starts_with("http://"),
        "unexpected first line: {line:?}"
    );
    (child, url)
}

/// Every acknowledged report is found after the server is killed with SIGKILL mid-stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_report() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = serve(dir.path());
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = serde_json::json!({
                    "provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                    "postcode": "80331", "reporter_token": format!("w{w}-{i}")
                });
                let resp = match client
                    .post(format!("{url}/api/v1/reports"))
                    .bearer_auth(RELAY_TOKEN)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => r,
                    Err(_) => break, // the server is gone
                };
                if resp.status().as_u16() != 202 {
                    break;
                }
                let Ok(v) = resp.json::<serde_json::Value>().await else {
                    break;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(v["ids"][0].as_str().unwrap().to_owned());
            }
        }));
    }
    while acked.lock().unwrap().len() < 400 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL on Unix: no shutdown code runs
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 400);

    let store = SqliteStore::open_dir(dir.path()).unwrap();
    let mut stored = std::collections::HashSet::new();
    let mut after = None;
    loop {
        let page = store
            .reports_page(radar_core::Timestamp(0), after, 10_000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.1.time, last.0));
        stored.extend(page.into_iter().map(|(id, _)| id.to_hex()));
    }
    let missing: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged reports lost",
        missing.len(),
        acked.len()
    );
    drop(store);

    // And the server comes back with them.
    let (mut child, url) = serve(dir.path());
    let counts: serde_json::Value = client
        .get(format!("{url}/api/v1/providers/o2-de/reports"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n: u64 = counts["minutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reports"].as_u64().unwrap())
        .sum();
    assert!(
        n >= acked.len() as u64,
        "{n} counted < {} acknowledged",
        acked.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `radar backup` of a store a running server writes to, then `radar restore` into a new data
/// directory: the restored store holds what was acknowledged before the backup; restoring
/// again needs `--force`; a damaged backup is refused, naming the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_running_server_restores_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let (data, backup, restored) = (
        dir.path().join("data"),
        dir.path().join("backup"),
        dir.path().join("restored"),
    );
    let (mut child, url) = serve(&data);
    let client = reqwest::Client::new();
    let post = |i: usize| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let body = serde_json::json!({
                "provider": "o2-de", "service": "mobile-data", "problem": "no-internet",
                "postcode": "80331", "reporter_token": format!("r{i}")
            });
            let resp = client
                .post(format!("{url}/api/v1/reports"))
                .bearer_auth(RELAY_TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 202);
            let v: serde_json::Value = resp.json().await.unwrap();
            v["ids"][0].as_str().unwrap().to_owned()
        }
    };
    let mut acked = std::collections::BTreeSet::new();
    for i in 0..40 {
        acked.insert(post(i).await);
    }
    let out = radar()
        .arg("backup")
        .arg(&backup)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("40 reports"), "{text}");
    // The server goes on; what it stores now is not in the backup.
    for i in 40..50 {
        post(i).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let restore = |target: &Path, force: bool| {
        let mut c = radar();
        c.arg("restore").arg(&backup).arg("--data").arg(target);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = restore(&restored, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = SqliteStore::open_dir(&restored).unwrap();
    let page = store
        .reports_page(radar_core::Timestamp(0), None, 1000)
        .await
        .unwrap();
    let ids: std::collections::BTreeSet<String> = page.iter().map(|(id, _)| id.to_hex()).collect();
    assert_eq!(ids, acked);
    drop(store);

    let out = restore(&restored, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reports: 40 rows") && err.contains("--force"),
        "{err}"
    );
    let out = restore(&restored, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let db = backup.join("radar.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 0x80;
    std::fs::write(&db, &bytes).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let out = restore(&elsewhere, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("radar.db") && err.contains("damaged") && err.contains("checksum"),
        "{err}"
    );
    assert!(!elsewhere.join("radar.db").exists());
}

#[test]
fn import_is_idempotent_and_reports_rejected_lines() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("reports.csv");
    std::fs::write(
        &csv,
        "time,provider,service,problem,region,reporter,source\n\
         2017-05-17T13:02:11Z,o2-de,mobile-data,no-internet,DE-BY,a1,web\n\
         2017-05-17T13:02:12Z,o2-de,,no-signal,DE-BE,a2,app\n\
         2017-05-17T13:02:13Z,nobody,,no-signal,DE-BE,a3,app\n\
         2017-05-17T13:02:14Z,o2-de,mobile-data,explodes,DE-BE,a4,app\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let run = || {
        let out = radar()
            .arg("import")
            .arg(&csv)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    assert!(first.contains("2 valid reports, 2 new"), "{first}");
    assert!(first.contains("2 line(s) rejected"), "{first}");
    assert!(first.contains("line 4"), "{first}");
    assert!(first.contains("line 5"), "{first}");
    let second = run();
    assert!(
        second.contains("2 valid reports, 0 new, 2 already stored"),
        "{second}"
    );

    let jsonl = dir.path().join("more.jsonl");
    std::fs::write(
        &jsonl,
        "{\"time\":\"2017-05-17T13:05:00Z\",\"provider\":\"o2-de\",\"problem\":\"no-signal\",\"postcode\":\"80331\",\"reporter_token\":\"x\"}\n\
         {\"provider\":\"o2-de\",\"problem\":\"no-signal\",\"postcode\":\"80331\"}\n\
         not json\n",
    )
    .unwrap();
    let out = radar()
        .arg("import")
        .arg(&jsonl)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1 valid reports, 1 new"), "{text}");
    assert!(text.contains("line 2: time"), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

#[test]
fn import_of_a_missing_file_says_so() {
    let out = radar()
        .args(["import", "/no/such/file.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/no/such/file.csv"), "{err}");
}

/// A running `radar demo`, killed when dropped (also when a test fails).
struct Demo {
    child: Child,
    url: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `radar demo` on port 0 in `cwd` and waits (at most two minutes: a debug build
/// generates the May 2017 week first) for the line with its URL. Its output goes on being
/// read, as a terminal would.
fn demo(cwd: &Path) -> Demo {
    let mut child = radar()
        .args(["demo", "--listen", "127.0.0.1:0"])
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("radar demo starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("Outage Radar demo: ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = rx.recv_timeout(std::time::Duration::from_secs(120));
    let mut demo = Demo {
        child,
        url: String::new(),
    };
    demo.url = url.expect("radar demo printed its URL within two minutes");
    assert!(demo.url.starts_with("http://"), "{}", demo.url);
    demo
}

/// `radar demo` starts on a fresh store and begins the May 2017 story at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_starts_and_tells_the_story() {
    let cwd = tempfile::tempdir().unwrap();
    let demo = demo(cwd.path());
    let url = demo.url.clone();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let mut found = false;
    for _ in 0..240 {
        if let Ok(resp) = client
            .get(format!("{url}/api/v1/incidents/sec-1"))
            .send()
            .await
        {
            if resp.status().as_u16() == 200 {
                let v: serde_json::Value = resp.json().await.unwrap();
                assert_eq!(v["declared"]["category"], "security");
                found = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let page = client
        .get(format!("{url}/providers/o2-de"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    drop(demo);
    assert!(
        found,
        "the declared CRM shutdown (sec-1) appeared within a minute"
    );
    assert!(
        page.contains("Current incidents"),
        "the provider page lists it"
    );
    // The headline names the customer-service problem, not "no known problems".
    assert!(
        page.contains("Users report problems with Customer service hotline"),
        "{page}"
    );
}

/// The May 2017 week is built into the binary: `radar demo` needs no scenario folder and
/// serves O2's page when started in an empty folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_plays_from_an_empty_folder() {
    let empty = tempfile::tempdir().unwrap();
    let demo = demo(empty.path());
    let resp = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
        .get(format!("{}/providers/o2-de", demo.url))
        .send()
        .await
        .expect("the provider page answers");
    let status = resp.status();
    let page = resp.text().await.unwrap();
    drop(demo);
    assert_eq!(status.as_u16(), 200, "{page}");
    assert!(page.contains("O2"), "{page}");
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "the demo writes nothing into the current folder"
    );
}

/// Runs `radar ARGS` with `stdin`; returns (success, stdout, stderr).
fn run_with(args: &[&str], data: &Path, stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = radar()
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `radar user`, `radar token` and `radar audit verify`: accounts made from the command line
/// (password on standard input, never in argv), each change audited; verify passes on the
/// clean log and names the entry after the store is edited behind its back.
#[test]
fn user_token_and_audit_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let pw = "a long enough password\n";
    let (ok, out, err) = run_with(&["user", "add", "olga", "--role", "operator"], data, pw);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "added olga (operator)");
    let (ok, _, err) = run_with(&["user", "add", "anna", "--role", "agent"], data, "short\n");
    assert!(!ok && err.contains("too short"), "{err}");
    let (ok, _, err) = run_with(&["user", "add", "olga", "--role", "admin"], data, pw);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run_with(&["user", "add", "root", "--role", "root"], data, pw);
    assert!(!ok && err.contains("unknown role"), "{err}");

    let (ok, out, err) = run_with(
        &["token", "add", "--user", "olga", "--scope", "incidents"],
        data,
        "",
    );
    assert!(ok, "{err}");
    let token = out.trim().to_owned();
    assert!(token.starts_with("rt_") && token.len() == 67, "{token}");
    let (ok, _, err) = run_with(
        &["token", "add", "--user", "olga", "--scope", "calls"],
        data,
        "",
    );
    assert!(!ok && err.contains("not granted"), "{err}");
    let (ok, out, _) = run_with(&["token", "list"], data, "");
    assert!(
        ok && out.contains(&token[..11]) && !out.contains(&token[11..]),
        "{out}"
    );

    assert!(run_with(&["user", "disable", "olga"], data, "").0);
    assert!(run_with(&["user", "enable", "olga"], data, "").0);
    assert!(
        run_with(
            &["user", "reset-password", "olga"],
            data,
            "another long password\n"
        )
        .0
    );
    let (ok, out, _) = run_with(&["user", "list"], data, "");
    assert!(
        ok && out.contains("olga") && out.contains("operator") && out.contains("active"),
        "{out}"
    );

    let (ok, out, err) = run_with(&["audit", "verify"], data, "");
    assert!(ok, "{err}");
    assert!(out.starts_with("ok: 5 entries"), "{out}");
    let head = out
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let (ok, out, _) = run_with(&["audit", "list"], data, "");
    assert!(ok, "{out}");
    for action in [
        "user.add",
        "token.add",
        "user.disable",
        "user.enable",
        "user.reset-password",
    ] {
        assert!(out.contains(action), "{action} missing from\n{out}");
    }

    let db = rusqlite::Connection::open(data.join("radar.db")).unwrap();
    let edit = |sql: &str| db.execute_batch(sql).unwrap();
    // Altered: who did it.
    let actor: String = db
        .query_row("SELECT actor FROM audit_log WHERE seq = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    edit("UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 2");
    let (ok, _, err) = run_with(&["audit", "verify"], data, "");
    assert!(!ok && err.contains("entry 2 was altered"), "{err}");
    // Removed (after undoing the alteration).
    db.execute("UPDATE audit_log SET actor = ?1 WHERE seq = 2", [&actor])
        .unwrap();
    assert!(
        run_with(&["audit", "verify"], data, "").0,
        "the original row verifies again"
    );
    edit("DELETE FROM audit_log WHERE seq = 3");
    let (ok, _, err) = run_with(&["audit", "verify"], data, "");
    assert!(
        !ok && err.contains("entries 3 to 3 were removed: entry 4 follows entry 2"),
        "{err}"
    );
    // The last entry removed: only the anchor kept elsewhere tells.
    edit("DELETE FROM audit_log WHERE seq >= 3");
    assert!(run_with(&["audit", "verify"], data, "").0);
    let (ok, _, err) = run_with(&["audit", "verify", "--anchor", &head], data, "");
    assert!(!ok && err.contains("entry 5 is missing"), "{err}");
}

/// `radar customers import`: all rows checked first (a bad one imports nothing), then the
/// provider's directory replaced and the import audited.
#[test]
fn customers_import_checks_every_row_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let csv = dir.path().join("customers.csv");
    std::fs::write(
        &csv,
        "customer,postcode,products\n4711,80331,mobile-data\n4712,99999x,mobile-data\n4713,10115,teleportation\n",
    )
    .unwrap();
    let args = [
        "customers",
        "import",
        csv.to_str().unwrap(),
        "--provider",
        "o2-de",
    ];
    let (ok, _, err) = run_with(&args, &data, "");
    assert!(!ok, "{err}");
    assert!(err.contains("2 row(s) rejected, nothing imported"), "{err}");
    assert!(
        err.contains("line 3: postcode") && err.contains("line 4: product \"teleportation\""),
        "{err}"
    );
    std::fs::write(
        &csv,
        "customer,postcode,products\n4711,80331,mobile-data\n4712,10115,mobile-data;mobile-voice\n",
    )
    .unwrap();
    let (ok, out, err) = run_with(&args, &data, "");
    assert!(ok, "{err}");
    assert!(out.contains("2 customers of o2-de imported"), "{out}");
    let (ok, out, _) = run_with(&["audit", "list"], &data, "");
    assert!(ok && out.contains("customers.import"), "{out}");
    let (ok, _, err) = run_with(
        &[
            "customers",
            "import",
            csv.to_str().unwrap(),
            "--provider",
            "nobody",
        ],
        &data,
        "",
    );
    assert!(!ok && err.contains("not a provider"), "{err}");
}
