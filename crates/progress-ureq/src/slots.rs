//! The blocking side of `max_in_flight`: a counting semaphore on a condvar,
//! shared by every thread that uses one client. The model decides the number;
//! waiting for a slot is this adapter's job.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The free slots of one client.
#[derive(Debug)]
pub(crate) struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// A slot held while a request is in flight; dropping it frees the slot.
#[derive(Debug)]
pub(crate) struct Slot(Arc<Slots>);

impl Slots {
    pub(crate) fn new(count: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(count),
            freed: Condvar::new(),
        })
    }

    /// Takes a slot, waiting at most `limit` (no limit when `None`) for one
    /// to be freed. `None` when the limit passed first: nothing was taken.
    pub(crate) fn take(self: &Arc<Self>, limit: Option<Duration>) -> Option<Slot> {
        let until = limit.and_then(|limit| Instant::now().checked_add(limit));
        let mut free = self.lock();
        while *free == 0 {
            free = match until {
                None => self.freed.wait(free).unwrap_or_else(|e| e.into_inner()),
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.freed
                        .wait_timeout(free, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        *free -= 1;
        Some(Slot(self.clone()))
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        // A count cannot be left half-written by a panic.
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.lock() += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_client_makes_the_next_sender_wait_until_a_slot_is_freed() {
        let slots = Slots::new(1);
        let held = slots.take(None).unwrap();
        // No slot within the limit: nothing is taken.
        assert!(slots.take(Some(Duration::from_millis(20))).is_none());
        let waiter = {
            let slots = slots.clone();
            std::thread::spawn(move || slots.take(None).is_some())
        };
        drop(held);
        assert!(waiter.join().unwrap());
        // The waiter's slot was freed when its guard dropped: one is free again.
        assert!(slots.take(Some(Duration::ZERO)).is_some());
    }
}
