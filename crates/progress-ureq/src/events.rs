//! The blocking watches: the adapter loop of the design around
//! [`Watch::step`], for one job ([`EventWatch`], [`ProgressWatch`]); many
//! jobs at once run the same step on workers ([`crate::many`]).

use std::iter::FusedIterator;
use std::time::Instant;

use progress_model::{Error, Event, EventKind, Progress, Step, Watch};

use crate::cancel::CancelHandle;
use crate::client::Client;

/// Does what one step of a watch asks, except waiting: sends a request
/// (in a slot of the client's `max_in_flight`) and feeds the answer back.
/// Returns the instant to wait for, or the event to hand on.
pub(crate) fn run_step(
    client: &Client,
    machine: &mut Watch,
    cancel: &CancelHandle,
) -> Result<Event, Instant> {
    run_from(client, machine, cancel, None)
}

/// [`run_step`], from `first`, a step the caller already took: a set takes
/// each due watch's step on its own thread, in the order the watches are
/// due, so that the client's rate goes to them in that order and not in
/// the order its workers happen to run.
pub(crate) fn run_from(
    client: &Client,
    machine: &mut Watch,
    cancel: &CancelHandle,
    mut first: Option<Step>,
) -> Result<Event, Instant> {
    let clock = &client.parts.clock;
    loop {
        if cancel.is_cancelled() {
            machine.cancel();
        }
        let step = match first.take() {
            Some(step) => step,
            None => machine.step(clock.now()),
        };
        match step {
            Step::Fetch(fetch) => {
                // The token before the slot: a slow identity service holds none.
                let token = client.token(&fetch);
                let asked = clock.now();
                let slot = (!cancel.is_cancelled())
                    .then(|| {
                        let slots = &client.slots;
                        slots.take(
                            fetch.one_at_a_time,
                            fetch.queue_until,
                            clock.as_ref(),
                            cancel,
                        )
                    })
                    .flatten();
                let Some(slot) = slot else {
                    // Cancelled while queued: the loop's first check ends the watch.
                    if !cancel.is_cancelled() {
                        machine.on_no_slot(clock.now());
                    }
                    continue;
                };
                if !machine.on_slot(clock.now()) {
                    continue; // paused while queued: the slot goes back
                }
                let fetch = fetch.after_waiting(clock.now().saturating_duration_since(asked));
                let result = client.send(&fetch, token);
                drop(slot);
                machine.on_response(clock.now(), clock.wall(), result);
            }
            Step::Wait(until) => return Err(until),
            Step::Event(event) => return Ok(client.parts.hand_on(machine, event)),
        }
    }
}

/// The events of one watch, each naming its job; see [`Client::watch_events`].
/// Ends after `Finished`. Dropping it stops the watch.
#[derive(Debug)]
pub struct EventWatch {
    client: Client,
    machine: Watch,
    cancel: CancelHandle,
    finished: bool,
}

impl EventWatch {
    pub(crate) fn new(client: Client, machine: Watch) -> Self {
        let cancel = CancelHandle::default();
        machine.set_waker(&cancel.waker());
        Self {
            client,
            machine,
            cancel,
            finished: false,
        }
    }

    /// A handle that ends this watch from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Drives the watch to its end and returns how it ended.
    pub fn outcome(self) -> Result<Progress, Error> {
        for event in self {
            if let EventKind::Finished(outcome) = event.kind {
                return outcome;
            }
        }
        Err(Error::cancelled()) // unreachable: a watch always ends with Finished
    }
}

impl Iterator for EventWatch {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.finished {
            return None;
        }
        loop {
            match run_step(&self.client, &mut self.machine, &self.cancel) {
                Ok(event) => {
                    self.finished = event.is_final();
                    return Some(event);
                }
                Err(until) => self.client.sleep_out(until, &self.machine, &self.cancel),
            }
        }
    }
}

impl FusedIterator for EventWatch {}

/// The observations of one watch; see [`Client::watch`]: each progress, then
/// the error that ended the watch if any. Dropping it stops the watch.
#[derive(Debug)]
pub struct ProgressWatch {
    events: EventWatch,
}

impl ProgressWatch {
    pub(crate) fn new(events: EventWatch) -> Self {
        Self { events }
    }

    /// A handle that ends this watch from another thread: a sleeping watch
    /// wakes at once and yields [`Error::Cancelled`].
    pub fn cancel_handle(&self) -> CancelHandle {
        self.events.cancel_handle()
    }

    /// Drives the watch to its end and returns how it ended.
    pub fn outcome(self) -> Result<Progress, Error> {
        self.events.outcome()
    }
}

impl Iterator for ProgressWatch {
    type Item = Result<Progress, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.events.find_map(Event::into_observation)
    }
}

impl FusedIterator for ProgressWatch {}
