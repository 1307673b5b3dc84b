//! The one error type of every client, and the HTTP failure it often carries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::{ApiError, Progress};

/// What the service answered when it did not answer with progress.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFailure {
    /// The HTTP status code.
    pub status: u16,
    /// The error body, when it parsed as `{"error": {...}}`.
    pub api: Option<ApiError>,
    /// A short, sanitized excerpt of the body, when it did not parse.
    pub excerpt: Option<String>,
    /// The `x-correlation-id` (or `request-id`) header: what support asks for.
    pub correlation_id: Option<String>,
    /// How long the service asked us to wait (`Retry-After`), when it did.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(api) = &self.api {
            if let Some(code) = &api.code {
                write!(f, " {code}")?;
            }
            if let Some(message) = &api.message {
                write!(f, ": {message}")?;
            }
        } else if let Some(excerpt) = &self.excerpt {
            write!(f, ", body: {excerpt:?}")?;
        }
        write_correlation_id(f, self.correlation_id.as_deref())
    }
}

fn write_correlation_id(f: &mut fmt::Formatter<'_>, id: Option<&str>) -> fmt::Result {
    match id {
        Some(id) => write!(f, " (correlation id {id})"),
        None => Ok(()),
    }
}

/// Shows an optional correlation id after a message.
struct CorrelationId<'a>(&'a Option<String>);

impl fmt::Display for CorrelationId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_correlation_id(f, self.0.as_deref())
    }
}

