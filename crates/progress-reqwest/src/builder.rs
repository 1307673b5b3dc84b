//! `Client::builder()`: every setting, checked once at `build()`.

use std::fmt;
use std::sync::Arc;

use progress_model::Error;
use progress_model::internal::PartsBuilder;

use crate::client::Client;
use crate::sleeper::{AsyncSleeper, default_sleeper};
use crate::slots::Slots;
use crate::token::{AsyncTokenProvider, Blocking};
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
    parts: PartsBuilder<dyn AsyncTokenProvider, dyn AsyncSleeper>,
    /// The caller's client, when one was given.
    http: Option<transport::Http>,
}

impl ClientBuilder {
    pub(crate) fn new() -> Self {
        Self {
            parts: PartsBuilder::default(),
            http: None,
        }
    }

    // A blocking provider runs on the runtime's threads for blocking work;
    // for network fetches, `async_token_provider` needs no thread.
    progress_model::settings_builder_methods!(
        sleeper: AsyncSleeper,
        wrap: Blocking::new,
        default_sleeper: "the runtime's timer, by feature",
    );

    /// An async token provider: an async closure, or your own [`AsyncTokenProvider`].
    pub fn async_token_provider(mut self, provider: impl AsyncTokenProvider + 'static) -> Self {
        self.parts.provider(Arc::new(provider));
        self
    }

    /// An existing reqwest client to reuse (its pool, proxy and TLS settings;
    /// the `reqwest` feature).
    /// Build it with `redirect::Policy::none()`: this crate never follows a
    /// redirect, but cannot change the policy of a client it is given (reqwest
    /// does drop the `Authorization` header on a redirect to another host, and
    /// a redirect followed anyway is reported as [`Error::Redirect`]). With an
    /// `http://` base URL, also build it with `.no_proxy()`. Its TLS is its own,
    /// from the reqwest features your program turns on (this crate turns on
    /// none of reqwest's); without a TLS feature here, only a client of yours
    /// accepts an `https://` base URL.
    #[cfg(feature = "reqwest")]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(transport::Http::caller(client));
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let parts = self.parts.build(default_sleeper)?;
        let http = match self.http {
            Some(http) => http,
            None => transport::Http::default_for(&parts.settings)?,
        };
        let slots = Slots::new(parts.shared.max_in_flight());
        Ok(Client {
            inner: Arc::new(crate::client::Shared { parts, http, slots }),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Only meaningful without runtime features: `cargo xtask ci` runs it with
    /// `--no-default-features`.
    #[cfg(not(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    )))]
    #[test]
    fn without_a_runtime_or_a_sleeper_build_says_what_to_enable() {
        let error = ClientBuilder::new().token("tok").build().unwrap_err();
        let message = error.to_string();
        assert!(message.contains("runtime-tokio"), "{message}");
        assert!(message.contains(".sleeper("), "{message}");
    }

    #[test]
    fn a_sleeper_is_enough_to_build_on_any_feature_set() {
        let client = ClientBuilder::new()
            .base_url("http://127.0.0.1:8080")
            .token("tok")
            .sleeper(|_| async {})
            .build();
        assert!(client.is_ok());
    }

    /// Only meaningful without a TLS feature: `cargo xtask ci` runs the unit
    /// tests with `--no-default-features`.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_a_tls_feature_an_https_base_url_is_refused_naming_the_features() {
        let builder = ClientBuilder::new().sleeper(|_| async {});
        let refused = builder.base_url("https://x.example").token("t").build();
        assert!(matches!(refused, Err(Error::Config(m)) if m.contains("`rustls` or `native-tls`")));
    }

    #[test]
    fn building_without_a_token_is_a_config_error() {
        let error = ClientBuilder::new().build().unwrap_err();
        assert!(error.to_string().contains("no token"), "{error}");
    }
}
