//! The one error type of every client, and the HTTP failure it often carries.

use std::sync::Arc;
use std::time::Duration;

use crate::error_text::{ForJob, Quoted, ShortSegments};
use crate::oauth::OAuthError;
use crate::{JobId, Progress};

/// The `job` field of the variants that have one, by reference or by mutable
/// reference as `$error` is: written once for [`Error::for_job`] and
/// [`Error::job_id`].
macro_rules! job_field {
    ($error:expr $(, $mutable:tt)?) => {
        match $error {
            Error::Unauthorized(failure)
            | Error::Forbidden(failure)
            | Error::NotFound(failure)
            | Error::RateLimited(failure)
            | Error::Unavailable(failure)
            | Error::Status(failure) => Some(&$($mutable)? failure.job),
            Error::Token { job, .. }
            | Error::TokenUnavailable { job, .. }
            | Error::Redirect { job, .. }
            | Error::InvalidResponse { job, .. }
            | Error::Timeout { job, .. }
            | Error::Connect { job, .. }
            | Error::Tls { job, .. }
            | Error::ProxyAuth { job, .. }
            | Error::Transport { job, .. }
            | Error::Deadline { job, .. }
            | Error::RetriesExhausted { job, .. }
            | Error::Cancelled { job, .. } => Some(job),
            Error::InvalidJobId { .. } | Error::InsecureUrl { .. } | Error::Config(_) => None,
        }
    };
}

mod accessors;
mod constructors;
mod display;
mod http_failure;
mod kind;

use display::{Bare, CorrelationId, Failing, because};
pub use http_failure::HttpFailure;
pub(crate) use http_failure::write_correlation_id;
pub use kind::ErrorKind;

