//! The targets `cargo xtask fuzz` runs, as a library so that every input
//! that ever failed is replayed by `cargo test -p progress-fuzz`
//! (`tests/regressions.rs` reads `regressions/{target}.jsonl`).
//!
//! Each target generates inputs with proptest (valid inputs, then mutated:
//! not only random bytes), checks its invariants, and on a failure lets
//! proptest shrink the input to a small one before it is kept.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bodies;
pub mod engine;
mod oracle;
pub mod targets;

use proptest::strategy::BoxedStrategy;
use serde::{Serialize, de::DeserializeOwned};

/// One thing to fuzz: how to make inputs and what must hold for each.
pub trait Target {
    /// The name on the command line, in the report and in `regressions/`.
    const NAME: &'static str;
    /// One generated case; kept as a JSON line when it fails.
    type Input: std::fmt::Debug + Clone + Serialize + DeserializeOwned + 'static;
    /// How inputs are made.
    fn strategy() -> BoxedStrategy<Self::Input>;
    /// Every invariant for one input: `Err` says which broke. A panic is a
    /// failure too (the engine catches it).
    fn check(input: &Self::Input) -> Result<(), String>;
}
