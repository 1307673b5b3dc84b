//! Reads a live set's events the same way for every adapter, and makes the
//! steps due while the set is open and holds no watch.
//!
//! Then nothing sleeps (no watch runs) and the events must wait, not end:
//! no sleeper reaches the next step. A thread of the runner's makes the
//! steps then, while the reader waits in the events, as a service's other
//! thread would insert its next job; so an open, empty set is seen to
//! wait. It acts only while the reader waits and every watch started has
//! had its `Finished` read, so the clock never moves under an event the
//! reader has yet to stamp.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use progress_model::{Event, ManualClock};

use crate::live::SetHandle;
use crate::observed::Recorder;
use crate::schedule::{Effect, Schedule};

/// What the reader tells the thread that makes the steps of an idle set.
#[derive(Debug, Default)]
struct Reading {
    /// The reader waits in the events.
    waiting: bool,
    /// How many `Finished` events the reader has recorded.
    finished: usize,
    /// The run is over: the thread ends.
    over: bool,
}

type Shared = Arc<(Mutex<Reading>, Condvar)>;

/// The reader of one live set's events.
pub struct LiveReader {
    schedule: Schedule,
    recorder: Recorder,
    clock: ManualClock,
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LiveReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveReader").finish_non_exhaustive()
    }
}

impl LiveReader {
    /// Makes the `schedule`'s steps on `set`, the client's handle; records
    /// the events into `recorder`. `started` is told of each watch the
    /// idle thread starts (virtual time counts it).
    pub fn start(
        schedule: &Schedule,
        recorder: &Recorder,
        clock: &ManualClock,
        set: impl SetHandle + 'static,
        started: impl Fn() + Send + 'static,
    ) -> Self {
        schedule.steps_on(set);
        recorder.allow_restarts();
        let shared = Shared::default();
        let thread = {
            let (schedule, clock, shared) = (schedule.clone(), clock.clone(), shared.clone());
            std::thread::Builder::new()
                .name("live-steps".into())
                .spawn(move || make_while_idle(&schedule, &clock, &shared, &started))
                .expect("a thread for the idle set's steps")
        };
        Self {
            schedule: schedule.clone(),
            recorder: recorder.clone(),
            clock: clock.clone(),
            shared,
            thread: Some(thread),
        }
    }

    /// Reads the next event with `next` (the blocking iterator's `next`).
    pub fn next(&self, next: impl FnOnce() -> Option<Event>) -> Option<Event> {
        self.waiting(true);
        let event = next();
        self.waiting(false);
        event
    }

    /// Reads the next event from `next` (the stream's `next()`).
    pub async fn next_async(&self, next: impl Future<Output = Option<Event>>) -> Option<Event> {
        self.waiting(true);
        let event = next.await;
        self.waiting(false);
        event
    }

    /// Records what the events gave; whether to read on (not after their
    /// end, nor past the recorder's cap). `finished` is told of each
    /// watch's end once it is recorded (virtual time counts it).
    pub fn take(&self, event: Option<Event>, finished: impl FnOnce()) -> bool {
        let Some(event) = event else {
            self.recorder.ended();
            return false;
        };
        let last = event.is_final();
        if !self.recorder.event(event) {
            return false;
        }
        if last {
            lock(&self.shared).finished += 1;
            self.shared.1.notify_all();
            finished();
        }
        true
    }

    /// The events are over: the idle thread ends, and the steps left are
    /// made at their instants (an insert then returns what it returns
    /// after the end).
    pub fn finish(mut self) {
        self.stop();
        self.schedule.make_rest(&self.clock);
    }

    fn waiting(&self, waiting: bool) {
        lock(&self.shared).waiting = waiting;
        self.shared.1.notify_all();
    }

    fn stop(&mut self) {
        lock(&self.shared).over = true;
        self.shared.1.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LiveReader {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The idle thread: while the reader waits, every watch started has been
/// read to its end and the set is open and empty, makes the next step at
/// its instant. It holds the lock while it does, so the reader, should the
/// step bring an event, records it only after.
fn make_while_idle(schedule: &Schedule, clock: &ManualClock, shared: &Shared, started: &dyn Fn()) {
    let mut reading = lock(shared);
    while !reading.over {
        let idle = reading.waiting
            && reading.finished == schedule.started()
            && schedule.set_is_open_and_empty();
        let made = idle.then(|| schedule.make_at_its_instant(clock)).flatten();
        match made {
            Some(Effect::Started) => started(),
            Some(Effect::Nothing | Effect::Woke) => {}
            None => {
                reading = shared.1.wait(reading).unwrap_or_else(|e| e.into_inner());
            }
        }
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, Reading> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}
