//! A webhook's shared secret: the key of every delivery's signature.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The fewest characters the Webhooks API accepts in a secret.
pub const MIN_SECRET_CHARS: usize = 32;

/// The secret a webhook signs its deliveries with.
///
/// Held in a [`SecretString`]: wiped when dropped, and `Debug` prints
/// `WebhookSecret([REDACTED])`. Nothing in this module puts it into an error,
/// a log line or an answer.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

/// A secret the Webhooks API would not have issued or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Fewer than [`MIN_SECRET_CHARS`] characters: not a webhook's secret
    /// (an empty or truncated secret file, or the wrong file).
    #[error("a webhook secret has at least 32 characters; this one is shorter")]
    TooShort,
}

impl WebhookSecret {
    /// Takes a secret as the Webhooks API returned it. Surrounding whitespace
    /// (a secret file's final newline) is not part of it.
    ///
    /// ```
    /// # use progress_model::webhook::WebhookSecret;
    /// assert!(WebhookSecret::new("0123456789abcdef0123456789abcdef\n").is_ok());
    /// assert!(WebhookSecret::new("short").is_err());
    /// ```
    pub fn new(secret: impl Into<String>) -> Result<Self, SecretError> {
        let secret: String = secret.into();
        let trimmed = secret.trim();
        if trimmed.chars().count() < MIN_SECRET_CHARS {
            return Err(SecretError::TooShort);
        }
        // Moved, not copied, when there was nothing to trim.
        let kept = if trimmed.len() == secret.len() {
            secret
        } else {
            trimmed.to_owned()
        };
        Ok(Self(SecretString::from(kept)))
    }

    /// The key: the secret's UTF-8 bytes.
    pub(crate) fn key(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_errors_never_show_the_secret() {
        let secret = WebhookSecret::new("s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t").unwrap();
        assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
        let error = WebhookSecret::new("s3cr3t-short").unwrap_err();
        assert!(!format!("{error} {error:?}").contains("s3cr3t"));
    }

    #[test]
    fn surrounding_whitespace_is_not_part_of_the_key() {
        let secret = WebhookSecret::new("  0123456789abcdef0123456789abcdef\r\n").unwrap();
        assert_eq!(secret.key(), b"0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn thirty_one_characters_are_too_few_thirty_two_enough() {
        let short = "é".repeat(31);
        assert_eq!(
            WebhookSecret::new(short).unwrap_err(),
            SecretError::TooShort
        );
        assert!(WebhookSecret::new("é".repeat(32)).is_ok());
    }
}
