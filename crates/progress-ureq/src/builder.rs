//! `Client::builder()`: every setting, checked once at `build()`.

use std::fmt;
use std::sync::Arc;

use progress_model::internal::PartsBuilder;
use progress_model::{Error, TokenProvider};

use crate::client::Client;
use crate::sleeper::{Sleeper, ThreadSleeper};
use crate::slots::Slots;
use crate::transport;

// Here rather than in client.rs: the builder makes clients, so it sits
// above them and the client needs nothing from it.
impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
pub struct ClientBuilder {
    parts: PartsBuilder<dyn TokenProvider, dyn Sleeper>,
    agent: Option<ureq::Agent>,
}

impl ClientBuilder {
    pub(crate) fn new() -> Self {
        Self {
            parts: PartsBuilder::default(),
            agent: None,
        }
    }

    progress_model::settings_builder_methods!(
        sleeper: Sleeper,
        wrap: |provider| provider,
        default_sleeper: "`std::thread::sleep`",
    );

    /// An existing agent to reuse (its connection pool, proxy and TLS settings).
    /// Redirects stay off and timeouts are set per request, whatever its config.
    /// Its TLS is its own: without a TLS feature, only a client built on an
    /// agent accepts an `https://` base URL.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let sleeps_on_cancel = self.parts.sleeper.is_none();
        let parts = self.parts.build(|| Ok(Arc::new(ThreadSleeper)))?;
        let http = match self.agent {
            Some(agent) => transport::Http::caller(agent),
            None => transport::default_agent(&parts.settings)?,
        };
        let slots = Slots::new(parts.shared.max_in_flight());
        Ok(Client {
            parts,
            http,
            slots,
            sleeps_on_cancel,
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

/// Only meaningful without a TLS feature: run with `--no-default-features`.
#[cfg(all(test, not(any(feature = "rustls", feature = "native-tls"))))]
mod tests {
    use super::*;

    #[test]
    fn without_a_tls_feature_only_loopback_http_builds() {
        let refused = ClientBuilder::new()
            .base_url("https://x.example")
            .token("t")
            .build();
        assert!(matches!(refused, Err(Error::Config(m)) if m.contains("`rustls` or `native-tls`")));
        let loopback = ClientBuilder::new()
            .base_url("http://127.0.0.1:8080")
            .token("t");
        assert!(loopback.build().is_ok());
    }
}

// Here, not in transport.rs: a client is what it checks, and the builder
// sits above both.
#[cfg(test)]
mod debug_tests {
    use crate::client::Client;

    /// Issue 19: `Debug` showed ureq's `a*****:******@`, the user's first letter.
    #[test]
    fn debug_shows_no_part_of_the_proxy_credentials() {
        let ours = Client::builder()
            .base_url("http://127.0.0.1:9")
            .token("t")
            .proxy("http://alice:hunter22@proxy.corp:3128")
            .build()
            .unwrap();
        let proxy = ureq::Proxy::new("http://alice:hunter22@proxy.corp:3128").unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(Some(proxy))
            .build()
            .into();
        let callers = Client::builder()
            .base_url("http://127.0.0.1:9")
            .token("t")
            .agent(agent)
            .build()
            .unwrap();
        for client in [ours, callers] {
            let shown = format!("{client:?}");
            for part in ["alice", "hunter22", "a*", "*:", "**"] {
                assert!(!shown.contains(part), "{part} in {shown}");
            }
        }
    }
}
