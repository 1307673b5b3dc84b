//! C1 against a simulator of its own: a per-token rate limit would skew every
//! other figure, so this one gets its own `progress-sim` process and scenario,
//! stopped as soon as the figure is measured.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::bounded;

/// The job C1's watches poll: always active, never ending.
const JOB: &str = "steady";
/// Observations each watch takes before it stops.
const POLLS: usize = 2;
/// The limit lets a quarter of the watches through per second, so a burst of
/// first polls meets it at once and the run spans several windows.
const WATCHES_PER_REQUEST_PER_SECOND: usize = 4;

/// The per-token rate, in requests per second, for `watches` watches.
pub fn rate_for(watches: usize) -> usize {
    (watches / WATCHES_PER_REQUEST_PER_SECOND).max(1)
}

/// The scenario: the steady job, and a token bucket of `rate` a second that
/// holds one second of requests.
pub fn scenario(rate: usize) -> String {
    format!(
        r#"{{
  "time_scale": 1,
  "token_rate_limit": {{ "requests_per_second": {rate}, "burst": {rate} }},
  "jobs": {{
    "{JOB}": {{ "points": [ {{ "at_seconds": 0, "state": "Active", "percentage": 50, "step": "Reconstruction" }} ] }}
  }}
}}
"#
    )
}

/// The time bound of one C1 run of `watches` (both sides): generous over the
/// fewest seconds the limit allows, `POLLS * watches / rate` a side.
pub fn time_bound(watches: usize) -> Duration {
    let fewest_seconds_a_side = (POLLS * watches).div_ceil(rate_for(watches)) as u64;
    Duration::from_secs(2 * (3 * fewest_seconds_a_side + 20))
}

/// Starts the rate-limited simulator, runs C1 against it, stops it; the figure's line.
pub fn measure(sim: &Path, bench: &Path, out: &Path, watches: usize) -> Result<String, String> {
    let rate = rate_for(watches);
    let scenario_path = out.join("scenario-rate-limited.json");
    std::fs::write(&scenario_path, scenario(rate))
        .map_err(|error| format!("cannot write {}: {error}", scenario_path.display()))?;
    let server = bounded::Server::start(sim, &scenario_path, Duration::from_secs(20))?;
    let limit = time_bound(watches);
    let mut command = Command::new(bench);
    command.args([
        "c1",
        "--url",
        &server.base_url,
        "--job",
        JOB,
        "--n",
        &watches.to_string(),
        "--polls",
        &POLLS.to_string(),
        "--rate",
        &rate.to_string(),
        "--limit-seconds",
        &(limit.as_secs() - 5).to_string(),
    ]);
    bounded::output("C1", &mut command, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_below_the_watches_demand_at_every_size() {
        for watches in [1, 3, 100, 1_000, 10_000] {
            let rate = rate_for(watches);
            assert!(rate >= 1);
            // The first polls alone overflow the bucket (one second of requests).
            assert!(watches >= rate, "{watches} watches, {rate}/s");
            assert!(scenario(rate).contains(&format!(
                r#""token_rate_limit": {{ "requests_per_second": {rate}, "burst": {rate} }}"#
            )));
        }
        assert_eq!(rate_for(1_000), 250);
    }

    #[test]
    fn quick_and_full_runs_are_bounded_well_under_a_few_minutes() {
        // 2 polls at a quarter of the watches a second: 8 s a side at least.
        assert_eq!(time_bound(100), Duration::from_secs(2 * (3 * 8 + 20)));
        assert_eq!(time_bound(1_000), time_bound(100));
        assert!(time_bound(1) <= Duration::from_secs(120));
    }
}
