//! What an error tells: its chain of causes, the job, and the service's
//! answer behind it (status, API error, correlation id, `Retry-After`).

use std::fmt;
use std::time::Duration;

use super::display::Chain;
use super::{Error, HttpFailure};
use crate::oauth::OAuthError;
use crate::{ApiError, JobId, Progress};

impl Error {
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

    pub(super) fn job_slot(&mut self) -> Option<&mut Option<JobId>> {
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
