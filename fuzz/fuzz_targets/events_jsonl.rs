//! `events.jsonl` lines: `parse_event_line` (the scenario loader's), the ids checked against
//! the shipped topology, and the accepted events applied in order to an incident book (the
//! core's one path by which events change incidents, shared by replay and the server).
//!
//! Beyond "no panic": an accepted event, written back as `write_events_jsonl` writes it,
//! parses to the same event.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use radar_core::incident::IncidentBook;
use radar_core::topology::{germany, Topology};
use radar_scenario::package::{parse_event_line, write_events_jsonl};

fn topology() -> &'static Topology {
    static T: OnceLock<Topology> = OnceLock::new();
    T.get_or_init(germany::topology)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let topology = topology();
    let mut book = IncidentBook::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(ev) = parse_event_line(line) else {
            continue;
        };
        let mut out = Vec::new();
        write_events_jsonl(&mut out, std::slice::from_ref(&ev)).unwrap();
        let written = std::str::from_utf8(&out).unwrap().trim_end();
        match parse_event_line(written) {
            Ok(again) => assert_eq!(again, ev, "an event round-trips: {written}"),
            Err(e) => panic!("a written event is refused: {e}\n{written}"),
        }
        if ev.check(topology).is_empty() {
            let _ = book.apply(&ev, topology);
        }
    }
});
