//! What the runner does at instants of the client's clock: a vector's
//! deliveries (completions pushed, as a webhook receiver would hand them
//! to `notify_completed`) and its `live` steps (calls on a set's handle).
//!
//! The sleepers (the recorder's, the virtual time's) end a sleep at the
//! first of them it would pass, move the clock to it and make it. While a
//! live set holds no watch, nothing sleeps: a thread of the runner's makes
//! them then ([`crate::live_reader`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use progress_model::{JobId, ManualClock, Service};
use serde_json::Value;

use crate::live::{self, SetHandle};
use crate::live_step::LiveAction;
use crate::vector::Vector;

/// How a delivery reaches the client under test: its `notify_completed`.
type Notifier = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The deliveries and steps still to make, and what each one made returned.
/// Clones share them.
#[derive(Clone, Default)]
pub struct Schedule(Arc<Inner>);

#[derive(Default)]
struct Inner {
    pending: Mutex<VecDeque<(Duration, Due)>>,
    /// Both let go of at the end: each holds a client, whose sleeper may
    /// hold this schedule.
    notifier: Mutex<Option<Notifier>>,
    set: Mutex<Option<Arc<dyn SetHandle>>>,
    /// A `close` step was made.
    closed: AtomicBool,
    /// How many inserts started a watch.
    started: AtomicUsize,
    made: Mutex<Made>,
}

/// One thing to do at an instant.
#[derive(Debug, Clone)]
enum Due {
    Delivery(String),
    /// The step's place among the vector's steps, and the step.
    Step(usize, LiveAction),
}

/// What making one thing did to the watches, for a sleeper that decides
/// whether the clock may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: the watches sleep on as they were.
    Nothing,
    /// A watch was woken (a delivery reached it, a removal ends it): it
    /// runs before the clock moves again.
    Woke,
    /// A watch was started (an insert): it runs before the clock moves again.
    Started,
}

/// What the schedule made, and what it never reached.
#[derive(Debug, Clone, Default)]
pub struct Made {
    /// Each delivery made, by job, with what `notify_completed` returned.
    pub deliveries: Vec<(String, bool)>,
    /// What each `live` step's call returned, by its place (`null` for
    /// `close`); `None` for a step never made.
    pub steps: Vec<Option<Value>>,
    /// The deliveries never made.
    pub undelivered: usize,
    /// The steps never made.
    pub steps_not_made: usize,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("pending", &*lock(&self.0.pending))
            .finish_non_exhaustive()
    }
}

impl Schedule {
    /// The deliveries and steps `vector` scripts, in the order of their
    /// instants (a delivery before a step at the same instant).
    pub fn of(vector: &Vector) -> Self {
        let deliveries = vector
            .deliveries
            .iter()
            .map(|delivery| (delivery.at.0, Due::Delivery(delivery.job_id.clone())));
        let steps = vector
            .live
            .iter()
            .enumerate()
            .map(|(index, step)| (step.at.0, Due::Step(index, step.action.clone())));
        let mut pending: Vec<_> = deliveries.chain(steps).collect();
        pending.sort_by_key(|(at, _)| *at); // stable: each kind keeps its order
        let made = Made {
            steps: vec![None; vector.live.len()],
            ..Made::default()
        };
        Self(Arc::new(Inner {
            pending: Mutex::new(pending.into()),
            made: Mutex::new(made),
            ..Inner::default()
        }))
    }

    /// Hands each delivery for `service` to `notify` (the client's
    /// `notify_completed`); a job id the client would refuse is not delivered.
    pub fn deliver_to(
        &self,
        service: Service,
        notify: impl Fn(Service, &JobId) -> bool + Send + Sync + 'static,
    ) {
        let notify =
            move |job: &str| JobId::new(job).is_ok_and(|job| notify(service.clone(), &job));
        *lock(&self.0.notifier) = Some(Arc::new(notify));
    }

    /// Makes each step on `set` (the client's handle of a live set).
    pub fn steps_on(&self, set: impl SetHandle + 'static) {
        *lock(&self.0.set) = Some(Arc::new(set));
    }

    /// The instant of the next delivery or step, if it comes by `until` (of
    /// the clock's elapsed time) and the client can take it.
    pub fn next_by(&self, until: Duration) -> Option<Duration> {
        let (at, ready) = {
            let pending = lock(&self.0.pending);
            let (at, due) = pending.front()?;
            let ready = match due {
                Due::Delivery(_) => lock(&self.0.notifier).is_some(),
                Due::Step(..) => self.set().is_some(),
            };
            (*at, ready)
        };
        Some(at).filter(|at| ready && *at <= until)
    }

    /// Makes the next delivery or step; says what that did to the watches.
    pub fn make_next(&self) -> Effect {
        let Some((_, due)) = lock(&self.0.pending).pop_front() else {
            return Effect::Nothing;
        };
        match due {
            Due::Delivery(job) => {
                let notifier = lock(&self.0.notifier).clone();
                let woken = notifier.is_some_and(|notify| notify(&job));
                lock(&self.0.made).deliveries.push((job, woken));
                if woken { Effect::Woke } else { Effect::Nothing }
            }
            Due::Step(index, action) => {
                let Some(set) = self.set() else {
                    return Effect::Nothing;
                };
                if action == LiveAction::Close {
                    self.0.closed.store(true, Ordering::Release);
                }
                let (returned, effect) = live::perform(&action, set.as_ref());
                if effect == Effect::Started {
                    self.0.started.fetch_add(1, Ordering::AcqRel);
                }
                // By place: a thread's step and a sleeper's may end in either order.
                if let Some(slot) = lock(&self.0.made).steps.get_mut(index) {
                    *slot = Some(returned);
                }
                effect
            }
        }
    }

    /// How many inserts started a watch so far.
    pub fn started(&self) -> usize {
        self.0.started.load(Ordering::Acquire)
    }

    /// Whether the live set is open (no `close` made) and holds no watch.
    pub fn set_is_open_and_empty(&self) -> bool {
        !self.0.closed.load(Ordering::Acquire) && self.set().is_some_and(|set| set.is_empty())
    }

    /// Once the events have ended: every step left, each at its instant
    /// (an insert after the end returns what it returns then).
    pub fn make_rest(&self, clock: &ManualClock) {
        while self.make_at_its_instant(clock).is_some() {}
    }

    /// Moves `clock` to the next thing due (never back) and makes it;
    /// `None` when nothing is left.
    pub fn make_at_its_instant(&self, clock: &ManualClock) -> Option<Effect> {
        let at = self.next_by(Duration::MAX)?;
        let now = clock.elapsed();
        clock.advance(at.saturating_sub(now));
        Some(self.make_next())
    }

    fn set(&self) -> Option<Arc<dyn SetHandle>> {
        lock(&self.0.set).clone()
    }

    /// Lets go of the client's set handle and `notify_completed`: the run
    /// is over, and the client may hold this schedule (its sleeper does).
    pub fn release(&self) {
        lock(&self.0.set).take();
        lock(&self.0.notifier).take();
    }

    /// What was made, and how much was not.
    pub fn made(&self) -> Made {
        let mut made = lock(&self.0.made).clone();
        for (_, due) in lock(&self.0.pending).iter() {
            match due {
                Due::Delivery(_) => made.undelivered += 1,
                Due::Step(..) => made.steps_not_made += 1,
            }
        }
        made
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
