//! `NO_PROXY` as curl reads it: `*`, host names (each also matching its
//! subdomains, with a leading `.` or `*.` or none), IP addresses and CIDR
//! ranges, any of them with a `:port` that limits it to that port,
//! separated by commas or spaces, in any letter case. The rules are listed
//! for users in `docs/networks.md`.

use std::net::IpAddr;

/// The hosts a proxy is not used for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoProxy {
    every_host: bool,
    entries: Vec<Entry>,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    hosts: Hosts,
    /// `host:port`: only requests to that port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Hosts {
    /// A name and its subdomains, lowercase, without leading `*.` or `.`.
    Domain(String),
    /// An address and its prefix length (the full length for one address).
    Range(IpAddr, u8),
}

impl NoProxy {
    pub(crate) fn parse(list: &str) -> Self {
        let mut no_proxy = Self::default();
        for entry in list.split([',', ' ', '\t']).map(str::trim) {
            if entry == "*" {
                no_proxy.every_host = true;
            } else if let Some(entry) = Entry::parse(entry) {
                no_proxy.entries.push(entry);
            }
        }
        no_proxy
    }

    /// Whether a request to `host` (as a URL names it: `[::1]` for IPv6) on
    /// `port` is exempt.
    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        if self.every_host {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let ip = bare.parse::<IpAddr>().ok();
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|entry| {
            entry.port.is_none_or(|only| only == port)
                && match (&entry.hosts, ip) {
                    (Hosts::Range(network, bits), Some(ip)) => in_range(ip, *network, *bits),
                    (Hosts::Domain(domain), None) => {
                        name == *domain
                            || name
                                .strip_suffix(domain.as_str())
                                .is_some_and(|prefix| prefix.ends_with('.'))
                    }
                    _ => false,
                }
        })
    }
}

impl Entry {
    /// `corp.example`, `.corp.example`, `*.corp.example`, `host:8443`,
    /// `10.0.0.0/8`, `::1`, `[::1]:8443`; `None` for an empty entry.
    fn parse(entry: &str) -> Option<Self> {
        let (host, port) = split_port(entry);
        if let Some((address, bits)) = ip_range(host) {
            return Some(Self {
                hosts: Hosts::Range(address, bits),
                port,
            });
        }
        let domain = host
            .trim_start_matches('*')
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!domain.is_empty()).then_some(Self {
            hosts: Hosts::Domain(domain),
            port,
        })
    }
}

/// `host:port` into the host and the port; an IPv6 address has a port only
/// in brackets (`[::1]:8443`), and a CIDR range none.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[')
        && let Some((address, port)) = rest.split_once("]:")
        && let Ok(port) = port.parse()
    {
        return (address, Some(port));
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// `10.0.0.0/8`, `::1`, `[::1]` or `127.0.0.1`: an address and its prefix length.
fn ip_range(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => (address, Some(bits.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let address: IpAddr = address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    let full = if address.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(full);
    (bits <= full).then_some((address, bits))
}

fn in_range(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_as_curl_matches_them() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "api.bentley.com", true),
            ("bentley.com", "bentley.com", true),
            ("bentley.com", "api.bentley.com", true),
            (".bentley.com", "api.bentley.com", true),
            (".bentley.com", "bentley.com", true),
            ("bentley.com", "notbentley.com", false),
            ("BENTLEY.com", "Api.Bentley.COM", true),
            ("api.bentley.com", "qa-api.bentley.com", false),
            ("example.org, bentley.com", "api.bentley.com", true),
            ("example.org bentley.com", "api.bentley.com", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("10.0.0.0/8", "10.20.30.40", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("::1", "[::1]", true),
            ("[::1]", "[::1]", true),
            ("fd00::/8", "[fd12::1]", true),
            ("0.0.0.0/0", "192.0.2.1", true),
            ("localhost", "127.0.0.1", false),
            ("", "api.bentley.com", false),
            // Issue 19: a leading `*.`, as curl's users and ureq write it.
            ("*.corp.example", "api.corp.example", true),
            ("*.corp.example", "a.b.corp.example", true),
            ("*.corp.example", "corp.example", true),
            ("*.corp.example", "notcorp.example", false),
            ("*.", "api.bentley.com", false),
        ];
        for (list, host, expected) in cases {
            assert_eq!(
                NoProxy::parse(list).matches(host, 443),
                *expected,
                "NO_PROXY={list:?}, host {host}"
            );
        }
    }

    /// Issue 19: `host:port` entries were names that matched nothing.
    #[test]
    fn an_entry_with_a_port_exempts_that_port_only() {
        let cases: &[(&str, &str, u16, bool)] = &[
            ("api.corp.example:8443", "api.corp.example", 8443, true),
            ("api.corp.example:8443", "api.corp.example", 443, false),
            (".corp.example:443", "api.corp.example", 443, true),
            ("*.corp.example:443", "api.corp.example", 8443, false),
            ("10.0.0.1:8443", "10.0.0.1", 8443, true),
            ("10.0.0.1:8443", "10.0.0.1", 443, false),
            ("[::1]:8443", "[::1]", 8443, true),
            ("[::1]:8443", "[::1]", 443, false),
            ("::1", "[::1]", 8443, true),
            ("fd00::/8", "[fd12::1]", 1, true),
            ("corp.example", "api.corp.example", 8443, true),
        ];
        for (list, host, port, expected) in cases {
            assert_eq!(
                NoProxy::parse(list).matches(host, *port),
                *expected,
                "NO_PROXY={list:?}, host {host}, port {port}"
            );
        }
    }
}
