//! Where the adapters read time: real clocks by default, a manual one in tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A source of time: a monotonic instant for the ladder and the deadline, a wall
/// time for `Retry-After` dates.
pub trait Clock: Send + Sync {
    /// The monotonic now.
    fn now(&self) -> Instant;
    /// The wall-clock now.
    fn wall(&self) -> SystemTime;
}

/// The system's clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told, for tests. Clones share the same time.
///
/// Pair it with a sleeper that calls [`ManualClock::advance`] to check exact
/// waits without waiting.
#[derive(Debug, Clone)]
pub struct ManualClock {
    start: Instant,
    wall_start: SystemTime,
    elapsed: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock at `wall_start`; its monotonic time starts at the moment of creation.
    pub fn new(wall_start: SystemTime) -> Self {
        Self {
            start: Instant::now(),
            wall_start,
            elapsed: Arc::default(),
        }
    }

    /// Moves the clock forward (by at most a century in all, so that reading
    /// it can never overflow an `Instant`).
    pub fn advance(&self, by: Duration) {
        const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
        let mut elapsed = self.lock();
        *elapsed = elapsed.saturating_add(by).min(CENTURY);
    }

    /// How far the clock has been moved.
    pub fn elapsed(&self) -> Duration {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Duration> {
        // A panic elsewhere cannot leave a Duration half-written.
        self.elapsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }
    fn wall(&self) -> SystemTime {
        self.wall_start + self.elapsed()
    }
}

/// `now + wait`, or as far as an `Instant` reaches: a ladder or a deadline of
/// `Duration::MAX` must not overflow.
pub(crate) fn instant_after(now: Instant, wait: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    now.checked_add(wait)
        .or_else(|| now.checked_add(wait.min(CENTURY)))
        .unwrap_or(now)
}
