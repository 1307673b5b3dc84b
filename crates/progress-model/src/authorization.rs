//! The `Authorization` value of the token a client last sent, kept so that a
//! token used for many polls is formatted and checked once, not at each poll.

use std::sync::{Mutex, PoisonError};

use http::HeaderValue;

use crate::{AccessToken, Error};

/// The last token and its header value (marked sensitive). One per client;
/// a clone starts empty, as a new client would.
#[derive(Default)]
pub(crate) struct LastAuthorization(Mutex<Option<(AccessToken, HeaderValue)>>);

impl LastAuthorization {
    /// `token`'s header value: the kept one when `token` is the last one sent.
    pub(crate) fn value(&self, token: &AccessToken) -> Result<HeaderValue, Error> {
        // A panic elsewhere cannot leave a half-written pair: the value is
        // built before the lock's content is replaced.
        let mut last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((sent, value)) = last.as_ref()
            && sent == token
        {
            return Ok(value.clone());
        }
        let value = token.header_value()?;
        *last = Some((token.clone(), value.clone()));
        Ok(value)
    }
}

impl Clone for LastAuthorization {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Never the token.
impl std::fmt::Debug for LastAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastAuthorization(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_gets_its_own_value_and_a_bad_one_is_refused() {
        let last = LastAuthorization::default();
        let first = last.value(&AccessToken::new("one-token")).unwrap();
        assert_eq!(first, "Bearer one-token");
        assert!(first.is_sensitive());
        assert_eq!(
            last.value(&AccessToken::new("one-token")).unwrap(),
            "Bearer one-token"
        );
        let second = last.value(&AccessToken::new("two-token")).unwrap();
        assert_eq!(second, "Bearer two-token");
        assert!(second.is_sensitive());
        assert!(last.value(&AccessToken::new("bad\ntoken")).is_err());
        assert!(last.value(&AccessToken::new("")).is_err());
        assert_eq!(
            last.value(&AccessToken::new("two-token")).unwrap(),
            "Bearer two-token"
        );
        assert!(!format!("{last:?}").contains("token"));
    }
}