/// The cause of a transport failure: the HTTP library's error, for `source()`.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong when asking for or watching a job's progress.
///
/// The messages are written for the person running the program. No variant ever
/// holds the access token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The job id was refused before anything was sent.
    #[error("invalid job id {}: {reason}", Quoted(id))]
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
    #[error("{}could not get an access token: {message}", ForJob(job))]
    #[non_exhaustive]
    Token {
        /// What the provider said, its own causes included.
        message: String,
        /// The provider's error, when it gave one, to downcast. Its text is
        /// already in `message`, so it is not this error's `source()`: a
        /// report that prints the chain tells it once.
        provider_error: Option<Arc<dyn std::error::Error + Send + Sync>>,
        /// The job the token was for.
        job: Option<JobId>,
    },
    /// The identity service could not issue a token for now (its 5xx or 429, a
    /// timeout, a lost connection): a watch retries it like any transient
    /// failure, counted in `max_retries` and told to the retry listener.
    #[error("{}could not get an access token for now: {oauth}", ForJob(job))]
    #[non_exhaustive]
    TokenUnavailable {
        /// What the identity service answered, or why it did not.
        oauth: Box<OAuthError>,
        /// The job the token was for.
        job: Option<JobId>,
    },
    /// 401: the token is missing, expired or invalid (in a watch: even after a fresh one).
    #[error("{}unauthorized: the access token was refused ({})", ForJob(&.0.job), .0)]
    Unauthorized(Box<HttpFailure>),
    /// 403: the token lacks the scope or the user the permission.
    #[error("{}forbidden: the token is not allowed to read this job ({})", ForJob(&.0.job), .0)]
    Forbidden(Box<HttpFailure>),
    /// 404: the job is unknown, or its progress is older than 30 days.
    #[error("{}job progress not found ({})", ForJob(&.0.job), .0)]
    NotFound(Box<HttpFailure>),
    /// 429: too many requests; [`Error::retry_after`] tells how long to wait.
    #[error("{}rate limited ({})", ForJob(&.0.job), .0)]
    RateLimited(Box<HttpFailure>),
    /// 408, 500, 502, 503 or 504: the service is briefly unavailable; worth a retry.
    #[error("{}service unavailable ({})", ForJob(&.0.job), .0)]
    Unavailable(Box<HttpFailure>),
    /// Any other unexpected status (other 4xx and 5xx): not worth a retry.
    #[error("{}unexpected response ({})", ForJob(&.0.job), .0)]
    Status(Box<HttpFailure>),
    /// A redirect (3xx). Redirects are never followed: the token could go to another host.
    #[error("{}unexpected redirect (HTTP {status}) to {}{}", ForJob(job), location.as_deref().unwrap_or("an unnamed location"), CorrelationId(correlation_id))]
    #[non_exhaustive]
    Redirect {
        /// The status code.
        status: u16,
        /// The `Location` header, when sent.
        location: Option<String>,
        /// The correlation id, when sent.
        correlation_id: Option<String>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// The response was not the progress the API documents: bad JSON, a missing
    /// state, an HTML page, or a body past the size cap.
    #[error("{}invalid response (HTTP {status}): {reason}{}{}", ForJob(job), excerpt.as_ref().map(|e| format!(", body: {e:?}")).unwrap_or_default(), CorrelationId(correlation_id))]
    #[non_exhaustive]
    InvalidResponse {
        /// The status code.
        status: u16,
        /// What was wrong.
        reason: String,
        /// A short, sanitized excerpt of the body.
        excerpt: Option<String>,
        /// The correlation id, when sent.
        correlation_id: Option<String>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// The request or the connection timed out.
    #[error(
        "{}timed out: {}{}",
        ForJob(job),
        ShortSegments(message),
        because(cause)
    )]
    #[non_exhaustive]
    Timeout {
        /// What timed out (the URL included).
        message: String,
        /// The HTTP library's error; the message tells its cause.
        cause: Option<Cause>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// The connection could not be made or was lost.
    #[error(
        "{}connection failed: {}{}",
        ForJob(job),
        ShortSegments(message),
        because(cause)
    )]
    #[non_exhaustive]
    Connect {
        /// What failed (the URL included).
        message: String,
        /// The HTTP library's error; the message tells its cause.
        cause: Option<Cause>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// TLS could not be set up: a certificate the client does not trust, or a
    /// TLS configuration problem. Not retried: it does not heal by waiting.
    #[error(
        "{}TLS failure: {}{}",
        ForJob(job),
        ShortSegments(message),
        because(cause)
    )]
    #[non_exhaustive]
    Tls {
        /// What failed (the URL included).
        message: String,
        /// The HTTP library's error; the message tells its cause.
        cause: Option<Cause>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// The proxy answered `407 Proxy Authentication Required`: the proxy URL
    /// gives no user and password, or wrong ones. Not retried: asking again
    /// with the same credentials gets the same answer. The message names
    /// the proxy, never its credentials.
    #[error(
        "{}the proxy refused its authentication (HTTP 407 Proxy Authentication Required): \
         {message}; check the user and password in the proxy URL",
        ForJob(job)
    )]
    #[non_exhaustive]
    ProxyAuth {
        /// What failed (the URL and the proxy included).
        message: String,
        /// The HTTP library's error.
        #[source]
        cause: Option<Cause>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// Any other failure of the HTTP client.
    #[error(
        "{}transport error: {}{}",
        ForJob(job),
        ShortSegments(message),
        because(cause)
    )]
    #[non_exhaustive]
    Transport {
        /// What failed (the URL included).
        message: String,
        /// The HTTP library's error; the message tells its cause.
        cause: Option<Cause>,
        /// The job the request was about.
        job: Option<JobId>,
    },
    /// The watch's deadline came before the job ended. When the last attempt
    /// had failed, the message tells that failure too: why no newer progress came.
    #[error(
        "{}deadline of {} reached before the job ended{}{}",
        ForJob(job),
        crate::human::duration(*deadline),
        last.as_ref().map(|p| format!(" (last seen: {p})")).unwrap_or_default(),
        Failing(failing),
    )]
    #[non_exhaustive]
    Deadline {
        /// The deadline the watch was given.
        deadline: Duration,
        /// The last progress seen, if any.
        last: Option<Progress>,
        /// The failure being retried when the deadline came, if the last
        /// attempt failed: why no newer progress was seen.
        failing: Option<Box<Error>>,
        /// The job watched.
        job: Option<JobId>,
    },
    /// The caller cancelled the watch (a `CancelHandle`); nothing was sent after.
    #[error("{}the watch was cancelled", ForJob(job))]
    #[non_exhaustive]
    Cancelled {
        /// The job watched.
        job: Option<JobId>,
    },
    /// Transient failures came `attempts` times in a row, more than
    /// `max_retries`; the message ends with the last of them.
    #[error(
        "{}gave up after {attempts} failed attempts in a row: {}",
        ForJob(job),
        Bare(last)
    )]
    #[non_exhaustive]
    RetriesExhausted {
        /// Consecutive failed attempts.
        attempts: u32,
        /// The last error.
        last: Box<Error>,
        /// The job watched.
        job: Option<JobId>,
    },
}

/// How to trust a company's root certificate, said wherever one was refused.
pub const TRUST_ADVICE: &str = "if the certificate comes from your company's root (a proxy that \
    inspects TLS), trust that root with `add_root_certificate` (the command: `--ca-cert PATH` \
    or SSL_CERT_FILE)";
