//! How the blocking client waits between polls.

use std::time::Duration;

/// Blocks the current thread for a while. Implemented for closures
/// `Fn(Duration) + Send + Sync`, so a test can record waits and return at once.
pub trait Sleeper: Send + Sync {
    /// Waits `duration`.
    fn sleep(&self, duration: Duration);
}

impl<F: Fn(Duration) + Send + Sync> Sleeper for F {
    fn sleep(&self, duration: Duration) {
        self(duration)
    }
}

/// The default sleeper: [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}
