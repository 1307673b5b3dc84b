//! `cargo xtask fuzz`: the property-based fuzzing of the core. Builds
//! `progress-fuzz` (dev profile for `--quick`, its hot crates optimised
//! even there; release for the full run of 10 million executions), runs it
//! with a time bound, and leaves its report in target/fuzz/report.md.
//! Failing inputs land in fuzz/regressions/ and become regression tests.

use std::process::Command;
use std::time::Duration;

use crate::cmd::{self, cargo, target_dir, workspace_root};

/// About 100,000 executions take under 30 s.
const QUICK_LIMIT: Duration = Duration::from_secs(110);
/// 10 million executions take about ten minutes on two cores.
const FULL_LIMIT: Duration = Duration::from_secs(40 * 60);

/// `passed` goes to the program as is (`--executions N`, `--seed N`, `--target NAME`).
pub fn run(quick: bool, passed: &[String]) -> Result<(), String> {
    let profile = if quick { "debug" } else { "release" };
    let mut build = cargo();
    build.args(["build", "-p", "progress-fuzz"]);
    if !quick {
        build.arg("--release");
    }
    cmd::run(&mut build)?;
    let target = target_dir(&workspace_root());
    let mut fuzz = Command::new(target.join(profile).join("progress-fuzz"));
    fuzz.current_dir(workspace_root())
        .arg("--out")
        .arg(target.join("fuzz"))
        .args(passed);
    if quick {
        fuzz.arg("--quick");
    }
    cmd::run_within(&mut fuzz, if quick { QUICK_LIMIT } else { FULL_LIMIT })
}
