//! `radar import`: `reports.csv` (the scenario format) and JSONL, through the functions the
//! command calls. The first byte chooses the format, the rest is the file.
//!
//! Beyond "no panic": line numbers only grow; an accepted row, written back in the same
//! format, is accepted again as the same report (up to the reporter key, which is a hash of
//! the reporter the row named).
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use radar_core::topology::postcode::PostcodeMap;
use radar_core::topology::{germany, Topology};
use radar_core::{Report, Timestamp};
use radar_scenario::package::{read_reports_csv, write_reports_csv, ReportRow};
use radar_server::intake::import::{parse_jsonl_line, read_reports_jsonl};

const NOW: Timestamp = Timestamp(1_827_302_400);

fn world() -> &'static (Topology, PostcodeMap) {
    static W: OnceLock<(Topology, PostcodeMap)> = OnceLock::new();
    W.get_or_init(|| (germany::topology(), germany::postcodes()))
}

fn same_but_reporter(a: &Report, b: &Report) {
    let strip = |r: &Report| Report {
        reporter: radar_core::ReporterKey([0; 16]),
        ..r.clone()
    };
    assert_eq!(strip(a), strip(b));
}

fn csv(data: &[u8]) {
    let (topology, _) = world();
    let mut accepted = Vec::new();
    let mut last_error_line = 0;
    for item in read_reports_csv(data, topology) {
        match item {
            Ok(r) => accepted.push(r),
            Err(e) => {
                assert!(e.line >= 1 && e.line >= last_error_line, "line {}", e.line);
                last_error_line = e.line;
            }
        }
    }
    for r in accepted {
        let row = ReportRow {
            time: r.time,
            provider: r.provider.to_string(),
            service: r.service.as_ref().map(|s| s.to_string()),
            problem: r.problem.to_string(),
            region: r.region.to_string(),
            reporter: "someone".into(),
            source: r.source.to_string(),
        };
        let mut out = Vec::new();
        write_reports_csv(&mut out, &[row]).unwrap();
        let again: Vec<_> = read_reports_csv(&out[..], topology).collect();
        assert_eq!(again.len(), 1, "{}", String::from_utf8_lossy(&out));
        match &again[0] {
            Ok(r2) => same_but_reporter(&r, r2),
            Err(e) => panic!(
                "a written row is refused: {e}\n{}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
}

fn jsonl(data: &[u8]) {
    let (topology, postcodes) = world();
    let mut last = 0;
    let mut accepted = Vec::new();
    for (n, item) in read_reports_jsonl(Cursor::new(data), topology, postcodes, NOW) {
        assert!(n > last, "line {n} after {last}");
        last = n;
        if let Ok(Ok(r)) = item {
            accepted.push(r);
        }
    }
    for r in accepted {
        let mut obj = serde_json::Map::new();
        obj.insert("provider".into(), r.provider.as_str().into());
        if let Some(s) = &r.service {
            obj.insert("service".into(), s.as_str().into());
        }
        obj.insert("problem".into(), r.problem.as_str().into());
        obj.insert("region".into(), r.region.as_str().into());
        obj.insert("time".into(), r.time.to_rfc3339().into());
        obj.insert("source".into(), r.source.as_str().into());
        let line = serde_json::Value::Object(obj).to_string();
        match parse_jsonl_line(&line, topology, postcodes, NOW) {
            Ok(r2) => same_but_reporter(&r, &r2),
            Err(e) => panic!("a written line is refused: {e}\n{line}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => csv(rest),
        Some((_, rest)) => jsonl(rest),
        None => {}
    }
});
