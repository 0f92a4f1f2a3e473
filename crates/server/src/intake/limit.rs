//! Rate limits on anonymous reports, per network, and the record of who hit them.
//!
//! Each network (see [`crate::intake::identity::Network`]) has a bucket of `report_burst`
//! reports that refills at `reports_per_minute` (GCRA, by `governor`). A request whose reports
//! do not fit is refused whole with `429` and `Retry-After`, its reports are not stored, and the
//! network is entered in the abuse book, which `/metrics` counts and operators read at
//! `GET /api/v1/abuse`. The book names networks only by a keyed hash; it holds at most
//! [`BOOK_SIZE`] networks (the least active leave first).
//!
//! Why per network and why these defaults (20 at once, 10 a minute): a person reports a fault
//! once or twice; a household or an office behind one address a few times; a burst of 20 lets a
//! whole office report at once and 10 a minute lets it keep reporting during a long outage,
//! while an attacker on one network is held to a trickle whose reporter keys are capped anyway.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use radar_core::Timestamp;
use serde::Serialize;

use crate::intake::identity::Network;

/// Most networks kept in the abuse book.
pub const BOOK_SIZE: usize = 1000;

type Keyed =
    RateLimiter<Network, governor::state::keyed::DefaultKeyedStateStore<Network>, DefaultClock>;

/// The per-network limiter and the abuse book.
pub struct Limiter {
    limiter: Option<Keyed>,
    burst: u32,
    book: Mutex<HashMap<String, AbuseEntry>>,
}

/// A network that was refused for sending too much.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AbuseEntry {
    /// The network as a keyed hash with its prefix length (`ipv4/24:…`, `ipv6/48:…`).
    pub network: String,
    /// Reports refused for this network.
    pub refused_reports: u64,
    /// Requests refused for this network.
    pub refused_requests: u64,
    /// First refusal (server time).
    #[schema(value_type = crate::openapi::Time)]
    pub first: Timestamp,
    /// Last refusal (server time).
    #[schema(value_type = crate::openapi::Time)]
    pub last: Timestamp,
    /// When a refusal of this network was last logged (a flood logs once a minute, not once
    /// a request).
    #[serde(skip)]
    logged: Timestamp,
}

/// Why a request was refused: wait this long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Refused {
    /// Seconds until the request would fit (at least 1).
    pub retry_after_secs: NonZeroU32,
    /// The request holds more reports than a network may send at once.
    pub too_many_at_once: bool,
}

impl Limiter {
    /// A bucket of `per_hour` that refills over an hour (new subscriptions); 0 disables it.
    pub fn per_hour(per_hour: u32) -> Limiter {
        let limiter = NonZeroU32::new(per_hour).map(|n| {
            RateLimiter::keyed(
                Quota::with_period(Duration::from_secs(3600) / n.get())
                    .expect("a positive period")
                    .allow_burst(n),
            )
        });
        Limiter {
            limiter,
            burst: per_hour,
            book: Mutex::new(HashMap::new()),
        }
    }

    /// `per_minute` 0 disables the limit.
    pub fn new(per_minute: u32, burst: u32) -> Limiter {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Limiter {
            limiter,
            burst,
            book: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `n` reports from the network's bucket, or says how long to wait.
    pub fn check(&self, network: &Network, n: usize) -> Result<(), Refused> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let n = NonZeroU32::new(n.min(u32::MAX as usize) as u32).unwrap_or(NonZeroU32::MIN);
        match limiter.check_key_n(network, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(Refused {
                    retry_after_secs: ceil_secs(wait),
                    too_many_at_once: false,
                })
            }
            Err(_) => Err(Refused {
                retry_after_secs: NonZeroU32::new(60).expect("not zero"),
                too_many_at_once: true,
            }),
        }
    }

    /// The most reports a network may send at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Enters a refusal in the abuse book. True when it should be logged: the network's first
    /// refusal, or its first for a minute (so that a flood cannot flood the log).
    pub fn record(&self, tag: String, reports: u64, now: Timestamp) -> bool {
        let mut book = self.book.lock().unwrap_or_else(|p| p.into_inner());
        if !book.contains_key(&tag) && book.len() >= BOOK_SIZE {
            // The least active network leaves.
            if let Some(k) = book
                .iter()
                .min_by_key(|(_, e)| (e.refused_requests, e.last))
                .map(|(k, _)| k.clone())
            {
                book.remove(&k);
            }
        }
        let e = book.entry(tag.clone()).or_insert(AbuseEntry {
            network: tag,
            refused_reports: 0,
            refused_requests: 0,
            first: now,
            last: now,
            logged: Timestamp(i64::MIN),
        });
        e.refused_reports += reports;
        e.refused_requests += 1;
        e.last = now;
        let log = now.0.saturating_sub(e.logged.0) >= 60;
        if log {
            e.logged = now;
        }
        log
    }

    /// The abuse book, most refused reports first.
    pub fn book(&self) -> Vec<AbuseEntry> {
        let book = self.book.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<AbuseEntry> = book.values().cloned().collect();
        out.sort_by(|a, b| {
            b.refused_reports
                .cmp(&a.refused_reports)
                .then(a.network.cmp(&b.network))
        });
        out
    }

    /// Forgets buckets that have refilled (bounds memory under many networks).
    pub fn prune(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Networks with a bucket in memory.
    pub fn tracked(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }
}

fn ceil_secs(d: Duration) -> NonZeroU32 {
    let secs = d.as_millis().div_ceil(1000).min(u128::from(u32::MAX)) as u32;
    NonZeroU32::new(secs).unwrap_or(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_beyond_burst_and_names_the_wait() {
        let l = Limiter::new(10, 20);
        let net = Network::V4([203, 0, 113]);
        let other = Network::V4([198, 51, 100]);
        assert!(l.check(&net, 15).is_ok());
        assert!(l.check(&net, 5).is_ok());
        let refused = l.check(&net, 1).unwrap_err();
        assert!(!refused.too_many_at_once);
        assert!(
            (1..=7).contains(&refused.retry_after_secs.get()),
            "{refused:?}"
        );
        // Another network has its own bucket.
        assert!(l.check(&other, 20).is_ok());
        // More than a burst can never fit.
        assert!(l.check(&other, 21).unwrap_err().too_many_at_once);
        // Disabled.
        assert!(Limiter::new(0, 20).check(&net, 10_000).is_ok());
    }

    #[test]
    fn book_is_bounded_and_sorted() {
        let l = Limiter::new(10, 20);
        for i in 0..(BOOK_SIZE + 50) {
            l.record(format!("n{i}"), 1, Timestamp(i as i64));
        }
        assert!(l.record("big".into(), 500, Timestamp(9_999)));
        assert!(!l.record("big".into(), 1, Timestamp(10_000)));
        assert!(l.record("big".into(), 1, Timestamp(10_059)));
        let book = l.book();
        assert_eq!(book.len(), BOOK_SIZE);
        assert_eq!(book[0].network, "big");
        assert_eq!(book[0].refused_reports, 502);
    }
}
