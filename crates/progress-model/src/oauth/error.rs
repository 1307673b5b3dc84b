//! What can go wrong when asking the identity service for a token.

use std::fmt;
use std::time::Duration;

use crate::Error;

/// Why the identity service gave no token. [`OAuthError::is_transient`] tells
/// whether waiting can help; a watch retries those like any transient failure.
///
/// No variant holds the secret or a token: descriptions come from the identity
/// service's answer, shortened and with control characters removed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// A 4xx other than 408 and 429 (RFC 6749 §5.2: `invalid_client`,
    /// `unauthorized_client`, `invalid_scope`, ...) or a redirect: asking again
    /// gives the same answer.
    #[error(
        "the identity service refused the token request (HTTP {status}{})",
        Described(code, description, correlation_id)
    )]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` code, e.g. `invalid_client`.
        code: Option<String>,
        /// The `error_description`, or a short excerpt of a body that was not
        /// an OAuth error.
        description: Option<String>,
        /// The `x-correlation-id` (or `request-id`) header, when sent.
        correlation_id: Option<String>,
    },
    /// A 5xx, 408 or 429: the identity service is busy or briefly down.
    #[error(
        "the identity service is unavailable (HTTP {status}{})",
        Described(code, description, correlation_id)
    )]
    Unavailable {
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` code, when sent.
        code: Option<String>,
        /// The `error_description`, or a short excerpt of the body.
        description: Option<String>,
        /// The `x-correlation-id` (or `request-id`) header, when sent.
        correlation_id: Option<String>,
        /// How long it asked us to wait (`Retry-After`), when it did.
        retry_after: Option<Duration>,
    },
    /// A 2xx whose body is not a bearer token (no `access_token`, not JSON,
    /// another `token_type`). Retried: a proxy's error page is the usual cause.
    #[error("the identity service's answer is not a bearer token (HTTP {status}): {reason}")]
    InvalidAnswer {
        /// The HTTP status.
        status: u16,
        /// What was wrong (never the body: it may hold a token).
        reason: String,
    },
    /// The request did not get an answer: a timeout, a refused or lost
    /// connection (transient), or TLS or configuration trouble (not).
    #[error("no answer from the identity service: {}", .0.chain())]
    Unreachable(Box<Error>),
}

impl OAuthError {
    /// Whether asking again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Refused { .. } => false,
            Self::Unavailable { .. } | Self::InvalidAnswer { .. } => true,
            Self::Unreachable(error) => error.is_transient(),
        }
    }

    /// The OAuth `error` code (RFC 6749 §5.2), when the identity service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } | Self::Unavailable { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The OAuth `error_description`, or an excerpt of a body that was not an OAuth error.
    pub fn description(&self) -> Option<&str> {
        match self {
            Self::Refused { description, .. } | Self::Unavailable { description, .. } => {
                description.as_deref()
            }
            _ => None,
        }
    }

    /// The HTTP status, when the identity service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. }
            | Self::Unavailable { status, .. }
            | Self::InvalidAnswer { status, .. } => Some(*status),
            Self::Unreachable(_) => None,
        }
    }

    /// How long the identity service asked us to wait, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// `: invalid_client: the secret is wrong (correlation id X)`, as much as is known.
struct Described<'a>(&'a Option<String>, &'a Option<String>, &'a Option<String>);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Described(code, description, correlation_id) = self;
        if let Some(code) = code {
            write!(f, " {code}")?;
        }
        if let Some(description) = description {
            write!(f, ": {description}")?;
        }
        if let Some(id) = correlation_id {
            write!(f, ", correlation id {id}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_oauth_code_and_description() {
        let refused = OAuthError::Refused {
            status: 400,
            code: Some("invalid_client".into()),
            description: Some("Client authentication failed".into()),
            correlation_id: Some("c-1".into()),
        };
        assert_eq!(
            refused.to_string(),
            "the identity service refused the token request \
             (HTTP 400 invalid_client: Client authentication failed, correlation id c-1)"
        );
        assert!(!refused.is_transient());
        assert_eq!(refused.code(), Some("invalid_client"));
    }

    #[test]
    fn unavailable_answers_and_lost_connections_are_transient_tls_is_not() {
        let busy = OAuthError::Unavailable {
            status: 429,
            code: None,
            description: None,
            correlation_id: None,
            retry_after: Some(Duration::from_secs(7)),
        };
        assert!(busy.is_transient());
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(7)));
        let lost = OAuthError::Unreachable(Box::new(Error::connect("reset")));
        assert!(lost.is_transient());
        let tls = OAuthError::Unreachable(Box::new(Error::tls("unknown issuer")));
        assert!(!tls.is_transient());
    }

    #[test]
    fn a_watch_retries_what_waiting_heals_and_ends_on_refusals() {
        let busy = Error::token(OAuthError::Unavailable {
            status: 503,
            code: None,
            description: None,
            correlation_id: None,
            retry_after: Some(Duration::from_secs(3)),
        });
        assert_eq!(busy.kind(), crate::ErrorKind::TokenUnavailable);
        assert!(busy.is_transient());
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(3)));
        let refused = Error::token(OAuthError::Refused {
            status: 400,
            code: Some("invalid_scope".into()),
            description: Some("unknown scope".into()),
            correlation_id: None,
        });
        assert_eq!(refused.kind(), crate::ErrorKind::Token);
        assert!(!refused.is_transient());
        assert!(
            refused.to_string().contains("invalid_scope: unknown scope"),
            "{refused}"
        );
        assert_eq!(
            refused.oauth_error().and_then(OAuthError::code),
            Some("invalid_scope")
        );
    }
}
