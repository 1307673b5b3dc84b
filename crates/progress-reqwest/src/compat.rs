//! hyper (and reqwest) need a tokio reactor. Under async-std or smol there is
//! none, so their futures are driven through `async-compat`, which enters the
//! tokio runtime in scope or, failing that, a single shared background runtime.

use std::future::Future;

/// Makes a hyper or reqwest future runnable on any executor.
#[cfg(feature = "_compat")]
pub(crate) fn on_any_runtime<F: Future>(future: F) -> impl Future<Output = F::Output> {
    async_compat::Compat::new(future)
}

/// Without async-std or smol support, futures run as they are (inside tokio).
#[cfg(not(feature = "_compat"))]
pub(crate) fn on_any_runtime<F: Future>(future: F) -> F {
    future
}

/// Refuses, with a message saying what to do, to run where hyper cannot.
pub(crate) fn check_runtime() -> Result<(), progress_model::Error> {
    #[cfg(not(feature = "_compat"))]
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(progress_model::Error::Config(
            "no tokio runtime in scope: await the client inside tokio, or enable the \
             `runtime-async-std` or `runtime-smol` feature"
                .into(),
        ));
    }
    Ok(())
}
