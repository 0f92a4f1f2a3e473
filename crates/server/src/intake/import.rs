//! The JSONL side of `radar import`: one report object per line (the fields of
//! [`ReportJson`]), validated by the same rules as the API, except that `time` is required and
//! may lie any time in the past. Pure: the caller reads the file and stores the reports.

use std::io::BufRead;

use radar_core::intake::validate;
use radar_core::topology::postcode::PostcodeMap;
use radar_core::topology::Topology;
use radar_core::{Report, ReporterKey, Source, Timestamp};

use crate::intake::api::ReportJson;

/// What one non-blank line became: a report, or why it was rejected.
pub type LineResult = Result<Report, String>;

/// One line of a JSONL import: the report, or why the line was rejected.
pub fn parse_jsonl_line(
    line: &str,
    topology: &Topology,
    postcodes: &PostcodeMap,
    now: Timestamp,
) -> LineResult {
    let json: ReportJson =
        serde_json::from_str(line).map_err(|e| format!("not a report object: {e}"))?;
    if json.time.is_none() {
        return Err(
            "time: is required in imports (RFC 3339, e.g. 2017-05-17T13:02:11Z)".to_owned(),
        );
    }
    // With a token the reporter is the token's; without, each distinct line is its own.
    let key = match &json.reporter_token {
        Some(t) => ReporterKey::derive(b"radar-import", t.as_bytes()),
        None => ReporterKey::derive(b"radar-import-line", line.as_bytes()),
    };
    validate(
        &json.raw(),
        topology,
        postcodes,
        now,
        Timestamp(i64::MIN),
        Source::Api,
        key,
    )
    .map_err(|e| e.to_string())
}

/// Reads JSONL: for each non-blank line, its 1-based number and what it became. A read
/// error (including text that is not UTF-8) is the last item, with the number of the line
/// that could not be read.
pub fn read_reports_jsonl<'a, R: BufRead + 'a>(
    r: R,
    topology: &'a Topology,
    postcodes: &'a PostcodeMap,
    now: Timestamp,
) -> impl Iterator<Item = (u64, std::io::Result<LineResult>)> + 'a {
    let mut failed = false;
    r.lines()
        .enumerate()
        .map_while(move |(i, line)| {
            if failed {
                return None;
            }
            failed = line.is_err();
            Some((i as u64 + 1, line))
        })
        .filter_map(move |(n, line)| match line {
            Err(e) => Some((n, Err(e))),
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some((n, Ok(parse_jsonl_line(&l, topology, postcodes, now)))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use radar_core::topology::germany;

    #[test]
    fn lines_are_numbered_blank_ones_skipped_and_a_read_error_ends_the_stream() {
        let (t, pc) = (germany::topology(), germany::postcodes());
        let now = Timestamp::parse_rfc3339("2017-05-18T00:00:00Z").unwrap();
        let text = b"{\"provider\":\"o2-de\",\"problem\":\"no-signal\",\"region\":\"DE-BY\",\"time\":\"2017-05-17T13:02:11Z\"}\n\
            \n\
            {\"provider\":\"o2-de\",\"problem\":\"no-signal\",\"region\":\"DE-BY\"}\n\
            not json\n\
            \xff\n\
            {\"provider\":\"o2-de\",\"problem\":\"no-signal\",\"region\":\"DE-BY\",\"time\":\"2017-05-17T13:02:11Z\"}\n";
        let items: Vec<_> = read_reports_jsonl(&text[..], &t, &pc, now).collect();
        assert_eq!(items.len(), 4, "{items:?}");
        assert!(matches!(items[0], (1, Ok(Ok(_)))));
        assert!(
            matches!(&items[1], (3, Ok(Err(m))) if m.starts_with("time: is required")),
            "{:?}",
            items[1]
        );
        assert!(
            matches!(&items[2], (4, Ok(Err(m))) if m.starts_with("not a report object")),
            "{:?}",
            items[2]
        );
        assert!(matches!(items[3], (5, Err(_))), "{:?}", items[3]);
    }
}
