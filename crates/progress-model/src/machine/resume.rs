//! A watch taken apart into a [`WatchState`] and put together again,
//! perhaps in another process: here, beside the machine, because both
//! read and set its private state.
//!
//! Monotonic instants mean nothing in another process, so the state keeps
//! wall-clock times, and a resume turns them back into instants of the new
//! clock. Only durations since the snapshot are read from the wall clock,
//! and a wall clock that went backwards counts as no time passed: a
//! resumed watch never waits less than what was left of its wait when it
//! was saved, less the time since.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::{Step, Watch};
use crate::clock::instant_after;
use crate::{
    ApiVersion, BaseUrl, Error, EventKind, Observation, PollPolicy, Progress, Service, Settings,
    WatchOptions, WatchState, trace,
};

/// What a watch keeps only so that its state can be saved and resumed:
/// 32 bytes in every waiting watch (a service keeps a hundred thousand).
#[derive(Debug, Clone, Default)]
pub(crate) struct Memory {
    /// When the last observation came.
    observed_at: Wall,
    /// When the percentage last changed.
    changed_at: Wall,
    /// Until when the last 429 asked to wait (its `Retry-After`).
    retry_after_until: Wall,
    /// A resume's work left for the first step, which has the client.
    pending: Option<Box<Pending>>,
}

/// A wall-clock time in 8 bytes: nanoseconds since 1970 (a time before it
/// reads as 1970; one past 2554 as then), 0 for none.
#[derive(Debug, Clone, Copy, Default)]
struct Wall(u64);

impl Wall {
    fn of(time: SystemTime) -> Self {
        let nanos = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
            });
        Self(nanos.max(1))
    }

    fn of_option(time: Option<SystemTime>) -> Self {
        time.map_or(Self(0), Self::of)
    }

    fn get(self) -> Option<SystemTime> {
        (self.0 != 0).then(|| SystemTime::UNIX_EPOCH + Duration::from_nanos(self.0))
    }
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    /// The saved poll is already due: spread it over the first rung when
    /// many resumed watches are (the client decides).
    overdue: bool,
    /// What is left of the saved 429's pause, for the client.
    client_pause: Option<Duration>,
}

impl Watch {
    /// Remembers when `progress` came, before the machine takes it in.
    pub(super) fn remember_observation(&mut self, wall_now: SystemTime, progress: &Progress) {
        let changed = self
            .last_seen
            .as_ref()
            .is_none_or(|last| last.percentage != progress.percentage);
        if changed {
            self.memory.changed_at = Wall::of(wall_now);
        }
        self.memory.observed_at = Wall::of(wall_now);
    }

    /// Remembers until when a 429 answered at `wall_now` asked to wait.
    pub(super) fn remember_retry_after(&mut self, wall_now: SystemTime, asked: Option<Duration>) {
        let until = asked.and_then(|asked| wall_now.checked_add(asked));
        self.memory.retry_after_until = Wall::of_option(until);
    }

    /// The state of this watch at `now` (`wall` on the wall clock), under
    /// the `settings` it was built with: after an event, everything the
    /// watch has decided up to its next poll. `None` for an id refused
    /// before anything was sent.
    pub fn state(&self, settings: &Settings, now: Instant, wall: SystemTime) -> Option<WatchState> {
        let job = self.job.clone()?;
        let (service, api_version, base_url) = origin(settings);
        let to_wall = |instant: Instant| wall_at(instant, now, wall);
        let over = self.finished.is_some()
            || self.queued.iter().any(|step| {
                matches!(step, Step::Event(event) if matches!(event.kind, EventKind::Finished(_)))
            });
        let next_wait = self.queued.iter().find_map(|step| match step {
            Step::Wait(until) => Some(*until),
            _ => None,
        });
        let started = self.started.unwrap_or(now);
        let started_at = to_wall(started);
        Some(WatchState {
            service,
            api_version,
            base_url,
            job,
            last: self.last_seen.clone().map(|progress| {
                Observation::new(progress, self.memory.observed_at.get().unwrap_or(wall))
            }),
            percentage_changed_at: self.memory.changed_at.get(),
            rung: self.rung,
            next_poll_at: (!over).then(|| next_wait.map_or(wall, to_wall)),
            retry_after_until: self
                .memory
                .retry_after_until
                .get()
                .filter(|until| *until > wall),
            consecutive_failures: self.consecutive_failures,
            started_at,
            deadline_at: self
                .policy
                .deadline
                .map(|deadline| wall_after(started_at, deadline)),
            saved_at: wall,
        })
    }

