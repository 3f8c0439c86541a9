//! Who is asking, and under which name they reached us. The client's address is the socket's
//! peer; `Forwarded` / `X-Forwarded-*` headers count only when that peer is a configured trusted
//! proxy (`http.trusted_proxies`). Everything else a client says about itself is ignored.

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr};

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

/// How the client reached the server: scheme and `host[:port]` (IPv6 literals in brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    /// The host name or address alone, as it goes into a URL (`[::1]` for IPv6).
    pub host: String,
    /// `host` with the port the client used, if it named one.
    pub authority: String,
}

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Parses `10.0.0.0/8`, `192.0.2.7` or `::1` entries; the error names the bad one.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{e:?} is not an IP address or CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the socket peer, or, behind a trusted proxy, the nearest address in
    /// the forwarding chain that is not itself a trusted proxy.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let Some(peer) = req.peer_addr().map(|a| canonical(a.ip())) else {
            return IpAddr::from([0, 0, 0, 0]);
        };
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(req.headers());
        chain
            .iter()
            .rev()
            .map(|ip| canonical(*ip))
            .find(|ip| !self.trusts(*ip))
            .or_else(|| chain.first().copied())
            .unwrap_or(peer)
    }

    /// How the client reached us: from a trusted proxy's `Forwarded` / `X-Forwarded-Proto` /
    /// `X-Forwarded-Host`, otherwise this server's own scheme (HTTPS when TLS is configured) and
    /// the `Host` header, or HTTP/2's `:authority`. A host that is not a valid name or address
    /// becomes `localhost`.
    pub fn origin(&self, req: &HttpRequest) -> Origin {
        let headers = req.headers();
        let from_proxy = req
            .peer_addr()
            .is_some_and(|a| self.trusts(canonical(a.ip())));
        let (mut scheme, mut host) = (None, None);
        if from_proxy {
            if let Some(first) = header(headers, "forwarded").and_then(|v| v.split(',').next()) {
                for pair in first.split(';') {
                    if let Some((k, v)) = pair.trim().split_once('=') {
                        let v = v.trim_matches('"').to_owned();
                        match k.trim().to_ascii_lowercase().as_str() {
                            "proto" => scheme = Some(v),
                            "host" => host = Some(v),
                            _ => {}
                        }
                    }
                }
            }
            let first = |name| {
                header(headers, name).and_then(|v| v.split(',').next().map(|s| s.trim().to_owned()))
            };
            scheme = scheme.or_else(|| first("x-forwarded-proto"));
            host = host.or_else(|| first("x-forwarded-host"));
        }
        let secure = req.app_config().secure();
        let scheme = match scheme.map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("https") => "https",
            Some(_) => "http",
            None if secure => "https",
            None => "http",
        };
        // HTTP/2 carries the host in the `:authority` pseudo-header, which becomes the URI's.
        let authority = host
            .or_else(|| header(headers, "host").map(str::to_owned))
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
            .filter(|h| split_authority(h).is_some())
            .unwrap_or_else(|| "localhost".to_owned());
        let host = split_authority(&authority)
            .map(|(host, _)| host.to_owned())
            .unwrap_or_else(|| "localhost".to_owned());
        Origin {
            scheme: scheme.to_owned(),
            host,
            authority,
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The addresses of `Forwarded: for=` (preferred) or `X-Forwarded-For`, client first.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    if let Some(forwarded) = header(headers, "forwarded") {
        return forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_node(v))?
                })
            })
            .collect();
    }
    header(headers, "x-forwarded-for")
        .map(|v| v.split(',').filter_map(parse_node).collect())
        .unwrap_or_default()
}

/// `192.0.2.1`, `"[2001:db8::1]:443"`, `192.0.2.1:80` or a bare IPv6 address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest
            .split_once(']')?
            .0
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6);
    }
    node.rsplit_once(':')?.0.parse().ok()
}

/// Splits `host[:port]` into the host as it goes into a URL and the port; `None` unless the host
/// is a DNS name, an IPv4 address or a bracketed IPv6 address and the port is a number.
pub fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    if authority.is_empty() || authority.len() > 255 {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        host[1..end].parse::<Ipv6Addr>().ok()?;
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let name_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    name_ok.then_some((host, port))
}

/// The key a per-address limit counts under: the IPv4 address, or the /64 network of an IPv6
/// address (one subscriber usually holds a whole /64).
pub fn limit_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(peer.parse().expect("peer"));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        let proxy = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).expect("parses");
        let spoofed = [("x-forwarded-for", "203.0.113.9"), ("host", "example.org")];
        let direct = request("198.51.100.4:5000", &spoofed);
        assert_eq!(none.client_ip(&direct).to_string(), "198.51.100.4");
        assert_eq!(proxy.client_ip(&direct).to_string(), "198.51.100.4");
        let proxied = request(
            "10.1.2.3:5000",
            &[("x-forwarded-for", "203.0.113.9, 198.51.100.4, 10.9.9.9")],
        );
        assert_eq!(
            proxy.client_ip(&proxied).to_string(),
            "198.51.100.4",
            "the nearest untrusted hop"
        );
        let forwarded = request(
            "[::1]:5000",
            &[(
                "forwarded",
                "for=\"[2001:db8::7]:443\";proto=https;host=live.example, for=10.0.0.2",
            )],
        );
        assert_eq!(proxy.client_ip(&forwarded).to_string(), "2001:db8::7");
        let origin = proxy.origin(&forwarded);
        assert_eq!(
            (origin.scheme.as_str(), origin.authority.as_str()),
            ("https", "live.example")
        );
        let origin = none.origin(&request(
            "198.51.100.4:5000",
            &[
                ("host", "[::1]:8080"),
                ("x-forwarded-host", "evil.example"),
                ("x-forwarded-proto", "https"),
            ],
        ));
        assert_eq!(
            origin,
            Origin {
                scheme: "http".into(),
                host: "[::1]".into(),
                authority: "[::1]:8080".into()
            }
        );
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
    }

    #[test]
    fn hosts_are_checked() {
        assert_eq!(
            split_authority("example.org:8080"),
            Some(("example.org", Some(8080)))
        );
        assert_eq!(
            split_authority("[2001:db8::1]"),
            Some(("[2001:db8::1]", None))
        );
        for bad in [
            "",
            "a b",
            "evil.example/x",
            "[::1",
            "[zz::1]:80",
            "host:port",
            "x:99999",
            "a@b",
        ] {
            assert_eq!(split_authority(bad), None, "{bad}");
        }
        assert_eq!(
            limit_key("2001:db8:1:2:3:4:5:6".parse().expect("ip")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            limit_key("::ffff:192.0.2.1".parse().expect("ip")),
            "192.0.2.1"
        );
    }
}
