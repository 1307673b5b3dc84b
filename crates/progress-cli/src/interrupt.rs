//! Stopping a watch cleanly on SIGINT, SIGTERM or SIGHUP.
//!
//! A watch spends nearly all its time asleep between polls (up to two minutes
//! at a time), so the client gets a sleeper that waits on a condition variable
//! instead of `thread::sleep`: the signal handler wakes it at once. The client
//! would then send the next request before handing control back; the token
//! provider is gated too, so that request fails before anything is sent and the
//! watch ends at once. The caller sees [`Interrupt::signal`] and exits with
//! that signal's code.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use progress_model::{AccessToken, TokenError, TokenProvider};
use progress_ureq::Sleeper;

use crate::signal::{self, StopSignal};
use crate::stderr::stderr_line;

/// A flag set by a signal, that sleepers wait on. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    /// The flag and its condition variable, shared by every clone.
    shared: Arc<Shared>,
}

/// The flag, and what wakes the sleepers when it is set.
#[derive(Default)]
struct Shared {
    /// The first signal that came, if any.
    set: Mutex<Option<StopSignal>>,
    /// Notified when `set` becomes `Some`.
    wake: Condvar,
    /// What ends at once on a signal (the watches of many jobs).
    on_trigger: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("set", &self.set)
            .finish_non_exhaustive()
    }
}

impl Interrupt {
    /// A flag that only [`Interrupt::trigger`] sets (for tests and for `get`).
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag set by SIGINT, SIGTERM or SIGHUP. A second signal ends the process
    /// at once with its own exit code, for when the first one is stuck behind a
    /// slow request.
    ///
    /// The handler can be installed once per process.
    pub fn on_signals() -> std::io::Result<Self> {
        let interrupt = Self::new();
        let handler = interrupt.clone();
        // Called on a thread of its own, not in signal context, so taking a
        // lock and printing are fine here.
        signal::listen(move |signal| {
            if handler.trigger(signal) {
                stderr_line!("\ninterrupted by {signal}");
                std::process::exit(i32::from(signal.exit_code()));
            }
        })?;
        Ok(interrupt)
    }

    /// Records `signal` (unless one came before) and wakes every sleeper.
    /// Returns whether a signal had come already.
    pub fn trigger(&self, signal: StopSignal) -> bool {
        let mut set = self.lock();
        let already = set.is_some();
        set.get_or_insert(signal);
        self.shared.wake.notify_all();
        drop(set);
        for action in self.on_trigger().iter() {
            action();
        }
        already
    }

    /// Calls `action` when a signal comes (at once, if one came already): a
    /// watch of many jobs then ends every watch at once rather than waking
    /// for each job's next poll.
    pub fn on_signal(&self, action: impl Fn() + Send + Sync + 'static) {
        if self.is_set() {
            action();
        }
        self.on_trigger().push(Box::new(action));
    }

    fn on_trigger(&self) -> MutexGuard<'_, Vec<Box<dyn Fn() + Send + Sync>>> {
        self.shared
            .on_trigger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The first signal that came, if any.
    pub fn signal(&self) -> Option<StopSignal> {
        *self.lock()
    }

    /// Whether a signal came.
    pub fn is_set(&self) -> bool {
        self.signal().is_some()
    }

    /// Waits `duration`, or less if the flag is or gets set. Returns whether it is set.
    pub fn wait(&self, duration: Duration) -> bool {
        let guard = self.lock();
        let (set, _timeout) = self
            .shared
            .wake
            .wait_timeout_while(guard, duration, |set| set.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        set.is_some()
    }

    /// `provider`, refusing to hand out a token once the flag is set.
    pub fn gate<P: TokenProvider>(&self, provider: P) -> Gated<P> {
        Gated {
            provider,
            interrupt: self.clone(),
        }
    }

    /// The flag, locked.
    fn lock(&self) -> MutexGuard<'_, Option<StopSignal>> {
        // A copied enum cannot be left half-written by a panic.
        self.shared
            .set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The client's sleeper: a signal cuts the wait short.
impl Sleeper for Interrupt {
    fn sleep(&self, duration: Duration) {
        self.wait(duration);
    }
}

/// A token provider that fails once interrupted, so that no request goes out
/// after a signal: the client asks for a token before each request.
#[derive(Debug)]
pub struct Gated<P> {
    /// Where the tokens come from until the flag is set.
    provider: P,
    /// The flag that closes the gate.
    interrupt: Interrupt,
}

impl<P: TokenProvider> Gated<P> {
    /// Fails once the flag is set.
    fn check(&self) -> Result<(), TokenError> {
        if self.interrupt.is_set() {
            return Err("interrupted".into());
        }
        Ok(())
    }
}

impl<P: TokenProvider> TokenProvider for Gated<P> {
    fn token(&self) -> Result<AccessToken, TokenError> {
        self.check()?;
        self.provider.token()
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        self.check()?;
        self.provider.refresh()
    }

    fn can_refresh(&self) -> bool {
        self.provider.can_refresh()
    }

    fn token_within(
        &self,
        fresh: bool,
        timeout: std::time::Duration,
    ) -> Result<AccessToken, TokenError> {
        self.check()?;
        self.provider.token_within(fresh, timeout)
    }

    fn replace_within(
        &self,
        refused: &AccessToken,
        timeout: std::time::Duration,
    ) -> Result<AccessToken, TokenError> {
        self.check()?;
        self.provider.replace_within(refused, timeout)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use progress_model::StaticToken;

    use super::*;

    #[test]
    fn a_trigger_cuts_a_long_sleep_short() {
        let interrupt = Interrupt::new();
        let remote = interrupt.clone();
        let started = Instant::now();
        let signaller = std::thread::spawn(move || remote.trigger(StopSignal::Terminate));
        assert!(interrupt.wait(Duration::from_secs(60)));
        assert!(started.elapsed() < Duration::from_secs(30));
        assert!(!signaller.join().unwrap(), "the first trigger");
        assert!(
            interrupt.trigger(StopSignal::Interrupt),
            "the second trigger"
        );
        // The first signal is the one that stopped the watch.
        assert_eq!(interrupt.signal(), Some(StopSignal::Terminate));
    }

    #[test]
    fn without_a_trigger_the_sleep_lasts_its_time() {
        let interrupt = Interrupt::new();
        let started = Instant::now();
        assert!(!interrupt.wait(Duration::from_millis(50)));
        // Only a lower bound: a loaded machine may oversleep, never undersleep
        // (a spurious wakeup must not end the wait early).
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(!interrupt.is_set());
    }

    #[test]
    fn the_gate_closes_on_interrupt() {
        let interrupt = Interrupt::new();
        let gated = interrupt.gate(StaticToken::new("t"));
        assert_eq!(gated.token().unwrap().secret(), "t");
        assert!(!gated.can_refresh());
        interrupt.trigger(StopSignal::HangUp);
        assert!(gated.token().is_err());
        assert!(gated.refresh().is_err());
    }
}
