//! What can go wrong with a call of the Webhooks API.

use crate::{Error, HttpFailure};

/// A call of the Webhooks API that did not do what it asked. The messages
/// are written for the person running the program; none holds the token or
/// a webhook's secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WebhooksError {
    /// A webhook id that cannot be one path segment (empty, `.`, `..`, a
    /// control character): nothing was sent.
    #[error("invalid webhook id: it must be one non-empty path segment")]
    InvalidId,
    /// 400: the platform refused the request; its message says why (a
    /// callback URL that is not https, a secret under 32 characters, an
    /// unknown event type).
    #[error("the Webhooks API refused the request ({0})")]
    Invalid(Box<HttpFailure>),
    /// 401: the token was refused.
    #[error("unauthorized: the access token was refused ({0})")]
    Unauthorized(Box<HttpFailure>),
    /// 403: the token may not manage webhooks (only a service application,
    /// with client credentials, may).
    #[error(
        "forbidden: this token may not manage webhooks; only a service application \
         (client credentials) with the right scope may ({0})"
    )]
    Forbidden(Box<HttpFailure>),
    /// 404: no webhook with that id.
    #[error("webhook not found ({0})")]
    NotFound(Box<HttpFailure>),
    /// Any other status that is not success.
    #[error("unexpected response from the Webhooks API ({0})")]
    Status(Box<HttpFailure>),
    /// A success whose body is not what the API documents.
    #[error("invalid response from the Webhooks API (HTTP {status}): {reason}")]
    InvalidResponse {
        /// The status code.
        status: u16,
        /// What is wrong with the body.
        reason: String,
    },
    /// A list whose `next` link points away from the Webhooks API's own
    /// scheme, host, port and path: not followed, so the token is not sent
    /// there.
    #[error(
        "the list of webhooks links its next page to {host}, not to the Webhooks API's own URL: \
         not followed, so the token is not sent there"
    )]
    ForeignNextPage {
        /// The host the link points to.
        host: String,
    },
    /// A list that still had a `next` page after this many pages.
    #[error("the list of webhooks still had more pages after {pages}: stopped reading it")]
    TooManyPages {
        /// The pages read.
        pages: u32,
    },
    /// The request could not be made or sent: no token, a connection
    /// refused, a timeout, a redirect.
    #[error(transparent)]
    Request(Error),
}

impl WebhooksError {
    /// The status and the platform's answer, when it answered with an error.
    pub fn http_failure(&self) -> Option<&HttpFailure> {
        match self {
            Self::Invalid(failure)
            | Self::Unauthorized(failure)
            | Self::Forbidden(failure)
            | Self::NotFound(failure)
            | Self::Status(failure) => Some(failure),
            Self::Request(error) => error.http_failure(),
            Self::InvalidId
            | Self::InvalidResponse { .. }
            | Self::ForeignNextPage { .. }
            | Self::TooManyPages { .. } => None,
        }
    }

    /// The error by status, the answer's error body kept.
    pub(super) fn from_failure(failure: HttpFailure) -> Self {
        let failure = Box::new(failure);
        match failure.status {
            400 => Self::Invalid(failure),
            401 => Self::Unauthorized(failure),
            403 => Self::Forbidden(failure),
            404 => Self::NotFound(failure),
            _ => Self::Status(failure),
        }
    }
}

impl From<Error> for WebhooksError {
    fn from(error: Error) -> Self {
        Self::Request(error)
    }
}
