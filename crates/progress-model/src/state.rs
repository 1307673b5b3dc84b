//! The state of a job, as the service reports it.

use std::fmt;

/// Where a job stands.
///
/// The documented states are `unsubmitted`, `active`, `success`, `failed` and
/// `cancelled`; the live services also send `queued`, `terminatingoncancel`,
/// `terminatingonfailure` and `over` (the v2 services and `contextcapture`). States are parsed in
/// any letter case. Anything else is kept as [`JobState::Unknown`] with the text as
/// sent: the state set has grown before, so an unknown state never ends a watch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Created but not submitted yet.
    Unsubmitted,
    /// Submitted and waiting for capacity (v2 services).
    Queued,
    /// Running.
    Active,
    /// Being cancelled; `cancelled` follows.
    TerminatingOnCancel,
    /// Failing; `failed` follows.
    TerminatingOnFailure,
    /// Finished successfully (terminal).
    Success,
    /// Finished with a failure (terminal).
    Failed,
    /// Cancelled by a user (terminal).
    Cancelled,
    /// Finished, outcome not told (terminal; the `contextcapture` dialect).
    Over,
    /// A state this crate does not know, as sent. Never terminal.
    Unknown(String),
}

impl JobState {
    /// Parses a state in any letter case; unknown text becomes [`JobState::Unknown`].
    pub fn parse(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "unsubmitted" => Self::Unsubmitted,
            "queued" => Self::Queued,
            "active" => Self::Active,
            "terminatingoncancel" => Self::TerminatingOnCancel,
            "terminatingonfailure" => Self::TerminatingOnFailure,
            "success" => Self::Success,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "over" => Self::Over,
            _ => Self::Unknown(raw.to_owned()),
        }
    }

    /// Whether the job has ended: `success`, `failed`, `cancelled` or `over`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Success | Self::Failed | Self::Cancelled | Self::Over
        )
    }

    /// The documented lowercase form, or the unknown text as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unsubmitted => "unsubmitted",
            Self::Queued => "queued",
            Self::Active => "active",
            Self::TerminatingOnCancel => "terminatingoncancel",
            Self::TerminatingOnFailure => "terminatingonfailure",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Over => "over",
            Self::Unknown(raw) => raw,
        }
    }
}

/// The documented lowercase form, or an unknown state as sent with its control
/// characters escaped (see [`Progress`](crate::Progress)'s `Display`).
impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.as_str())
    }
}

/// Writes `text` with its control characters escaped and everything else as
/// is. Here, below [`Progress`](crate::Progress), which escapes its step the
/// same way: a state is the first text from a server that gets shown.
pub(crate) fn write_escaped(f: &mut std::fmt::Formatter<'_>, text: &str) -> std::fmt::Result {
    for c in text.chars() {
        if c.is_control() {
            write!(f, "{}", c.escape_default())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl serde::Serialize for JobState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for JobState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::parse(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_dialect_in_any_case_and_writes_lowercase() {
        let cases = [
            ("Unsubmitted", JobState::Unsubmitted),
            ("QUEUED", JobState::Queued),
            ("active", JobState::Active),
            ("TerminatingOnCancel", JobState::TerminatingOnCancel),
            ("TerminatingOnFailure", JobState::TerminatingOnFailure),
            ("Success", JobState::Success),
            ("failed", JobState::Failed),
            ("Cancelled", JobState::Cancelled),
            ("Over", JobState::Over),
        ];
        for (raw, state) in cases {
            assert_eq!(JobState::parse(raw), state);
            assert_eq!(state.to_string(), raw.to_ascii_lowercase());
        }
    }

    #[test]
    fn terminality_matches_the_contract() {
        let terminal: Vec<_> = ["success", "failed", "cancelled", "over"]
            .map(JobState::parse)
            .to_vec();
        assert!(terminal.iter().all(JobState::is_terminal));
        for raw in [
            "unsubmitted",
            "queued",
            "active",
            "terminatingoncancel",
            "Terminating",
        ] {
            assert!(!JobState::parse(raw).is_terminal(), "{raw}");
        }
    }

    #[test]
    fn unknown_state_is_kept_as_sent() {
        let state = JobState::parse("Terminating");
        assert_eq!(state, JobState::Unknown("Terminating".into()));
        assert_eq!(state.to_string(), "Terminating");
    }
}
