//! Subscriptions: what is news for a subscriber, and when a failed delivery is tried again.
//!
//! A *subject* is something a subscriber is told about: an incident (an outage of the product
//! view) or a component of a provider. Its *mark* is a short text that changes exactly when
//! something a subscriber would be told changes (status, impact, a new statement, the end, a
//! component's status). Comparing the mark last notified with the current one decides
//! ([`news`]); the caller stores the marks, so a restart neither repeats nor loses a change.
//!
//! Deliveries that fail are tried again after an exponentially growing, jittered delay
//! ([`RetryPolicy::delay_after`]), a bounded number of times ([`verdict`]). No clock here:
//! `now` and the jitter are arguments.

use crate::Timestamp;

/// One subject of the current view and its mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// `incident:<outage id>` or `component:<provider>:<component id>`.
    pub subject: String,
    /// The provider the subject belongs to (subscriptions are per provider or for all).
    pub provider: String,
    /// Changes whenever what a subscriber is told changes.
    pub mark: String,
    /// Whether the subject is still going on (an open incident, a component not operational).
    pub open: bool,
}

/// Why a subject is news.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Never notified before, and going on.
    New,
    /// Notified before with another mark.
    Changed,
}

/// Whether `current` is news, given the mark last notified for its subject (`None`: never).
/// A subject first seen already over (history read at start, an outage that began and ended
/// between two looks) is recorded without telling anyone: nobody needs to hear of an incident
/// that is over when they could not have heard of its start.
pub fn news(last: Option<&str>, current: &Mark) -> Option<Change> {
    match last {
        None if current.open => Some(Change::New),
        None => None,
        Some(l) if l == current.mark => None,
        Some(_) => Some(Change::Changed),
    }
}

/// How often and how long failed deliveries are tried again, and when a subscription that
/// keeps failing is given up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per message, the first included (at least 1).
    pub max_attempts: u32,
    /// Seconds before the second attempt; each later delay is [`RetryPolicy::FACTOR`] times
    /// the one before.
    pub first_delay_secs: i64,
    /// No delay is longer than this.
    pub max_delay_secs: i64,
    /// A subscription is disabled after this many failed attempts in a row (any message).
    pub disable_after: u32,
}

impl RetryPolicy {
    /// Growth of the delay from one attempt to the next.
    pub const FACTOR: i64 = 4;
    /// The jitter spreads each delay over ±20 %, so that receivers that came back are not hit
    /// by every retry at the same second.
    pub const JITTER: f64 = 0.2;

    /// Seconds to wait after the failed attempt number `attempt` (1-based); `jitter` in
    /// `[0, 1)` picks the point in the ±20 % band. At least one second.
    pub fn delay_after(&self, attempt: u32, jitter: f64) -> i64 {
        let mut d = self.first_delay_secs.max(1);
        for _ in 1..attempt.max(1) {
            d = d.saturating_mul(Self::FACTOR);
            if d >= self.max_delay_secs {
                break;
            }
        }
        let d = d.min(self.max_delay_secs.max(1)) as f64;
        let j = jitter.clamp(0.0, 1.0);
        let spread = d * (1.0 - Self::JITTER + 2.0 * Self::JITTER * j);
        (spread.round() as i64).max(1)
    }
}

impl Default for RetryPolicy {
    /// 8 attempts over about 7½ hours (5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h between
    /// them), as Standard Webhooks senders do; disabled after 15 failures in a row (about two
    /// messages that failed every attempt).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_delay_secs: 5,
            max_delay_secs: 6 * 3600,
            disable_after: 15,
        }
    }
}

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The receiver took it (2xx).
    Delivered,
    /// Failed; try again at this time.
    RetryAt(Timestamp),
    /// Failed, and it was the last attempt.
    GiveUp,
    /// The receiver answered 410 Gone: it wants nothing more; the subscription ends now.
    Gone,
}

/// The verdict on attempt number `attempt` (1-based) that got HTTP `status`, or no answer at
/// all (`None`: refused, timed out, not allowed).
pub fn verdict(
    policy: &RetryPolicy,
    attempt: u32,
    status: Option<u16>,
    now: Timestamp,
    jitter: f64,
) -> Verdict {
    match status {
        Some(s) if (200..300).contains(&s) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ if attempt >= policy.max_attempts => Verdict::GiveUp,
        _ => Verdict::RetryAt(Timestamp(now.0 + policy.delay_after(attempt, jitter))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(m: &str, open: bool) -> Mark {
        Mark {
            subject: "incident:net-1".into(),
            provider: "o2-de".into(),
            mark: m.into(),
            open,
        }
    }

    #[test]
    fn news_is_a_new_open_subject_or_a_changed_mark() {
        assert_eq!(news(None, &mark("a", true)), Some(Change::New));
        assert_eq!(news(None, &mark("a", false)), None);
        assert_eq!(news(Some("a"), &mark("a", true)), None);
        assert_eq!(news(Some("a"), &mark("b", false)), Some(Change::Changed));
    }

    #[test]
    fn delays_grow_fourfold_up_to_the_cap_within_the_jitter_band() {
        let p = RetryPolicy::default();
        let mid: Vec<i64> = (1..=8).map(|n| p.delay_after(n, 0.5)).collect();
        assert_eq!(mid, [5, 20, 80, 320, 1280, 5120, 20480, 21600]);
        for n in 1..=8 {
            let d = p.delay_after(n, 0.5) as f64;
            assert!(p.delay_after(n, 0.0) as f64 >= d * 0.8 - 1.0);
            assert!(p.delay_after(n, 0.999) as f64 <= d * 1.2 + 1.0);
            assert!(p.delay_after(n, 0.0) < p.delay_after(n, 0.999));
        }
    }

    #[test]
    fn attempts_are_bounded_and_410_ends_at_once() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let now = Timestamp(1000);
        assert_eq!(verdict(&p, 1, Some(204), now, 0.5), Verdict::Delivered);
        assert_eq!(verdict(&p, 1, Some(410), now, 0.5), Verdict::Gone);
        assert_eq!(
            verdict(&p, 1, Some(500), now, 0.5),
            Verdict::RetryAt(Timestamp(1005))
        );
        assert_eq!(
            verdict(&p, 2, None, now, 0.5),
            Verdict::RetryAt(Timestamp(1020))
        );
        assert_eq!(verdict(&p, 3, Some(500), now, 0.5), Verdict::GiveUp);
        assert_eq!(verdict(&p, 3, Some(301), now, 0.5), Verdict::GiveUp);
    }
}
