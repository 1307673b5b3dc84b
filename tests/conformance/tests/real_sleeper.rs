//! The blocking client with its default sleeper and clock: waits really pass.
//!
//! The vectors use a manual clock and a sleeper that returns at once, which
//! proves the schedule but not that the real sleeper sleeps. These few tests use
//! short real intervals and check only lower bounds on elapsed time (plus a
//! generous upper bound), so a busy machine cannot make them flake.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use progress_conformance::mock_server::serve;
use progress_conformance::vector::ScriptedResponse;
use progress_model::{ErrorKind, JobState};
use progress_ureq::Client;

/// Far above any of these runs, far below a hung test.
const GENEROUS: Duration = Duration::from_secs(20);

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> ScriptedResponse {
    ScriptedResponse {
        status: Some(status),
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        body: Some(body.into()),
        delay_ms: 0,
        drop_connection: false,
    }
}

fn progress(percentage: u32, state: &str) -> ScriptedResponse {
    respond(
        200,
        &[("content-type", "application/json")],
        &format!(r#"{{"progress":{{"percentage":{percentage},"state":"{state}"}}}}"#),
    )
}

fn client(base_url: &str, intervals: &[u64]) -> progress_ureq::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token("tok")
        .intervals(intervals.iter().map(|ms| Duration::from_millis(*ms)))
}

#[test]
fn the_default_sleeper_waits_the_ladder() {
    // Unchanged, unchanged, unchanged, then done: waits 30, 60, 60 ms.
    let script = [
        progress(10, "active"),
        progress(10, "active"),
        progress(10, "active"),
        progress(100, "success"),
    ];
    let ((result, elapsed), requests) = serve(&script, |base_url| {
        let client = client(base_url, &[30, 60]).build().unwrap();
        let started = Instant::now();
        (client.wait("job-1"), started.elapsed())
    });
    assert_eq!(result.unwrap().state, JobState::Success);
    assert_eq!(requests.len(), 4);
    assert!(
        elapsed >= Duration::from_millis(150),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "took {elapsed:?}");
}

#[test]
fn the_default_sleeper_honours_retry_after() {
    // Retry-After: 1 is above the 30 ms rung: the client waits a whole second.
    let script = [
        respond(429, &[("retry-after", "1")], ""),
        progress(100, "success"),
    ];
    let ((result, elapsed), requests) = serve(&script, |base_url| {
        let client = client(base_url, &[30]).build().unwrap();
        let started = Instant::now();
        (client.wait("job-1"), started.elapsed())
    });
    assert_eq!(result.unwrap().state, JobState::Success);
    assert_eq!(requests.len(), 2);
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    assert!(elapsed < GENEROUS, "took {elapsed:?}");
}

#[test]
fn the_default_clock_ends_a_watch_at_its_deadline() {
    // 100 ms rungs and a 250 ms deadline: two waits at most fit, the third would
    // pass the deadline. How many polls fit depends on request latency, so only
    // the outcome and the lower bound are checked.
    let script: Vec<_> = (0..10).map(|_| progress(10, "active")).collect();
    let ((result, elapsed), requests) = serve(&script, |base_url| {
        let client = client(base_url, &[100])
            .deadline(Duration::from_millis(250))
            .build()
            .unwrap();
        let started = Instant::now();
        (client.wait("job-1"), started.elapsed())
    });
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline, "{error}");
    assert!(error.last_progress().is_some());
    // One request only when it alone took over 150 ms (a loaded machine): then
    // the first wait would already pass the deadline.
    assert!(
        (1..=3).contains(&requests.len()),
        "{} requests",
        requests.len()
    );
    assert!(
        elapsed >= Duration::from_millis(100),
        "waited only {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(250) + GENEROUS,
        "took {elapsed:?}"
    );
}
