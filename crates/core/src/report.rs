//! A crowd report and its vocabulary: problem types, sources, times and reporter keys.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ids::{ProviderId, RegionId, ServiceId};

/// Seconds since the Unix epoch, UTC. The core works in whole seconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Parses RFC 3339 (`2017-05-17T13:02:11Z`, offsets allowed; stored as UTC).
    pub fn parse_rfc3339(s: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| Timestamp(t.timestamp()))
            .map_err(|e| {
                format!("{s:?} is not an RFC 3339 time ({e}); write e.g. 2017-05-17T13:02:11Z")
            })
    }
    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp(self.0, 0)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_else(|| self.0.to_string())
    }
    /// The minute this second falls in.
    pub fn minute(self) -> Minute {
        Minute(self.0.div_euclid(60))
    }
}

/// Minutes since the Unix epoch, UTC: the unit detection counts in. A type of its own so that
/// minutes and seconds ([`Timestamp`]) cannot be mixed up; a difference of two is a number of
/// minutes (`i64`), and adding one to a `Minute` moves it by that many minutes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Minute(pub i64);

impl Minute {
    /// The first second of the minute.
    pub fn start(self) -> Timestamp {
        Timestamp(self.0.saturating_mul(60))
    }
    /// The first second after the minute (the start of the next one).
    pub fn end(self) -> Timestamp {
        (self + 1).start()
    }
}

impl std::ops::Add<i64> for Minute {
    type Output = Minute;
    fn add(self, minutes: i64) -> Minute {
        Minute(self.0.saturating_add(minutes))
    }
}

impl std::ops::Sub<i64> for Minute {
    type Output = Minute;
    fn sub(self, minutes: i64) -> Minute {
        Minute(self.0.saturating_sub(minutes))
    }
}

/// Minutes from `rhs` to `self`.
impl std::ops::Sub for Minute {
    type Output = i64;
    fn sub(self, rhs: Minute) -> i64 {
        self.0.saturating_sub(rhs.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// The allowed values, for error messages.
            pub fn allowed() -> String {
                [$($text),+].join(", ")
            }
            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("{:?} is not a known {}; allowed: {}", s, $what, Self::allowed())),
                }
            }
            pub fn index(self) -> usize {
                self as usize
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> { Self::parse(s) }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// What the reporter says is wrong.
    Problem, "problem", {
        NoSignal = "no-signal",
        NoInternet = "no-internet",
        SlowInternet = "slow-internet",
        NoCalls = "no-calls",
        NoSms = "no-sms",
        TotalOutage = "total-outage",
        Login = "login",
        Hotline = "hotline",
        Billing = "billing",
        Other = "other",
    }
);

vocabulary!(
    /// Where a report came from.
    Source, "source", {
        Web = "web",
        App = "app",
        Api = "api",
        Social = "social",
        CallCenter = "call-center",
        Email = "email",
    }
);

/// An opaque reporter key: a keyed hash (HMAC-SHA256, truncated to 128 bits). Never a raw
/// address; the material it is derived from is not kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReporterKey(pub [u8; 16]);

impl ReporterKey {
    /// HMAC-SHA256(secret, material), truncated to 16 bytes.
    pub fn derive(secret: &[u8], material: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(material);
        let out = mac.finalize().into_bytes();
        let mut k = [0u8; 16];
        k.copy_from_slice(&out[..16]);
        ReporterKey(k)
    }
    pub fn to_hex(self) -> String {
        let mut s = String::with_capacity(32);
        for b in self.0 {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 32 {
            return None;
        }
        let mut k = [0u8; 16];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).ok()?;
            k[i] = u8::from_str_radix(hex, 16).ok()?;
        }
        Some(ReporterKey(k))
    }
    /// A 64-bit digest for in-memory distinct counting.
    pub fn short(self) -> u64 {
        u64::from_le_bytes(self.0[..8].try_into().expect("8 bytes"))
    }
}

impl fmt::Debug for ReporterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReporterKey({})", self.to_hex())
    }
}

/// One crowd report, valid by construction of its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub time: Timestamp,
    pub provider: ProviderId,
    pub service: Option<ServiceId>,
    pub problem: Problem,
    pub region: RegionId,
    pub reporter: ReporterKey,
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_roundtrip() {
        for p in Problem::ALL {
            assert_eq!(Problem::parse(p.as_str()).unwrap(), *p);
        }
        let e = Problem::parse("down").unwrap_err();
        assert!(e.contains("no-signal"), "{e}");
        assert_eq!(Source::parse("call-center").unwrap(), Source::CallCenter);
    }

    #[test]
    fn time_roundtrip() {
        let t = Timestamp::parse_rfc3339("2017-05-17T13:02:11Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-05-17T13:02:11Z");
        let o = Timestamp::parse_rfc3339("2017-05-17T15:02:11+02:00").unwrap();
        assert_eq!(o, t);
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn reporter_key_is_keyed() {
        let a = ReporterKey::derive(b"k1", b"203.0.113.9|ua");
        let b = ReporterKey::derive(b"k2", b"203.0.113.9|ua");
        assert_ne!(a, b);
        assert_eq!(ReporterKey::from_hex(&a.to_hex()), Some(a));
        assert!(!a.to_hex().contains("203"));
    }
}
