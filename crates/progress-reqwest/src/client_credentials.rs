//! The OAuth2 client-credentials provider for the async client.

use std::time::Duration;

use async_lock::Mutex;
use progress_model::oauth::{OAuthError, ProviderCore, TokenCache};
use progress_model::{AccessToken, TokenError};

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
/// # use progress_reqwest as itwin_job_progress; // the facade re-exports these at its root
/// use itwin_job_progress::{Client, ClientCredentials};
///
/// # fn main() -> Result<(), itwin_job_progress::Error> {
/// let secret = std::env::var("ITWIN_CLIENT_SECRET").unwrap_or_default();
/// let tokens = ClientCredentials::builder("my-service-client", secret).build()?;
/// let client = Client::builder().async_token_provider(tokens).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientCredentials(ProviderCore<Http, Mutex<TokenCache>>);

// The cache's mutex is held across the request: whoever holds it is the one asking.
progress_model::client_credentials_shell!(ClientCredentials, http: Http::default_for, lock: Mutex::new);

impl ClientCredentials {
    async fn fetch(self, fresh: bool, timeout: Duration) -> Result<AccessToken, OAuthError> {
        let core = &self.0;
        let ticket = {
            let cache = core.cache().lock().await;
            let ticket = cache.ticket(fresh);
            if let Some(answer) = cache.answer(core.clock().now(), &ticket) {
                return answer;
            }
            ticket
        };
        // Whoever asked first holds the lock across the request; the others
        // queue here and then share its answer.
        let mut cache = core.cache().lock().await;
        if let Some(answer) = cache.answer(core.clock().now(), &ticket) {
            return answer;
        }
        let sent = match core.token_request() {
            Ok(request) => {
                let sending =
                    transport::send_request(core.http(), core.transport(), request, timeout);
                on_any_runtime(sending).await
            }
            Err(error) => Err(error),
        };
        let answer = core.read_answer(sent);
        cache.record(core.clock().now(), &ticket, answer)
    }
}

impl AsyncTokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.token_within(false, self.0.request_timeout())
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.token_within(true, self.0.request_timeout())
    }

    fn token_within(
        &self,
        fresh: bool,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let provider = self.clone();
        let timeout = self.0.bound(timeout);
        Box::pin(async move { provider.fetch(fresh, timeout).await.map_err(Into::into) })
    }
}
