//! Access tokens and where they come from.

use std::fmt;
use std::time::Duration;

use http::HeaderValue;

use crate::Error;

/// A bearer token. Its `Debug` never shows it, and no error or log holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token; a leading `Bearer ` (any case) is dropped so it is never doubled.
    pub fn new(token: impl Into<String>) -> Self {
        let token = token.into();
        let trimmed = token.trim();
        // "Bearer" alone is a prefix with an empty token, not a token.
        let bare = match (trimmed.get(..6), trimmed.get(6..)) {
            (Some(prefix), Some(rest))
                if prefix.eq_ignore_ascii_case("bearer")
                    && (rest.is_empty() || rest.starts_with(char::is_whitespace)) =>
            {
                rest.trim_start()
            }
            _ => trimmed,
        };
        Self(bare.to_owned())
    }

    /// The token itself, for a header. Keep it out of logs.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value, marked sensitive so HTTP libraries hide it.
    pub fn header_value(&self) -> Result<HeaderValue, Error> {
        if self.0.is_empty() {
            return Err(Error::unusable_token("the token is empty"));
        }
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.0)).map_err(|_| {
            Error::unusable_token("the token holds characters that cannot be sent in a header")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

impl From<String> for AccessToken {
    fn from(token: String) -> Self {
        Self::new(token)
    }
}

impl From<&str> for AccessToken {
    fn from(token: &str) -> Self {
        Self::new(token)
    }
}

/// Where a client gets its token.
///
/// Implemented for [`StaticToken`] and for closures (called before each
/// request, so keep them quick: a cached token):
///
/// ```text
/// F: Fn() -> Result<T, E> + Send + Sync + 'static
/// T: Into<AccessToken>   a String, a &str, an AccessToken
/// E: Into<TokenError>    any std::error::Error + Send + Sync + 'static
///                        (io::Error, your own error type, anyhow::Error), a String or a &str
/// ```
///
/// A closure that only ever returns `Ok` gives the compiler no `E` to pick:
/// name one, as in `Ok::<_, TokenError>(token)`. An error that is not `Send +
/// Sync` (a `Box<dyn Error>`) does not fit: the token is fetched from inside
/// watches that may move between threads.
///
/// ```
/// # use progress_model as itwin_job_progress; // the facade re-exports these
/// use itwin_job_progress::{TokenError, TokenProvider};
///
/// /// What `Client::builder().token_provider(...)` accepts.
/// fn accepts(_: impl TokenProvider + 'static) {}
///
/// // An `io::Error` from reading a file that another process keeps fresh.
/// accepts(|| std::fs::read_to_string("/run/secrets/itwin-token"));
/// // A message of your own.
/// accepts(|| std::env::var("ITWIN_ACCESS_TOKEN").map_err(|_| "ITWIN_ACCESS_TOKEN is not set"));
/// // Only `Ok`: the error type is named.
/// let token = String::from("eyJ...");
/// accepts(move || Ok::<_, TokenError>(token.clone()));
/// ```
///
/// Implement the trait yourself for a provider that caches a token and can
/// fetch a new one: a watch calls [`TokenProvider::refresh`] after a 401 and
/// retries once with the new token.
///
/// ```
/// # use progress_model as itwin_job_progress; // the facade re-exports these
/// use itwin_job_progress::{AccessToken, TokenError, TokenProvider};
/// use std::sync::Mutex;
///
/// struct Cached { current: Mutex<String> }
///
/// impl TokenProvider for Cached {
///     fn token(&self) -> Result<AccessToken, TokenError> {
///         Ok(AccessToken::new(self.current.lock().unwrap().clone()))
///     }
///     fn refresh(&self) -> Result<AccessToken, TokenError> {
///         let fresh = "fetched-from-your-identity-provider".to_string();
///         *self.current.lock().unwrap() = fresh.clone();
///         Ok(AccessToken::new(fresh))
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync {
    /// The token for the next request.
    fn token(&self) -> Result<AccessToken, TokenError>;

    /// A new token, after the service refused the last one. Defaults to [`TokenProvider::token`].
    fn refresh(&self) -> Result<AccessToken, TokenError> {
        self.token()
    }

    /// Whether asking again can give a different token. When `false`, a 401 ends a
    /// watch at once instead of retrying with the same token.
    fn can_refresh(&self) -> bool {
        true
    }

    /// What the clients call: [`TokenProvider::refresh`] when `fresh` (after a
    /// 401), [`TokenProvider::token`] otherwise. `timeout` is the most the
    /// call may take (the request timeout, cut to the time left before the
    /// deadline): a provider that goes over the network honours it, as
    /// `ClientCredentials` does. The blocking client cannot interrupt a call
    /// that ignores it, so a provider that can hang must implement this.
    fn token_within(&self, fresh: bool, timeout: Duration) -> Result<AccessToken, TokenError> {
        let _ = timeout;
        if fresh { self.refresh() } else { self.token() }
    }

    /// After a 401 for `refused`: a token other than that one, within
    /// `timeout`, as [`TokenProvider::token_within`] gives a fresh one (its
    /// default). A provider that shares one cached token among many watches
    /// answers its current token when that is no longer `refused` (a refresh
    /// for another watch replaced it) instead of asking for yet another;
    /// `ClientCredentials` does.
    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: Duration,
    ) -> Result<AccessToken, TokenError> {
        let _ = refused;
        self.token_within(true, timeout)
    }
}

/// The error a token provider returns.
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// A token that never changes; a 401 is final.
#[derive(Clone, Debug)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// Wraps a fixed token (a leading `Bearer ` is dropped).
    pub fn new(token: impl Into<AccessToken>) -> Self {
        Self(token.into())
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.0.clone())
    }

    fn can_refresh(&self) -> bool {
        false
    }
}

impl<F, T, E> TokenProvider for F
where
    F: Fn() -> Result<T, E> + Send + Sync,
    T: Into<AccessToken>,
    E: Into<TokenError>,
{
    fn token(&self) -> Result<AccessToken, TokenError> {
        self().map(Into::into).map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_prefix_is_never_doubled() {
        for given in [
            "abc",
            "Bearer abc",
            "bearer abc",
            "BEARER   abc",
            " Bearer abc ",
        ] {
            let value = AccessToken::new(given).header_value().unwrap();
            assert_eq!(value.to_str().unwrap(), "Bearer abc", "{given:?}");
            assert!(value.is_sensitive());
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let token = AccessToken::new("s3cr3t");
        assert!(!format!("{token:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", StaticToken::new("s3cr3t")).contains("s3cr3t"));
    }

    #[test]
    fn unsendable_tokens_are_refused_without_echoing_them() {
        for bad in ["", "Bearer ", "line\nbreak"] {
            let error = AccessToken::new(bad).header_value().unwrap_err();
            assert!(matches!(error, Error::Token { .. }));
            assert!(!error.to_string().contains("line"));
        }
    }

    #[test]
    fn closures_are_providers_and_static_tokens_do_not_refresh() {
        let closure = || Ok::<_, TokenError>("from-closure");
        assert_eq!(closure.token().unwrap().secret(), "from-closure");
        assert!(closure.can_refresh());
        assert!(!StaticToken::new("x").can_refresh());
    }
}
