//! The blocking side of `max_in_flight`: a counting semaphore on a condvar,
//! shared by every thread that uses one client. The model decides the
//! number, and when the client sends one request at a time (after a 429):
//! then a fetch also takes the single slot. Waiting is this adapter's job.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use progress_model::Clock;

use crate::CancelHandle;

/// How often a watch queued for a slot looks at its cancel handle.
const CANCEL_CHECK: Duration = Duration::from_millis(20);

/// The free slots of one client.
#[derive(Debug)]
pub(crate) struct Slots {
    free: Mutex<Free>,
    freed: Condvar,
}

#[derive(Debug)]
struct Free {
    slots: usize,
    /// The single slot of a client sending one request at a time is free.
    alone: bool,
}

/// The slots held while a request is in flight; dropping it frees them.
#[derive(Debug)]
pub(crate) struct Slot {
    slots: Arc<Slots>,
    alone: bool,
}

impl Slots {
    pub(crate) fn new(count: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(Free {
                slots: count,
                alone: true,
            }),
            freed: Condvar::new(),
        })
    }

    /// Takes a slot (and the single one too when `one_at_a_time`), waiting
    /// until `until` on `clock` at most (no limit when `None`) for them to be
    /// freed. `None` when that instant passed or `cancel` was raised first:
    /// nothing was taken.
    ///
    /// A cancel raised while the watch waits here is seen within
    /// [`CANCEL_CHECK`]: the handle's condvar is not this one, and a thread
    /// waits on one condvar at a time.
    pub(crate) fn take(
        self: &Arc<Self>,
        one_at_a_time: bool,
        until: Option<Instant>,
        clock: &dyn Clock,
        cancel: &CancelHandle,
    ) -> Option<Slot> {
        let mut free = self.lock();
        while free.slots == 0 || (one_at_a_time && !free.alone) {
            if cancel.is_cancelled() {
                return None;
            }
            let left = until.map(|until| until.saturating_duration_since(clock.now()));
            if left.is_some_and(|left| left.is_zero()) {
                return None;
            }
            let wait = left.map_or(CANCEL_CHECK, |left| left.min(CANCEL_CHECK));
            free = self
                .freed
                .wait_timeout(free, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        free.slots -= 1;
        free.alone &= !one_at_a_time;
        Some(Slot {
            slots: self.clone(),
            alone: one_at_a_time,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Free> {
        // Counts cannot be left half-written by a panic.
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut free = self.slots.lock();
        free.slots += 1;
        free.alone |= self.alone;
        drop(free);
        // Waiters wait for different things (any slot, or the single one):
        // each checks again.
        self.slots.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_model::SystemClock;

    /// Takes slots within `limit` of real time, for a watch nobody cancels.
    fn take(slots: &Arc<Slots>, one_at_a_time: bool, limit: Option<Duration>) -> Option<Slot> {
        let until = limit.map(|limit| Instant::now() + limit);
        slots.take(one_at_a_time, until, &SystemClock, &CancelHandle::default())
    }

    /// A thread queued for slots with no limit: whether it got them.
    fn waiter(
        slots: &Arc<Slots>,
        one_at_a_time: bool,
        cancel: &CancelHandle,
    ) -> std::thread::JoinHandle<bool> {
        let (slots, cancel) = (slots.clone(), cancel.clone());
        std::thread::spawn(move || {
            slots
                .take(one_at_a_time, None, &SystemClock, &cancel)
                .is_some()
        })
    }

    #[test]
    fn a_full_client_makes_the_next_sender_wait_until_a_slot_is_freed() {
        let slots = Slots::new(1);
        let held = take(&slots, false, None).unwrap();
        // No slot within the limit: nothing is taken.
        assert!(take(&slots, false, Some(Duration::from_millis(20))).is_none());
        let waiter = waiter(&slots, false, &CancelHandle::default());
        drop(held);
        assert!(waiter.join().unwrap());
        // The waiter's slot was freed when its guard dropped: one is free again.
        assert!(take(&slots, false, Some(Duration::ZERO)).is_some());
    }

    #[test]
    fn a_cancel_ends_the_wait_for_a_slot_and_takes_nothing() {
        let slots = Slots::new(1);
        let held = take(&slots, false, None).unwrap();
        let cancel = CancelHandle::default();
        let waiter = waiter(&slots, false, &cancel);
        let asked = Instant::now();
        cancel.cancel();
        assert!(!waiter.join().unwrap(), "no slot for a cancelled watch");
        let took = asked.elapsed();
        assert!(took < Duration::from_secs(2), "{took:?}");
        drop(held);
        // The cancelled waiter took nothing: the one slot is free.
        assert!(take(&slots, false, Some(Duration::ZERO)).is_some());
    }

    #[test]
    fn one_at_a_time_a_second_sender_waits_with_slots_to_spare() {
        let slots = Slots::new(32);
        let alone = take(&slots, true, None).unwrap();
        assert!(take(&slots, true, Some(Duration::ZERO)).is_none());
        // A fetch asked before the 429 still takes one of the 32.
        assert!(take(&slots, false, Some(Duration::ZERO)).is_some());
        let waiter = waiter(&slots, true, &CancelHandle::default());
        drop(alone);
        assert!(waiter.join().unwrap());
        assert!(take(&slots, true, Some(Duration::ZERO)).is_some());
    }
}
