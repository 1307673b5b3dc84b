//! The async side of `max_in_flight`: an async-lock semaphore, which waits
//! the same on tokio, async-std and smol. The model decides the number, and
//! when the client sends one request at a time (after a 429): then a fetch
//! also takes the single slot of a second semaphore. Waiting for a slot is
//! this adapter's job.

use std::sync::Arc;
use std::time::Duration;

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures_util::FutureExt;
use futures_util::future::{Either, select};

use crate::sleeper::AsyncSleeper;

/// The free slots of one client, shared by its clones and every watch.
#[derive(Debug, Clone)]
pub(crate) struct Slots {
    slots: Arc<Semaphore>,
    alone: Arc<Semaphore>,
}

/// The slots a request holds while in flight; dropping it frees them.
#[derive(Debug)]
pub(crate) struct Slot {
    _slot: SemaphoreGuardArc,
    _alone: Option<SemaphoreGuardArc>,
}

impl Slots {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(count)),
            alone: Arc::new(Semaphore::new(1)),
        }
    }

    /// A slot to send in (with the single one too when `one_at_a_time`),
    /// waiting at most `limit` (the time left before the deadline) when none
    /// is free; `None` when the limit passed first. Dropping the future
    /// while it waits takes nothing: async-lock's acquire is cancel-safe.
    pub(crate) async fn take(
        &self,
        one_at_a_time: bool,
        limit: Option<Duration>,
        sleeper: &dyn AsyncSleeper,
    ) -> Option<Slot> {
        let both = async {
            // The single slot first: a watch waiting for it holds no other.
            let alone = if one_at_a_time {
                Some(self.alone.acquire_arc().await)
            } else {
                None
            };
            Slot {
                _slot: self.slots.acquire_arc().await,
                _alone: alone,
            }
        };
        let mut both = std::pin::pin!(both);
        if let Some(slot) = both.as_mut().now_or_never() {
            // Free at once: no timer, so a test sleeper records no wait.
            return Some(slot);
        }
        let Some(limit) = limit else {
            return Some(both.await);
        };
        match select(both, sleeper.sleep(limit)).await {
            Either::Left((slot, _)) => Some(slot),
            Either::Right(((), _)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sleeper whose waits never end: only a freed slot ends a wait.
    fn never(_: Duration) -> std::future::Pending<()> {
        std::future::pending()
    }

    #[test]
    fn a_watch_dropped_while_queued_frees_nothing_it_did_not_take() {
        let slots = Slots::new(1);
        let held = slots.take(false, None, &never).now_or_never().flatten();
        assert!(held.is_some(), "the first slot is free");
        {
            // Queued behind the held slot, with and without a deadline, then dropped.
            let mut queued = Box::pin(slots.take(false, Some(Duration::from_secs(30)), &never));
            assert!((&mut queued).now_or_never().is_none());
            let mut unbounded = Box::pin(slots.take(true, None, &never));
            assert!((&mut unbounded).now_or_never().is_none());
        }
        drop(held);
        // Exactly the one slot is back: one taker gets it, the next waits.
        let again = slots.take(false, None, &never).now_or_never().flatten();
        assert!(again.is_some());
        assert!(
            Box::pin(slots.take(false, None, &never))
                .now_or_never()
                .is_none()
        );
        // The dropped one-at-a-time taker left the single slot free too.
        drop(again);
        assert!(
            slots
                .take(true, None, &never)
                .now_or_never()
                .flatten()
                .is_some()
        );
    }

    #[test]
    fn one_at_a_time_a_second_sender_waits_with_slots_to_spare() {
        let slots = Slots::new(32);
        let alone = slots.take(true, None, &never).now_or_never().flatten();
        assert!(alone.is_some());
        let mut second = Box::pin(slots.take(true, None, &never));
        assert!(
            (&mut second).now_or_never().is_none(),
            "waits for the one in flight"
        );
        // A fetch asked before the 429 still takes one of the 32.
        assert!(
            slots
                .take(false, None, &never)
                .now_or_never()
                .flatten()
                .is_some()
        );
        drop(alone);
        assert!((&mut second).now_or_never().flatten().is_some());
    }
}
