//! Where webhooks may go: public addresses only (no SSRF), unless
//! `webhooks.allow_private_targets` allows the rest for local development.
//!
//! A target is refused when its host is a name that only makes sense inside a network
//! (`localhost`, `*.localhost`, `*.internal` such as `metadata.google.internal`, `*.local`,
//! one-label names such as `metadata`) or when any address it resolves to is not public:
//! unspecified, loopback, private (RFC 1918, IPv6 ULA), shared (CGNAT 100.64/10),
//! link-local (169.254/16 with the cloud metadata services, fe80::/10), documentation,
//! benchmarking, multicast, reserved and broadcast ranges, and IPv6 forms embedding such an
//! IPv4 address (mapped, compatible, NAT64, 6to4). URLs are parsed as the HTTP client parses
//! them (WHATWG), so `http://2130706433/`, `http://0x7f000001/` and `http://127.1/` are the
//! loopback address they denote.
//!
//! The check runs at registration and again at every delivery: [`Resolver`] is the delivery
//! client's DNS resolver, so the addresses checked are the ones connected to (a name that
//! resolves to a public address at registration and to a private one later, DNS rebinding,
//! is refused then, and no second lookup happens between check and connection).

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
};
use url::Host;

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    /// Not an absolute `http://` or `https://` URL.
    #[error("must be an http:// or https:// URL")]
    NotHttp,
    /// `user:password@` in the URL.
    #[error("must not carry credentials (user:password@)")]
    Credentials,
    /// The host is internal, does not resolve, or resolves to an address that is not public.
    #[error(
        "the host must resolve, and only to public addresses (not loopback, private, \
         link-local, shared, multicast or reserved ones, nor names such as localhost or \
         *.internal)"
    )]
    NotPublic,
}

/// A registered target: its URL and the `host:port` deliveries are counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The URL as parsed.
    pub(crate) url: Url,
    /// `host:port`, lower-case, the port explicit.
    pub(crate) host: String,
}

/// Parses `text` as a webhook URL (syntax only; see [`check`] for the addresses).
pub(crate) fn parse(text: &str) -> Result<Target, Refused> {
    if text.len() > 2048 || text.contains(char::is_whitespace) {
        return Err(Refused::NotHttp);
    }
    let url = Url::parse(text).map_err(|_| Refused::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(Refused::NotHttp)?;
    let port = url.port_or_known_default().ok_or(Refused::NotHttp)?;
    let host = format!("{host}:{port}");
    Ok(Target { url, host })
}

/// Checks a target at registration: parsed, and unless `allow_private`, its host public
/// (a name is resolved, within `timeout`, and every address must be public).
pub(crate) async fn check(
    text: &str,
    allow_private: bool,
    timeout: Duration,
) -> Result<Target, Refused> {
    let target = parse(text)?;
    if !allow_private {
        match target.url.host() {
            Some(Host::Ipv4(ip)) => public_or_refused(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => public_or_refused(IpAddr::V6(ip))?,
            Some(Host::Domain(name)) => {
                resolve(name, false, timeout).await?;
            }
            None => return Err(Refused::NotHttp),
        }
    }
    Ok(target)
}

fn public_or_refused(ip: IpAddr) -> Result<(), Refused> {
    if is_public(ip) { Ok(()) } else { Err(Refused::NotPublic) }
}

/// Whether a URL's literal IP host may be connected to (`None` for a name: [`Resolver`]
/// checks those as it resolves them).
pub(crate) fn literal_allowed(url: &Url, allow_private: bool) -> bool {
    allow_private
        || match url.host() {
            Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
            Some(Host::Domain(_)) => true,
            None => false,
        }
}

/// The addresses of `name` (port 0), every one of them public unless `allow_private`.
async fn resolve(
    name: &str,
    allow_private: bool,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, Refused> {
    if !allow_private && !name_allowed(name) {
        return Err(Refused::NotPublic);
    }
    let lookup = tokio::net::lookup_host((name.trim_end_matches('.'), 0));
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        _ => return Err(Refused::NotPublic),
    };
    if addrs.is_empty() || (!allow_private && addrs.iter().any(|a| !is_public(a.ip()))) {
        return Err(Refused::NotPublic);
    }
    Ok(addrs)
}

/// The delivery client's DNS resolver: answers only checked addresses, so the client
/// connects to what was checked.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
    /// `webhooks.allow_private_targets`.
    pub(crate) allow_private: bool,
    /// How long a lookup may take.
    pub(crate) timeout: Duration,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (name, this) = (name.as_str().to_string(), self.clone());
        Box::pin(async move {
            let addrs = resolve(&name, this.allow_private, this.timeout).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Names that only make sense inside a network, refused whatever they resolve to.
fn name_allowed(name: &str) -> bool {
    const INTERNAL: [&str; 10] = [
        "localhost",
        "local",
        "internal",
        "intranet",
        "lan",
        "home",
        "corp",
        "localdomain",
        "home.arpa",
        "arpa",
    ];
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    // One label (`metadata`, `intranet-db`): resolved through the server's search domains.
    name.contains('.') && !INTERNAL.iter().any(|s| name == *s || name.ends_with(&format!(".{s}")))
}

/// Whether `ip` is a public unicast address.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_public(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => v4_public(v4),
            None => v6_public(v6),
        },
    }
}

fn v4_public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let not_public = a == 0 // "this network", 0.0.0.0 included
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local, cloud metadata services
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224; // multicast, reserved, broadcast
    !not_public
}

