//! A timer that needs no runtime: a thread sleeps, then wakes the task. The
//! last resort of the default sleeper, for a watch polled outside any runtime
//! its features know.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Completes after a duration, counted on a thread of its own.
pub(crate) struct ThreadTimer {
    state: Arc<Mutex<TimerState>>,
    duration: Option<Duration>,
}

#[derive(Default)]
struct TimerState {
    done: bool,
    waker: Option<Waker>,
}

impl ThreadTimer {
    pub(crate) fn after(duration: Duration) -> Self {
        Self {
            state: Arc::default(),
            duration: Some(duration),
        }
    }
}

impl Future for ThreadTimer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.done {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        drop(state);
        // The thread starts at the first poll, so an unpolled timer costs nothing.
        if let Some(duration) = self.duration.take() {
            let shared = self.state.clone();
            std::thread::spawn(move || {
                std::thread::sleep(duration);
                let mut state = shared
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state.done = true;
                if let Some(waker) = state.waker.take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_after_its_duration_with_no_runtime() {
        let started = std::time::Instant::now();
        futures_util::FutureExt::now_or_never(ThreadTimer::after(Duration::ZERO));
        async_std::task::block_on(ThreadTimer::after(Duration::from_millis(20)));
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