/// Everything that can go wrong when asking for or watching a job's progress.
///
/// The messages are written for the person running the program. No variant ever
/// holds the access token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The job id was refused before anything was sent.
    #[error("invalid job id `{id}`: {reason}")]
    InvalidJobId {
        /// The id, with control characters escaped.
        id: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An `http://` base URL that is not a loopback host: the token would cross a
    /// network in clear text.
    #[error(
        "refusing to send a token in clear text to `{url}`: use https://, or http:// only for loopback hosts"
    )]
    InsecureUrl {
        /// The URL as given.
        url: String,
    },
    /// A setting was invalid, or something the client needs is missing.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The token provider could not supply a token, or the token cannot be sent.
    #[error("could not get an access token: {message}")]
    Token {
        /// What the provider said, its own causes included.
        message: String,
        /// The provider's error, when it gave one, to downcast. Its text is
        /// already in `message`, so it is not this error's `source()`: a
        /// report that prints the chain tells it once.
        provider_error: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// 401: the token is missing, expired or invalid (in a watch: even after a fresh one).
    #[error("unauthorized: the access token was refused ({0})")]
    Unauthorized(Box<HttpFailure>),
    /// 403: the token lacks the scope or the user the permission.
    #[error("forbidden: the token is not allowed to read this job ({0})")]
    Forbidden(Box<HttpFailure>),
    /// 404: the job is unknown, or its progress is older than 30 days.
    #[error("job progress not found ({0})")]
    NotFound(Box<HttpFailure>),
    /// 429: too many requests; [`Error::retry_after`] tells how long to wait.
    #[error("rate limited ({0})")]
    RateLimited(Box<HttpFailure>),
    /// 408, 500, 502, 503 or 504: the service is briefly unavailable; worth a retry.
    #[error("service unavailable ({0})")]
    Unavailable(Box<HttpFailure>),
    /// Any other unexpected status (other 4xx and 5xx): not worth a retry.
    #[error("unexpected response ({0})")]
    Status(Box<HttpFailure>),
    /// A redirect (3xx). Redirects are never followed: the token could go to another host.
    #[error("unexpected redirect (HTTP {status}) to {}{}", location.as_deref().unwrap_or("an unnamed location"), CorrelationId(correlation_id))]
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` header, when sent.
        location: Option<String>,
        /// The correlation id, when sent.
        correlation_id: Option<String>,
    },
    /// The response was not the progress the API documents: bad JSON, a missing
    /// state, an HTML page, or a body past the size cap.
    #[error("invalid response (HTTP {status}): {reason}{}{}", excerpt.as_ref().map(|e| format!(", body: {e:?}")).unwrap_or_default(), CorrelationId(correlation_id))]
    InvalidResponse {
        /// The status code.
        status: u16,
        /// What was wrong.
        reason: String,
        /// A short, sanitized excerpt of the body.
        excerpt: Option<String>,
        /// The correlation id, when sent.
        correlation_id: Option<String>,
    },
    /// The request or the connection timed out.
    #[error("timed out: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// The connection could not be made or was lost.
    #[error("connection failed: {message}")]
    Connect {
        /// What failed.
        message: String,
    },
    /// TLS could not be set up: a certificate the client does not trust, or a
    /// TLS configuration problem. Not retried: it does not heal by waiting.
    #[error("TLS failure: {message}")]
    Tls {
        /// What failed.
        message: String,
    },
    /// Any other failure of the HTTP client.
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
    /// The watch's deadline came before the job ended.
    #[error(
        "deadline of {deadline:?} reached before the job ended{}{}",
        last.as_ref().map(|p| format!(" (last seen: {p})")).unwrap_or_default(),
        failing.as_ref().map(|e| format!("; the last attempt failed: {e}")).unwrap_or_default()
    )]
    Deadline {
        /// The deadline the watch was given.
        deadline: Duration,
        /// The last progress seen, if any.
        last: Option<Progress>,
        /// The failure being retried when the deadline came, if the last
        /// attempt failed: why no newer progress was seen.
        failing: Option<Box<Error>>,
    },
    /// The caller cancelled the watch (a `CancelHandle`); nothing was sent after.
    #[error("the watch was cancelled")]
    Cancelled,
    /// Transient failures came `attempts` times in a row, more than `max_retries`.
    #[error("gave up after {attempts} failed attempts in a row; last error: {last}")]
    RetriesExhausted {
        /// Consecutive failed attempts.
        attempts: u32,
        /// The last error.
        last: Box<Error>,
    },
}

/// The kind of an [`Error`], without its details: for matching and for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::InvalidJobId`].
    InvalidJobId,
    /// [`Error::InsecureUrl`].
    InsecureUrl,
    /// [`Error::Config`].
    Config,
    /// [`Error::Token`].
    Token,
    /// [`Error::Unauthorized`].
    Unauthorized,
    /// [`Error::Forbidden`].
    Forbidden,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::RateLimited`].
    RateLimited,
    /// [`Error::Unavailable`].
    Unavailable,
    /// [`Error::Status`].
    Status,
    /// [`Error::Redirect`].
    Redirect,
    /// [`Error::InvalidResponse`].
    InvalidResponse,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Connect`].
    Connect,
    /// [`Error::Tls`].
    Tls,
    /// [`Error::Transport`].
    Transport,
    /// [`Error::Deadline`].
    Deadline,
    /// [`Error::RetriesExhausted`].
    RetriesExhausted,
    /// [`Error::Cancelled`].
    Cancelled,
}

