//! C2: the `itwin-progress` command watching many jobs on a simulator whose
//! answers take 100 ms, with `--max-in-flight 32` and its bars on a
//! pseudo-terminal. The measuring program runs the simulator itself (to read
//! its count of requests in flight); the command is the process measured.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::bounded;

/// Every answer's delay, in milliseconds.
const DELAY_MS: u64 = 100;
/// Requests the command may have in flight.
const MAX_IN_FLIGHT: usize = 32;

/// The time bound of one C2 run of `jobs`: generous over the ideal round,
/// `jobs * 0.1 s / 32`, plus the simulator's and the command's start.
pub fn time_bound(jobs: usize) -> Duration {
    let ideal_ms = jobs as u64 * DELAY_MS / MAX_IN_FLIGHT as u64;
    Duration::from_millis(4 * ideal_ms + 30_000)
}

/// Runs C2 with the command at `cli`; the figures' lines.
pub fn measure(bench: &Path, cli: &Path, jobs: usize) -> Result<String, String> {
    let limit = time_bound(jobs);
    let mut command = Command::new(bench);
    command.args(["c2", "--cli"]).arg(cli).args([
        "--jobs",
        &jobs.to_string(),
        "--delay-ms",
        &DELAY_MS.to_string(),
        "--max-in-flight",
        &MAX_IN_FLIGHT.to_string(),
        "--limit-seconds",
        &(limit.as_secs() - 5).to_string(),
    ]);
    bounded::output("C2", &mut command, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_bounded_well_over_its_ideal_round() {
        // 2,000 jobs: 6.25 s ideal.
        assert_eq!(time_bound(2_000), Duration::from_millis(4 * 6_250 + 30_000));
        assert!(time_bound(400) <= Duration::from_secs(40));
    }
}
