//! The OAuth2 client-credentials provider for the blocking client.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use progress_model::internal::TraceContext;
use progress_model::oauth::{OAuthError, ProviderCore, TokenCache, TokenTicket};
use progress_model::{AccessToken, Error, TokenError, TokenProvider};

use crate::transport;

/// Tokens for the blocking client from a client id and secret: the OAuth2
/// client-credentials grant against Bentley's identity service. The rules (the
/// request, the answer, when to renew: 5 minutes before expiry or after a 401)
/// are the core's, shared with the async client's provider.
///
/// Threads that need a token together wait on one request (a mutex and a
/// condvar) and share its answer; clones share the cache. A call never takes
/// longer than the bound the client gives it: the request runs on a thread
/// of its own under the provider's request timeout, and every caller, the
/// one that started it too, gives up at its own bound without cutting the
/// request short for the others.
///
/// ```no_run
/// # mod itwin_job_progress { // the facade re-exports these in `blocking`
/// #     pub use progress_ureq::Error;
/// #     pub mod blocking { pub use progress_ureq::{Client, ClientCredentials}; }
/// # }
/// use itwin_job_progress::blocking::{Client, ClientCredentials};
///
/// # fn main() -> Result<(), itwin_job_progress::Error> {
/// let secret = std::env::var("ITWIN_CLIENT_SECRET").unwrap_or_default();
/// let tokens = ClientCredentials::builder("my-service-client", secret).build()?;
/// let client = Client::builder().token_provider(tokens).build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientCredentials(ProviderCore<transport::Http, SingleFlight>);

progress_model::client_credentials_shell!(
    ClientCredentials,
    http: transport::default_agent,
    lock: SingleFlight::new,
);

/// The cache, and whether a thread is asking the identity service: the others
/// wait on the condvar for its answer.
struct SingleFlight {
    state: Mutex<State>,
    answered: Condvar,
}

struct State {
    cache: TokenCache,
    fetching: bool,
}

impl SingleFlight {
    fn new(cache: TokenCache) -> Self {
        Self {
            state: Mutex::new(State {
                cache,
                fetching: false,
            }),
            answered: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is always consistent between statements: a panic elsewhere cannot tear it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientCredentials {
    /// A token for a caller whose ticket `ask` takes, within `timeout`.
    fn fetch(
        &self,
        ask: impl FnOnce(&TokenCache) -> TokenTicket,
        timeout: Duration,
    ) -> Result<AccessToken, OAuthError> {
        let core = &self.0;
        let flight = core.cache();
        // `None` for a bound too far away to add to a clock: no bound at all.
        let until = Instant::now().checked_add(timeout);
        let mut state = flight.lock();
        let ticket = ask(&state.cache);
        loop {
            if let Some(answer) = state.cache.answer(core.clock().now(), &ticket) {
                return answer;
            }
            if !state.fetching {
                state.fetching = true;
                self.send(ticket);
            }
            // The request is out: wait for its answer, within our own bound.
            let left = until.map_or(timeout, |until| {
                until.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Err(waited_too_long(timeout));
            }
            state = flight
                .answered
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Sends the token request on a thread of its own, under the provider's
    /// own request timeout: the thread that asked first waits for it like
    /// the others, each within its own bound, and none cuts it for the rest
    /// (its watch may be a second from its deadline while theirs have hours).
    /// If no thread can be started, the request goes out on this one.
    fn send(&self, ticket: TokenTicket) {
        let provider = self.clone();
        // Traced as the caller's own request would be.
        let caller = TraceContext::current();
        let request = move || caller.run(|| provider.ask_identity_service(ticket));
        let spawned = std::thread::Builder::new()
            .name("itwin-token".into())
            .spawn(request.clone());
        if spawned.is_err() {
            request();
        }
    }

    fn ask_identity_service(&self, ticket: TokenTicket) {
        let core = &self.0;
        let finished = Finished(core.cache());
        let sent = core.token_request().and_then(|request| {
            transport::send_request(
                core.http(),
                core.transport(),
                request,
                core.request_timeout(),
            )
        });
        let answer = core.read_answer(sent);
        let _ = finished
            .0
            .lock()
            .cache
            .record(core.clock().now(), &ticket, answer);
    }
}

/// Clears the `fetching` flag and wakes the waiters, even if the request panicked.
struct Finished<'a>(&'a SingleFlight);

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
        self.token_within(false, self.0.request_timeout())
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        self.token_within(true, self.0.request_timeout())
    }

    fn token_within(&self, fresh: bool, timeout: Duration) -> Result<AccessToken, TokenError> {
        let ask = |cache: &TokenCache| cache.ticket(fresh);
        self.fetch(ask, self.0.bound(timeout)).map_err(Into::into)
    }

    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: Duration,
    ) -> Result<AccessToken, TokenError> {
        let ask = |cache: &TokenCache| cache.ticket_replacing(refused);
        self.fetch(ask, self.0.bound(timeout)).map_err(Into::into)
    }
}
