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
