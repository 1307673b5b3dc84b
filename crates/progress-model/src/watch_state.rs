//! A watch's state as plain data: what a service stores to resume its
//! watches after a restart (a file, a database row, a queue message).
//!
//! Versioned JSON with an allowlist of what it keeps, as Azure's pollers
//! learned to do after their pickled predecessor leaked headers: the
//! service, the base URL, the job, the last observation and where the
//! watch stands on its ladder; never a token, a secret or a header. The
//! schema is in `docs/resume.md`.

mod wall;
mod wire;

use std::time::SystemTime;

use crate::{ApiVersion, BaseUrl, JobId, Progress, Service};

/// The format version this library writes and reads.
pub const WATCH_STATE_FORMAT: u32 = 1;

/// A snapshot of one watch, to resume it later, perhaps in another process.
///
/// Every [`Event`](crate::Event) a client hands on carries the state of its
/// watch just after it ([`Event::watch_state`](crate::Event::watch_state));
/// store the latest, and start the watch again from it with
/// [`WatchOptions::resume_from`](crate::WatchOptions::resume_from).
///
/// Times are wall-clock (UTC in JSON): monotonic instants mean nothing in
/// another process, so they are rebuilt from the wall clock on resume.
///
/// ```
/// # use progress_model::WatchState;
/// let json = r#"{"format":1,"service":"reality-modeling","api_version":"v2",
///   "base_url":"https://api.bentley.com","job":"job-1",
///   "last":{"state":"active","percentage":40.0,"step":null,"at":"2026-01-01T00:00:00Z"},
///   "percentage_changed_at":"2026-01-01T00:00:00Z","rung":1,
///   "next_poll_at":"2026-01-01T00:00:15Z","retry_after_until":null,
///   "consecutive_failures":0,"started_at":"2026-01-01T00:00:00Z","deadline_at":null,
///   "saved_at":"2026-01-01T00:00:00Z","a_field_from_later":true}"#;
/// let state = WatchState::from_json(json).unwrap();
/// assert_eq!(state.job.as_str(), "job-1");
/// assert_eq!(WatchState::from_json(&state.to_json()).unwrap(), state);
/// assert!(WatchState::from_json(&json.replace(r#""format":1"#, r#""format":2"#)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WatchState {
    /// The service the job belongs to.
    pub service: Service,
    /// The API version the watch asked for.
    pub api_version: ApiVersion,
    /// Where the API lives.
    pub base_url: BaseUrl,
    /// The job watched.
    pub job: JobId,
    /// The last answer the service gave, and when; `None` before the first.
    pub last: Option<Observation>,
    /// When the percentage last changed (the ladder went back to its first rung).
    pub percentage_changed_at: Option<SystemTime>,
    /// The rung of the ladder the next wait takes (0 is the first).
    pub rung: usize,
    /// When the next poll is due; `None` once the watch is over.
    pub next_poll_at: Option<SystemTime>,
    /// Until when a 429 asked the client to wait (its `Retry-After`), if
    /// that was still ahead.
    pub retry_after_until: Option<SystemTime>,
    /// Transient failures in a row, counted against `max_retries`.
    pub consecutive_failures: u32,
    /// When the watch started: where its deadline counts from.
    pub started_at: SystemTime,
    /// When the watch's deadline passes, if it has one.
    pub deadline_at: Option<SystemTime>,
    /// When this snapshot was taken.
    pub saved_at: SystemTime,
}

/// One answer of the service, with the wall-clock time it came.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Observation {
    /// What the service said.
    pub progress: Progress,
    /// When it said it.
    pub at: SystemTime,
}

impl Observation {
    /// `progress`, seen at `at`.
    pub fn new(progress: Progress, at: SystemTime) -> Self {
        Self { progress, at }
    }
}

/// Why a text is not a watch state this library can resume from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Not JSON, or not a watch state (a field missing, of the wrong type, a
    /// job id or base URL that a client would refuse).
    #[error("not a watch state: {0}")]
    Invalid(String),
    /// A watch state of another format version than this library's.
    #[error(
        "a watch state of format {found}, which this version does not read (it reads format {WATCH_STATE_FORMAT})"
    )]
    Version {
        /// The version found.
        found: u64,
    },
}

impl WatchState {
    /// Whether the watch is over: nothing more will be asked for.
    pub fn is_over(&self) -> bool {
        self.next_poll_at.is_none()
    }

    /// The final observation, when the job ended (success, failed,
    /// cancelled, over): resuming the watch reports it without asking again.
    pub fn final_observation(&self) -> Option<&Progress> {
        self.last
            .as_ref()
            .map(|seen| &seen.progress)
            .filter(|progress| progress.is_terminal())
    }

    /// The state as JSON (the schema of `docs/resume.md`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&wire::Wire::from(self))
            .expect("a watch state always serializes: strings, numbers and times")
    }

    /// Reads a state written by [`WatchState::to_json`]. Fields it does not
    /// know are ignored (a later minor version may add some); another
    /// format version is refused.
    pub fn from_json(json: &str) -> Result<Self, StateError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|error| StateError::Invalid(error.to_string()))?;
        Self::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<Self, StateError> {
        let found = value
            .get("format")
            .ok_or_else(|| StateError::Invalid("no `format` field".into()))?
            .as_u64()
            .ok_or_else(|| StateError::Invalid("`format` is not a number".into()))?;
        if found != u64::from(WATCH_STATE_FORMAT) {
            return Err(StateError::Version { found });
        }
        let wire: wire::Wire = serde_json::from_value(value)
            .map_err(|error| StateError::Invalid(error.to_string()))?;
        wire.try_into()
    }
}

impl serde::Serialize for WatchState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        wire::Wire::from(self).serialize(serializer)
    }
}

/// Through the same checks as [`WatchState::from_json`], the version first.
/// The state is read as a JSON value first, so it needs a self-describing
/// format (JSON, or any other that serde reads without a schema).
impl<'de> serde::Deserialize<'de> for WatchState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(serde::de::Error::custom)
    }
}
