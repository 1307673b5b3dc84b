//! The async side of `max_in_flight`: an async-lock semaphore, which waits
//! the same on tokio, async-std and smol. The model decides the number, and
//! when the client sends one request at a time (after a 429): then a fetch
//! also takes the single slot of a second semaphore. Waiting for a slot is
//! this adapter's job.

use std::sync::Arc;
use std::time::Instant;

use async_lock::{Semaphore, SemaphoreGuardArc};
use futures_util::FutureExt;
use futures_util::future::{Either, select};

use progress_model::Clock;

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
    /// waiting until `until` on `clock` at most when none is free; `None`
    /// when that instant passed first. Dropping the future while it waits
    /// takes nothing: async-lock's acquire is cancel-safe.
    ///
    /// The limit is an instant on the client's clock, as the machine's are:
    /// the sleeper only says when to look again, so one that wakes early
    /// (a test's, or a caller's own) cannot end the wait before its time.
    pub(crate) async fn take(
        &self,
        one_at_a_time: bool,
        until: Option<Instant>,
        clock: &dyn Clock,
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
        let Some(until) = until else {
            return Some(both.await);
        };
        loop {
            let left = until.saturating_duration_since(clock.now());
            if left.is_zero() {
                return None;
            }
            match select(both.as_mut(), sleeper.sleep(left)).await {
                Either::Left((slot, _)) => return Some(slot),
                // Woken before the limit: let the others run, then look again.
                Either::Right(((), _)) => yield_once().await,
            }
        }
    }
}

/// Gives the executor one turn: a sleeper that ends at once must not make
/// the wait spin inside one poll.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_model::{ManualClock, SystemClock};
    use std::time::Duration;

    /// Takes slots within `limit` of real time; only a freed slot ends a
    /// wait with no limit.
    fn take(
        slots: &Slots,
        one_at_a_time: bool,
        limit: Option<Duration>,
    ) -> impl Future<Output = Option<Slot>> + '_ {
        let until = limit.map(|limit| Instant::now() + limit);
        slots.take(one_at_a_time, until, &SystemClock, &never)
    }

    /// A sleeper whose waits never end: only a freed slot ends a wait.
    fn never(_: Duration) -> std::future::Pending<()> {
        std::future::pending()
    }

    /// A sleeper that returns at once, moving no clock.
    fn at_once(_: Duration) -> std::future::Ready<()> {
        std::future::ready(())
    }

    #[test]
    fn a_watch_dropped_while_queued_frees_nothing_it_did_not_take() {
        let slots = Slots::new(1);
        let held = take(&slots, false, None).now_or_never().flatten();
        assert!(held.is_some(), "the first slot is free");
        {
            // Queued behind the held slot, with and without a deadline, then dropped.
            let mut queued = Box::pin(take(&slots, false, Some(Duration::from_secs(30))));
            assert!((&mut queued).now_or_never().is_none());
            let mut unbounded = Box::pin(take(&slots, true, None));
            assert!((&mut unbounded).now_or_never().is_none());
        }
        drop(held);
        // Exactly the one slot is back: one taker gets it, the next waits.
        let again = take(&slots, false, None).now_or_never().flatten();
        assert!(again.is_some());
        assert!(Box::pin(take(&slots, false, None)).now_or_never().is_none());
        // The dropped one-at-a-time taker left the single slot free too.
        drop(again);
        assert!(take(&slots, true, None).now_or_never().flatten().is_some());
    }

    #[test]
    fn one_at_a_time_a_second_sender_waits_with_slots_to_spare() {
        let slots = Slots::new(32);
        let alone = take(&slots, true, None).now_or_never().flatten();
        assert!(alone.is_some());
        let mut second = Box::pin(take(&slots, true, None));
        assert!(
            (&mut second).now_or_never().is_none(),
            "waits for the one in flight"
        );
        // A fetch asked before the 429 still takes one of the 32.
        assert!(take(&slots, false, None).now_or_never().flatten().is_some());
        drop(alone);
        assert!((&mut second).now_or_never().flatten().is_some());
    }

    #[test]
    fn a_sleeper_that_wakes_early_cannot_end_the_wait_before_its_instant() {
        let slots = Slots::new(1);
        let held = take(&slots, false, None).now_or_never().flatten();
        assert!(held.is_some());
        let clock = ManualClock::default();
        let until = clock.now() + Duration::from_secs(30);
        let mut queued = Box::pin(slots.take(false, Some(until), &clock, &at_once));
        for _ in 0..3 {
            assert!(
                (&mut queued).now_or_never().is_none(),
                "still waiting: the clock says 30 s are left"
            );
        }
        clock.advance(Duration::from_secs(30));
        assert!(
            matches!((&mut queued).now_or_never(), Some(None)),
            "now the limit passed"
        );
        // A slot freed before the limit is taken, however the sleeper wakes.
        let mut second = Box::pin(slots.take(
            false,
            Some(until + Duration::from_secs(30)),
            &clock,
            &at_once,
        ));
        assert!((&mut second).now_or_never().is_none());
        drop(held);
        assert!(matches!((&mut second).now_or_never(), Some(Some(_))));
    }
}
