//! A generated package written to disk, loaded back and replayed gives the same detections as
//! the in-memory package; and a broken package is refused with all its problems.

use radar_scenario::eval::{eval_dir, evaluate};
use radar_scenario::generate::{generate, GenConfig};
use radar_scenario::package::load;
use radar_scenario::replay::{replay, to_json};

#[test]
fn disk_and_memory_replays_agree() {
    let s = generate(&GenConfig {
        seed: 42,
        kind: Some("may2017".into()),
        days: 2,
        volume: 0.5,
    })
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    s.write(tmp.path()).unwrap();
    let from_disk = replay(&load(tmp.path()).unwrap());
    let in_memory = replay(&s.package());
    assert_eq!(from_disk.detections, in_memory.detections);
    assert!(
        from_disk.stats.minutes >= 2 * 1440 - 60,
        "{:?}",
        from_disk.stats
    );

    // eval from files equals eval in memory.
    let dets = tmp.path().join("detections.json");
    std::fs::write(&dets, to_json(&from_disk.detections)).unwrap();
    let a = eval_dir(tmp.path(), &dets).unwrap();
    let b = evaluate(&s.package().topology, &s.truth, &in_memory.detections);
    assert_eq!(a, b);
    // The declared CRM shutdown is found from events.jsonl alone.
    assert!(from_disk
        .detections
        .outages
        .iter()
        .any(|d| d.declared && d.components == ["crm"]));
}

#[test]
fn broken_package_lists_every_problem() {
    let s = generate(&GenConfig {
        seed: 1,
        kind: Some("national".into()),
        days: 2,
        volume: 0.05,
    })
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    s.write(tmp.path()).unwrap();
    let csv = std::fs::read_to_string(tmp.path().join("reports.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let (head, _) = lines[3].rsplit_once(',').unwrap();
    lines[3] = format!("{head},carrier-pigeon");
    lines[5] = lines[5].replacen("DE-", "XX-", 1);
    std::fs::write(tmp.path().join("reports.csv"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        tmp.path().join("events.jsonl"),
        "{\"time\":\"2017-05-01T00:00:00Z\",\"type\":\"probe\",\"provider\":\"o2-de\",\"component\":\"lte-ran\",\"region\":\"DE-BY\",\"ok\":false,\"latency\":3}\n",
    )
    .unwrap();
    let e = load(tmp.path()).unwrap_err();
    let text = e.to_string();
    assert_eq!(e.total, 3, "{text}");
    assert!(text.contains("reports.csv:4: column `source`"), "{text}");
    assert!(text.contains("reports.csv:6: column `region`"), "{text}");
    assert!(
        text.contains("events.jsonl:1: unknown field `latency`"),
        "{text}"
    );
}