fn v6_public(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let not_public = ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments, Teredo
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1); // local-use NAT64
    !not_public
}

/// The IPv4 address an IPv6 address carries: mapped (`::ffff:a.b.c.d`), compatible
/// (`::a.b.c.d`, and `::` and `::1`), translated (`::ffff:0:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if s[..5] == [0; 5] && (s[5] == 0 || s[5] == 0xffff) {
        return Some(low(s[6], s[7]));
    }
    if s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn only_public_unicast_addresses_pass() {
        for ip in ["1.1.1.1", "8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450::1"] {
            assert!(public(ip), "{ip}");
        }
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.170",
            "192.0.2.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0:10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
        ] {
            assert!(!public(ip), "{ip}");
        }
        // Embedded public addresses are public.
        assert!(public("::ffff:1.1.1.1") && public("64:ff9b::808:808"));
    }

    #[test]
    fn urls_are_read_as_the_client_reads_them() {
        for (url, refused) in [
            ("ftp://1.1.1.1/", Refused::NotHttp),
            ("http://", Refused::NotHttp),
            ("/relative", Refused::NotHttp),
            ("http://a b/", Refused::NotHttp),
            ("http://u:p@1.1.1.1/", Refused::Credentials),
            ("http://u@1.1.1.1/", Refused::Credentials),
        ] {
            assert_eq!(parse(url).unwrap_err(), refused, "{url}");
        }
        let t = parse("http://Shop.Example/hook?x=1").unwrap();
        assert_eq!(t.host, "shop.example:80");
        assert_eq!(parse("http://[::1]:8080/").unwrap().host, "[::1]:8080");
        // https receivers are counted under port 443, and checked like any other.
        assert_eq!(parse("https://Shop.Example/hook").unwrap().host, "shop.example:443");
        let t = parse("https://127.1/").unwrap();
        assert!(!literal_allowed(&t.url, false) && literal_allowed(&t.url, true));
        for loopback in
            ["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://017700000001/"]
        {
            let t = parse(loopback).unwrap();
            assert_eq!(t.url.host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)), "{loopback}");
            assert!(!literal_allowed(&t.url, false) && literal_allowed(&t.url, true));
        }
    }

    #[test]
    fn internal_names_are_refused_whatever_they_resolve_to() {
        for name in [
            "localhost",
            "LOCALHOST.",
            "app.localhost",
            "metadata",
            "metadata.google.internal",
            "printer.local",
            "db.corp",
            "router.home.arpa",
            "1.0.0.127.in-addr.arpa",
        ] {
            assert!(!name_allowed(name), "{name}");
        }
        assert!(name_allowed("hooks.shop.example") && name_allowed("example.com."));
    }

    #[tokio::test]
    async fn registration_checks_every_address() {
        let t = Duration::from_secs(2);
        assert_eq!(check("http://127.0.0.1/", false, t).await.unwrap_err(), Refused::NotPublic);
        assert_eq!(check("http://localhost/", false, t).await.unwrap_err(), Refused::NotPublic);
        assert!(check("http://1.1.1.1/", false, t).await.is_ok());
        // Allowed for local development: loopback, without a lookup.
        assert!(check("http://localhost:9/", true, t).await.is_ok());
        assert!(check("https://localhost/", true, t).await.is_ok());
        assert_eq!(check("https://127.0.0.1/", false, t).await.unwrap_err(), Refused::NotPublic);
        // The resolver refuses names that answer loopback.
        let resolver = Resolver { allow_private: false, timeout: t };
        let name: Name = "localhost".parse().unwrap();
        assert!(resolver.resolve(name).await.is_err());
        let open = Resolver { allow_private: true, timeout: t };
        let addrs: Vec<SocketAddr> =
            open.resolve("localhost".parse().unwrap()).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