    /// `event`, carrying this watch's state at `now`: what both clients
    /// hand on, so that a caller can store the latest.
    pub fn stamp(
        &self,
        event: crate::Event,
        settings: &Settings,
        now: Instant,
        wall: SystemTime,
    ) -> crate::Event {
        match self.state(settings, now, wall) {
            Some(state) => event.with_watch_state(state),
            None => event,
        }
    }

    /// A watch of `job_id` that goes on from `state` under `settings` and
    /// `options`, at `now` (`wall` on the wall clock): the saved poll at its
    /// due time (at once when it has passed, unless many resumed watches of
    /// the client are due: then spread over the first rung), the same rung,
    /// failures in a row and deadline; the saved observation is not told
    /// again. A job whose final observation was saved finishes with it,
    /// sending nothing. A state of another job, service, base URL or API
    /// version gives a watch that is already done with a configuration error.
    pub fn resumed(
        settings: &Settings,
        job_id: &str,
        can_refresh: bool,
        options: &WatchOptions,
        state: &WatchState,
        now: (Instant, SystemTime),
    ) -> Self {
        let policy = Arc::new(settings.policy.clone().saturated());
        Self::resumed_under(settings, &policy, job_id, can_refresh, options, state, now)
    }

    /// [`Watch::resumed`], sharing `client_policy` as
    /// [`Watch::for_job_under`] does.
    pub(crate) fn resumed_under(
        settings: &Settings,
        client_policy: &Arc<PollPolicy>,
        job_id: &str,
        can_refresh: bool,
        options: &WatchOptions,
        state: &WatchState,
        (now, wall): (Instant, SystemTime),
    ) -> Self {
        let mut watch = Self::for_job_under(settings, client_policy, job_id, can_refresh, options);
        if watch.finished.is_some() {
            return watch;
        }
        if let Err(error) = watch.check_same_watch(settings, state) {
            watch.finished = Some(Box::new(Err(error)));
            return watch;
        }
        // Time since the snapshot; none if the wall clock went backwards.
        let elapsed = wall.duration_since(state.saved_at).unwrap_or_default();
        let left_of = |at: SystemTime| {
            at.duration_since(state.saved_at)
                .unwrap_or_default()
                .saturating_sub(elapsed)
        };
        watch.last_seen = state.last.as_ref().map(|seen| seen.progress.clone());
        watch.memory.observed_at = Wall::of_option(state.last.as_ref().map(|seen| seen.at));
        watch.memory.changed_at = Wall::of_option(state.percentage_changed_at);
        let last_rung = watch.policy.intervals.len().saturating_sub(1);
        watch.rung = state.rung.min(last_rung);
        watch.consecutive_failures = state.consecutive_failures;
        watch.restart_deadline(state, now, elapsed);
        if let Some(done) = state.final_observation() {
            watch.finished = Some(Box::new(Ok(done.clone())));
            return watch;
        }
        let client_pause = state
            .retry_after_until
            .map(left_of)
            .filter(|left| !left.is_zero());
        let pause_until = client_pause.and_then(|left| wall.checked_add(left));
        watch.memory.retry_after_until = Wall::of_option(pause_until);
        let due = match state.next_poll_at {
            Some(at) => left_of(at),
            // Ended by an error (not its deadline, checked at the first
            // step): a new try, at once, with a new count of failures.
            None => {
                watch.consecutive_failures = 0;
                Duration::ZERO
            }
        };
        if !due.is_zero() {
            watch.queued.push_back(Step::Wait(instant_after(now, due)));
        }
        watch.memory.pending = Some(Box::new(Pending {
            overdue: due.is_zero(),
            client_pause,
        }));
        watch
    }

