//! Name resolution without a thread per request.
//!
//! ureq's default resolver looks a host up on a thread of its own whenever a
//! timeout is set (ours always is), even for an IP address, and even when the
//! request then reuses a pooled connection: each poll started and ended a
//! thread, which doubled its cost. This one reads IP addresses as they are and
//! reuses a host's last answer for a while; only a fresh lookup goes to ureq's
//! resolver (and its thread, which keeps the lookup within the timeout).

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is reused. The system resolver does not tell how long
/// an answer holds (its DNS TTL); a minute follows a moved service soon enough,
/// while polls a few seconds apart, or many watches on one client, look up
/// once.
const REUSE_FOR: Duration = Duration::from_secs(60);

/// A resolver that starts no thread for an IP address or a recent answer.
#[derive(Debug, Default)]
pub(crate) struct ReusingResolver {
    lookup: DefaultResolver,
    last: Mutex<Option<Answer>>,
}

/// The last lookup, and when it was made.
#[derive(Debug)]
struct Answer {
    host_and_port: String,
    family: IpFamily,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl Resolver for ReusingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            // ureq's resolver says what is wrong with the URI.
            return self.lookup.resolve(uri, config, timeout);
        };
        let Some(host_and_port) = DefaultResolver::host_and_port(scheme, authority) else {
            return self.lookup.resolve(uri, config, timeout);
        };
        let family = config.ip_family();
        if let Some(addrs) = self.ip_address(authority.host(), &host_and_port, family) {
            return Ok(addrs);
        }
        if let Some(addrs) = self.recent_answer(&host_and_port, family) {
            return Ok(addrs);
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        *self.remember() = Some(Answer {
            host_and_port,
            family,
            at: Instant::now(),
            addrs: addrs.clone(),
        });
        Ok(addrs)
    }
}

impl ReusingResolver {
    /// The address itself when the host is an IP address (`[::1]` included)
    /// of a wanted family.
    fn ip_address(
        &self,
        host: &str,
        host_and_port: &str,
        family: IpFamily,
    ) -> Option<ResolvedSocketAddrs> {
        let ip: IpAddr = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        let port = host_and_port.rsplit(':').next()?.parse().ok()?;
        let addr = SocketAddr::new(ip, port);
        family.keep_wanted(std::iter::once(addr)).next()?;
        let mut addrs = self.empty();
        addrs.push(addr);
        Some(addrs)
    }

    /// The last answer for this host, if it is recent.
    fn recent_answer(&self, host_and_port: &str, family: IpFamily) -> Option<ResolvedSocketAddrs> {
        let last = self.remember();
        let answer = last.as_ref()?;
        let fits = answer.host_and_port == host_and_port
            && answer.family == family
            && answer.at.elapsed() < REUSE_FOR;
        fits.then(|| answer.addrs.clone())
    }

    fn remember(&self) -> std::sync::MutexGuard<'_, Option<Answer>> {
        // A panic elsewhere cannot leave a half-written answer: it is replaced whole.
        self.last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(1)),
            ..NextTimeout::default()
        };
        let addrs = ReusingResolver::default()
            .resolve(&uri, &Config::default(), timeout)
            .unwrap();
        addrs.iter().copied().collect()
    }

    #[test]
    fn ip_addresses_are_read_as_they_are_with_the_scheme_s_port() {
        assert_eq!(
            resolve("http://127.0.0.1:8080/x"),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(resolve("https://[::1]/x"), ["[::1]:443".parse().unwrap()]);
        assert_eq!(
            resolve("http://10.1.2.3/x"),
            ["10.1.2.3:80".parse().unwrap()]
        );
    }

    #[test]
    fn a_host_name_is_looked_up() {
        let addrs = resolve("http://localhost:8080/x");
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|addr| addr.ip().is_loopback() && addr.port() == 8080)
        );
    }
}
