//! The OAuth2 client-credentials provider for the blocking client.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use progress_model::oauth::{
    ClientCredentialsBuilder, FromProviderSettings, OAuthError, ProviderSettings, SecretString,
    TokenCache, read_token_answer,
};
use progress_model::{AccessToken, Error, Settings, TokenError, TokenProvider};

use crate::transport;

/// Tokens for the blocking client from a client id and secret: the OAuth2
/// client-credentials grant against Bentley's identity service. The rules (the
/// request, the answer, when to renew: 5 minutes before expiry or after a 401)
/// are the core's, shared with the async client's provider.
///
/// Threads that need a token together wait on one request (a mutex and a
/// condvar) and share its answer; clones share the cache. A call never takes
/// longer than the bound the client gives it: the request runs with ureq
/// timeouts, and a thread waiting for another's request gives up at its own
/// bound.
///
/// ```no_run
/// use progress_ureq::{Client, ClientCredentials};
///
/// # fn main() -> Result<(), progress_ureq::Error> {
/// let secret = std::env::var("ITWIN_CLIENT_SECRET").unwrap_or_default();
/// let tokens = ClientCredentials::builder("my-service-client", secret).build()?;
/// let client = Client::builder().token_provider(tokens).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ProviderSettings,
    /// How to reach the token URL: clear text or not, timeouts, the body cap.
    transport: Settings,
    agent: transport::Http,
    state: Mutex<State>,
    answered: Condvar,
}

struct State {
    cache: TokenCache,
    fetching: bool,
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

    fn fetch(&self, fresh: bool, timeout: Duration) -> Result<AccessToken, OAuthError> {
        let inner = &*self.inner;
        let clock = &inner.settings.clock;
        // `None` for a bound too far away to add to a clock: no bound at all.
        let until = Instant::now().checked_add(timeout);
        let mut state = inner.lock();
        let ticket = state.cache.ticket(fresh);
        loop {
            if let Some(answer) = state.cache.answer(clock.now(), &ticket) {
                return answer;
            }
            if !state.fetching {
                break;
            }
            // Another thread is asking: wait for its answer, within our own bound.
            let left = until.map_or(timeout, |until| {
                until.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Err(waited_too_long(timeout));
            }
            state = inner
                .answered
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.fetching = true;
        drop(state);
        let finished = Finished(inner);
        let sent = inner.settings.grant.token_request().and_then(|request| {
            transport::send_request(&inner.agent, &inner.transport, request, timeout)
        });
        let answer = read_token_answer(sent, clock.wall());
        let mut state = inner.lock();
        let result = state.cache.record(clock.now(), &ticket, answer);
        drop(state);
        drop(finished);
        result
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is always consistent between statements: a panic elsewhere cannot tear it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Clears the `fetching` flag and wakes the waiters, even if the request panicked.
struct Finished<'a>(&'a Inner);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.lock().fetching = false;
        self.0.answered.notify_all();
    }
}

fn waited_too_long(timeout: Duration) -> OAuthError {
    OAuthError::Unreachable(Box::new(Error::timeout(format!(
        "no token from the identity service within {timeout:?}"
    ))))
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> Result<AccessToken, TokenError> {
        self.token_within(false, self.inner.settings.request_timeout)
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        self.token_within(true, self.inner.settings.request_timeout)
    }

    fn token_within(&self, fresh: bool, timeout: Duration) -> Result<AccessToken, TokenError> {
        let timeout = timeout.min(self.inner.settings.request_timeout);
        self.fetch(fresh, timeout).map_err(Into::into)
    }
}

impl FromProviderSettings for ClientCredentials {
    fn from_provider_settings(settings: ProviderSettings) -> Result<Self, Error> {
        let transport = settings.transport_settings();
        let agent = transport::default_agent(&transport)?;
        let cache = TokenCache::new(settings.refresh_margin);
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                transport,
                agent,
                state: Mutex::new(State {
                    cache,
                    fetching: false,
                }),
                answered: Condvar::new(),
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
