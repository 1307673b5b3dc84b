//! The shared conformance suite: language-neutral vectors (`vectors/*.json`, format
//! in `README.md`) run against every client adapter over a scripted httpmock server.
//!
//! Each run gets a fresh [`ManualClock`] and a recording sleeper that advances it
//! and returns at once, so vectors check exact waits (15 s, 30 s, ...) in
//! milliseconds of real time.

#![forbid(unsafe_code)]

pub mod adapters;
pub mod check;
mod check_live;
mod configure;
pub mod expected_event;
pub mod live;
pub mod live_reader;
pub mod live_step;
pub mod mock_server;
pub mod observed;
pub mod resume;
pub mod runner;
pub mod schedule;
pub mod token;
pub mod vector;
pub mod virtual_time;

use progress_model::ManualClock;

pub use observed::{Observed, Recorder};
pub use runner::{run_vector, trials};
pub use vector::Vector;

/// A client under test.
///
/// Synchronous on purpose: an async adapter builds its runtime and blocks on it
/// inside `run`, so the runner, the mock server and the checks stay the same for all.
pub trait Adapter: Send + Sync {
    /// The first half of the test names, `{adapter}::{vector}`.
    fn name(&self) -> &'static str;

    /// Builds a client for `base_url` with the vector's settings, a sleeper that
    /// records into a [`Recorder`] over `clock`, and `clock` itself; makes the
    /// vector's call; returns what the recorder saw.
    fn run(&self, vector: &Vector, base_url: &str, clock: ManualClock) -> Observed;
}