    fn check_same_watch(&self, settings: &Settings, state: &WatchState) -> Result<(), Error> {
        let mine = origin(settings);
        let theirs = (
            state.service.clone(),
            state.api_version.clone(),
            state.base_url.clone(),
        );
        let same_job = self.job.as_ref() == Some(&state.job);
        if same_job && mine == theirs {
            return Ok(());
        }
        Err(Error::Config(format!(
            "the watch state is of job {:?} of `{}` at {} ({}), not of this watch",
            state.job.as_str(),
            state.service,
            state.base_url.as_str(),
            state.api_version.accept(),
        )))
    }

    /// Counts the deadline from the saved start: the same length, with
    /// what was left of it at the snapshot, less `elapsed` since.
    fn restart_deadline(&mut self, state: &WatchState, now: Instant, elapsed: Duration) {
        let since_start = state
            .saved_at
            .duration_since(state.started_at)
            .unwrap_or_default()
            .saturating_add(elapsed);
        let length = state.deadline_at.map(|deadline_at| {
            deadline_at
                .duration_since(state.started_at)
                .unwrap_or_default()
                .max(Duration::from_nanos(1))
        });
        Arc::make_mut(&mut self.policy).deadline = length;
        // An instant before the process's clock began may not exist: then
        // the deadline counts from now, as long as what is left.
        self.started = Some(now.checked_sub(since_start).unwrap_or_else(|| {
            Arc::make_mut(&mut self.policy).deadline = length.map(|length| {
                length
                    .saturating_sub(since_start)
                    .max(Duration::from_nanos(1))
            });
            now
        }));
    }

    /// The first step of a resumed watch: the saved 429's pause goes to the
    /// client; an overdue poll past the deadline ends the watch, else it
    /// takes the place the client gives it among the resumed watches.
    pub(super) fn resume_step(&mut self, now: Instant) -> Option<Step> {
        let pending = self.memory.pending.take()?;
        if let (Some(client), Some(pause)) = (&self.client, pending.client_pause) {
            client.pause_for(now, pause);
        }
        if !pending.overdue {
            return None;
        }
        let started = self.started.unwrap_or(now);
        if let Some(error) = self.deadline_passed(now, started) {
            return Some(self.finish(error));
        }
        let first_rung = self.policy.intervals.first().copied().unwrap_or_default();
        let offset = self
            .client
            .as_ref()
            .map_or(Duration::ZERO, |client| client.herd_offset(now, first_rung));
        if offset.is_zero() || !self.fits_before_deadline(now, offset) {
            return None;
        }
        self.poll_earned = true;
        // A wake (a webhook delivery) still cuts the spread short for its job.
        let until = self
            .wakes
            .bell()
            .hand_out_wait(now, instant_after(now, offset), false);
        trace::wait(until.saturating_duration_since(now));
        Some(Step::Wait(until))
    }
}

/// Where a watch under `settings` sends its requests: the service, the API
/// version asked for, the base URL.
fn origin(settings: &Settings) -> (Service, ApiVersion, BaseUrl) {
    let version = settings
        .api_version
        .clone()
        .unwrap_or_else(|| settings.service.api_version());
    (settings.service.clone(), version, settings.base_url.clone())
}

/// The wall-clock time of `instant`, given that `now` is `wall`.
fn wall_at(instant: Instant, now: Instant, wall: SystemTime) -> SystemTime {
    match instant.checked_duration_since(now) {
        Some(ahead) => wall_after(wall, ahead),
        None => wall
            .checked_sub(now.duration_since(instant))
            .unwrap_or(SystemTime::UNIX_EPOCH),
    }
}

/// `wall + by`, or as far as a `SystemTime` reaches.
fn wall_after(wall: SystemTime, by: Duration) -> SystemTime {
    wall.checked_add(by).unwrap_or(wall)
}
