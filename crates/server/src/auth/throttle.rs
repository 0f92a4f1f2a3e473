//! Login throttling: after [`MAX_FAILURES`] failed sign-ins within [`WINDOW_SECS`], by one
//! account name or from one network (/24, /48), further attempts are refused until the oldest
//! failure leaves the window — before the password is even checked. A success clears the
//! account's failures.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use radar_core::Timestamp;

pub const MAX_FAILURES: usize = 5;
pub const WINDOW_SECS: i64 = 15 * 60;

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Throttle {
    /// Seconds to wait before another attempt under any of `keys`, or `None` if one may try.
    pub fn wait(&self, keys: &[String], now: Timestamp) -> Option<u64> {
        let mut map = self.failures.lock().expect("throttle lock");
        let mut wait = None;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                while q.front().is_some_and(|t| *t <= now.0 - WINDOW_SECS) {
                    q.pop_front();
                }
                if q.len() >= MAX_FAILURES {
                    let w = (q[q.len() - MAX_FAILURES] + WINDOW_SECS - now.0).max(1) as u64;
                    wait = Some(wait.map_or(w, |x: u64| x.max(w)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, keys: &[String], now: Timestamp) {
        let mut map = self.failures.lock().expect("throttle lock");
        // Bounded memory: forget everything old when the book grows large.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| *t > now.0 - WINDOW_SECS));
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            q.push_back(now.0);
            while q.len() > MAX_FAILURES {
                q.pop_front();
            }
        }
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_until_the_window_passes() {
        let t = Throttle::default();
        let keys = vec!["user:anna".to_owned()];
        for i in 0..MAX_FAILURES as i64 {
            assert_eq!(t.wait(&keys, Timestamp(1000 + i)), None);
            t.failed(&keys, Timestamp(1000 + i));
        }
        assert_eq!(t.wait(&keys, Timestamp(1010)), Some(890));
        assert_eq!(t.wait(&keys, Timestamp(1000 + WINDOW_SECS)), None);
        t.failed(&keys, Timestamp(2000));
        t.succeeded("user:anna");
        assert_eq!(t.wait(&keys, Timestamp(2001)), None);
    }
}
