//! Starting many async watches without a thundering herd: a batch at a time,
//! each batch waiting until its watches have made their first poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many watches have finished their first poll, and how many failed it.
#[derive(Debug, Default)]
pub struct FirstPolls {
    ready: AtomicUsize,
    failed: AtomicUsize,
}

impl FirstPolls {
    /// Records one first poll.
    pub fn record(&self, ok: bool) {
        let counter = if ok { &self.ready } else { &self.failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// First polls done, successful or not.
    pub fn done(&self) -> usize {
        self.ready.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed)
    }

    /// First polls that failed.
    pub fn failed(&self) -> usize {
        self.failed.load(Ordering::Relaxed)
    }
}

/// Calls `start` `n` times, `batch` at a time, waiting between batches until
/// `polls` has heard from every watch started so far.
pub async fn start_in_batches(
    n: usize,
    batch: usize,
    polls: &Arc<FirstPolls>,
    mut start: impl FnMut(Arc<FirstPolls>),
) {
    let mut started = 0;
    while started < n {
        let this_batch = batch.min(n - started);
        for _ in 0..this_batch {
            start(polls.clone());
        }
        started += this_batch;
        while polls.done() < started {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
