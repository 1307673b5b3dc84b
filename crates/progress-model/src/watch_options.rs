//! Per-call options: one watch with its own deadline or ladder, on a client
//! whose settings stay as they are (as AWS waiters take `max_wait` per call).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{PollPolicy, WatchState};

/// What one watch overrides of its client's poll policy; see `watch_with`.
///
/// ```
/// # use progress_model::WatchOptions;
/// # use std::time::Duration;
/// let options = WatchOptions::new()
///     .deadline(Duration::from_secs(600))
///     .intervals([Duration::from_secs(5), Duration::from_secs(10)]);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchOptions {
    deadline: Option<Option<Duration>>,
    intervals: Option<Vec<Duration>>,
    max_retries: Option<u32>,
    started_at: Option<Instant>,
    safety_net: Option<Duration>,
    resume_from: Option<Box<WatchState>>,
}

impl WatchOptions {
    /// No overrides: the client's policy as it is.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long this watch may last.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(Some(deadline));
        self
    }

    /// No deadline for this watch, whatever the client's.
    pub fn no_deadline(mut self) -> Self {
        self.deadline = Some(None);
        self
    }

    /// This watch's poll ladder (the last rung repeats). Checked like the
    /// client's: an empty ladder or a rung of zero ends the watch at once
    /// with a configuration error.
    pub fn intervals(mut self, intervals: impl IntoIterator<Item = Duration>) -> Self {
        self.intervals = Some(intervals.into_iter().collect());
        self
    }

    /// Consecutive transient failures this watch retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Counts the deadline from `instant` rather than from the watch's first
    /// step: the moment a batch of watches was asked for, or a job id was
    /// read, so that watches queued behind others get no extra time. Read
    /// `instant` from the client's clock (`Instant::now()` unless a clock
    /// was given).
    pub fn started_at(mut self, instant: Instant) -> Self {
        self.started_at = Some(instant);
        self
    }

    /// [`WatchOptions::started_at`] `instant`, unless these options already
    /// say from when: a watch added to a running set counts its deadline
    /// from its insertion, or from the instant its caller chose.
    pub fn started_at_unless_set(self, instant: Instant) -> Self {
        match self.started_at {
            Some(_) => self,
            None => self.started_at(instant),
        }
    }

    /// Only this watch's end matters, and something pushed tells of it
    /// (webhook deliveries handed to the client's `notify_completed`):
    /// instead of the ladder, the watch polls every ten minutes
    /// ([`DEFAULT_SAFETY_NET`](crate::DEFAULT_SAFETY_NET)), a safety net
    /// should a delivery be lost, and at once when woken. Retries after a
    /// failure keep the ladder.
    pub fn completion_only(self) -> Self {
        self.safety_net(crate::DEFAULT_SAFETY_NET)
    }

    /// [`WatchOptions::completion_only`] with this safety net; never
    /// shorter than the rung the ladder would wait (the API asks for at
    /// least the documented intervals).
    pub fn safety_net(mut self, interval: Duration) -> Self {
        self.safety_net = Some(interval);
        self
    }

    /// Goes on from a saved state (one an event carried,
    /// [`Event::watch_state`](crate::Event::watch_state)) rather than from
    /// the start: the next poll at the saved due time (at once if it has
    /// passed; many overdue watches are spread over the first rung), the
    /// same rung, failures in a row and deadline (which replaces this
    /// option's); the saved observation is not told again. The state must be
    /// of the job watched, on the client's service, base URL and API
    /// version: else the watch ends at once with a configuration error.
    pub fn resume_from(mut self, state: WatchState) -> Self {
        self.resume_from = Some(Box::new(state));
        self
    }

    /// The state to go on from, if any.
    pub fn resumed_state(&self) -> Option<&WatchState> {
        self.resume_from.as_deref()
    }

    /// Where the deadline counts from, when not the first step.
    pub fn start(&self) -> Option<Instant> {
        self.started_at
    }

    /// [`WatchOptions::apply`] to a client's shared policy: the same one
    /// when the result is that policy, so a watch holds no copy of its own.
    pub(crate) fn apply_shared(&self, policy: &Arc<PollPolicy>) -> Arc<PollPolicy> {
        let applied = self.apply(policy);
        if applied == **policy {
            Arc::clone(policy)
        } else {
            Arc::new(applied)
        }
    }

    /// The client's policy with these overrides.
    /// Durations longer than [`MAX_DURATION`](crate::MAX_DURATION) are taken as it.
    pub fn apply(&self, policy: &PollPolicy) -> PollPolicy {
        PollPolicy {
            intervals: self
                .intervals
                .clone()
                .unwrap_or_else(|| policy.intervals.clone()),
            max_retries: self.max_retries.unwrap_or(policy.max_retries),
            deadline: self.deadline.unwrap_or(policy.deadline),
            safety_net: self.safety_net.or(policy.safety_net),
        }
        .saturated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_name() {
        let client = PollPolicy {
            deadline: Some(Duration::from_secs(60)),
            ..PollPolicy::default()
        };
        assert_eq!(WatchOptions::new().apply(&client), client);
        let longer = WatchOptions::new()
            .deadline(Duration::from_secs(600))
            .apply(&client);
        assert_eq!(longer.deadline, Some(Duration::from_secs(600)));
        assert_eq!(longer.intervals, client.intervals);
        assert_eq!(
            WatchOptions::new().no_deadline().apply(&client).deadline,
            None
        );
        let ladder = WatchOptions::new()
            .intervals([Duration::from_secs(1)])
            .max_retries(0)
            .apply(&client);
        assert_eq!(
            (ladder.intervals, ladder.max_retries),
            (vec![Duration::from_secs(1)], 0)
        );
        assert_eq!(ladder.deadline, client.deadline);
    }
}
