//! Turning untrusted report fields into a [`Report`]: every rule of the intake in one place, so
//! the HTTP API, the web form and `radar import` reject the same things with the same words.

use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::{Problem, Report, ReporterKey, Source, Timestamp};
use crate::topology::postcode::PostcodeMap;
use crate::topology::Topology;

/// How far in the future a report time may lie.
pub const MAX_FUTURE_SECS: i64 = 5 * 60;

/// Most characters of a client's value that an error message repeats.
pub const ECHO_CHARS: usize = 200;

/// A client's value as error messages repeat it: whole when it has at most [`ECHO_CHARS`]
/// characters, else its first [`ECHO_CHARS`] (cut on a character boundary), `…` and the
/// length of what was sent. Every message that quotes client input goes through this, so an
/// error is never much larger than the question.
pub fn echo(value: &str) -> String {
    match value.char_indices().nth(ECHO_CHARS) {
        None => value.to_owned(),
        Some((cut, _)) => format!(
            "{}… ({} characters in all)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

/// `message` about `value` with every verbatim copy of a long `value` replaced by its
/// [`echo`]; a message still too long (the value was quoted with escapes) is cut as a whole.
pub fn bounded(value: &str, message: String) -> String {
    if value.len() <= ECHO_CHARS || !message.contains(value) && message.len() <= 4 * ECHO_CHARS {
        return message;
    }
    let m = message.replace(value, &echo(value));
    if m.chars().count() > 4 * ECHO_CHARS {
        echo(&m)
    } else {
        m
    }
}

/// Report fields as they arrive, before validation.
#[derive(Clone, Debug, Default)]
pub struct RawReport<'a> {
    pub provider: Option<&'a str>,
    pub service: Option<&'a str>,
    pub problem: Option<&'a str>,
    pub region: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub time: Option<&'a str>,
    pub source: Option<&'a str>,
}

/// One rejected field: which, what was sent, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub value: Option<String>,
    pub message: String,
    /// Short machine-readable reason, e.g. `unknown-provider`; used for metrics.
    pub reason: &'static str,
}

fn fe(
    field: &'static str,
    value: Option<&str>,
    reason: &'static str,
    message: String,
) -> FieldError {
    FieldError {
        field,
        value: value.map(echo),
        message: match value {
            Some(v) => bounded(v, message),
            None => message,
        },
        reason,
    }
}

/// Validates fields against the topology. `now` bounds the time; `default_source` applies
/// when none is given. The reporter key is computed by the caller (it knows the secret).
pub fn validate(
    raw: &RawReport<'_>,
    topology: &Topology,
    postcodes: &PostcodeMap,
    now: Timestamp,
    oldest: Timestamp,
    default_source: Source,
    reporter: ReporterKey,
) -> Result<Report, FieldError> {
    let provider_raw = raw
        .provider
        .filter(|s| !s.is_empty())
        .ok_or_else(|| fe("provider", None, "missing-field", "is required".into()))?;
    let provider = ProviderId::parse(provider_raw)
        .ok()
        .filter(|p| topology.provider(p.as_str()).is_some())
        .ok_or_else(|| {
            fe(
                "provider",
                Some(provider_raw),
                "unknown-provider",
                format!(
                    "unknown provider {provider_raw:?}; known providers: {}",
                    topology.provider_list()
                ),
            )
        })?;

    let service = match raw.service.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let ok = ServiceId::parse(s)
                .ok()
                .filter(|id| topology.service(provider.as_str(), id.as_str()).is_some());
            match ok {
                Some(id) => Some(id),
                None => {
                    let known: Vec<&str> = topology
                        .services_of(provider.as_str())
                        .map(|s| s.id.as_str())
                        .collect();
                    return Err(fe(
                        "service",
                        Some(s),
                        "unknown-service",
                        format!(
                            "{provider} has no service {s:?}; its services: {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
    };

    let problem_raw = raw.problem.filter(|s| !s.is_empty()).ok_or_else(|| {
        fe(
            "problem",
            None,
            "missing-field",
            format!("is required; allowed: {}", Problem::allowed()),
        )
    })?;
    let problem = Problem::parse(problem_raw)
        .map_err(|m| fe("problem", Some(problem_raw), "unknown-problem", m))?;

    let region_raw = raw.region.filter(|s| !s.is_empty());
    let postcode_raw = raw.postcode.filter(|s| !s.is_empty());
    let region = region_raw
        .map(|r| {
            RegionId::parse(r)
                .ok()
                .filter(|id| topology.region(id.as_str()).is_some())
                .ok_or_else(|| {
                    let known: Vec<&str> = topology.regions.iter().map(|r| r.id.as_str()).collect();
                    fe(
                        "region",
                        Some(r),
                        "unknown-region",
                        format!("unknown region {r:?}; known regions: {}", known.join(", ")),
                    )
                })
        })
        .transpose()?;
    let located = postcode_raw
        .map(|pc| {
            postcodes
                .lookup(pc)
                .map(|id| (pc, id))
                .map_err(|e| fe("postcode", Some(pc), "unknown-postcode", e.to_string()))
        })
        .transpose()?;
    let region = match (region, located) {
        // A postcode sent with the region must lie in it.
        (Some(id), Some((pc, at))) if at != id => {
            return Err(fe(
                "postcode",
                Some(pc),
                "postcode-outside-region",
                format!(
                    "postcode {pc} lies in {at}, not in region {id}; send the region the postcode lies in, or only one of the two"
                ),
            ));
        }
        (Some(id), _) => id,
        (None, Some((pc, id))) => {
            if topology.region(id.as_str()).is_none() {
                return Err(fe(
                    "postcode",
                    Some(pc),
                    "unknown-postcode",
                    format!("postcode {pc} lies in {id}, which this topology does not cover"),
                ));
            }
            id
        }
        (None, None) => {
            return Err(fe(
                "region",
                None,
                "missing-field",
                "one of region (e.g. DE-BY) or postcode (e.g. 80331) is required".into(),
            ))
        }
    };

    let time = match raw.time.filter(|s| !s.is_empty()) {
        None => now,
        Some(t) => {
            let ts = Timestamp::parse_rfc3339(t).map_err(|m| fe("time", Some(t), "bad-time", m))?;
            if ts.0 > now.0 + MAX_FUTURE_SECS {
                return Err(fe(
                    "time",
                    Some(t),
                    "time-out-of-range",
                    format!(
                        "{t} is more than {} minutes in the future (server time {now})",
                        MAX_FUTURE_SECS / 60
                    ),
                ));
            }
            if ts < oldest {
                return Err(fe(
                    "time",
                    Some(t),
                    "time-out-of-range",
                    format!("{t} is older than the oldest accepted time {oldest}"),
                ));
            }
            ts
        }
    };

    let source = match raw.source.filter(|s| !s.is_empty()) {
        None => default_source,
        Some(s) => Source::parse(s).map_err(|m| fe("source", Some(s), "unknown-source", m))?,
    };

    Ok(Report {
        time,
        provider,
        service,
        problem,
        region,
        reporter,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::germany;

    fn check(raw: RawReport<'_>) -> Result<Report, FieldError> {
        let now = Timestamp(1_795_435_200);
        validate(
            &raw,
            &germany::topology(),
            &germany::postcodes(),
            now,
            Timestamp(now.0 - 86_400),
            Source::Api,
            ReporterKey([0; 16]),
        )
    }

    fn raw<'a>(region: Option<&'a str>, postcode: Option<&'a str>) -> RawReport<'a> {
        RawReport {
            provider: Some("o2-de"),
            problem: Some("no-internet"),
            region,
            postcode,
            ..RawReport::default()
        }
    }

    #[test]
    fn echo_keeps_short_values_and_cuts_long_ones_on_a_char_boundary() {
        assert_eq!(echo("80331"), "80331");
        let exact = "x".repeat(ECHO_CHARS);
        assert_eq!(echo(&exact), exact);
        let long = "ä".repeat(1_000_000);
        let e = echo(&long);
        assert!(e.starts_with(&"ä".repeat(ECHO_CHARS)), "{}", &e[..10]);
        assert!(e.ends_with("… (1000000 characters in all)"), "{e}");
        assert_eq!(
            e.chars().count(),
            ECHO_CHARS + "… (1000000 characters in all)".len() - 2
        );
    }

    #[test]
    fn a_huge_invalid_value_gives_a_small_error() {
        let huge = "q".repeat(1 << 20);
        let e = check(RawReport {
            provider: Some(&huge),
            ..raw(Some("DE-BY"), None)
        })
        .unwrap_err();
        assert_eq!(e.field, "provider");
        assert!(e.value.as_ref().unwrap().len() < 300, "{:?}", e.value);
        assert!(e.message.len() < 1000, "{}", e.message);
        assert!(e.message.contains("1048576 characters"), "{}", e.message);
        assert!(e.message.contains("known providers"), "{}", e.message);
        // Quoted with escapes, the value is not found verbatim: the message is cut whole.
        let quotes = "\"".repeat(1 << 20);
        let e = check(raw(Some(&quotes), None)).unwrap_err();
        assert_eq!(e.field, "region");
        assert!(e.message.len() < 1000, "{}", e.message.len());
    }

    #[test]
    fn a_postcode_with_a_region_must_lie_in_it() {
        assert_eq!(
            check(raw(Some("DE-BY"), Some("80331")))
                .unwrap()
                .region
                .as_str(),
            "DE-BY"
        );
        let e = check(raw(Some("DE-BE"), Some("80331"))).unwrap_err();
        assert_eq!((e.field, e.reason), ("postcode", "postcode-outside-region"));
        assert!(
            e.message.contains("lies in DE-BY, not in region DE-BE"),
            "{}",
            e.message
        );
        let e = check(raw(Some("DE-BY"), Some("8033"))).unwrap_err();
        assert_eq!(e.field, "postcode");
        // Without a region the postcode decides; without a postcode the region.
        assert_eq!(
            check(raw(None, Some("80331"))).unwrap().region.as_str(),
            "DE-BY"
        );
        assert_eq!(
            check(raw(Some("DE-BE"), None)).unwrap().region.as_str(),
            "DE-BE"
        );
        assert_eq!(
            check(raw(Some("DE-BE"), Some(""))).unwrap().region.as_str(),
            "DE-BE"
        );
    }
}
