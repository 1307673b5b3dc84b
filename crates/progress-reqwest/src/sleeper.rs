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
/// otherwise async-std's timer (`runtime-async-std`) or async-io's (`runtime-smol`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RuntimeSleeper;

impl RuntimeSleeper {
    /// Whether a runtime feature is enabled, so that this sleeper can sleep.
    pub(crate) const AVAILABLE: bool = cfg!(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    ));
}

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
        #[allow(unreachable_code)]
        {
            // Only reached when the client was built with this sleeper and no
            // runtime feature, which `build()` refuses, or with only tokio
            // enabled and no tokio runtime in scope.
            let _ = duration;
            Box::pin(async {
                panic!(
                    "progress-reqwest: no tokio runtime in scope; await the client inside \
                     tokio, or enable `runtime-async-std` or `runtime-smol`"
                )
            })
        }
    }
}
