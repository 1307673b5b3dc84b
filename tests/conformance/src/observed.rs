//! What a client did during one vector: its waits and emitted progress in one
//! timeline, and how the call ended.
//!
//! Waits and emissions share a timeline so the check can see their order (a
//! watch emits an observation before it waits), which two separate lists would hide.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use progress_model::{Error, ManualClock, Progress};

use crate::schedule::{Made, Schedule};
use crate::vector::Timing;

/// One thing the client did, as seen from outside.
#[derive(Debug, Clone)]
pub enum Event {
    /// The watch handed this observation to the caller.
    Emit(Progress),
    /// The client asked its sleeper for this wait.
    Wait(Duration),
    /// The watch was stopped, its state saved, and after this downtime
    /// resumed on a fresh client.
    Stopped(Duration),
}

/// Everything the client side of a run showed.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Emissions and waits, in the order they happened.
    pub events: Vec<Event>,
    /// How the call ended; `None` when a watch ended without any item.
    pub outcome: Option<Result<Progress, Error>>,
    /// Breaches of the iterator/stream contract (items after the end, ...).
    pub anomalies: Vec<String>,
    /// For `watch_many`: how each job's watch ended, by job id.
    pub outcomes: BTreeMap<String, Result<Progress, Error>>,
    /// The most requests the server had in flight at once.
    pub max_overlap: usize,
    /// The failures the client waited out before retrying, as its `on_retry`
    /// listener heard them.
    pub retried: Vec<Error>,
    /// The deliveries made and the live steps, with what each returned,
    /// and what the run never reached.
    pub made: Made,
    /// For `watch_many` and `live`: every event of every job, with the
    /// instant (of the clock since the start) the reader got it.
    pub job_events: Vec<(Duration, progress_model::Event)>,
    /// For `watch_many` and `live`: when the merged events ended.
    pub ended_at: Option<Duration>,
}

impl Observed {
    /// The waits, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::Wait(wait) => Some(*wait),
                Event::Emit(_) | Event::Stopped(_) => None,
            })
            .collect()
    }

    /// The emitted progress, in order.
    pub fn emitted(&self) -> Vec<&Progress> {
        self.events
            .iter()
            .filter_map(|event| match event {
                Event::Emit(progress) => Some(progress),
                Event::Wait(_) | Event::Stopped(_) => None,
            })
            .collect()
    }
}

/// A watch that yields this many items is looping: stop reading it. The manual
/// clock makes waits free, so without a cap a broken adapter would spin forever.
const MAX_ITEMS: usize = 1000;

/// Builds an [`Observed`] while an adapter runs: the sleeper and the adapter's
/// loop both write to it. Clones share the same record.
#[derive(Debug, Clone)]
pub struct Recorder {
    clock: ManualClock,
    timing: Timing,
    state: Arc<Mutex<State>>,
    schedule: Schedule,
}

/// What the recorder holds: the observations and how many watch items were read.
#[derive(Debug, Default)]
struct State {
    observed: Observed,
    items: usize,
    /// A live set: a job inserted again after its watch finished ends again.
    restarts: bool,
}

impl Recorder {
    /// A recorder whose sleeper advances `clock`, and whose caller spends
    /// time on items as `timing` says.
    pub fn new(clock: ManualClock, timing: Timing) -> Self {
        Self {
            clock,
            timing,
            state: Arc::default(),
            schedule: Schedule::default(),
        }
    }

    /// The recorder, whose sleeps make the `schedule` (deliveries, live
    /// steps) on their way.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// What a test sleeper does: record the wait, move the manual clock by it
    /// (plus the vector's oversleep) and return at once, so vectors check exact
    /// waits without waiting. The clock moves only here and per item, so a
    /// recorded wait is the time between two polls less the caller's time.
    ///
    /// A delivery or a live step due within the sleep ends it: the clock
    /// moves to it, it is made, and the sleep returns (as a webhook would
    /// wake a sleeping watch; the client then takes in what the step did
    /// before it sleeps again).
    pub fn sleep(&self, wait: Duration) {
        self.lock().observed.events.push(Event::Wait(wait));
        let late = self.timing.oversleep.map_or(Duration::ZERO, |late| late.0);
        let now = self.clock.elapsed();
        if let Some(at) = self.schedule.next_by(now + wait + late) {
            self.clock.advance(at.saturating_sub(now));
            self.schedule.make_next();
            return;
        }
        self.clock.advance(wait + late);
    }

    /// The client, or `None` with its build error recorded as the outcome
    /// (some vectors check that building is refused).
    pub fn built<C>(&self, client: Result<C, Error>) -> Option<C> {
        match client {
            Ok(client) => Some(client),
            Err(error) => {
                self.single(Err(error));
                None
            }
        }
    }

