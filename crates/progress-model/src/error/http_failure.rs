//! What the service answered when it did not answer with progress.

use std::fmt;
use std::time::Duration;

use crate::{ApiError, JobId};

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

pub(crate) fn write_correlation_id(f: &mut fmt::Formatter<'_>, id: Option<&str>) -> fmt::Result {
    match id {
        Some(id) => write!(f, " (correlation id {id})"),
        None => Ok(()),
    }
}
