//! Ending a blocking watch from another thread.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::task::{Wake, Waker};
use std::time::Duration;

/// Waiters a cancel wakes: the client's slot lines. A trait, so that this
/// file needs nothing from the lines, which wait on the handle.
pub(crate) trait WakeAll: Send + Sync + std::fmt::Debug {
    /// Wakes every waiter to look at its cancel handle.
    fn wake_all(&self);
}

/// Ends a blocking watch from anywhere: a sleeping watch, or one queued for
/// a slot of the client (`max_in_flight`, or the single slot after a 429),
/// wakes at once and ends with [`Error::Cancelled`](crate::Error::Cancelled);
/// a watch sending a request ends when the answer comes; nothing more is sent. `Send + Sync +
/// Clone`; get one from the watch before handing the watch to a thread.
///
/// Waking at once holds for the default sleeper; with a sleeper of your own
/// (`ClientBuilder::sleeper`), the watch ends when that sleep returns.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<Flag>);

#[derive(Debug, Default)]
struct Flag {
    cancelled: Mutex<Raised>,
    raised: Condvar,
    /// The clients' slot lines this handle's watches queued in: a cancel
    /// wakes their waiters (each waits on a condvar of its own).
    lines: Mutex<Vec<Weak<dyn WakeAll>>>,
    /// Handles of single watches of a set ([`CancelHandle::child`]): a
    /// cancel of the set's handle cancels each.
    children: Mutex<Vec<Weak<Flag>>>,
}

/// What a sleep on the handle waits for.
#[derive(Debug, Default)]
struct Raised {
    cancelled: bool,
    /// A wake moved a watch's wait ([`CancelHandle::waker`]): the sleep
    /// ends, and its driver asks the watch again. Kept until a sleep sees
    /// it, so a wake just before the sleep is not lost.
    nudged: bool,
}

/// A watch's waker: a wake that moved its wait ends the sleep on the handle.
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.cancelled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .nudged = true;
        self.raised.notify_all();
    }
}

impl CancelHandle {
    /// Cancels the watch (or watches) this handle belongs to. Calling it
    /// again does nothing more.
    pub fn cancel(&self) {
        self.lock().cancelled = true;
        self.0.raised.notify_all();
        // The list is copied out first: a waiter holds its line's lock
        // while it looks at this flag, never the other way round.
        let lines: Vec<Arc<dyn WakeAll>> = self.lines().iter().filter_map(Weak::upgrade).collect();
        for line in lines {
            line.wake_all();
        }
        let children: Vec<Arc<Flag>> = self.children().iter().filter_map(Weak::upgrade).collect();
        for child in children {
            CancelHandle(child).cancel();
        }
    }

    /// A handle of its own for one watch under this one: cancelling it ends
    /// that watch only; cancelling this one cancels it too.
    pub(crate) fn child(&self) -> CancelHandle {
        let child = CancelHandle::default();
        let mut children = self.children();
        children.retain(|child| child.strong_count() > 0);
        children.push(Arc::downgrade(&child.0));
        drop(children);
        // Registered first, read second: a cancel racing with this call
        // either finds the child in the list or is seen here.
        if self.is_cancelled() {
            child.cancel();
        }
        child
    }

    fn children(&self) -> MutexGuard<'_, Vec<Weak<Flag>>> {
        self.0.children.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes [`CancelHandle::cancel`] wake the waiters of `line`.
    pub(crate) fn wakes(&self, line: Weak<dyn WakeAll>) {
        let mut lines = self.lines();
        lines.retain(|line| line.strong_count() > 0);
        if !lines.iter().any(|known| known.ptr_eq(&line)) {
            lines.push(line);
        }
    }

    fn lines(&self) -> MutexGuard<'_, Vec<Weak<dyn WakeAll>>> {
        self.0.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether [`CancelHandle::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// Sleeps `duration`, or less if the handle is cancelled or a watch of
    /// it is woken meanwhile: whether a wake ended it.
    pub(crate) fn sleep(&self, duration: Duration) -> bool {
        let raised = self.lock();
        // Spurious wakeups are absorbed by the predicate.
        let (mut raised, _) = self
            .0
            .raised
            .wait_timeout_while(raised, duration, |raised| {
                !raised.cancelled && !raised.nudged
            })
            .unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut raised.nudged)
    }

    /// The waker for the watches that sleep on this handle: a wake that
    /// moves one's wait ends the sleep.
    pub(crate) fn waker(&self) -> Waker {
        Waker::from(self.0.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Raised> {
        self.0.cancelled.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_sleep_of_minutes_ends_as_soon_as_another_thread_cancels() {
        let handle = CancelHandle::default();
        let canceller = handle.clone();
        let started = Instant::now();
        let sleeper = std::thread::spawn(move || handle.sleep(Duration::from_secs(120)));
        std::thread::sleep(Duration::from_millis(20)); // let it fall asleep
        canceller.cancel();
        sleeper.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(canceller.is_cancelled());
    }

    #[test]
    fn a_child_ends_alone_or_with_its_parent() {
        let parent = CancelHandle::default();
        let (first, second) = (parent.child(), parent.child());
        first.cancel();
        assert!(!parent.is_cancelled() && !second.is_cancelled());
        parent.cancel();
        assert!(second.is_cancelled());
        assert!(
            parent.child().is_cancelled(),
            "a child of a cancelled handle"
        );
    }
}
