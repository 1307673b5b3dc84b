//! Time for many async watches on one manual clock.
//!
//! A recording sleeper that returns at once suits one watch: each wait moves
//! the clock. Watches running together would add their waits up instead of
//! overlapping them. Here a sleep ends only when every live watch is asleep:
//! then the clock jumps to the earliest wake and those sleepers wake, as a
//! simulator's event loop does. A watch sending a request, or waiting for a
//! slot, is awake, so the clock never moves under a request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use progress_model::{Clock, ManualClock};

use crate::schedule::{Effect, Schedule};

/// Shared by the sleepers of one run. Clones share the same time.
#[derive(Clone)]
pub struct VirtualTime {
    clock: ManualClock,
    state: Arc<Mutex<State>>,
    /// Told of each jump, to move another clock along (a simulator's).
    on_advance: Arc<dyn Fn(Duration) + Send + Sync>,
    /// Deliveries and live steps, made at instants of the clock.
    schedule: Schedule,
}

impl std::fmt::Debug for VirtualTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualTime")
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct State {
    /// Watches not finished yet.
    live: usize,
    /// Sleepers waiting for the clock, with the instant they wait for.
    asleep: Vec<(Instant, Arc<Mutex<Wake>>)>,
}

#[derive(Debug, Default)]
struct Wake {
    done: bool,
    waker: Option<Waker>,
}

impl VirtualTime {
    /// Time for `live` watches on `clock`.
    pub fn new(clock: ManualClock, live: usize) -> Self {
        Self {
            clock,
            state: Arc::new(Mutex::new(State {
                live,
                asleep: Vec::new(),
            })),
            on_advance: Arc::new(|_| {}),
            schedule: Schedule::default(),
        }
    }

    /// Makes the `schedule` (deliveries, live steps) when the clock
    /// reaches it: when every watch is asleep and something is due before
    /// the first wakes, the clock jumps to it and it is made. A delivery
    /// that reaches a watch is taken to wake it (its watch then polls and
    /// sleeps again), a removal to end its watch (which then finishes), an
    /// insert to start one (which counts as live from then on, and runs
    /// until it sleeps); anything else lets the clock go on.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Calls `moved` with each jump of the clock, to move another clock along.
    pub fn on_advance(mut self, moved: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.on_advance = Arc::new(moved);
        self
    }

    /// A sleep of `duration` on the virtual clock.
    pub fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + use<> {
        VirtualSleep {
            time: self.clone(),
            until: self.clock.now() + duration,
            wake: None,
        }
    }

    /// One more watch runs (inserted into a live set while none slept,
    /// from another thread): it may be asleep already.
    pub fn started(&self) {
        let mut state = self.lock();
        state.live += 1;
        self.advance_if_all_asleep(&mut state);
    }

    /// One watch has finished: the others may be all asleep now.
    pub fn finished(&self) {
        let mut state = self.lock();
        state.live = state.live.saturating_sub(1);
        self.advance_if_all_asleep(&mut state);
    }

    fn advance_if_all_asleep(&self, state: &mut State) {
        if state.live == 0 || state.asleep.len() < state.live {
            return;
        }
        let Some(earliest) = state.asleep.iter().map(|(until, _)| *until).min() else {
            return;
        };
        let start = self.clock.now() - self.clock.elapsed();
        while let Some(at) = self.schedule.next_by(earliest - start) {
            let now = self.clock.elapsed();
            if at > now {
                self.clock.advance(at - now);
                (self.on_advance)(at - now);
            }
            match self.schedule.make_next() {
                Effect::Nothing => {}
                Effect::Woke => return,
                Effect::Started => {
                    state.live += 1;
                    return;
                }
            }
        }
        let now = self.clock.now();
        if earliest > now {
            self.clock.advance(earliest - now);
            (self.on_advance)(earliest - now);
        }
        state.asleep.retain(|(until, wake)| {
            if *until > earliest {
                return true;
            }
            let mut wake = wake.lock().unwrap_or_else(|e| e.into_inner());
            wake.done = true;
            if let Some(waker) = wake.waker.take() {
                waker.wake();
            }
            false
        });
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct VirtualSleep {
    time: VirtualTime,
    until: Instant,
    wake: Option<Arc<Mutex<Wake>>>,
}

impl Future for VirtualSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.wake.is_none() {
            if self.until <= self.time.clock.now() {
                return Poll::Ready(());
            }
            let wake = Arc::new(Mutex::new(Wake {
                done: false,
                waker: Some(cx.waker().clone()),
            }));
            self.wake = Some(wake.clone());
            let time = self.time.clone();
            let mut state = time.lock();
            state.asleep.push((self.until, wake));
            time.advance_if_all_asleep(&mut state);
        }
        let Some(wake) = &self.wake else {
            return Poll::Pending;
        };
        let mut wake = wake.lock().unwrap_or_else(|e| e.into_inner());
        if wake.done {
            return Poll::Ready(());
        }
        wake.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for VirtualSleep {
    fn drop(&mut self) {
        // A sleep given up (a slot won the race) no longer counts as asleep.
        if let Some(wake) = &self.wake {
            let mut state = self.time.lock();
            state.asleep.retain(|(_, other)| !Arc::ptr_eq(other, wake));
        }
    }
}
