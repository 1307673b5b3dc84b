//! The OAuth2 client-credentials provider for the async client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use progress_model::oauth::{
    ClientCredentialsBuilder, FromProviderSettings, OAuthError, ProviderSettings, SecretString,
    TokenCache, read_token_answer,
};
use progress_model::{AccessToken, Error, Settings, TokenError};

use crate::compat::on_any_runtime;
use crate::sleeper::BoxFuture;
use crate::token::AsyncTokenProvider;
use crate::transport::{self, Http};

/// Gets tokens from Bentley's identity service with a client id and secret
/// (the OAuth2 client-credentials grant), caches them, and fetches a new one
/// when less than a margin (5 minutes) of its lifetime is left, or at once
/// after the API refused it.
///
/// Single flight: however many watches need a token at the same moment, one
/// request goes out and all of them get its answer (they wait on an async
/// mutex from `async-lock`, which works on every runtime). Clones share the
/// cache. The request goes out on the client's own stack (hyper and rustls
/// under `rustls`, reqwest otherwise), bounded by the request timeout;
/// the client also cuts every token call to its own request timeout and the
/// time left before the deadline.
///
/// ```no_run
/// use progress_reqwest::{Client, ClientCredentials};
///
/// # fn main() -> Result<(), progress_reqwest::Error> {
/// let secret = std::env::var("ITWIN_CLIENT_SECRET").unwrap_or_default();
/// let tokens = ClientCredentials::builder("my-service-client", secret).build()?;
/// let client = Client::builder().async_token_provider(tokens).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ProviderSettings,
    /// The transport settings of the token URL (clear text, timeouts, body cap).
    transport: Settings,
    http: Http,
    /// Held across the request: whoever holds it is the one asking.
    cache: async_lock::Mutex<TokenCache>,
}

impl ClientCredentials {
    /// Starts building a provider for `client_id` and its secret (scope
    /// `itwin-platform`, prod's identity service unless told otherwise).
    pub fn builder(
        client_id: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> ClientCredentialsBuilder<Self> {
        ClientCredentialsBuilder::new(client_id, secret)
    }

    async fn fetch(self, fresh: bool, timeout: Duration) -> Result<AccessToken, OAuthError> {
        let inner = &*self.inner;
        let clock = &inner.settings.clock;
        let ticket = {
            let cache = inner.cache.lock().await;
            let ticket = cache.ticket(fresh);
            if let Some(answer) = cache.answer(clock.now(), &ticket) {
                return answer;
            }
            ticket
        };
        // Whoever asked first holds the lock across the request; the others
        // queue here and then share its answer.
        let mut cache = inner.cache.lock().await;
        if let Some(answer) = cache.answer(clock.now(), &ticket) {
            return answer;
        }
        let sent = match inner.settings.grant.token_request() {
            Ok(request) => {
                on_any_runtime(transport::send_request(
                    &inner.http,
                    &inner.transport,
                    request,
                    timeout,
                ))
                .await
            }
            Err(error) => Err(error),
        };
        let answer = read_token_answer(sent, clock.wall());
        cache.record(clock.now(), &ticket, answer)
    }
}

impl AsyncTokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.token_within(false, self.inner.settings.request_timeout)
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.token_within(true, self.inner.settings.request_timeout)
    }

    fn token_within(
        &self,
        fresh: bool,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let timeout = timeout.min(self.inner.settings.request_timeout);
        let provider = self.clone();
        Box::pin(async move { provider.fetch(fresh, timeout).await.map_err(Into::into) })
    }
}

impl FromProviderSettings for ClientCredentials {
    fn from_provider_settings(settings: ProviderSettings) -> Result<Self, Error> {
        let transport = settings.transport_settings();
        let http = Http::default_for(&transport)?;
        let cache = async_lock::Mutex::new(TokenCache::new(settings.refresh_margin));
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                transport,
                http,
                cache,
            }),
        })
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}
