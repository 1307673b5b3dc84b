//! Token providers for the async client: every blocking provider, plus async ones.

use std::future::Future;
use std::time::Duration;

use progress_model::{AccessToken, TokenError, TokenProvider};

use crate::sleeper::BoxFuture;

/// Where the async client gets its token, for tokens fetched over the network.
///
/// Implemented for closures returning a future of `Result<T, E>` where
/// `T: Into<AccessToken>` (called before each request), and, through
/// [`ClientBuilder::token_provider`](crate::ClientBuilder::token_provider), for
/// every blocking [`TokenProvider`].
pub trait AsyncTokenProvider: Send + Sync {
    /// The token for the next request.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>>;

    /// A new token after the service refused the last one. Defaults to `token`.
    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.token()
    }

    /// Whether asking again can give a different token; when not, a 401 is final.
    fn can_refresh(&self) -> bool {
        true
    }

    /// What the client calls: [`AsyncTokenProvider::refresh`] when `fresh`
    /// (after a 401), [`AsyncTokenProvider::token`] otherwise. The client
    /// drops the future after `timeout` (the request timeout, cut to the time
    /// left before the deadline), so a provider that hangs cannot hold a watch.
    fn token_within(
        &self,
        fresh: bool,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let _ = timeout;
        if fresh { self.refresh() } else { self.token() }
    }
}

impl<F, Fut, T, E> AsyncTokenProvider for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Into<AccessToken>,
    E: Into<TokenError>,
{
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let future = self();
        Box::pin(async move { future.await.map(Into::into).map_err(Into::into) })
    }
}

/// A blocking provider used from async code. Its calls are expected to be quick
/// (a cached token); a provider that does network I/O should be async.
pub(crate) struct Blocking<P>(pub(crate) P);

impl<P: TokenProvider> AsyncTokenProvider for Blocking<P> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(std::future::ready(self.0.token()))
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(std::future::ready(self.0.refresh()))
    }

    fn can_refresh(&self) -> bool {
        self.0.can_refresh()
    }

    fn token_within(
        &self,
        fresh: bool,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(std::future::ready(self.0.token_within(fresh, timeout)))
    }
}
