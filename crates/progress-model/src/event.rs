//! What a watch tells its caller, each event naming its job: the shape of
//! `watch_events` and `watch_many` in both clients.

use std::time::{Duration, Instant};

use crate::{Action, Clock, Error, Fetch, HttpResponse, Progress, Watch};

/// One thing that happened in the watch of one job.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Event {
    /// The job, as the caller named it (control characters escaped when the
    /// id was refused).
    pub job: String,
    /// What happened.
    pub kind: EventKind,
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
        }
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

/// What a driver does next for one watch: the I/O, or an event to hand on.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // Built once per poll; boxing would only add noise.
pub enum Step {
    /// Send this request, then call [`Watch::on_response`].
    Fetch(Fetch),
    /// Sleep until this instant, then ask again: the watch's next due
    /// instant, by which a driver of many watches picks the earliest.
    Wait(Instant),
    /// Hand this event to the caller.
    Event(Event),
}

impl Watch {
    /// What to do next, as a [`Step`]: [`Watch::next`] with its events named
    /// after the job.
    pub fn step(&mut self, now: Instant) -> Step {
        let kind = match self.next(now) {
            Action::Fetch(fetch) => return Step::Fetch(fetch),
            Action::Wait(until) => return Step::Wait(until),
            Action::Emit(progress) => EventKind::Observed(progress),
            Action::Retry(retry) => EventKind::Retrying {
                error: retry.error,
                wait: retry.wait,
                gives_up_after: retry.gives_up_after,
            },
            Action::TokenRefreshed => EventKind::TokenRefreshed,
            Action::Done(outcome) => EventKind::Finished(outcome),
        };
        Step::Event(Event {
            job: self.label().to_owned(),
            kind,
        })
    }

    /// Runs the watch until its next event. `fetch` sends a request
    /// (refreshing the token first when asked), `sleep` waits the time left
    /// until a wait's instant, read from `clock` just before.
    ///
    /// This is the whole adapter loop of the design, for drivers that can
    /// block; async drivers write the same loop around [`Watch::step`] with `.await`.
    pub fn next_event(
        &mut self,
        clock: &dyn Clock,
        mut fetch: impl FnMut(&Fetch) -> Result<HttpResponse, Error>,
        mut sleep: impl FnMut(Duration),
    ) -> Event {
        loop {
            match self.step(clock.now()) {
                Step::Fetch(request) => {
                    let result = fetch(&request);
                    self.on_response(clock.now(), clock.wall(), result);
                }
                Step::Wait(until) => sleep(until.saturating_duration_since(clock.now())),
                Step::Event(event) => return event,
            }
        }
    }
}