impl ErrorKind {
    /// The snake_case name used in reports and conformance vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJobId => "invalid_job_id",
            Self::InsecureUrl => "insecure_url",
            Self::Config => "config",
            Self::Token => "token",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Status => "status",
            Self::Redirect => "redirect",
            Self::InvalidResponse => "invalid_response",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Transport => "transport",
            Self::Deadline => "deadline",
            Self::RetriesExhausted => "retries_exhausted",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A token provider's failure: its message and its causes', joined by `: `.
    pub fn token(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source: Arc<dyn std::error::Error + Send + Sync> = Arc::from(source.into());
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
        }
    }

    /// The failure behind a `RetriesExhausted` (the last one) or a `Deadline`
    /// (the one being retried when it came): where the service's details are.
    fn behind(&self) -> Option<&Error> {
        match self {
            Self::RetriesExhausted { last, .. } => Some(last),
            Self::Deadline { failing, .. } => failing.as_deref(),
            _ => None,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidJobId { .. } => ErrorKind::InvalidJobId,
            Self::InsecureUrl { .. } => ErrorKind::InsecureUrl,
            Self::Config(_) => ErrorKind::Config,
            Self::Token { .. } => ErrorKind::Token,
            Self::Unauthorized(_) => ErrorKind::Unauthorized,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::RateLimited(_) => ErrorKind::RateLimited,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Status(_) => ErrorKind::Status,
            Self::Redirect { .. } => ErrorKind::Redirect,
            Self::InvalidResponse { .. } => ErrorKind::InvalidResponse,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Connect { .. } => ErrorKind::Connect,
            Self::Tls { .. } => ErrorKind::Tls,
            Self::Transport { .. } => ErrorKind::Transport,
            Self::Deadline { .. } => ErrorKind::Deadline,
            Self::RetriesExhausted { .. } => ErrorKind::RetriesExhausted,
            Self::Cancelled => ErrorKind::Cancelled,
        }
    }

    /// Whether trying again later may succeed: rate limits, unavailable services,
    /// invalid responses, timeouts, connection failures and other transport failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::RateLimited
                | ErrorKind::Unavailable
                | ErrorKind::InvalidResponse
                | ErrorKind::Timeout
                | ErrorKind::Connect
                | ErrorKind::Transport
        )
    }

    /// The HTTP failure behind this error, when the service answered with one.
    pub fn http_failure(&self) -> Option<&HttpFailure> {
        match self {
            Self::Unauthorized(failure)
            | Self::Forbidden(failure)
            | Self::NotFound(failure)
            | Self::RateLimited(failure)
            | Self::Unavailable(failure)
            | Self::Status(failure) => Some(failure),
            _ => self.behind()?.http_failure(),
        }
    }

    /// The HTTP status, when a response was received (for a deadline or
    /// exhausted retries: the failure's behind them).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Redirect { status, .. } | Self::InvalidResponse { status, .. } => Some(*status),
            _ => match self.behind() {
                Some(behind) => behind.status(),
                None => self.http_failure().map(|failure| failure.status),
            },
        }
    }

    /// The short, sanitized excerpt of a body that was not what the API
    /// documents: an error body that did not parse, or an invalid progress body.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            Self::InvalidResponse { excerpt, .. } => excerpt.as_deref(),
            _ => match self.behind() {
                Some(behind) => behind.excerpt(),
                None => self.http_failure()?.excerpt.as_deref(),
            },
        }
    }

    /// The API's error body, when it sent one that parsed.
    pub fn api_error(&self) -> Option<&ApiError> {
        self.http_failure()?.api.as_ref()
    }

    /// The API error code, e.g. `ProgressNotFound`.
    pub fn code(&self) -> Option<&str> {
        self.api_error()?.code.as_deref()
    }

    /// The API error message.
    pub fn message(&self) -> Option<&str> {
        self.api_error()?.message.as_deref()
    }

    /// The correlation id of the response: quote it to support.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Redirect { correlation_id, .. }
            | Self::InvalidResponse { correlation_id, .. } => correlation_id.as_deref(),
            _ => match self.behind() {
                Some(behind) => behind.correlation_id(),
                None => self.http_failure()?.correlation_id.as_deref(),
            },
        }
    }

    /// How long the service asked to wait before the next request: the
    /// `Retry-After` of the failure (a 429, or a 408/5xx that sent one), at most
    /// [`MAX_RETRY_AFTER`](crate::MAX_RETRY_AFTER); for `RetriesExhausted` and
    /// `Deadline`, the failure's behind them.
    pub fn retry_after(&self) -> Option<Duration> {
        self.http_failure()?.retry_after
    }

    /// The last progress seen before a deadline error.
    pub fn last_progress(&self) -> Option<&Progress> {
        match self {
            Self::Deadline { last, .. } => last.as_ref(),
            _ => None,
        }
    }
}
