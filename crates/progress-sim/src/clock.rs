//! Where the simulator reads the time from.
//!
//! The simulator needs two readings: simulated seconds (which point of a
//! timeline is current) and real seconds (how fast a client is polling, for
//! the rate limit). A real clock measures real time and scales it up; a manual
//! clock holds simulated time that a test moves forward, so a test can walk a
//! job through its timeline without sleeping.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// The time source of a [`Simulator`](crate::Simulator).
///
/// Either real ([`SimClock::real`], the default), or manual
/// ([`ManualSimClock`], converted with `From`).
#[derive(Debug, Clone)]
pub struct SimClock {
    source: ClockSource,
}

#[derive(Debug, Clone)]
enum ClockSource {
    Real { started: Instant },
    Manual(ManualSimClock),
}

impl SimClock {
    /// A clock that starts at simulated second 0 now and then runs with real
    /// time, multiplied by the scenario's `time_scale`.
    ///
    /// A simulator started without a clock creates one of these when it
    /// binds, so "since server start" means exactly that.
    pub fn real() -> Self {
        SimClock {
            source: ClockSource::Real {
                started: Instant::now(),
            },
        }
    }

    /// Simulated seconds since the clock started.
    pub(crate) fn simulated_seconds(&self, time_scale: f64) -> f64 {
        match &self.source {
            ClockSource::Real { started } => started.elapsed().as_secs_f64() * time_scale,
            ClockSource::Manual(manual) => manual.now_seconds(),
        }
    }

    /// Real seconds since the clock started. A manual clock has no real time
    /// of its own, so it derives one from the simulated time: that keeps the
    /// rate limit (counted in real seconds) testable without sleeping.
    pub(crate) fn real_seconds(&self, time_scale: f64) -> f64 {
        match &self.source {
            ClockSource::Real { started } => started.elapsed().as_secs_f64(),
            ClockSource::Manual(manual) => manual.now_seconds() / time_scale,
        }
    }
}

impl From<ManualSimClock> for SimClock {
    fn from(manual: ManualSimClock) -> Self {
        SimClock {
            source: ClockSource::Manual(manual),
        }
    }
}

/// A simulated clock that only moves when told to.
///
/// Clones share the same time: keep one in the test, give a clone to
/// [`SimulatorBuilder::clock`](crate::SimulatorBuilder::clock), then
/// [`advance`](Self::advance) it.
///
/// Real seconds (used by the rate limit) are simulated seconds divided by the
/// scenario's `time_scale`.
///
/// ```
/// use progress_sim::ManualSimClock;
///
/// let clock = ManualSimClock::new();
/// let shared = clock.clone();
/// clock.advance(90.0);
/// assert_eq!(shared.now_seconds(), 90.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualSimClock {
    simulated_seconds: Arc<Mutex<f64>>,
}

impl ManualSimClock {
    /// A clock at simulated second 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `seconds` simulated seconds.
    ///
    /// # Panics
    ///
    /// If `seconds` is negative or not finite: simulated time never runs
    /// backwards, and a test that asks for it has a bug worth hearing about.
    pub fn advance(&self, seconds: f64) {
        assert!(
            seconds.is_finite() && seconds >= 0.0,
            "ManualSimClock::advance needs a finite, non-negative number of seconds, got {seconds}"
        );
        *self.lock() += seconds;
    }

    /// The current simulated time, in seconds since the clock was made.
    pub fn now_seconds(&self) -> f64 {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, f64> {
        // A panic while holding this lock cannot leave an f64 half-written.
        self.simulated_seconds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
