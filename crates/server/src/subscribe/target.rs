//! Where webhooks may go. Only `http` and `https` URLs with a host, no credentials in them.
//! Unless `webhook_private_targets` is set, only public addresses: a URL naming a loopback,
//! private, link-local, shared or reserved address, or a host that resolves to one, is refused
//! when subscribing; and deliveries resolve names through [`PublicOnly`], which drops such
//! addresses at the moment of connecting (so a name that later resolves elsewhere — DNS
//! rebinding — reaches nothing inside). Redirects are not followed.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

/// Longest a subscription waits for a webhook host's name to resolve.
pub const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Longest webhook URL accepted.
pub const MAX_URL: usize = 2000;

/// A webhook URL checked for its form (not yet for where it points).
pub fn parse_url(s: &str) -> Result<Url, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(
            "give the URL that should receive the webhooks, e.g. https://example.org/hooks/outages"
                .into(),
        );
    }
    if s.len() > MAX_URL {
        return Err(format!(
            "the URL is {} characters long; at most {MAX_URL}",
            s.len()
        ));
    }
    let url = Url::parse(s)
        .map_err(|e| format!("{s:?} is not a URL ({e}); write it as https://host/path"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "{}: URLs are not allowed; webhooks go to http:// or https:// URLs only",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host; write it as https://host/path".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL holds a user name or password; remove it (each delivery is signed instead: verify the webhook-signature header)".into());
    }
    Ok(url)
}

/// Whether an address is public: not loopback, private, link-local, shared (100.64/10),
/// documentation, multicast, unspecified or reserved.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

/// Checks where a URL points: with `private_ok` anything goes; otherwise an address in the
/// URL must be public, and a host name must resolve, to public addresses only.
pub async fn check_destination(url: &Url, private_ok: bool) -> Result<(), String> {
    if private_ok {
        return Ok(());
    }
    let refuse = |what: &str| {
        format!("{what} is not a public address; webhooks go only to public addresses (the operator can allow others with the setting webhook_private_targets)")
    };
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !public(IpAddr::V4(ip)) => Err(refuse(&ip.to_string())),
        Some(url::Host::Ipv6(ip)) if !public(IpAddr::V6(ip)) => Err(refuse(&ip.to_string())),
        Some(url::Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((name, port));
            let addrs: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
                .await
                .map_err(|_| format!("the host {name} did not resolve in time; check the URL"))?
                .map_err(|e| format!("the host {name} cannot be resolved ({e}); check the URL"))?
                .collect();
            match addrs.iter().find(|a| !public(a.ip())) {
                Some(a) => Err(refuse(&format!("{name} ({})", a.ip()))),
                None if addrs.is_empty() => Err(format!("the host {name} has no address")),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// A resolver for deliveries that keeps public addresses only.
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let out: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_and_no_credentials() {
        assert!(parse_url("https://example.org/hook").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/x").is_ok());
        for bad in [
            "",
            "ftp://example.org/",
            "file:///etc/passwd",
            "gopher://x",
            "https://user:pw@example.org/",
            "not a url",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        let url = parse_url("http://127.0.0.1:9/x").unwrap();
        assert!(check_destination(&url, false).await.is_err());
        assert!(check_destination(&url, true).await.is_ok());
        let url = parse_url("http://localhost:9/x").unwrap();
        assert!(check_destination(&url, false).await.is_err());
    }
}
