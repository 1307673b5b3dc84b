//! The one error type of every client, and the HTTP failure it often carries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error_text::{Because, ForJob, Quoted, ShortSegments};
use crate::oauth::OAuthError;
use crate::{ApiError, JobId, Progress};

/// What the service answered when it did not answer with progress.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
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
    /// The job the request was about (set once the answer reaches a watch or
    /// a single call).
    pub job: Option<JobId>,
}

impl HttpFailure {
    /// A failure with this status and nothing else known yet.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }
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

/// An error and its causes, `: `-separated; see [`Error::chain`].
struct Chain<'a>(&'a Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(self.0);
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

/// An error told without the job it names: the failure inside a
/// `RetriesExhausted` or a `Deadline`, whose job the outer message has named.
struct Bare<'a>(&'a Error);

impl fmt::Display for Bare<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bare = self.0.clone();
        if let Some(job) = bare.job_slot() {
            *job = None;
        }
        write!(f, "{bare}")
    }
}

/// `: the last attempt failed: ...` after a deadline that came while a
/// failure was being retried.
struct Failing<'a>(&'a Option<Box<Error>>);

impl fmt::Display for Failing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(failing) => write!(f, ": the last attempt failed: {}", Bare(failing)),
            None => Ok(()),
        }
    }
}

/// The HTTP library's error, for [`Because`].
fn because(cause: &Option<Cause>) -> Because<'_> {
    Because(
        cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static)),
    )
}

/// The cause of a transport failure: the HTTP library's error, for `source()`.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

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

    /// This error and its causes on one line, joined by `: `, the job named
    /// once: what a log line or a status line shows. The message itself
    /// already tells the cause (the last failure behind exhausted retries, the
    /// bottom of an HTTP library's error), so this is the message, and then
    /// the `source()`s of an error that has some.
    ///
    /// ```
    /// # use progress_model as itwin_job_progress;
    /// use itwin_job_progress::{Error, JobId};
    ///
    /// let io = std::io::Error::other("connection refused");
    /// let last = Error::connect("https://api.bentley.com/...").caused_by(io);
    /// let job = JobId::new("ok-1")?;
    /// let error = Error::retries_exhausted(6, last.for_job(&job)).for_job(&job);
    /// assert_eq!(
    ///     error.chain().to_string(),
    ///     "job `ok-1`: gave up after 6 failed attempts in a row: \
    ///      connection failed: https://api.bentley.com/...: connection refused"
    /// );
    /// assert_eq!(error.chain().to_string(), error.to_string());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn chain(&self) -> impl fmt::Display + '_ {
        Chain(self)
    }

    /// This error, naming `job` (unless it already names one).
    pub fn for_job(mut self, for_job: &JobId) -> Self {
        if let Some(slot) = self.job_slot()
            && slot.is_none()
        {
            *slot = Some(for_job.clone());
        }
        self
    }

    fn job_slot(&mut self) -> Option<&mut Option<JobId>> {
        job_field!(self, mut)
    }

    /// The job this error is about, when it came from a request or a watch:
    /// with many watches in one process, which one failed.
    pub fn job_id(&self) -> Option<&JobId> {
        let own = job_field!(self).and_then(|job| job.as_ref());
        own.or_else(|| self.behind()?.job_id())
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
        match self {
            Self::TokenUnavailable { oauth, .. } => oauth.retry_after(),
            _ => match self.behind() {
                Some(behind) => behind.retry_after(),
                None => self.http_failure()?.retry_after,
            },
        }
    }

    /// The identity service's refusal or failure behind a token error (its
    /// OAuth `error` code and description), when the client-credentials
    /// provider met one.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        match self {
            Self::TokenUnavailable { oauth, .. } => Some(oauth),
            Self::Token {
                provider_error: Some(source),
                ..
            } => source.downcast_ref::<OAuthError>(),
            _ => self.behind()?.oauth_error(),
        }
    }

    /// The last progress seen before a deadline error.
    pub fn last_progress(&self) -> Option<&Progress> {
        match self {
            Self::Deadline { last, .. } => last.as_ref(),
            _ => None,
        }
    }
}

/// How to trust a company's root certificate, said wherever one was refused.
pub const TRUST_ADVICE: &str = "if the certificate comes from your company's root (a proxy that \
    inspects TLS), trust that root with `add_root_certificate` (the command: `--ca-cert PATH` \
    or SSL_CERT_FILE)";
