//! Waking a watch from outside: something pushed (a webhook delivery) says
//! its job completed, so the watch polls now rather than at the end of its
//! rung.
//!
//! The rules, all here:
//!
//! - A wake moves the watch's wait to now, whatever its rung, but never
//!   before a `Retry-After` the service gave that watch; the client's 429
//!   pause and rate still hold its request back as they hold any other
//!   (the watch asks the client before each send).
//! - A wake never ends a watch: the answer to the poll it brings does. A
//!   forged or replayed wake costs at most that one request.
//! - A wake that comes while the watch is not waiting (a request on the
//!   wire, events still to hand on) counts for the next wait: the answer
//!   on the wire may predate the completion, so that wait is cut short. A
//!   request sent after the wake answers it: a fetch handed out clears it.
//! - A wake after the watch ended does nothing.
//!
//! The watch and its client reach one [`Bell`]: the watch's driver owns
//! the watch, so a wake from another thread cannot touch it; it rings the
//! bell, which the watch reads at its next step. The bell also holds the
//! driver's [`Waker`], called when a wake moves a wait: the driver's sleep
//! ends, it steps again, and the watch answers with the fetch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Instant;

use crate::{ClientState, JobId, Service};

/// The part of a watch a wake from outside reaches.
#[derive(Debug, Default)]
pub(crate) struct Bell {
    state: Mutex<BellState>,
}

#[derive(Debug, Default)]
struct BellState {
    /// While a wait is out: what a wake may do to it.
    waiting: Option<Waiting>,
    /// A wake came while no wait was out: the next wait is cut short.
    woken: bool,
    ended: bool,
    /// Called when a wake moves the wait out.
    waker: Option<Waker>,
    /// No wake brings the next poll before this: the `Retry-After` of the
    /// last answer, if it had one. Here rather than in the watch: a
    /// waiting watch's memory is its bill.
    not_before: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    /// The instant the wait was handed out with.
    handed: Instant,
    /// Its instant now: `handed`, or earlier after a wake.
    until: Instant,
    /// No wake brings the poll before this (a `Retry-After`).
    earliest: Instant,
}

impl Bell {
    /// A wake at `now`; false once the watch has ended.
    pub(crate) fn wake(&self, now: Instant) -> bool {
        let mut state = self.lock();
        if state.ended {
            return false;
        }
        let mut ring = None;
        match &mut state.waiting {
            Some(waiting) => {
                let at = now.max(waiting.earliest);
                if at < waiting.until {
                    waiting.until = at;
                    ring = state.waker.clone();
                }
            }
            None => state.woken = true,
        }
        drop(state);
        if let Some(waker) = ring {
            waker.wake();
        }
        true
    }

    /// The answer at hand asked the watch not to come back before `at`
    /// (a `Retry-After`), or, `None`, set no such bound.
    pub(crate) fn not_before(&self, at: Option<Instant>) {
        self.lock().not_before = at;
    }

    /// The watch hands out a wait until `until` at `now`: the instant to
    /// hand out (cut short by a wake that came while no wait was out). No
    /// wake brings it before the answer's `Retry-After`, nor before
    /// `until` itself when `hold` (the client holds every watch back).
    pub(crate) fn hand_out_wait(&self, now: Instant, until: Instant, hold: bool) -> Instant {
        let mut state = self.lock();
        let earliest = match (hold, state.not_before) {
            (true, _) => until,
            (false, Some(at)) => at.max(now),
            (false, None) => now,
        };
        let mut waiting = Waiting {
            handed: until,
            until,
            earliest,
        };
        if std::mem::take(&mut state.woken) {
            waiting.until = until.min(now.max(earliest));
        }
        state.waiting = Some(waiting);
        waiting.until
    }

    /// The driver steps at `now` after a wait: the instant to go on waiting
    /// for, when a wake moved the wait to an instant still ahead (a
    /// `Retry-After`); otherwise the wait is over (however early: a sleeper
    /// may return at once, and the poll after a wait is earned).
    pub(crate) fn wait_over(&self, now: Instant) -> Option<Instant> {
        let mut state = self.lock();
        let waiting = state.waiting.take()?;
        if waiting.until < waiting.handed && now < waiting.until {
            // Handed out anew: moved from here on means moved again.
            state.waiting = Some(Waiting {
                handed: waiting.until,
                ..waiting
            });
            return Some(waiting.until);
        }
        None
    }

    /// A fetch is handed out: it goes out after every wake so far.
    pub(crate) fn fetching(&self) {
        self.lock().woken = false;
    }

