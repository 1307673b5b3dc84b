//! The blocking side of `max_in_flight`: slots handed out first come, first
//! served, to threads that wait on a condvar each, shared by every thread
//! that uses one client. The model decides the number, and when the client
//! sends one request at a time (after a 429): then a fetch also takes the
//! single slot. Waiting is this adapter's job.
//!
//! A freed slot is handed to the first waiter that can use it and wakes that
//! one only (a waiter for the single slot, while it is held, lets the ones
//! behind it go first). Nobody polls: a waiter sleeps until it is handed a
//! slot, its limit passes, or its cancel handle wakes it.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Instant;

use progress_model::Clock;

use crate::cancel::{CancelHandle, WakeAll};

/// The free slots of one client, and who waits for them.
#[derive(Debug)]
pub(crate) struct Slots {
    queue: Mutex<Queue>,
}

#[derive(Debug)]
struct Queue {
    free: usize,
    /// The single slot of a client sending one request at a time is free.
    alone_free: bool,
    /// The threads waiting, first come first.
    waiting: VecDeque<Waiter>,
    next_ticket: u64,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    /// Wants the single slot too.
    alone: bool,
    /// Handed its slots; they are counted as taken.
    granted: bool,
    wake: Arc<Condvar>,
}

/// The slots held while a request is in flight; dropping it frees them.
#[derive(Debug)]
pub(crate) struct Slot {
    slots: Arc<Slots>,
    alone: bool,
}

impl Queue {
    /// Hands the free slots to the waiters that can use them, in order, and
    /// wakes each one served.
    fn hand_out(&mut self) {
        let Self {
            free,
            alone_free,
            waiting,
            ..
        } = self;
        for waiter in waiting.iter_mut().filter(|waiter| !waiter.granted) {
            if *free == 0 {
                break;
            }
            if waiter.alone && !*alone_free {
                continue;
            }
            *free -= 1;
            *alone_free &= !waiter.alone;
            waiter.granted = true;
            waiter.wake.notify_one();
        }
    }

    fn give_back(&mut self, alone: bool) {
        self.free += 1;
        self.alone_free |= alone;
        self.hand_out();
    }

    /// Takes `ticket`'s waiter out of the line.
    fn leave(&mut self, ticket: u64) -> Option<Waiter> {
        let index = self.waiting.iter().position(|w| w.ticket == ticket)?;
        self.waiting.remove(index)
    }
}

impl Slots {
    pub(crate) fn new(count: usize) -> Arc<Self> {
        Arc::new(Self {
            queue: Mutex::new(Queue {
                free: count,
                alone_free: true,
                waiting: VecDeque::new(),
                next_ticket: 0,
            }),
        })
    }

    /// Takes a slot (and the single one too when `one_at_a_time`), waiting
    /// in line until `until` on `clock` at most (no limit when `None`).
    /// `None` when that instant passed or `cancel` was raised first: nothing
    /// was taken. A cancel wakes the wait at once.
    pub(crate) fn take(
        self: &Arc<Self>,
        one_at_a_time: bool,
        until: Option<Instant>,
        clock: &dyn Clock,
        cancel: &CancelHandle,
    ) -> Option<Slot> {
        let line: Weak<Self> = Arc::downgrade(self);
        cancel.wakes(line);
        let mut queue = self.lock();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        let wake = Arc::new(Condvar::new());
        queue.waiting.push_back(Waiter {
            ticket,
            alone: one_at_a_time,
            granted: false,
            wake: wake.clone(),
        });
        queue.hand_out();
        loop {
            let granted = queue
                .waiting
                .iter()
                .any(|waiter| waiter.ticket == ticket && waiter.granted);
            let left = until.map(|until| until.saturating_duration_since(clock.now()));
            let gave_up = cancel.is_cancelled() || (!granted && left.is_some_and(|l| l.is_zero()));
            if granted || gave_up {
                queue.leave(ticket);
                if gave_up {
                    if granted {
                        queue.give_back(one_at_a_time);
                    }
                    return None;
                }
                return Some(Slot {
                    slots: self.clone(),
                    alone: one_at_a_time,
                });
            }
            // Woken when handed a slot or cancelled; spurious wakeups and
            // the limit are checked above.
            queue = match left {
                Some(left) => {
                    let waited = wake.wait_timeout(queue, left);
                    waited.unwrap_or_else(|e| e.into_inner()).0
                }
                None => wake.wait(queue).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    /// How many threads wait in line.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Counts cannot be left half-written by a panic.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.lock().give_back(self.alone);
    }
}

impl WakeAll for Slots {
    fn wake_all(&self) {
        for waiter in &self.lock().waiting {
            waiter.wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_model::SystemClock;
    use std::time::Duration;

    /// Until `count` threads wait in line (they queue in the order started).
    fn until_waiting(slots: &Slots, count: usize) {
        while slots.waiting() < count {
            std::thread::yield_now();
        }
    }

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
        // Queued with no limit: only the cancel's wake can end its wait.
        until_waiting(&slots, 1);
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

    #[test]
    fn a_freed_slot_goes_to_the_first_in_line_not_to_whoever_asks_next() {
        let slots = Slots::new(1);
        let held = take(&slots, false, None).unwrap();
        let line = slots.clone();
        // The waiter keeps what it gets until it is joined.
        let first = std::thread::spawn(move || {
            line.take(false, None, &SystemClock, &CancelHandle::default())
        });
        until_waiting(&slots, 1);
        drop(held);
        // The thread that freed the slot asks again at once: it is not its turn.
        assert!(take(&slots, false, Some(Duration::ZERO)).is_none());
        assert!(first.join().unwrap().is_some());
    }

    #[test]
    fn waiters_are_served_in_order_one_per_freed_slot() {
        let slots = Slots::new(1);
        let mut held = take(&slots, false, None);
        let (served, order) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let threads: Vec<_> = (0..4)
            .map(|index| {
                let (line, served, released) = (slots.clone(), served.clone(), released.clone());
                let thread = std::thread::spawn(move || {
                    let slot = line.take(false, None, &SystemClock, &CancelHandle::default());
                    served.send(index).unwrap();
                    // Holds its slot until the test lets it go.
                    released.lock().unwrap().recv().unwrap();
                    drop(slot);
                });
                until_waiting(&slots, index + 1);
                thread
            })
            .collect();
        drop(held.take());
        for expected in 0..4 {
            assert_eq!(order.recv().unwrap(), expected);
            // One slot freed, one waiter served: the others still wait.
            assert_eq!(slots.waiting(), 3 - expected);
            release.send(()).unwrap();
        }
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
