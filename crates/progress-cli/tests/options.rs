//! Options a user reaches for: a request timeout of their own, and a base
//! URL given with the service path already on it.

mod common;

use std::time::{Duration, Instant};

use common::{TOKEN, bare, cli, run};
use progress_sim::{Scenario, Simulator};

#[test]
fn request_timeout_cuts_a_slow_answer() {
    let scenario = Scenario::from_json(&format!(
        r#"{{"accepted_tokens": ["{TOKEN}"],
            "jobs": {{"job-1": {{"points": [{{"at_seconds": 0, "state": "success"}}]}}}},
            "faults": {{"seed": 1, "slow_rate": 1.0, "slow_ms": 5000}}}}"#
    ))
    .unwrap();
    let simulator = Simulator::builder(scenario).start_blocking().unwrap();
    let started = Instant::now();
    let run = run(cli(&simulator).args(["get", "job-1", "--request-timeout", "300ms"]));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let zero = common::run(cli(&simulator).args(["get", "job-1", "--request-timeout", "0s"]));
    assert_eq!(zero.code, Some(2), "{zero:?}");
}

#[test]
fn a_base_url_ending_in_the_service_path_says_which_part_to_drop() {
    for command in [
        &["get", "job-1"][..],
        &["watch", "job-1"],
        &["watch", "a", "b"],
    ] {
        let run = run(bare()
            .env("ITWIN_ACCESS_TOKEN", TOKEN)
            .args(["--base-url", "https://api.bentley.com/reality-modeling"])
            .args(command));
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(
            run.stderr.contains("drop `/reality-modeling`")
                && run.stderr.contains("`https://api.bentley.com`"),
            "{}",
            run.stderr
        );
    }
}
