//! Runs a target on proptest's runner: a seeded generator, panics caught,
//! failures shrunk, and the smallest failing input kept for good.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::Target;

/// What one target's run came to.
#[derive(Debug)]
pub struct Run {
    /// The target's name.
    pub name: &'static str,
    /// Inputs checked, shrinking included.
    pub executions: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The broken invariant and the (shrunk) input, if any.
    pub failure: Option<String>,
}

impl Run {
    /// Executions per second.
    pub fn rate(&self) -> f64 {
        self.executions as f64 / self.seconds.max(1e-9)
    }

    /// `held`, or `FAILED` when an input broke an invariant.
    pub fn verdict(&self) -> &'static str {
        if self.failure.is_none() {
            "held"
        } else {
            "FAILED"
        }
    }
}

/// Checks `cases` generated inputs of `T` from `seed`. A failing input is
/// shrunk and appended to `keep_in/{name}.jsonl`, which the regression
/// tests replay from then on.
pub fn run<T: Target>(cases: u32, seed: u64, keep_in: &Path) -> Run {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        ..Config::default()
    };
    let mut seed_bytes = [0u8; 16];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..].copy_from_slice(&fnv(T::NAME).to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::XorShift, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let executions = Cell::new(0u64);
    let started = Instant::now();
    let result = runner.run(&T::strategy(), |input| {
        executions.set(executions.get() + 1);
        T::check(&input).map_err(TestCaseError::fail)
    });
    let seconds = started.elapsed().as_secs_f64();
    let failure = match result {
        Ok(()) => None,
        Err(TestError::Fail(reason, input)) => {
            let kept = keep::<T>(&input, keep_in);
            Some(format!("{reason}\n  input: {input:?}\n  {kept}"))
        }
        Err(TestError::Abort(reason)) => Some(format!("aborted: {reason}")),
    };
    Run {
        name: T::NAME,
        executions: executions.get(),
        seconds,
        failure,
    }
}

/// Appends the input to the target's regression file.
fn keep<T: Target>(input: &T::Input, dir: &Path) -> String {
    let path = dir.join(format!("{}.jsonl", T::NAME));
    let line = match serde_json::to_string(input) {
        Ok(line) => line,
        Err(error) => return format!("not kept: {error}"),
    };
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        writeln!(file, "{line}")
    });
    match written {
        Ok(()) => format!("kept in {}", path.display()),
        Err(error) => format!("not kept in {}: {error}", path.display()),
    }
}

/// A stable hash of the target's name, so each target draws its own inputs.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
