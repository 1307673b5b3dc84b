//! How many progress requests the simulator is answering at once, and the
//! most so far: what a client's `max_in_flight` looks like from the server.

use std::sync::atomic::{AtomicU64, Ordering};

/// The requests being answered now, and the peak.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    now: AtomicU64,
    most: AtomicU64,
}

/// One request being answered; dropping it (the answer is on its way, or
/// the client went away) ends it.
#[derive(Debug)]
pub(crate) struct Answering<'a>(&'a InFlight);

impl InFlight {
    /// A request arrived: counted until the guard is dropped.
    pub(crate) fn start(&self) -> Answering<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Answering(self)
    }

    pub(crate) fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    pub(crate) fn most(&self) -> u64 {
        self.most.load(Ordering::SeqCst)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}
