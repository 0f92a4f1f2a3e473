//! Who sent a report, in a form an attacker cannot multiply.
//!
//! A crowd report counts as evidence only if different reports come from different people, and
//! the only thing a client cannot choose is the network it sends from. So the reporter key is
//! derived from the **network** (the /24 of an IPv4 address, the /48 of an IPv6 address: what
//! one household, office or hosting customer usually holds) and the client's own material —
//! a `reporter_token`, else its User-Agent — only picks one of a few slots inside it:
//!
//! - one address yields at most [`SLOTS_PER_ADDRESS`] reporter keys a day (a household with
//!   two people reporting counts as two);
//! - one network yields at most [`SLOTS_PER_NETWORK`] (an office counts as a few, never as
//!   its head count);
//! - a token refines the identity within these slots and never adds any.
//!
//! 40 tokens from one machine therefore count as at most 2 reporters, 3000 User-Agents from a
//! /24 as at most 3: far below the excess an alarm needs (`min_excess` 12, 20 while the
//! provider shows a flood signature), so only many networks — a real crowd — raise an outage.
//!
//! Behind a reverse proxy the peer address is the proxy's. With `trust_forwarded_for` the
//! address is taken from `X-Forwarded-For`, counting `forwarded_hops` entries from the right:
//! each trusted proxy appends the address it saw, so the entries to the left of those are the
//! client's own claims and never count.
//!
//! Trusted clients (the operator's bearer token: call-centre tools, partner apps relaying
//! their users' reports) keep their per-report tokens as identities and are not rate-limited.

use std::net::{IpAddr, SocketAddr};

use axum::http::{header, HeaderMap};
use radar_core::{ReporterKey, Timestamp};

use crate::intake::reporter::ReporterSecret;
use crate::settings::Settings;

/// Reporter keys one address can produce per day.
pub const SLOTS_PER_ADDRESS: u64 = 2;
/// Reporter keys one network (/24, /48) can produce per day.
pub const SLOTS_PER_NETWORK: u64 = 3;

/// The network a client sends from: the first three bytes of an IPv4 address, the first six of
/// an IPv6 one (an IPv4-mapped IPv6 address counts as its IPv4 address). Never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    V4([u8; 3]),
    V6([u8; 6]),
    /// No address known (a server started without connection info): one shared network.
    Unknown,
}

impl Network {
    pub fn of(ip: IpAddr) -> Network {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                Network::V4([o[0], o[1], o[2]])
            }
            IpAddr::V6(v6) => {
                let o = v6.octets();
                Network::V6([o[0], o[1], o[2], o[3], o[4], o[5]])
            }
        }
    }

    /// Bytes that name the network (with its family) for keyed hashing.
    fn material(&self) -> Vec<u8> {
        match self {
            Network::V4(b) => [&[4u8][..], b].concat(),
            Network::V6(b) => [&[6u8][..], b].concat(),
            Network::Unknown => vec![0],
        }
    }

    /// The prefix length: `/24`, `/48`, or `?`.
    pub fn prefix(&self) -> &'static str {
        match self {
            Network::V4(_) => "ipv4/24",
            Network::V6(_) => "ipv6/48",
            Network::Unknown => "unknown",
        }
    }
}

/// What the server knows of a client: its address (never stored or logged) and User-Agent.
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
}

impl Client {
    /// The client of a request: the peer address, or with `trust_forwarded_for` the
    /// `forwarded_hops`-th `X-Forwarded-For` entry from the right (see the module
    /// documentation). A forwarded entry that is not an address falls back to the peer.
    pub fn of(settings: &Settings, headers: &HeaderMap, peer: Option<SocketAddr>) -> Client {
        let forwarded = if settings.trust_forwarded_for {
            forwarded_client(headers, settings.forwarded_hops)
        } else {
            None
        };
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Client {
            ip: forwarded.or_else(|| peer.map(|p| p.ip())),
            user_agent,
        }
    }

    pub fn network(&self) -> Network {
        self.ip.map(Network::of).unwrap_or(Network::Unknown)
    }
}

/// The address the `hops`-th trusted proxy saw: all `X-Forwarded-For` headers joined in order,
/// counted from the right.
fn forwarded_client(headers: &HeaderMap, hops: u32) -> Option<IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let hops = hops.max(1) as usize;
    let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
    entry.parse::<IpAddr>().ok().or_else(|| {
        // `[2001:db8::1]:443` or `203.0.113.7:1234`
        entry.parse::<SocketAddr>().ok().map(|s| s.ip())
    })
}

