//! Which address a request comes from. Behind a reverse proxy the socket only shows the
//! proxy, so `X-Forwarded-For` is read, but only from proxies the operator listed
//! (`SYNCGATE_TRUSTED_PROXIES`): anyone else could write any address into that header and
//! pick their own throttling key.

use std::net::IpAddr;

/// An address or a network (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:10.0.0.1` is `10.0.0.1`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses a comma- or space-separated list; the error names the entry that is wrong.
pub fn parse_list(text: &str) -> Result<Vec<Cidr>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (addr, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let network: IpAddr = addr
                .parse()
                .map(canonical)
                .map_err(|_| format!("'{entry}' is not an address or a network"))?;
            let max = if network.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("'{entry}' has a bad prefix length"))?,
            };
            Ok(Cidr { network, prefix })
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1` or `[2001:db8::1]:443` (proxies write all four).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

/// The client's address: the socket peer, unless the peer is a trusted proxy; then the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy (entries further left were
/// written by the client and prove nothing).
#[must_use]
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let peer = canonical(peer);
    if !is_trusted(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut candidate = peer;
    for entry in header.rsplit(',') {
        match parse_entry(entry.trim()) {
            Some(ip) => {
                candidate = canonical(ip);
                if !is_trusted(candidate) {
                    return candidate;
                }
            }
            // Garbage where a proxy should have written an address: stop at the last hop
            // we can vouch for.
            None => return candidate,
        }
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lists_parse_and_bad_entries_are_named() {
        let list = parse_list("127.0.0.1, 10.0.0.0/8 fd00::/8").unwrap();
        assert_eq!(list.len(), 3);
        assert!(list[1].contains(ip("10.200.3.4")));
        assert!(!list[1].contains(ip("11.0.0.1")));
        assert!(list[2].contains(ip("fd12::1")));
        assert!(list[0].contains(ip("::ffff:127.0.0.1")));
        assert_eq!(parse_list("").unwrap(), vec![]);
        assert_eq!(
            parse_list("10.0.0.0/33").unwrap_err(),
            "'10.0.0.0/33' has a bad prefix length"
        );
        assert!(parse_list("proxy.local")
            .unwrap_err()
            .contains("proxy.local"));
        assert!(parse_list("0.0.0.0/0").unwrap()[0].contains(ip("8.8.8.8")));
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let trusted = parse_list("10.0.0.1").unwrap();
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_wins() {
        let trusted = parse_list("10.0.0.0/8").unwrap();
        // The client forged "6.6.6.6"; the proxy appended the real one.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Two proxies in a row.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("198.51.100.7, 10.0.0.2"), &trusted),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.1"), None, &trusted),
            ip("10.0.0.1")
        );
        // Garbage instead of the hop: the last address we can vouch for.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("198.51.100.7, nonsense"), &trusted),
            ip("10.0.0.1")
        );
        // Addresses with ports, as some proxies write them.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("198.51.100.7:52311"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("[2001:db8::7]:443"), &trusted),
            ip("2001:db8::7")
        );
        // Every entry trusted: the left-most.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("10.0.0.3, 10.0.0.2"), &trusted),
            ip("10.0.0.3")
        );
    }
}
