//! The async side of `max_in_flight`: an async-lock semaphore, which waits
//! the same on tokio, async-std and smol. The model decides the number;
//! waiting for a slot is this adapter's job.

use std::sync::Arc;
use std::time::Duration;

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures_util::future::{Either, select};

use crate::sleeper::AsyncSleeper;

/// The free slots of one client, shared by its clones and every watch.
#[derive(Debug, Clone)]
pub(crate) struct Slots {
    slots: Arc<Semaphore>,
}

impl Slots {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(count)),
        }
    }

    /// A slot to send in, waiting at most `limit` (the time left before the
    /// deadline) when none is free; `None` when the limit passed first.
    /// Dropping the future while it waits takes nothing: async-lock's acquire
    /// is cancel-safe.
    pub(crate) async fn take(
        &self,
        limit: Option<Duration>,
        sleeper: &dyn AsyncSleeper,
    ) -> Option<SemaphoreGuardArc> {
        if let Some(slot) = self.slots.try_acquire_arc() {
            // Free at once: no timer, so a test sleeper records no wait.
            return Some(slot);
        }
        let acquire = std::pin::pin!(self.slots.acquire_arc());
        let Some(limit) = limit else {
            return Some(acquire.await);
        };
        match select(acquire, sleeper.sleep(limit)).await {
            Either::Left((slot, _)) => Some(slot),
            Either::Right(((), _)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    /// A sleeper whose waits never end: only a freed slot ends a wait.
    fn never(_: Duration) -> std::future::Pending<()> {
        std::future::pending()
    }

    #[test]
    fn a_watch_dropped_while_queued_frees_nothing_it_did_not_take() {
        let slots = Slots::new(1);
        let held = slots.take(None, &never).now_or_never().flatten();
        assert!(held.is_some(), "the first slot is free");
        {
            // Queued behind the held slot, with and without a deadline, then dropped.
            let mut queued = Box::pin(slots.take(Some(Duration::from_secs(30)), &never));
            assert!((&mut queued).now_or_never().is_none());
            let mut unbounded = Box::pin(slots.take(None, &never));
            assert!((&mut unbounded).now_or_never().is_none());
        }
        drop(held);
        // Exactly the one slot is back: one taker gets it, the next waits.
        let again = slots.take(None, &never).now_or_never().flatten();
        assert!(again.is_some());
        assert!(Box::pin(slots.take(None, &never)).now_or_never().is_none());
    }
}
