//! `NO_PROXY` as curl reads it: `*`, host names (each also matching its
//! subdomains, with or without a leading dot), IP addresses and CIDR ranges,
//! separated by commas or spaces, in any letter case.

use std::net::IpAddr;

/// The hosts a proxy is not used for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoProxy {
    every_host: bool,
    names: Vec<String>,
    ranges: Vec<(IpAddr, u8)>,
}

impl NoProxy {
    pub(crate) fn parse(list: &str) -> Self {
        let mut no_proxy = Self::default();
        for entry in list.split([',', ' ', '\t']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                no_proxy.every_host = true;
            } else if let Some(range) = ip_range(entry) {
                no_proxy.ranges.push(range);
            } else {
                let name = entry.trim_start_matches('.').trim_end_matches('.');
                no_proxy.names.push(name.to_ascii_lowercase());
            }
        }
        no_proxy
    }

    /// Whether `host` (as a URL names it: `[::1]` for IPv6) is exempt.
    pub(crate) fn matches(&self, host: &str) -> bool {
        if self.every_host {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self
                .ranges
                .iter()
                .any(|&(network, bits)| in_range(ip, network, bits));
        }
        let host = bare.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|name| {
            host == *name
                || host
                    .strip_suffix(name.as_str())
                    .is_some_and(|prefix| prefix.ends_with('.'))
        })
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
        ];
        for (list, host, expected) in cases {
            assert_eq!(
                NoProxy::parse(list).matches(host),
                *expected,
                "NO_PROXY={list:?}, host {host}"
            );
        }
    }
}
