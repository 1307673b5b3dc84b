//! What a watch tells its caller, each event naming its job: the one
//! vocabulary of the machine ([`Step::Event`](crate::Step::Event)), of
//! `watch_events` and `watch_many` in both clients, and of their users.

use std::time::Duration;

use crate::{Error, Progress, WatchState};

/// One thing that happened in the watch of one job.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Event {
    /// The job, as the caller named it (control characters escaped when the
    /// id was refused).
    pub job: String,
    /// What happened.
    pub kind: EventKind,
    /// The watch's state just after this event, to resume it from.
    state: Option<Box<WatchState>>,
}

/// What happened in a watch.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // One per poll; boxing would only add noise.
#[non_exhaustive]
pub enum EventKind {
    /// The service answered with progress (the terminal answer included).
    Observed(Progress),
    /// The last attempt failed; the watch tries again after `wait`.
    Retrying {
        /// Why the attempt failed (a 429, a 503, a timeout, ...).
        error: Error,
        /// How long the watch waits first.
        wait: Duration,
        /// How long the watch keeps retrying at most should every attempt
        /// fail, if anything bounds it (see
        /// [`Retry::gives_up_after`](crate::Retry::gives_up_after)).
        gives_up_after: Option<Duration>,
    },
    /// A 401 made the watch ask for a fresh token, and the request sent with
    /// it was answered.
    TokenRefreshed,
    /// The watch is over: the final progress (success, failed, cancelled,
    /// over) or the error that ended it. The last event of a watch.
    Finished(Result<Progress, Error>),
}

impl Event {
    /// An event of `job`'s watch (for renderers' tests and drivers of your own).
    pub fn new(job: impl Into<String>, kind: EventKind) -> Self {
        Self {
            job: job.into(),
            kind,
            state: None,
        }
    }

    /// The state of the watch just after this event, to store and resume
    /// the watch from ([`WatchOptions::resume_from`](crate::WatchOptions::resume_from)).
    /// Both clients put it on every event of a valid job id; `None` on an
    /// event built by hand or about an id refused before anything was sent.
    pub fn watch_state(&self) -> Option<&WatchState> {
        self.state.as_deref()
    }

    /// The same event carrying `state` (for drivers of your own; the
    /// clients set it with `Watch::stamp`).
    pub fn with_watch_state(mut self, state: WatchState) -> Self {
        self.state = Some(Box::new(state));
        self
    }

    /// Whether this is the last event of its watch.
    pub fn is_final(&self) -> bool {
        matches!(self.kind, EventKind::Finished(_))
    }

    /// The item a watch of observations yields for this event: each
    /// observation, then the error that ended the watch if any. `None` for
    /// the events such a watch does not show (retries, refreshed tokens, a
    /// finish whose terminal progress was already yielded).
    pub fn into_observation(self) -> Option<Result<Progress, Error>> {
        match self.kind {
            EventKind::Observed(progress) => Some(Ok(progress)),
            EventKind::Finished(Err(error)) => Some(Err(error)),
            _ => None,
        }
    }

    /// The retry this event announces, for an `on_retry` listener.
    pub fn retry(&self) -> Option<crate::Retry> {
        match &self.kind {
            EventKind::Retrying {
                error,
                wait,
                gives_up_after,
            } => Some(crate::Retry {
                job: self.job.clone(),
                error: error.clone(),
                wait: *wait,
                gives_up_after: *gives_up_after,
            }),
            _ => None,
        }
    }
}