impl ReporterSecret {
    /// The reporter key of an anonymous client: its network, and a slot inside it chosen by the
    /// address and by `token` (or the User-Agent when there is no token). See the module
    /// documentation for the bounds this gives.
    pub fn for_client(&self, now: Timestamp, client: &Client, token: Option<&str>) -> ReporterKey {
        let network = client.network();
        let address = client.ip.map(|ip| ip.to_string()).unwrap_or_default();
        let refine = token.unwrap_or(&client.user_agent);
        let base = self.tag(now, &[b"address\n", address.as_bytes()]) % SLOTS_PER_NETWORK;
        let pick = self.tag(now, &[b"refine\n", refine.as_bytes()]) % SLOTS_PER_ADDRESS;
        let slot = (base + pick) % SLOTS_PER_NETWORK;
        let mut material = network.material();
        material.push(b'\n');
        material.push(slot as u8);
        self.keyed(now, b"network", &material)
    }

    /// A name for a network in logs, metrics and the operator's abuse view that does not reveal
    /// the address: a keyed hash, stable within a day.
    pub fn network_tag(&self, now: Timestamp, network: &Network) -> String {
        let k = self.keyed(now, b"network-tag", &network.material());
        format!("{}:{}", network.prefix(), &k.to_hex()[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn client(ip: &str, ua: &str) -> Client {
        Client {
            ip: Some(ip.parse().unwrap()),
            user_agent: ua.into(),
        }
    }

    #[test]
    fn tokens_refine_but_never_multiply() {
        let s = ReporterSecret::random();
        let now = Timestamp(1_000);
        let one = client("203.0.113.7", "ua");
        let from_one: HashSet<_> = (0..200)
            .map(|i| s.for_client(now, &one, Some(&format!("t{i}"))))
            .collect();
        assert_eq!(from_one.len() as u64, SLOTS_PER_ADDRESS);
        let agents: HashSet<_> = (0..200)
            .map(|i| s.for_client(now, &client("203.0.113.7", &format!("agent {i}")), None))
            .collect();
        assert_eq!(agents.len() as u64, SLOTS_PER_ADDRESS);
        let network: HashSet<_> = (0..=255)
            .flat_map(|h| {
                let c = client(&format!("203.0.113.{h}"), "ua");
                (0..4)
                    .map(|i| s.for_client(now, &c, Some(&format!("t{i}"))))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(network.len() as u64, SLOTS_PER_NETWORK);
        let v6: HashSet<_> = (0..100)
            .map(|i| {
                let c = client(&format!("2001:db8:aa:{i:x}::1"), "ua");
                s.for_client(now, &c, Some(&format!("t{i}")))
            })
            .collect();
        assert!(v6.len() as u64 <= SLOTS_PER_NETWORK);
        // Many networks are many reporters.
        let crowd: HashSet<_> = (0..100)
            .map(|i| s.for_client(now, &client(&format!("198.51.{i}.9"), "ua"), None))
            .collect();
        assert_eq!(crowd.len(), 100);
        // Mapped IPv4 is the same network as IPv4.
        assert_eq!(
            Network::of("::ffff:203.0.113.9".parse().unwrap()),
            Network::of("203.0.113.200".parse().unwrap())
        );
    }

    #[test]
    fn keys_and_tags_hide_the_address_and_rotate_daily() {
        // Fixed secrets, so that the test gives the same answer every run (a random secret
        // made three hexadecimal digits of the address appear by chance once in about 140).
        let c = client("203.0.113.7", "ua");
        for i in 1..=20u32 {
            let s = ReporterSecret::from_hex(&format!("{i:064x}")).unwrap();
            let a = s.for_client(Timestamp(10), &c, None);
            assert_eq!(a, s.for_client(Timestamp(20), &c, None));
            assert_ne!(a, s.for_client(Timestamp(86_400 + 10), &c, None));
            // Neither the address's text nor its four bytes (cb 00 71 07) in the key.
            let hex = a.to_hex();
            assert!(
                !hex.contains("cb007107") && !hex.contains("203.0.113"),
                "{hex}"
            );
            let tag = s.network_tag(Timestamp(10), &c.network());
            assert!(tag.starts_with("ipv4/24:"), "{tag}");
            assert!(!tag.contains("203.0") && !tag.contains("cb0071"), "{tag}");
        }
    }

    #[test]
    fn forwarded_for_counts_trusted_hops_from_the_right() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        h.append("x-forwarded-for", "3.3.3.3".parse().unwrap());
        let ip = |hops| forwarded_client(&h, hops).map(|i| i.to_string());
        assert_eq!(ip(1).as_deref(), Some("3.3.3.3"));
        assert_eq!(ip(2).as_deref(), Some("2.2.2.2"));
        assert_eq!(ip(3).as_deref(), Some("1.1.1.1"));
        assert_eq!(ip(4), None);
        let mut junk = HeaderMap::new();
        junk.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(forwarded_client(&junk, 1), None);
    }
}
