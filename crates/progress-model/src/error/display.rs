//! The pieces the messages of [`Error`] are written with.

use std::fmt;

use super::{Cause, Error, write_correlation_id};
use crate::error_text::Because;

/// An error and its causes, `: `-separated; see [`Error::chain`].
pub(super) struct Chain<'a>(pub(super) &'a Error);

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
pub(super) struct Bare<'a>(pub(super) &'a Error);

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
pub(super) struct Failing<'a>(pub(super) &'a Option<Box<Error>>);

impl fmt::Display for Failing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(failing) => write!(f, ": the last attempt failed: {}", Bare(failing)),
            None => Ok(()),
        }
    }
}

/// The HTTP library's error, for [`Because`].
pub(super) fn because(cause: &Option<Cause>) -> Because<'_> {
    Because(
        cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static)),
    )
}

/// Shows an optional correlation id after a message.
pub(super) struct CorrelationId<'a>(pub(super) &'a Option<String>);

impl fmt::Display for CorrelationId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_correlation_id(f, self.0.as_deref())
    }
}
