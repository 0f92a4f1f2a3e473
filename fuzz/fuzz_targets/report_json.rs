//! `POST /api/v1/reports` bodies: the handler's parsing (`parse_body`) and the core's
//! validation, as the handler calls them.
//!
//! Beyond "no panic": an accepted report, written back as a JSON body, is accepted again as
//! the same report; every error stays small (the client's value is echoed shortened).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use radar_core::intake::validate;
use radar_core::topology::postcode::PostcodeMap;
use radar_core::topology::{germany, Topology};
use radar_core::{Report, ReporterKey, Source, Timestamp};
use radar_server::intake::api::{parse_body, MAX_AGE_SECS};

/// 2027-11-24T08:00:00Z: a fixed "now", so that a crash reproduces.
const NOW: Timestamp = Timestamp(1_827_302_400);
/// No error message needs more than this (bytes).
const MAX_ERROR: usize = 4096;

fn world() -> &'static (Topology, PostcodeMap) {
    static W: OnceLock<(Topology, PostcodeMap)> = OnceLock::new();
    W.get_or_init(|| (germany::topology(), germany::postcodes()))
}

fn check(body: &[u8], key: ReporterKey) -> Option<Vec<Result<Report, String>>> {
    let (topology, postcodes) = world();
    let batch = match parse_body(body) {
        Ok(b) => b,
        Err(p) => {
            assert!(p.status == 400, "parse errors are 400: {p:?}");
            assert!(
                p.detail.len() <= MAX_ERROR,
                "detail of {} bytes",
                p.detail.len()
            );
            return None;
        }
    };
    assert!(!batch.single || batch.reports.len() == 1);
    let oldest = Timestamp(NOW.0 - MAX_AGE_SECS);
    Some(
        batch
            .reports
            .iter()
            .map(|f| {
                validate(&f.raw(), topology, postcodes, NOW, oldest, Source::Api, key).map_err(
                    |e| {
                        assert!(
                            e.message.len() <= MAX_ERROR,
                            "message of {} bytes",
                            e.message.len()
                        );
                        if let Some(v) = &e.value {
                            assert!(v.len() <= MAX_ERROR, "value of {} bytes", v.len());
                        }
                        e.to_string()
                    },
                )
            })
            .collect(),
    )
}

/// A report as a client would send it again.
fn body_of(r: &Report) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("provider".into(), r.provider.as_str().into());
    if let Some(s) = &r.service {
        obj.insert("service".into(), s.as_str().into());
    }
    obj.insert("problem".into(), r.problem.as_str().into());
    obj.insert("region".into(), r.region.as_str().into());
    obj.insert("time".into(), r.time.to_rfc3339().into());
    obj.insert("source".into(), r.source.as_str().into());
    serde_json::to_vec(&serde_json::Value::Object(obj)).unwrap()
}

fuzz_target!(|data: &[u8]| {
    let key = ReporterKey::derive(b"fuzz", b"client");
    let Some(results) = check(data, key) else {
        return;
    };
    for r in results.into_iter().flatten() {
        assert!(r.time.0 <= NOW.0 + radar_core::intake::MAX_FUTURE_SECS);
        assert!(r.time.0 >= NOW.0 - MAX_AGE_SECS);
        let again = check(&body_of(&r), key).expect("a written report parses");
        assert_eq!(again.len(), 1);
        match &again[0] {
            Ok(r2) => assert_eq!(r2, &r, "a report round-trips"),
            Err(e) => panic!("an accepted report is refused when sent again: {e}\n{r:?}"),
        }
    }
});
