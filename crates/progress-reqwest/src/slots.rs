//! The async side of the watches' shared state: the client's [`ClientState`]
//! (decided in the model) and the slots of `max_in_flight`, an async-lock
//! semaphore, which waits the same on tokio, async-std and smol.

use std::sync::Arc;
use std::time::Duration;

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures_util::future::{Either, select};
use progress_model::ClientState;

use crate::sleeper::AsyncSleeper;

/// What every watch of one async client shares.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    /// The 429 pause, the client-side rate, the jitter.
    pub(crate) state: ClientState,
    slots: Arc<Semaphore>,
}

impl Shared {
    pub(crate) fn new(state: ClientState) -> Self {
        let slots = Arc::new(Semaphore::new(state.max_in_flight()));
        Self { state, slots }
    }

    /// A slot to send in, waiting at most `limit` (the time left before the
    /// deadline) when none is free; `None` when the limit passed first.
    /// Dropping the future while it waits takes nothing: async-lock's acquire
    /// is cancel-safe.
    pub(crate) async fn slot(
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
