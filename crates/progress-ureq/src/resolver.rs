//! Name resolution without a thread per request.
//!
//! ureq's default resolver looks a host up on a thread of its own whenever a
//! timeout is set (ours always is), even for an IP address, and even when the
//! request then reuses a pooled connection: each poll started and ended a
//! thread, which doubled its cost. This one reads IP addresses as they are and
//! reuses a host's last answer for a while; only a fresh lookup goes to ureq's
//! resolver (and its thread, which keeps the lookup within the timeout).
//!
//! Threads asking for the same host at once share one lookup, and an answer
//! whose addresses could not be connected to is forgotten at once
//! ([`ReusingResolver::forget`]), not kept for the rest of its minute.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ureq::config::{Config, IpFamily};
use ureq::http::Uri;
use ureq::http::uri::Scheme;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is reused. The system resolver does not tell how long
/// an answer holds (its DNS TTL); a minute follows a moved service soon enough,
/// while polls a few seconds apart, or many watches on one client, look up
/// once.
const REUSE_FOR: Duration = Duration::from_secs(60);

/// A resolver that starts no thread for an IP address or a recent answer.
/// Clones share their answers: the transport keeps one to forget an answer
/// that failed, the agent another to resolve.
#[derive(Debug, Clone)]
pub(crate) struct ReusingResolver {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    lookup: Box<dyn Resolver>,
    state: Mutex<State>,
    /// Signalled when a lookup ends.
    looked_up: Condvar,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Answer>,
    /// The lookups under way: a thread asking for one of them waits for it.
    pending: Vec<Key>,
    /// Threads waiting for someone else's lookup (read by the tests).
    waiting: usize,
}

/// What an answer is for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    host_and_port: String,
    family: IpFamily,
}

/// The last lookup, and when it was made.
#[derive(Debug)]
struct Answer {
    key: Key,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl Default for ReusingResolver {
    fn default() -> Self {
        Self::over(DefaultResolver::default())
    }
}

impl Resolver for ReusingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let lookup = &self.shared.lookup;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            // ureq's resolver says what is wrong with the URI.
            return lookup.resolve(uri, config, timeout);
        };
        let family = config.ip_family();
        // An IP address is read without writing out `host:port` first: it
        // is every poll's case on a base URL such as `http://127.0.0.1:8080`.
        if let Some(port) = authority.port_u16().or_else(|| default_port(scheme))
            && let Some(addrs) = self.ip_address(authority.host(), port, family)
        {
            return Ok(addrs);
        }
        let Some(host_and_port) = DefaultResolver::host_and_port(scheme, authority) else {
            return lookup.resolve(uri, config, timeout);
        };
        let key = Key {
            host_and_port,
            family,
        };
        // A waiter gives up at its own bound, as its own lookup would.
        let until = match timeout.after {
            ureq::unversioned::transport::time::Duration::Exact(after) => {
                Instant::now().checked_add(after)
            }
            _ => None,
        };
        let mut state = self.state();
        loop {
            if let Some(addrs) = state.recent_answer(&key) {
                return Ok(addrs);
            }
            if !state.pending.contains(&key) {
                break;
            }
            // Another thread is looking this host up: its answer will do.
            // Its lookup is bounded by its own timeout, and ends the wait
            // even if it fails or panics (the guard below).
            state.waiting += 1;
            let looked_up = &self.shared.looked_up;
            state = match until {
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        state.waiting -= 1;
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                    looked_up
                        .wait_timeout(state, left)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0
                }
                None => looked_up
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
            state.waiting -= 1;
        }
        state.pending.push(key.clone());
        drop(state);
        let pending = Pending {
            resolver: self,
            key: &key,
        };
        let addrs = lookup.resolve(uri, config, timeout);
        if let Ok(addrs) = &addrs {
            self.state().last = Some(Answer {
                key: key.clone(),
                at: Instant::now(),
                addrs: addrs.clone(),
            });
        }
        drop(pending);
        addrs
    }
}

