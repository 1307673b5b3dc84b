//! The `Authorization` value of the token a client last sent, and the forms
//! of the token its answers are scrubbed of, kept so that a token used for
//! many polls is formatted, checked and encoded once, not at each poll.

use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderValue;

use crate::redact::SecretForms;
use crate::{AccessToken, Error};

/// What a request signed with one token needs: its header value (marked
/// sensitive) and the forms to scrub from the answer.
pub(crate) type Signature = (HeaderValue, Arc<SecretForms>);

/// The last token and its [`Signature`]. One per client; a clone starts
/// empty, as a new client would.
#[derive(Default)]
pub(crate) struct LastAuthorization(Mutex<Option<(AccessToken, Signature)>>);

impl LastAuthorization {
    /// `token`'s signature: the kept one when `token` is the last one sent.
    pub(crate) fn value(&self, token: &AccessToken) -> Result<Signature, Error> {
        // A panic elsewhere cannot leave a half-written pair: the value is
        // built before the lock's content is replaced.
        let mut last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((sent, signature)) = last.as_ref()
            && sent == token
        {
            return Ok(signature.clone());
        }
        let signature = (
            token.header_value()?,
            Arc::new(SecretForms::new(token.secret())),
        );
        *last = Some((token.clone(), signature.clone()));
        Ok(signature)
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
        let first = last.value(&AccessToken::new("one-token")).unwrap().0;
        assert_eq!(first, "Bearer one-token");
        assert!(first.is_sensitive());
        assert_eq!(
            last.value(&AccessToken::new("one-token")).unwrap().0,
            "Bearer one-token"
        );
        let second = last.value(&AccessToken::new("two-token")).unwrap().0;
        assert_eq!(second, "Bearer two-token");
        assert!(second.is_sensitive());
        assert!(last.value(&AccessToken::new("bad\ntoken")).is_err());
        assert!(last.value(&AccessToken::new("")).is_err());
        assert_eq!(
            last.value(&AccessToken::new("two-token")).unwrap().0,
            "Bearer two-token"
        );
        assert!(!format!("{last:?}").contains("token"));
    }
}
