//! What both clients' `ClientCredentials` providers hold, written once: each
//! client adds only how its callers wait for one request (its lock) and how it
//! sends that request (its HTTP handle).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Request;

use super::{IssuedToken, OAuthError, ProviderSettings, TokenCache};
use crate::{Clock, Error, HttpResponse, Settings};

/// A `ClientCredentials` provider's state, shared by its clones: the checked
/// settings, the transport settings of the token URL, the client's HTTP
/// handle `H`, and the token cache behind the client's own lock `L` (an async
/// mutex, or a mutex and a condition variable).
///
/// `Debug` shows the settings, whose grant hides the secret; never the
/// handle, the lock or a token.
#[doc(hidden)]
pub struct ProviderCore<H, L> {
    shared: Arc<Shared<H, L>>,
}

struct Shared<H, L> {
    settings: ProviderSettings,
    /// How to reach the token URL: clear text or not, timeouts, trust, proxy.
    transport: Settings,
    http: H,
    cache: L,
}

impl<H, L> ProviderCore<H, L> {
    /// Derives the token URL's transport settings, builds the HTTP handle for
    /// them with `http`, and puts an empty cache (with the settings' refresh
    /// margin) behind the lock `lock` makes.
    pub fn new(
        settings: ProviderSettings,
        http: impl FnOnce(&Settings) -> Result<H, Error>,
        lock: impl FnOnce(TokenCache) -> L,
    ) -> Result<Self, Error> {
        let transport = settings.transport_settings();
        let http = http(&transport)?;
        let cache = lock(TokenCache::new(settings.refresh_margin));
        Ok(Self {
            shared: Arc::new(Shared {
                settings,
                transport,
                http,
                cache,
            }),
        })
    }

    /// The client's HTTP handle for the token URL.
    pub fn http(&self) -> &H {
        &self.shared.http
    }

    /// The transport settings of the token URL.
    pub fn transport(&self) -> &Settings {
        &self.shared.transport
    }

    /// The cache behind the client's lock.
    pub fn cache(&self) -> &L {
        &self.shared.cache
    }

    /// Where token lifetimes are measured.
    pub fn clock(&self) -> &dyn Clock {
        self.shared.settings.clock.as_ref()
    }

    /// The provider's own request timeout: the bound of a token call the
    /// client gives no bound of its own.
    pub fn request_timeout(&self) -> Duration {
        self.shared.settings.request_timeout
    }

    /// The bound of one token call: the client's `timeout` (its request
    /// timeout and the time left before the deadline), never longer than the
    /// provider's own request timeout.
    pub fn bound(&self, timeout: Duration) -> Duration {
        timeout.min(self.request_timeout())
    }

    /// The token request to send.
    pub fn token_request(&self) -> Result<Request<Vec<u8>>, Error> {
        self.shared.settings.grant.token_request()
    }

    /// Reads what came back from the token request (the response, or the
    /// transport error the client met), on the provider's clock, the secret
    /// hidden in every form it was sent.
    pub fn read_answer(
        &self,
        sent: Result<HttpResponse, Error>,
    ) -> Result<IssuedToken, OAuthError> {
        self.shared
            .settings
            .grant
            .read_answer(sent, self.clock().wall())
    }
}

impl<H, L> Clone for ProviderCore<H, L> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<H, L> fmt::Debug for ProviderCore<H, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

/// Writes what a client's `ClientCredentials` has besides its lock and its
/// request: `builder()`, the construction from [`ProviderSettings`] and
/// `Debug`.
///
/// The provider is a tuple struct around a [`ProviderCore`]; `http` builds
/// the client's HTTP handle from the token URL's transport settings, `lock`
/// puts the empty cache behind the client's lock.
#[macro_export]
#[doc(hidden)]
macro_rules! client_credentials_shell {
    ($provider:ident, http: $http:expr, lock: $lock:expr $(,)?) => {
        impl $provider {
            /// Starts building a provider for `client_id` and its secret (scope
            /// `itwin-platform`, prod's identity service unless told otherwise).
            pub fn builder(
                client_id: impl Into<String>,
                secret: impl Into<$crate::oauth::SecretString>,
            ) -> $crate::oauth::ClientCredentialsBuilder<Self> {
                $crate::oauth::ClientCredentialsBuilder::new(client_id, secret)
            }
        }

        impl $crate::oauth::FromProviderSettings for $provider {
            fn from_provider_settings(
                settings: $crate::oauth::ProviderSettings,
            ) -> ::std::result::Result<Self, $crate::Error> {
                $crate::oauth::ProviderCore::new(settings, $http, $lock).map(Self)
            }
        }

        impl ::std::fmt::Debug for $provider {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{ClientCredentialsBuilder, FromProviderSettings};

    const SECRET: &str = "s3cr3t-Value-that-must-never-show";

    /// A provider of the simplest kind: no HTTP handle, the cache behind no lock.
    #[derive(Debug)]
    struct Bare(ProviderCore<(), TokenCache>);

    impl FromProviderSettings for Bare {
        fn from_provider_settings(settings: ProviderSettings) -> Result<Self, Error> {
            ProviderCore::new(settings, |_| Ok(()), |cache| cache).map(Self)
        }
    }

    fn build(token_url: &str) -> Result<Bare, Error> {
        ClientCredentialsBuilder::<Bare>::new("job-watcher", SECRET.to_owned())
            .token_url(token_url)
            .request_timeout(Duration::from_secs(20))
            .build()
    }

    #[test]
    fn debug_shows_the_settings_and_never_the_secret() {
        let provider = build("http://127.0.0.1:9/connect/token").unwrap();
        let shown = format!("{provider:?}");
        assert!(shown.contains("job-watcher"), "{shown}");
        assert!(shown.contains("127.0.0.1:9"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }

    #[test]
    fn build_errors_never_show_the_secret() {
        let insecure = build("http://ims.example.com/connect/token").unwrap_err();
        assert_eq!(insecure.kind(), crate::ErrorKind::InsecureUrl);
        assert!(!format!("{insecure} {insecure:?}").contains(SECRET));
    }

    #[test]
    fn the_token_url_gets_its_own_transport_settings_and_calls_are_bounded() {
        let provider = build("http://127.0.0.1:9/connect/token").unwrap().0;
        assert!(provider.transport().base_url.is_cleartext());
        assert_eq!(
            provider.transport().request_timeout,
            Duration::from_secs(20)
        );
        assert_eq!(
            provider.bound(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(provider.bound(Duration::MAX), Duration::from_secs(20));
        let request = provider.token_request().unwrap();
        assert_eq!(request.uri(), "http://127.0.0.1:9/connect/token");
    }
}