    /// An `on_retry` listener that keeps each failure the client retries.
    pub fn retry_listener(&self) -> impl Fn(&progress_model::Retry) + Send + Sync + 'static {
        let recorder = self.clone();
        move |retry| recorder.lock().observed.retried.push(retry.error.clone())
    }

    /// The watch is stopped for `downtime` (the manual clock moves by it)
    /// before it is resumed.
    pub fn stopped(&self, downtime: Duration) {
        self.lock().observed.events.push(Event::Stopped(downtime));
        self.clock.advance(downtime);
    }

    /// Records the result of a single call (`progress` or `wait`).
    pub fn single(&self, result: Result<Progress, Error>) {
        self.lock().observed.outcome = Some(result);
    }

    /// Records one item of a watch. Returns whether to keep reading: `false` once
    /// the item cap is reached.
    pub fn item(&self, item: Result<Progress, Error>) -> bool {
        let mut state = self.lock();
        state.items += 1;
        let observed = &mut state.observed;
        let anomaly = match &observed.outcome {
            Some(Err(_)) => Some(format!(
                "the watch yielded an item after its error: {}",
                describe(&item)
            )),
            Some(Ok(last)) if last.is_terminal() => Some(format!(
                "the watch yielded an item after the terminal progress {}: {}",
                crate::check::show_progress(last),
                describe(&item)
            )),
            _ => None,
        };
        observed.anomalies.extend(anomaly);
        if let Ok(progress) = &item {
            observed.events.push(Event::Emit(progress.clone()));
            // The caller's time with the item, before it asks for the next.
            if let Some(consumer) = self.timing.consumer {
                self.clock.advance(consumer.0);
            }
        }
        observed.outcome = Some(item);
        if state.items >= MAX_ITEMS {
            state.observed.anomalies.push(format!(
                "the watch yielded {MAX_ITEMS} items; stopped reading it"
            ));
            return false;
        }
        true
    }

    /// A live set's events: a job may be inserted again once its watch
    /// finished, and end again (the checks count its watches instead).
    pub fn allow_restarts(&self) {
        self.lock().restarts = true;
    }

    /// Records the end of one job's watch in a `watch_many` (the last one's
    /// in a live set); a second end of the same job is an anomaly, unless
    /// the job may restart.
    pub fn finished(&self, job: &str, outcome: Result<Progress, Error>) {
        let mut state = self.lock();
        if state.observed.outcomes.contains_key(job) && !state.restarts {
            state
                .observed
                .anomalies
                .push(format!("job {job} finished twice"));
        }
        state.observed.outcomes.insert(job.to_owned(), outcome);
    }

    /// Records one event of a `watch_many`. Returns whether to keep reading:
    /// `false` once the item cap is reached.
    pub fn event(&self, event: progress_model::Event) -> bool {
        let mut state = self.lock();
        state.items += 1;
        if state.items >= MAX_ITEMS {
            state.observed.anomalies.push(format!(
                "watch_many yielded {MAX_ITEMS} events; stopped reading it"
            ));
            return false;
        }
        state
            .observed
            .job_events
            .push((self.clock.elapsed(), event.clone()));
        drop(state);
        if let progress_model::EventKind::Finished(outcome) = event.kind {
            self.finished(&event.job, outcome);
        }
        true
    }

    /// The merged events of many watches ended (now, on the clock).
    pub fn ended(&self) {
        self.lock().observed.ended_at = Some(self.clock.elapsed());
    }

    /// Reads a whole watch (an iterator; async adapters feed [`Recorder::item`] from their stream).
    pub fn watch(&self, items: impl IntoIterator<Item = Result<Progress, Error>>) {
        for item in items {
            if !self.item(item) {
                break;
            }
        }
    }

    /// What was recorded. A watch that ended on a progress that is not terminal is
    /// an anomaly: a watch ends only on a terminal state or an error.
    pub fn finish(&self) -> Observed {
        let mut observed = self.lock().observed.clone();
        observed.made = self.schedule.made();
        self.schedule.release();
        if let Some(Ok(last)) = &observed.outcome
            && !last.is_terminal()
            && !observed.emitted().is_empty()
        {
            observed.anomalies.push(format!(
                "the watch ended after a non-terminal progress ({last})"
            ));
        }
        observed
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking adapter must not hide what was recorded before it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One item, for messages.
pub fn describe(item: &Result<Progress, Error>) -> String {
    match item {
        Ok(progress) => format!("progress {}", crate::check::show_progress(progress)),
        Err(error) => format!("error {} ({error})", error.kind().as_str()),
    }
}