/// A lookup under way: when it ends, however it ends, the threads waiting
/// for it are woken.
struct Pending<'a> {
    resolver: &'a ReusingResolver,
    key: &'a Key,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        let mut state = self.resolver.state();
        state.pending.retain(|pending| pending != self.key);
        drop(state);
        self.resolver.shared.looked_up.notify_all();
    }
}

impl ReusingResolver {
    /// Looks names up with `lookup` (ureq's resolver, or a test's).
    pub(crate) fn over(lookup: impl Resolver) -> Self {
        Self {
            shared: Arc::new(Shared {
                lookup: Box::new(lookup),
                state: Mutex::new(State::default()),
                looked_up: Condvar::new(),
            }),
        }
    }

    /// Forgets the answer kept: connecting to its addresses failed, so the
    /// next request looks the host up again (the service may have moved).
    pub(crate) fn forget(&self) {
        self.state().last = None;
    }

    /// The address itself when the host is an IP address (`[::1]` included)
    /// of a wanted family.
    fn ip_address(&self, host: &str, port: u16, family: IpFamily) -> Option<ResolvedSocketAddrs> {
        let ip: IpAddr = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        let addr = SocketAddr::new(ip, port);
        family.keep_wanted(std::iter::once(addr)).next()?;
        let mut addrs = self.empty();
        addrs.push(addr);
        Some(addrs)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave a half-written answer: it is replaced whole.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The port of a URL that names none, for the schemes a client sends to
/// (ureq's resolver knows the proxies' too: they go the long way).
fn default_port(scheme: &Scheme) -> Option<u16> {
    if *scheme == Scheme::HTTP {
        Some(80)
    } else if *scheme == Scheme::HTTPS {
        Some(443)
    } else {
        None
    }
}

impl State {
    /// The last answer for this host, if it is recent.
    fn recent_answer(&self, key: &Key) -> Option<ResolvedSocketAddrs> {
        let answer = self.last.as_ref()?;
        (answer.key == *key && answer.at.elapsed() < REUSE_FOR).then(|| answer.addrs.clone())
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

    /// A lookup that waits until the test lets it answer.
    #[derive(Debug)]
    struct Gated {
        lookups: Arc<std::sync::atomic::AtomicUsize>,
        gate: Mutex<std::sync::mpsc::Receiver<()>>,
    }

    impl Resolver for Gated {
        fn resolve(
            &self,
            _: &Uri,
            _: &Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.lookups
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = self.gate.lock().unwrap().recv();
            let mut addrs = self.empty();
            addrs.push("127.0.0.1:8080".parse().unwrap());
            Ok(addrs)
        }
    }

    /// Issue 19: threads asking for the same host at once each looked it up.
    #[test]
    fn threads_asking_for_one_host_at_once_share_one_lookup() {
        let lookups = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (open, gate) = std::sync::mpsc::channel::<()>();
        let resolver = ReusingResolver::over(Gated {
            lookups: lookups.clone(),
            gate: Mutex::new(gate),
        });
        let uri: Uri = "http://api.example:8080/x".parse().unwrap();
        std::thread::scope(|scope| {
            let asking: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        resolver
                            .resolve(&uri, &Config::default(), NextTimeout::default())
                            .unwrap()
                            .len()
                    })
                })
                .collect();
            // Seven wait for the one lookup under way (a bounded look), then
            // it answers; without single flight, every lookup is let go at once.
            let until = Instant::now() + Duration::from_secs(10);
            let waited = loop {
                if resolver.state().waiting == 7 {
                    break true;
                }
                if Instant::now() > until {
                    break false;
                }
                std::thread::yield_now();
            };
            drop(open);
            for thread in asking {
                assert_eq!(thread.join().unwrap(), 1);
            }
            assert!(waited, "the threads did not wait for one lookup");
        });
        assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
