//! What `get` and `watch` print, in plain text and in JSON.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::{Value, json};

use common::{FAST, TOKEN, assert_no_token, cli, forever, run, start, start_manual};

/// A job's life: (simulated second, state, percentage as the service sends it, step).
const TIMELINE: [(f64, &str, &str, &str); 5] = [
    (0.0, "queued", "0", "Queue"),
    (100.0, "active", "10", "Prepare_Production"),
    (200.0, "active", "55.5", "Reconstruction"),
    (300.0, "active", "90", "Export"),
    (400.0, "success", "100", "Export"),
];

/// A JSON number, kept as written: `56` stays an integer, `55.5` a fraction.
fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

fn timeline_json() -> String {
    let points: Vec<Value> = TIMELINE
        .iter()
        .map(|(at, state, percentage, step)| {
            json!({"at_seconds": at, "state": state, "percentage": number(percentage), "step": step})
        })
        .collect();
    json!({"job-1": {"points": points}}).to_string()
}

/// The observation of point `index`; its percentage compares equal only if
/// it is the same kind of number (`56` is not `56.0`).
fn expected(index: usize) -> Value {
    let (_, state, percentage, step) = TIMELINE[index];
    json!({"percentage": number(percentage), "state": state, "step": step})
}

#[test]
fn watch_json_follows_the_timeline_in_order() {
    // The simulator's time moves only when this test has seen the current
    // point on stdout: every point is observed, in order, without sleeping.
    let (simulator, clock) = start_manual(&timeline_json());
    let mut child = cli(&simulator)
        .args(["watch", "job-1", "--json", "--deadline", "60s"])
        .args(FAST)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));

    let mut seen: Vec<Value> = Vec::new();
    let mut point = 0;
    for line in stdout.lines() {
        let line = line.expect("a line of stdout");
        assert!(!line.contains(TOKEN));
        let observation: Value =
            serde_json::from_str(&line).unwrap_or_else(|error| panic!("{line:?}: {error}"));
        if seen.last() != Some(&observation) {
            seen.push(observation.clone());
        }
        if observation == expected(point) && point + 1 < TIMELINE.len() {
            clock.advance(TIMELINE[point + 1].0 - TIMELINE[point].0);
            point += 1;
        }
    }
    let output = child.wait_with_output().expect("the binary ends");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_no_token("", &stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let expected: Vec<Value> = (0..TIMELINE.len()).map(expected).collect();
    assert_eq!(seen, expected);
}

#[test]
fn watch_prints_plain_lines_when_not_at_a_terminal() {
    // Ten simulated seconds per real one: the job ends after a tenth of a second.
    let json = r#"{"job-1": {"points": [
        {"at_seconds": 0, "state": "active", "percentage": 20, "step": "Tiling"},
        {"at_seconds": 1, "state": "success", "percentage": 100, "step": "Export"}
    ]}}"#;
    let simulator = progress_sim::Simulator::builder(common::scenario(json, 10.0))
        .start_blocking()
        .unwrap();
    let run = run(cli(&simulator)
        .args(["watch", "job-1", "--deadline", "30s"])
        .args(FAST));
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"100% success (Export)"));
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|line| *line == "20% active (Tiling)"),
        "{lines:?}"
    );
    // Nothing but the observations on stdout; no bar drawn on a pipe.
    assert!(!run.stderr.contains('%'), "{}", run.stderr);
}

#[test]
fn get_prints_one_line() {
    let simulator = start(
        r#"{"job-1": {"points": [{"at_seconds": 0, "state": "Active", "percentage": 56, "step": "Prepare_Production"}]}}"#,
    );
    let run = run(cli(&simulator).args(["get", "job-1"]));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, "56% active (Prepare_Production)\n");
    assert_eq!(simulator.requests_for("job-1"), 1);
}

#[test]
fn get_json_prints_one_object() {
    let simulator = start(
        r#"{"job-1": {"points": [{"at_seconds": 0, "state": "active", "percentage": 56, "step": "Prepare_Production"}]}}"#,
    );
    let run = run(cli(&simulator).args(["get", "job-1", "--json"]));
    assert_eq!(run.code, Some(0), "{run:?}");
    // The service sent `56`: not `56.0`, which some tools read as another type.
    assert_eq!(
        run.stdout,
        "{\"percentage\":56,\"state\":\"active\",\"step\":\"Prepare_Production\"}\n"
    );
}

