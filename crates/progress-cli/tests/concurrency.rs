//! Many jobs at once: `--max-in-flight` requests on the wire together, and
//! `--deadline` bounding the whole command, whatever the number of jobs.

mod common;

use std::time::{Duration, Instant};

use common::{FAST, TOKEN, cli, run};
use progress_sim::{Scenario, Simulator};

/// `count` jobs (`job-0` ...) that stay in `state`, on a simulator whose
/// every answer takes `delay_ms`.
fn slow_simulator(count: usize, state: &str, delay_ms: u64) -> Simulator {
    let jobs: Vec<String> = (0..count)
        .map(|index| {
            format!(
                r#""job-{index}": {{"points": [{{"at_seconds": 0, "state": "{state}", "percentage": 42}}]}}"#
            )
        })
        .collect();
    let scenario = Scenario::from_json(&format!(
        r#"{{"accepted_tokens": ["{TOKEN}"], "jobs": {{{}}},
            "faults": {{"seed": 1, "slow_rate": 1.0, "slow_ms": {delay_ms}}}}}"#,
        jobs.join(",")
    ))
    .expect("a valid scenario");
    Simulator::builder(scenario)
        .start_blocking()
        .expect("the simulator starts")
}

fn ids(count: usize) -> Vec<String> {
    (0..count).map(|index| format!("job-{index}")).collect()
}

#[test]
fn max_in_flight_requests_are_on_the_wire_together() {
    let simulator = slow_simulator(40, "success", 200);
    let started = Instant::now();
    let run = run(cli(&simulator)
        .arg("watch")
        .args(ids(40))
        .args(["--max-in-flight", "8"])
        .args(FAST));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 40, "{}", run.stdout);
    // Eight at a time, never more: 40 answers of 0.2 s take about a second,
    // where one at a time takes eight.
    assert_eq!(simulator.most_in_flight(), 8);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_deadline_bounds_the_whole_command_not_each_job() {
    // One request at a time, each answered in 0.3 s: the twentieth job's
    // first poll comes 6 s after the start, far past the deadline.
    let simulator = slow_simulator(20, "active", 300);
    let started = Instant::now();
    let run = run(cli(&simulator)
        .arg("watch")
        .args(ids(20))
        .args(["--max-in-flight", "1", "--deadline", "1s"])
        .args(FAST));
    let took = started.elapsed();
    assert_eq!(run.code, Some(5), "{run:?}");
    assert!(took < Duration::from_millis(3500), "took {took:?}");
}
