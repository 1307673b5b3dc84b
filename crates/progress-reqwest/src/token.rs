//! Token providers for the async client: every blocking provider, plus async ones.

use std::any::TypeId;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use progress_model::{AccessToken, StaticToken, TokenError, TokenProvider};

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

    /// After a 401 for `refused`: a token other than that one, as
    /// [`AsyncTokenProvider::token_within`] gives a fresh one (its default).
    /// A provider sharing one cached token among many watches answers its
    /// current token when a refresh for another watch already replaced
    /// `refused`; `ClientCredentials` does.
    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let _ = refused;
        self.token_within(true, timeout)
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

/// A blocking provider used from async code. Its calls run where a blocking
/// call belongs on the runtime the watch is polled on (tokio's
/// `spawn_blocking`, `blocking::unblock` under async-std or smol), so the
/// executor thread stays free and the client's bound on the token call can
/// cut a provider that hangs (the call itself then ends on its own, unseen).
/// A fixed token is given at once: it cannot block.
pub(crate) struct Blocking<P> {
    provider: Arc<P>,
    at_once: bool,
}

impl<P: TokenProvider + 'static> Blocking<P> {
    pub(crate) fn new(provider: P) -> Self {
        Self {
            at_once: TypeId::of::<P>() == TypeId::of::<StaticToken>(),
            provider: Arc::new(provider),
        }
    }

    fn call(
        &self,
        call: impl FnOnce(&P) -> Result<AccessToken, TokenError> + Send + 'static,
    ) -> BoxFuture<'static, Result<AccessToken, TokenError>> {
        if self.at_once {
            return Box::pin(std::future::ready(call(&self.provider)));
        }
        let provider = self.provider.clone();
        off_the_executor(move || call(&provider))
    }
}

impl<P: TokenProvider + 'static> AsyncTokenProvider for Blocking<P> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.call(|provider| provider.token())
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.call(|provider| provider.refresh())
    }

    fn can_refresh(&self) -> bool {
        self.provider.can_refresh()
    }

    fn token_within(
        &self,
        fresh: bool,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        self.call(move |provider| provider.token_within(fresh, timeout))
    }

    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        let refused = refused.clone();
        self.call(move |provider| provider.replace_within(&refused, timeout))
    }
}

/// Runs a blocking call on the current runtime's threads for blocking work;
/// on this thread when there is no such runtime (no runtime feature, or only
/// tokio's and no tokio runtime in scope).
fn off_the_executor(
    call: impl FnOnce() -> Result<AccessToken, TokenError> + Send + 'static,
) -> BoxFuture<'static, Result<AccessToken, TokenError>> {
    #[cfg(feature = "runtime-tokio")]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let task = runtime.spawn_blocking(call);
        return Box::pin(async move {
            task.await
                .unwrap_or_else(|_| Err("the token provider panicked".into()))
        });
    }
    #[cfg(any(feature = "runtime-async-std", feature = "runtime-smol"))]
    return Box::pin(blocking::unblock(call));
    #[allow(unreachable_code)]
    Box::pin(std::future::ready(call()))
}
