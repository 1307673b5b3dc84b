//! A vector's deliveries: completions pushed to the client at instants of
//! its clock, as a webhook receiver would hand them to `notify_completed`.
//!
//! The sleepers (the recorder's, the virtual time's) end a sleep at the
//! first delivery it would pass, move the clock to it and deliver.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::vector::Vector;

/// How a delivery reaches the client under test: its `notify_completed`.
type Notifier = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// The deliveries still to make, and what each one made returned.
#[derive(Clone, Default)]
pub struct Deliveries(Arc<Inner>);

#[derive(Default)]
struct Inner {
    pending: Mutex<VecDeque<(Duration, String)>>,
    notifier: OnceLock<Notifier>,
    made: Mutex<Vec<(String, bool)>>,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("pending", &*lock(&self.0.pending))
            .finish_non_exhaustive()
    }
}

impl Deliveries {
    /// The deliveries `vector` scripts.
    pub fn of(vector: &Vector) -> Self {
        let pending = vector
            .deliveries
            .iter()
            .map(|delivery| (delivery.at.0, delivery.job_id.clone()))
            .collect();
        Self(Arc::new(Inner {
            pending: Mutex::new(pending),
            ..Inner::default()
        }))
    }

    /// Hands each delivery to `notify` (the client's `notify_completed`).
    pub fn deliver_to(&self, notify: impl Fn(&str) -> bool + Send + Sync + 'static) {
        let _ = self.0.notifier.set(Box::new(notify));
    }

    /// The instant of the next delivery, if it comes by `until` (of the
    /// clock's elapsed time) and the client can take it.
    pub fn next_by(&self, until: Duration) -> Option<Duration> {
        self.0.notifier.get()?;
        let pending = lock(&self.0.pending);
        pending.front().map(|(at, _)| *at).filter(|at| *at <= until)
    }

    /// Makes the next delivery: whether a watch of its job ran.
    pub fn deliver_next(&self) -> bool {
        let Some((_, job)) = lock(&self.0.pending).pop_front() else {
            return false;
        };
        let woken = self.0.notifier.get().is_some_and(|notify| notify(&job));
        lock(&self.0.made).push((job, woken));
        woken
    }

    /// The deliveries made, with what each returned; and how many were not.
    pub fn made(&self) -> (Vec<(String, bool)>, usize) {
        (lock(&self.0.made).clone(), lock(&self.0.pending).len())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
