//! The bus's message format: one batch of accepted reports, as JSON. The reporter key is
//! already a keyed hash (never an address); nothing else about the client travels.

use radar_core::{
    Problem, ProviderId, RegionId, Report, ReporterKey, ServiceId, Source, Timestamp,
};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    /// Time (Unix seconds).
    t: i64,
    p: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'a str>,
    q: &'a str,
    r: &'a str,
    /// Reporter key, lower-case hex.
    k: String,
    src: &'a str,
}

/// A batch as one message body.
pub fn encode(reports: &[Report]) -> Vec<u8> {
    let wire: Vec<Wire<'_>> = reports
        .iter()
        .map(|r| Wire {
            t: r.time.0,
            p: r.provider.as_str(),
            s: r.service.as_ref().map(|s| s.as_str()),
            q: r.problem.as_str(),
            r: r.region.as_str(),
            k: r.reporter.to_hex(),
            src: r.source.as_str(),
        })
        .collect();
    serde_json::to_vec(&wire).expect("reports encode as JSON")
}

/// A message body back to reports; an error names what is wrong (such a message is not
/// redelivered: it would never decode).
pub fn decode(body: &[u8]) -> Result<Vec<Report>, String> {
    let wire: Vec<Wire<'_>> =
        serde_json::from_slice(body).map_err(|e| format!("not a batch of reports: {e}"))?;
    wire.into_iter()
        .enumerate()
        .map(|(i, w)| {
            let bad = |what: &str, v: &str| format!("report {i}: {what} {v:?} is not valid");
            Ok(Report {
                time: Timestamp(w.t),
                provider: ProviderId::parse(w.p).map_err(|_| bad("provider", w.p))?,
                service: match w.s {
                    Some(s) => Some(ServiceId::parse(s).map_err(|_| bad("service", s))?),
                    None => None,
                },
                problem: Problem::parse(w.q).map_err(|_| bad("problem", w.q))?,
                region: RegionId::parse(w.r).map_err(|_| bad("region", w.r))?,
                reporter: ReporterKey::from_hex(&w.k).ok_or_else(|| bad("reporter key", &w.k))?,
                source: Source::parse(w.src).map_err(|_| bad("source", w.src))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_reads_back_the_same_and_bad_messages_say_why() {
        let r = Report {
            time: Timestamp(1_494_960_000),
            provider: ProviderId::parse("o2-de").unwrap(),
            service: Some(ServiceId::parse("mobile-data").unwrap()),
            problem: Problem::NoInternet,
            region: RegionId::parse("DE-BY").unwrap(),
            reporter: ReporterKey([7; 16]),
            source: Source::Web,
        };
        let mut other = r.clone();
        other.service = None;
        let batch = vec![r, other];
        assert_eq!(decode(&encode(&batch)).unwrap(), batch);
        assert!(decode(b"{").unwrap_err().contains("not a batch"));
        let bad = String::from_utf8(encode(&batch))
            .unwrap()
            .replace("o2-de", "O2!");
        assert!(decode(bad.as_bytes())
            .unwrap_err()
            .contains("report 0: provider"));
        let short = String::from_utf8(encode(&batch))
            .unwrap()
            .replace("07070707", "07");
        assert!(decode(short.as_bytes())
            .unwrap_err()
            .contains("reporter key"));
    }
}
