//! `cargo xtask fuzz`: the property-based fuzzing of the core. Builds
//! `progress-fuzz` (dev profile for `--quick`, its hot crates optimised
//! even there; release for the full run of 10 million executions), runs it
//! with a time bound, and leaves its report in target/fuzz/report.md.
//! Failing inputs land in tests/fuzz/regressions/ and become regression tests.

use std::time::Duration;

use crate::long_tool::LongTool;

/// The fuzzer: about 100,000 executions take under 30 s; 10 million take
/// about ten minutes on two cores.
const FUZZ: LongTool = LongTool {
    package: "progress-fuzz",
    out: "fuzz",
    quick_limit: Duration::from_secs(110),
    full_limit: Duration::from_secs(40 * 60),
};

/// `passed` goes to the program as is (`--executions N`, `--seed N`, `--target NAME`).
pub fn run(quick: bool, passed: &[String]) -> Result<(), String> {
    FUZZ.run(quick, passed)
}