    /// The watch ended: wakes do nothing from now on.
    pub(crate) fn end(&self) {
        let mut state = self.lock();
        state.ended = true;
        state.waiting = None;
        state.waker = None;
    }

    /// The instant the wait out ends, as wakes moved it.
    pub(crate) fn waiting_until(&self) -> Option<Instant> {
        self.lock().waiting.map(|waiting| waiting.until)
    }

    /// Whether a wake moved the wait out since it was handed out.
    pub(crate) fn moved(&self) -> bool {
        self.lock()
            .waiting
            .is_some_and(|waiting| waiting.until < waiting.handed)
    }

    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut state = self.lock();
        if !state.ended && !state.waker.as_ref().is_some_and(|old| old.will_wake(waker)) {
            state.waker = Some(waker.clone());
        }
    }

    /// A bell in the same state, with no waker (a clone of a watch has a driver of its own).
    fn copy(&self) -> Self {
        let state = self.lock();
        Self {
            state: Mutex::new(BellState {
                waiting: state.waiting,
                woken: state.woken,
                ended: state.ended,
                waker: None,
                not_before: state.not_before,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BellState> {
        // Every update leaves the state whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The running watches of one client by job, so that a wake for a job
/// reaches every watch of it.
#[derive(Debug, Default)]
pub(crate) struct Running {
    watches: HashMap<(Service, JobId), Vec<Arc<Bell>>>,
}

/// A client's [`Running`] watches (shared by the states `ClientState::named` makes).
pub(crate) type SharedRunning = Arc<Mutex<Running>>;

/// Wakes every running watch of `job` in `running`: whether there was one.
pub(crate) fn wake_job(
    running: &Mutex<Running>,
    service: &Service,
    job: &JobId,
    now: Instant,
) -> bool {
    // Copied out: a waker runs with no lock held.
    let bells = lock(running)
        .watches
        .get(&(service.clone(), job.clone()))
        .cloned()
        .unwrap_or_default();
    bells
        .iter()
        .fold(false, |woken, bell| bell.wake(now) | woken)
}

fn lock(running: &Mutex<Running>) -> MutexGuard<'_, Running> {
    running.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A watch's bell, its name for wakes, and its place among its client's
/// running watches while it has one: left when the watch ends or is dropped.
#[derive(Debug, Default)]
pub(crate) struct Wakes {
    bell: Arc<Bell>,
    listing: Option<Box<Listing>>,
}

/// What a watch is listed under, and where. Boxed: a waiting watch's
/// memory is its bill.
#[derive(Debug)]
struct Listing {
    key: (Service, JobId),
    /// The client the watch is listed in, once it joined one.
    client: Option<ClientState>,
}

impl Wakes {
    pub(crate) fn bell(&self) -> &Bell {
        &self.bell
    }

    /// Names the watch for wakes: its job of `service`.
    pub(crate) fn name(&mut self, service: Service, job: JobId) {
        self.unlist();
        self.listing = Some(Box::new(Listing {
            key: (service, job),
            client: None,
        }));
    }

    /// Whether the watch has a name for wakes.
    pub(crate) fn named(&self) -> bool {
        self.listing.is_some()
    }

    /// Lists the watch among `client`'s running watches under its name,
    /// if it has one.
    pub(crate) fn list(&mut self, client: &ClientState) {
        self.unlist();
        let Some(listing) = self.listing.as_mut() else {
            return;
        };
        lock(client.running())
            .watches
            .entry(listing.key.clone())
            .or_default()
            .push(self.bell.clone());
        listing.client = Some(client.clone());
    }

    /// The watch ended: no wake reaches it any more.
    pub(crate) fn end(&mut self) {
        self.bell.end();
        self.unlist();
    }

    fn unlist(&mut self) {
        let Some(listing) = self.listing.as_mut() else {
            return;
        };
        let Some(client) = listing.client.take() else {
            return;
        };
        let mut running = lock(client.running());
        if let Some(bells) = running.watches.get_mut(&listing.key) {
            bells.retain(|bell| !Arc::ptr_eq(bell, &self.bell));
            if bells.is_empty() {
                running.watches.remove(&listing.key);
            }
        }
    }
}

impl Clone for Wakes {
    /// A bell of its own, listed as the original is: a wake reaches both.
    fn clone(&self) -> Self {
        let mut copy = Self {
            bell: Arc::new(self.bell.copy()),
            listing: None,
        };
        if let Some(listing) = &self.listing {
            let (service, job) = listing.key.clone();
            copy.name(service, job);
            if let Some(client) = &listing.client {
                copy.list(client);
            }
        }
        copy
    }
}

impl Drop for Wakes {
    fn drop(&mut self) {
        self.unlist();
    }
}
