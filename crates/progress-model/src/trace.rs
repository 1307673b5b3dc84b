//! `tracing` events for what the machine decides, when the `tracing` feature is on.
//! Written once here so that every adapter logs the same events.

use std::time::Duration;

use crate::Error;

/// The span every event of one watch is traced in, with the job as its
/// `job` field, entered while the machine decides (dropped: left). At info
/// level, so that a filter at info keeps the job on the warnings inside.
pub(crate) struct WatchSpan {
    #[cfg(feature = "tracing")]
    _entered: tracing::span::EnteredSpan,
}

pub(crate) fn in_watch(job: &str) -> WatchSpan {
    let _ = job;
    WatchSpan {
        #[cfg(feature = "tracing")]
        _entered: tracing::info_span!("watch", job).entered(),
    }
}

pub(crate) fn fetch(fresh_token: bool) {
    #[cfg(feature = "tracing")]
    tracing::debug!(fresh_token, "requesting job progress");
    let _ = fresh_token;
}

pub(crate) fn wait(duration: Duration) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        seconds = duration.as_secs_f64(),
        "waiting before the next poll"
    );
    let _ = duration;
}

pub(crate) fn retry(error: &Error, attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(attempt, error = %error, "transient failure; retrying");
    let _ = (error, attempt);
}

pub(crate) fn refresh_token() {
    #[cfg(feature = "tracing")]
    tracing::info!("the token was refused; retrying once with a fresh one");
}

pub(crate) fn rate_limited(retry_after: Option<Duration>) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        retry_after_seconds = retry_after.map(|after| after.as_secs_f64()),
        "rate limited by the service; backing off"
    );
    let _ = retry_after;
}

#[cfg(feature = "oauth")]
pub(crate) fn token_issued(expires_in: Option<Duration>) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        expires_in_seconds = expires_in.map(|life| life.as_secs_f64()),
        "got an access token from the identity service"
    );
    let _ = expires_in;
}

pub(crate) fn proxy_unusable(variable: &str, why: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        variable,
        why,
        "a proxy variable this client cannot use is ignored; a request that would go through it fails"
    );
    let _ = (variable, why);
}

#[cfg(feature = "oauth")]
pub(crate) fn token_refused(error: &crate::oauth::OAuthError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(error = %error, "the identity service gave no token");
    let _ = error;
}

/// What a thread started on a caller's behalf needs to trace as that caller
/// would: its subscriber and its span (nothing without the `tracing`
/// feature). The blocking provider sends its token request on such a thread.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct TraceContext {
    #[cfg(feature = "tracing")]
    caller: (tracing::Dispatch, tracing::Span),
}

impl TraceContext {
    /// The calling thread's subscriber and span.
    pub fn current() -> Self {
        Self {
            #[cfg(feature = "tracing")]
            caller: (
                tracing::dispatcher::get_default(Clone::clone),
                tracing::Span::current(),
            ),
        }
    }

    /// Runs `work` under the caller's subscriber and span.
    pub fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        {
            let (dispatch, span) = &self.caller;
            tracing::dispatcher::with_default(dispatch, || span.in_scope(work))
        }
        #[cfg(not(feature = "tracing"))]
        work()
    }
}
