//! The kind of an error, without its details, and which kinds are worth a retry.

use std::fmt;

use super::Error;

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
    /// [`Error::TokenUnavailable`].
    TokenUnavailable,
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
    /// [`Error::ProxyAuth`].
    ProxyAuth,
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
            Self::TokenUnavailable => "token_unavailable",
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
            Self::ProxyAuth => "proxy_auth",
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
    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidJobId { .. } => ErrorKind::InvalidJobId,
            Self::InsecureUrl { .. } => ErrorKind::InsecureUrl,
            Self::Config(_) => ErrorKind::Config,
            Self::Token { .. } => ErrorKind::Token,
            Self::TokenUnavailable { .. } => ErrorKind::TokenUnavailable,
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
            Self::ProxyAuth { .. } => ErrorKind::ProxyAuth,
            Self::Transport { .. } => ErrorKind::Transport,
            Self::Deadline { .. } => ErrorKind::Deadline,
            Self::RetriesExhausted { .. } => ErrorKind::RetriesExhausted,
            Self::Cancelled { .. } => ErrorKind::Cancelled,
        }
    }

    /// Whether trying again later may succeed: rate limits, unavailable services
    /// (the API's or the identity service's), invalid responses, timeouts,
    /// connection failures and other transport failures.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::TokenUnavailable
                | ErrorKind::RateLimited
                | ErrorKind::Unavailable
                | ErrorKind::InvalidResponse
                | ErrorKind::Timeout
                | ErrorKind::Connect
                | ErrorKind::Transport
        )
    }
}
