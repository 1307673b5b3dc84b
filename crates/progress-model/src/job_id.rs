//! A job id that is safe to put in a URL path.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// A validated job id: one path segment, percent-encoded when sent.
///
/// Refused before anything is sent: an empty id, `.` and `..` (they would change
/// the path), and ids with control characters. Everything else, spaces, `/`, `?`,
/// `#` and non-ASCII included, is accepted and percent-encoded.
///
/// Cloning one is cheap (the text is shared): a watch, the client's list of
/// watches to wake and the live set all name the job.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JobId(Arc<str>);

impl JobId {
    /// Validates a job id.
    ///
    /// ```
    /// # use progress_model::JobId;
    /// assert!(JobId::new("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2").is_ok());
    /// assert!(JobId::new("..").is_err());
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let reason = if id.is_empty() {
            Some("it is empty")
        } else if id == "." || id == ".." {
            Some("`.` and `..` are not job ids")
        } else if id.chars().any(char::is_control) {
            Some("it contains control characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidJobId {
                id: id.escape_debug().to_string(),
                reason,
            }),
            None => Ok(Self(id.into())),
        }
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({:?})", self.0)
    }
}

impl AsRef<str> for JobId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for JobId {
    type Error = Error;
    fn try_from(id: &str) -> Result<Self, Error> {
        Self::new(id)
    }
}

impl TryFrom<String> for JobId {
    type Error = Error;
    fn try_from(id: String) -> Result<Self, Error> {
        Self::new(id)
    }
}

impl TryFrom<&String> for JobId {
    type Error = Error;
    fn try_from(id: &String) -> Result<Self, Error> {
        Self::new(id.as_str())
    }
}

impl TryFrom<&JobId> for JobId {
    type Error = Error;
    fn try_from(id: &JobId) -> Result<Self, Error> {
        Ok(id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_ids_that_would_change_the_path_or_carry_control_characters() {
        for id in ["", ".", "..", "a\nb", "tab\there", "nul\0"] {
            let error = JobId::new(id).unwrap_err();
            assert!(matches!(error, Error::InvalidJobId { .. }), "{id:?}");
        }
    }

    #[test]
    fn accepts_ids_that_only_need_encoding() {
        for id in ["a b", "a/b", "a?b", "a#b", "jöb", "..."] {
            assert_eq!(JobId::new(id).unwrap().as_str(), id);
        }
    }
}
