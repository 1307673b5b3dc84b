//! How the async client waits between polls, per runtime.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed, sendable future, as the async traits of this crate return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Waits without blocking a thread. Implemented for closures
/// `Fn(Duration) -> impl Future<Output = ()>`, so a test can record waits and
/// return at once.
pub trait AsyncSleeper: Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

impl<F, Fut> AsyncSleeper for F
where
    F: Fn(Duration) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(self(duration))
    }
}

/// The default sleeper: the timer of the runtime the watch runs on.
///
/// With `runtime-tokio`, tokio's timer whenever a tokio runtime is in scope;
/// otherwise async-std's timer (`runtime-async-std`, also when `runtime-smol`
/// is on beside it: it runs anywhere) or async-io's (`runtime-smol`). With
/// `runtime-tokio` alone and no tokio runtime in scope there is no timer to
/// wait on: the wait ends at once, and the request that follows ends the watch
/// with [`Error::Config`](progress_model::Error::Config) naming the missing
/// runtime (nothing is sent early, and nothing is left running). Only exists
/// with one of those features.
#[cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
#[derive(Debug, Clone, Copy, Default)]
pub struct RuntimeSleeper;

#[cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
impl AsyncSleeper for RuntimeSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        #[cfg(feature = "runtime-tokio")]
        if tokio::runtime::Handle::try_current().is_ok() {
            return Box::pin(tokio::time::sleep(duration));
        }
        #[cfg(feature = "runtime-async-std")]
        return Box::pin(async_std::task::sleep(duration));
        #[cfg(all(feature = "runtime-smol", not(feature = "runtime-async-std")))]
        return Box::pin(async move {
            async_io::Timer::after(duration).await;
        });
        // Only tokio is enabled and the watch is polled outside tokio (say, on a
        // plain executor after its first item). A timer of our own would need a
        // thread that outlives a dropped stream; the request after this wait
        // cannot go out anyway, and refuses with a typed error saying why.
        #[cfg(not(any(feature = "runtime-async-std", feature = "runtime-smol")))]
        Box::pin(std::future::ready(()))
    }
}

/// The sleeper a client gets when none is given, or why there is none.
pub(crate) fn default_sleeper() -> Result<std::sync::Arc<dyn AsyncSleeper>, progress_model::Error> {
    #[cfg(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    ))]
    return Ok(std::sync::Arc::new(RuntimeSleeper));
    #[allow(unreachable_code)]
    Err(progress_model::Error::Config(
        "no async runtime to sleep on: enable one of the features `runtime-tokio`, \
         `runtime-async-std` or `runtime-smol`, or give a sleeper with .sleeper(...)"
            .into(),
    ))
}
