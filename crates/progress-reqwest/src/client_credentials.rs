//! The OAuth2 client-credentials provider for the async client.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::Shared;
use progress_model::oauth::{OAuthError, ProviderCore, TokenCache, TokenTicket};
use progress_model::{AccessToken, Error, HttpResponse, TokenError};

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
/// request goes out and all of them await its answer (a shared future, which
/// works on every runtime). Clones share the cache. The request goes out on
/// the client's own stack (hyper, with the TLS the features pick), bounded
/// by the provider's request timeout; the client cuts each watch's wait to
/// its own request timeout and the time left before its deadline, and a watch that gives up leaves the request to the others.
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
pub struct ClientCredentials(ProviderCore<Http, SingleFlight>);

progress_model::client_credentials_shell!(ClientCredentials, http: Http::default_for, lock: SingleFlight::new);

/// The token request in flight, shared by every caller waiting for it: any of
/// them drives it, and none cancels it for the others by giving up.
type InFlight = Shared<BoxFuture<'static, Result<HttpResponse, Error>>>;

/// The cache, and the request in flight with the ticket of the caller that
/// sent it. A plain mutex: it is never held across an `.await`.
struct SingleFlight(Mutex<Flight>);

struct Flight {
    cache: TokenCache,
    in_flight: Option<(TokenTicket, InFlight)>,
}

impl SingleFlight {
    fn new(cache: TokenCache) -> Self {
        Self(Mutex::new(Flight {
            cache,
            in_flight: None,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Flight> {
        // The state is whole between statements: a panic elsewhere cannot tear it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientCredentials {
    /// A token for a caller whose ticket `ask` takes.
    async fn fetch(
        self,
        ask: impl FnOnce(&TokenCache) -> TokenTicket,
    ) -> Result<AccessToken, OAuthError> {
        let core = &self.0;
        let (ticket, sender, request) = {
            let mut flight = core.cache().lock();
            let ticket = ask(&flight.cache);
            if let Some(answer) = flight.cache.answer(core.clock().now(), &ticket) {
                return answer;
            }
            let (sender, request) = flight
                .in_flight
                .get_or_insert_with(|| (ticket, self.send()))
                .clone();
            (ticket, sender, request)
        };
        let sent = request.clone().await;
        let mut flight = core.cache().lock();
        let now = core.clock().now();
        // The first caller back records the answer for everyone; the others
        // read it from the cache.
        if flight
            .in_flight
            .as_ref()
            .is_some_and(|(_, current)| current.ptr_eq(&request))
        {
            flight.in_flight = None;
            let answer = core.read_answer(sent);
            return flight.cache.record(now, &sender, answer);
        }
        match flight.cache.answer(now, &ticket) {
            Some(answer) => answer,
            None => core.read_answer(sent).map(|issued| issued.token),
        }
    }

    /// The token request, under the provider's own request timeout: not the
    /// bound of the caller that happens to send it, whose watch may be a
    /// second from its deadline while the others have hours.
    fn send(&self) -> InFlight {
        let core = &self.0;
        let request = core.token_request();
        let (http, transport) = (core.http().clone(), core.transport().clone());
        let timeout = core.request_timeout();
        let sending: BoxFuture<'static, _> = Box::pin(async move {
            let sending = transport::send_request(&http, &transport, request?, timeout);
            on_any_runtime(sending).await
        });
        sending.shared()
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
        // Each caller's own bound is the client's to keep (it drops this
        // future): the shared request goes on for the others.
        let _ = timeout;
        let provider = self.clone();
        let ask = move |cache: &TokenCache| cache.ticket(fresh);
        Box::pin(async move { provider.fetch(ask).await.map_err(Into::into) })
    }

    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let _ = timeout; // as for token_within
        let (provider, refused) = (self.clone(), refused.clone());
        let ask = move |cache: &TokenCache| cache.ticket_replacing(&refused);
        Box::pin(async move { provider.fetch(ask).await.map_err(Into::into) })
    }
}
