//! Token calls bounded in real time, whatever the provider does.

use std::future::Future;
use std::time::Duration;

use progress_model::TokenError;

/// Runs `call` for at most `timeout` of real time, measured with the
/// runtime's timer rather than the client's sleeper: a test's sleeper that
/// returns at once must not cut a real request short. Dropping the call
/// cancels it; the cut is the provider's failure, as an unreachable identity
/// service's (worth a retry). Without a runtime feature there is no timer to
/// race, and the call runs as it is (its own timeouts still apply).
pub(crate) async fn within<T>(
    timeout: Duration,
    call: impl Future<Output = T> + Unpin,
) -> Result<T, TokenError> {
    #[cfg(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    ))]
    {
        use crate::sleeper::{AsyncSleeper, RuntimeSleeper};
        use futures_util::future::{Either, select};
        use progress_model::Error;
        use progress_model::oauth::OAuthError;
        // A provider that keeps to the bound itself (`ClientCredentials`)
        // reports its own failure: its timer may tick on another runtime's
        // clock (the compat runtime's, a millisecond coarse), so the cut
        // waits a little past it. A provider that hangs is cut just after.
        const OWN_BOUND_FIRST: Duration = Duration::from_millis(100);
        let cut = timeout.saturating_add(OWN_BOUND_FIRST);
        match select(call, RuntimeSleeper.sleep(cut)).await {
            Either::Left((answer, _)) => Ok(answer),
            // Like a token request that timed out: worth a retry, and a
            // watch refreshing after a 401 still owes its fresh token.
            Either::Right(((), _)) => {
                Err(Box::new(OAuthError::Unreachable(Box::new(Error::timeout(
                    format!("the token provider gave no token within {timeout:?}"),
                )))))
            }
        }
    }
    #[cfg(not(any(
        feature = "runtime-tokio",
        feature = "runtime-async-std",
        feature = "runtime-smol"
    )))]
    {
        let _ = timeout;
        Ok(call.await)
    }
}
