//! Turning untrusted report fields into a [`Report`]: every rule of the intake in one place, so
//! the HTTP API, the web form and `radar import` reject the same things with the same words.

use crate::ids::{ProviderId, RegionId, ServiceId};
use crate::report::{Problem, Report, ReporterKey, Source, Timestamp};
use crate::topology::postcode::PostcodeMap;
use crate::topology::Topology;

/// How far in the future a report time may lie.
pub const MAX_FUTURE_SECS: i64 = 5 * 60;

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
        value: value.map(str::to_owned),
        message,
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

    let region = match (
        raw.region.filter(|s| !s.is_empty()),
        raw.postcode.filter(|s| !s.is_empty()),
    ) {
        (Some(r), _) => RegionId::parse(r)
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
            })?,
        (None, Some(pc)) => {
            let id = postcodes
                .lookup(pc)
                .map_err(|e| fe("postcode", Some(pc), "unknown-postcode", e.to_string()))?;
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
