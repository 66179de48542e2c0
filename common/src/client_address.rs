//! The client's address, for rate limiting and forwarding.
//!
//! A service behind a load balancer sees the balancer as its TCP peer; the balancer names the
//! real client in `X-Forwarded-For`. That header is believed only when the peer is one of the
//! configured trusted proxies (`TRUSTED_PROXIES`, IPs or CIDRs, comma separated; none by default),
//! and then it is read from the right: every proxy appends the address it saw, so the rightmost
//! entry that is not itself a trusted proxy is the first address nobody we trust vouches past.
//! Anything to its left was written by the client and may be forged.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are treated as the IPv4 address they carry,
//! both in the list and in the header, so a dual-stack listener does not split one client in two.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::{HttpRequest, http::header::HeaderName};
use ipnet::IpNet;

use crate::config::{ConfigError, Env};

/// `TRUSTED_PROXIES`: IPs or CIDRs (comma list) whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma list of IPs (`10.0.0.7`, `::1`) and CIDRs (`10.0.0.0/8`, `fd00::/8`);
    /// blanks are ignored, so the empty string means "trust no proxy".
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(|ip| IpNet::from(canonical(ip))))
                    .map(|net| match net {
                        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
                            // ::ffff:a.b.c.d/(96+n) is the IPv4 network a.b.c.d/n.
                            Some(v4) if v6.prefix_len() >= 96 => {
                                IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net)
                            }
                            _ => net,
                        },
                        IpNet::V4(_) => net,
                    })
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether no proxy is trusted (the default).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Env {
    /// `TRUSTED_PROXIES` (default: none).
    pub fn trusted_proxies(&self) -> Result<TrustedProxies, ConfigError> {
        TrustedProxies::parse(self.get("TRUSTED_PROXIES").unwrap_or("")).map_err(|reason| {
            ConfigError::Invalid {
                name: "TRUSTED_PROXIES".into(),
                reason,
            }
        })
    }
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then
/// `X-Forwarded-For` read from the right, the first address that is not a trusted proxy (all
/// headers of that name joined; an unparsable entry stops the walk and the last trusted hop is
/// the answer). A request without a peer address (only in unit tests) is `0.0.0.0`.
pub fn client_address(request: &HttpRequest, trusted: &TrustedProxies) -> IpAddr {
    let peer = request
        .peer_addr()
        .map(|addr| canonical(addr.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(peer) {
        return peer;
    }
    let header = HeaderName::from_static("x-forwarded-for");
    let entries: Vec<&str> = request
        .headers()
        .get_all(&header)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut last_trusted = peer;
    for entry in entries.into_iter().rev() {
        let Some(ip) = parse_entry(entry) else {
            return last_trusted;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        last_trusted = ip;
    }
    last_trusted
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(canonical)
}

/// `::ffff:a.b.c.d` as `a.b.c.d`; every other address unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn request(peer: &str, forwarded: &[&str]) -> HttpRequest {
        let mut builder = TestRequest::get().peer_addr(peer.parse().unwrap());
        for value in forwarded {
            builder = builder.append_header(("X-Forwarded-For", *value));
        }
        builder.to_http_request()
    }

    #[test]
    fn parses_ips_and_cidrs_and_rejects_garbage() {
        let trusted = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,, ").unwrap();
        assert!(trusted.contains(ip("10.200.3.4")));
        assert!(trusted.contains(ip("192.168.1.7")));
        assert!(!trusted.contains(ip("192.168.1.8")));
        assert!(trusted.contains(ip("fd12::1")));
        assert!(!trusted.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/8,localhost").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn env_reads_trusted_proxies_and_reports_bad_values() {
        assert!(Env::default().trusted_proxies().unwrap().is_empty());
        let env = Env::from_pairs([("TRUSTED_PROXIES", "127.0.0.1/32")]);
        assert!(env.trusted_proxies().unwrap().contains(ip("127.0.0.1")));
        let err = Env::from_pairs([("TRUSTED_PROXIES", "nope")])
            .trusted_proxies()
            .unwrap_err();
        assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn spoofed_header_from_an_untrusted_peer_is_ignored() {
        let trusted = TrustedProxies::parse("10.0.0.1").unwrap();
        let req = request("203.0.113.50:4000", &["198.51.100.1"]);
        assert_eq!(client_address(&req, &trusted), ip("203.0.113.50"));
        // With no proxies configured, nobody's header counts.
        let req = request("10.0.0.1:4000", &["198.51.100.1"]);
        assert_eq!(
            client_address(&req, &TrustedProxies::default()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn walks_the_chain_through_two_trusted_proxies_from_the_right() {
        let trusted = TrustedProxies::parse("10.0.0.0/24").unwrap();
        // The client forged "1.1.1.1"; 203.0.113.9 is what the outer proxy saw; 10.0.0.2 is the
        // outer proxy as the inner one (our peer, 10.0.0.1) saw it.
        let req = request("10.0.0.1:4000", &["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(client_address(&req, &trusted), ip("203.0.113.9"));
        // No header at all: the proxy itself is the client.
        let req = request("10.0.0.1:4000", &[]);
        assert_eq!(client_address(&req, &trusted), ip("10.0.0.1"));
        // Every entry is a trusted proxy: the leftmost one.
        let req = request("10.0.0.1:4000", &["10.0.0.3, 10.0.0.2"]);
        assert_eq!(client_address(&req, &trusted), ip("10.0.0.3"));
    }

    #[test]
    fn garbage_entries_stop_the_walk_at_the_last_trusted_hop() {
        let trusted = TrustedProxies::parse("10.0.0.0/24").unwrap();
        let req = request("10.0.0.1:4000", &["203.0.113.9, not-an-ip, 10.0.0.2"]);
        assert_eq!(client_address(&req, &trusted), ip("10.0.0.2"));
        let req = request("10.0.0.1:4000", &["203.0.113.9, "]);
        assert_eq!(client_address(&req, &trusted), ip("10.0.0.1"));
        // Ports are tolerated.
        let req = request("10.0.0.1:4000", &["203.0.113.9:5555"]);
        assert_eq!(client_address(&req, &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn ipv6_peers_and_entries() {
        let trusted = TrustedProxies::parse("fd00::/8").unwrap();
        let req = request("[fd00::1]:4000", &["2001:db8::7, fd00::2"]);
        assert_eq!(client_address(&req, &trusted), ip("2001:db8::7"));
        let req = request("[fd00::1]:4000", &["[2001:db8::8]:443"]);
        assert_eq!(client_address(&req, &trusted), ip("2001:db8::8"));
        let req = request("[2001:db8::9]:4000", &["2001:db8::7"]);
        assert_eq!(client_address(&req, &trusted), ip("2001:db8::9"));
    }

    #[test]
    fn mapped_ipv4_is_treated_as_ipv4() {
        let trusted = TrustedProxies::parse("127.0.0.1/32").unwrap();
        assert!(trusted.contains(ip("::ffff:127.0.0.1")));
        let req = request("[::ffff:127.0.0.1]:4000", &["::ffff:203.0.113.9"]);
        assert_eq!(client_address(&req, &trusted), ip("203.0.113.9"));
        let mapped = TrustedProxies::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(mapped.contains(ip("10.1.2.3")));
        let req = request("[::ffff:198.51.100.4]:4000", &[]);
        assert_eq!(
            client_address(&req, &TrustedProxies::default()),
            ip("198.51.100.4")
        );
    }
}