#[test]
fn get_json_keeps_fractions_and_large_or_negative_numbers() {
    for sent in ["12.5", "0.25", "-3", "140", "1234567890123"] {
        let simulator = start(&format!(
            r#"{{"job-1": {{"points": [{{"at_seconds": 0, "state": "active", "percentage": {sent}}}]}}}}"#
        ));
        let run = run(cli(&simulator).args(["get", "job-1", "--json"]));
        assert_eq!(run.code, Some(0), "{sent}: {run:?}");
        assert_eq!(
            run.stdout,
            format!("{{\"percentage\":{sent},\"state\":\"active\",\"step\":null}}\n")
        );
    }
}

#[test]
fn get_json_keeps_absent_fields_absent() {
    let simulator = start(r#"{"job-1": {"points": [{"at_seconds": 0, "state": "queued"}]}}"#);
    let run = run(cli(&simulator).args(["get", "--json", "job-1"]));
    assert_eq!(
        run.json_lines(),
        [json!({"percentage": null, "state": "queued", "step": null})]
    );
}

#[test]
fn get_exits_0_whatever_the_state() {
    for state in ["failed", "cancelled", "active"] {
        let simulator = start(&forever("job-1", state));
        let run = run(cli(&simulator).args(["get", "job-1"]));
        assert_eq!(run.code, Some(0), "{state}: {run:?}");
        assert_eq!(run.stdout, format!("42% {state} (Tiling)\n"));
    }
}

#[test]
fn options_reach_the_request() {
    // The job only exists under its own service; global options work after the subcommand.
    let simulator = start(
        r#"{"job 1/x": {"service": "contextcapture", "wrapper": "jobProgress",
            "points": [{"at_seconds": 0, "state": "Over", "percentage": 100}]}}"#,
    );
    let run = run(cli(&simulator).args([
        "watch",
        "job 1/x",
        "--service",
        "contextcapture",
        "--accept-version",
        "v1",
        "--json",
    ]));
    // `Over`: the job ended, the answer does not say how.
    assert_eq!(run.code, Some(6), "{run:?}");
    assert_eq!(
        run.json_lines(),
        [json!({"percentage": 100, "state": "over", "step": null})]
    );
    let elsewhere = common::run(cli(&simulator).args(["get", "job 1/x"]));
    assert_eq!(
        elsewhere.code,
        Some(1),
        "the default service is another one"
    );
}

#[test]
fn a_retried_failure_is_announced_on_stderr_and_stdout_keeps_only_observations() {
    // The job's second request is answered 429 (Retry-After: 1); the watch
    // waits it out and goes on.
    let json = r#"{"job-1": {"rate_limited_requests": [2], "points": [
        {"at_seconds": 0, "state": "active", "percentage": 5},
        {"at_seconds": 0.5, "state": "success", "percentage": 100}
    ]}}"#;
    let simulator = progress_sim::Simulator::builder(common::scenario(json, 1.0))
        .start_blocking()
        .unwrap();
    let run = run(cli(&simulator)
        .args(["watch", "job-1", "--json", "--deadline", "30s"])
        .args(["--intervals", "0.02"]));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr.contains("retrying in") && run.stderr.contains("rate limited"),
        "{}",
        run.stderr
    );
    // Rounded for people (`1.1 s`, not `1.093528131s`), with the bound on
    // how long the watch keeps retrying.
    let wait = run.stderr.split("retrying in ").nth(1).unwrap_or_default();
    let (wait, rest) = wait.split_once(" (").unwrap_or_default();
    let (number, unit) = wait.split_once(' ').unwrap_or_default();
    assert!(
        ["ms", "s"].contains(&unit) && number.len() <= 4 && number.parse::<f64>().is_ok(),
        "{wait:?} in {}",
        run.stderr
    );
    assert!(rest.starts_with("gives up after about "), "{rest}");
    // Every stdout line is an observation, the 429 included in none of them.
    assert!(
        run.json_lines()
            .iter()
            .all(|line| line.get("state").is_some())
    );
}
