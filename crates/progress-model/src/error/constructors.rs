//! How the clients build an [`Error`]: from a token provider's failure, a
//! transport failure, an answer, a deadline.

use std::sync::Arc;
use std::time::Duration;

use super::{Error, TRUST_ADVICE};
use crate::Progress;
use crate::oauth::OAuthError;

impl Error {
    /// A token provider's failure: its message and its causes', joined by `: `.
    /// An [`OAuthError`] that waiting can heal becomes
    /// [`Error::TokenUnavailable`] (retried in a watch); any other failure is
    /// [`Error::Token`] (ends a watch).
    pub fn token(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = match source.into().downcast::<OAuthError>() {
            Ok(oauth) if oauth.is_transient() => {
                return Self::TokenUnavailable { oauth, job: None };
            }
            Ok(oauth) => oauth as Box<dyn std::error::Error + Send + Sync>,
            Err(other) => other,
        };
        let source: Arc<dyn std::error::Error + Send + Sync> = Arc::from(source);
        let mut message = source.to_string();
        let mut cause = source.source();
        while let Some(error) = cause {
            message.push_str(": ");
            message.push_str(&error.to_string());
            cause = error.source();
        }
        Self::Token {
            message,
            provider_error: Some(source),
            job: None,
        }
    }

    /// A token that cannot be sent (empty, or not a header value).
    pub(crate) fn unusable_token(message: impl Into<String>) -> Self {
        Self::Token {
            message: message.into(),
            provider_error: None,
            job: None,
        }
    }

    /// The request or the connection timed out; `message` names the URL.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::Timeout {
            message: message.into(),
            cause: None,
            job: None,
        }
    }

    /// The connection could not be made or was lost; `message` names the URL.
    pub fn connect(message: impl Into<String>) -> Self {
        Self::Connect {
            message: message.into(),
            cause: None,
            job: None,
        }
    }

    /// TLS could not be set up; `message` names the URL.
    pub fn tls(message: impl Into<String>) -> Self {
        Self::Tls {
            message: message.into(),
            cause: None,
            job: None,
        }
    }

    /// The proxy refused its credentials (a `407` to the `CONNECT`); `message`
    /// names the URL. Adapters add the proxy with [`Error::through_proxy`].
    pub fn proxy_auth(message: impl Into<String>) -> Self {
        Self::ProxyAuth {
            message: message.into(),
            cause: None,
            job: None,
        }
    }

    /// The proxy answered the `CONNECT` to reach `url` with `status`, not
    /// 200. A 407, or a 401 (tinyproxy's answer to wrong credentials: the
    /// tunnel was not open, so the API cannot have sent it), is the proxy's
    /// authentication: final. Anything else is a connection failure, which
    /// may heal.
    pub fn tunnel_refused(url: &str, status: u16) -> Self {
        match status {
            401 | 407 => Self::proxy_auth(url),
            _ => Self::connect(format!(
                "{url}: the proxy answered the CONNECT with HTTP {status}"
            )),
        }
    }

    /// Any other failure of the HTTP client; `message` names the URL.
    pub fn transport(message: impl Into<String>) -> Self {
        Self::Transport {
            message: message.into(),
            cause: None,
            job: None,
        }
    }

    /// A TLS failure with the way to trust a company's root added, for a TLS
    /// library that cannot say which certificate it refused (native-tls);
    /// under rustls the refusal itself names the issuer and says it.
    pub fn with_trust_advice(mut self) -> Self {
        if let Self::Tls { message, .. } = &mut self {
            message.push_str(" (");
            message.push_str(TRUST_ADVICE);
            message.push(')');
        }
        self
    }

    /// A transport failure that happened on the way through `proxy` (if
    /// any), saying so: a proxy that refuses or cannot reach the API is
    /// behind most failures in a company network. Its credentials stay hidden.
    pub fn through_proxy(mut self, proxy: Option<&crate::ProxyUrl>) -> Self {
        if let (
            Some(proxy),
            Self::Timeout { message, .. }
            | Self::Connect { message, .. }
            | Self::Tls { message, .. }
            | Self::ProxyAuth { message, .. }
            | Self::Transport { message, .. },
        ) = (proxy, &mut self)
        {
            message.push_str(&format!(" (through the proxy {proxy})"));
        }
        self
    }

    /// A transport failure caused by the HTTP library's `error`: the message
    /// ends with the cause at its bottom, in words (`connection refused`,
    /// or for a TLS client that met plain HTTP, that the server answered in
    /// clear text), and the error itself is kept in `cause`.
    pub fn caused_by(mut self, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        if let Self::Timeout { cause, .. }
        | Self::Connect { cause, .. }
        | Self::Tls { cause, .. }
        | Self::ProxyAuth { cause, .. }
        | Self::Transport { cause, .. } = &mut self
        {
            *cause = Some(Arc::from(error.into()));
        }
        self
    }

    /// A redirect, which is never followed.
    pub fn redirect(status: u16, location: Option<String>, correlation_id: Option<String>) -> Self {
        Self::Redirect {
            status,
            location,
            correlation_id,
            job: None,
        }
    }

    /// An answer that is not the progress the API documents.
    pub(crate) fn invalid_response(
        status: u16,
        reason: String,
        excerpt: Option<String>,
        correlation_id: Option<String>,
    ) -> Self {
        Self::InvalidResponse {
            status,
            reason,
            excerpt,
            correlation_id,
            job: None,
        }
    }

    /// The deadline came first: the last progress seen and the failure being
    /// retried then, if any.
    pub fn deadline(deadline: Duration, last: Option<Progress>, failing: Option<Error>) -> Self {
        Self::Deadline {
            deadline,
            last,
            failing: failing.map(Box::new),
            job: None,
        }
    }

    /// The caller cancelled the watch.
    pub fn cancelled() -> Self {
        Self::Cancelled { job: None }
    }

    /// `attempts` transient failures in a row, `last` the last of them.
    pub fn retries_exhausted(attempts: u32, last: Error) -> Self {
        Self::RetriesExhausted {
            attempts,
            last: Box::new(last),
            job: None,
        }
    }
}
