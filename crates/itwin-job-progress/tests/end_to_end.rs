//! Both flavours of the facade against the simulated service: the client's
//! sleeper moves the simulator's clock and the client's own, so a job of
//! minutes runs at once and the waits are exactly the documented ladder.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use itwin_job_progress::ManualClock;
use progress_sim::{ManualSimClock, Simulator};

mod support;
use support::{advance, simulator_of};

const SCENARIO: &str = r#"{
    "jobs": { "job-1": { "points": [
        { "at_seconds": 0,   "state": "Queued" },
        { "at_seconds": 40,  "state": "Active", "percentage": 10, "step": "Reconstruction" },
        { "at_seconds": 200, "state": "Active", "percentage": 60, "step": "Tiling" },
        { "at_seconds": 400, "state": "Success", "percentage": 100, "step": "Export" }
    ] } }
}"#;

fn simulator() -> (Simulator, ManualSimClock) {
    simulator_of(SCENARIO)
}

/// Polled at 0 and 15 (queued), 45 (10%: the ladder restarts), 60, 90, 150,
/// 270 (60%: restarts), 285, 315, 375 and 495 (success).
const EXPECTED_WAITS: [u64; 10] = [15, 30, 15, 30, 60, 120, 15, 30, 60, 120];

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_follows_the_ladder_to_the_end() {
    use futures_util::StreamExt;
    let (sim, clock) = simulator();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let client_clock = ManualClock::default();
    let moved = client_clock.clone();
    let client = itwin_job_progress::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .clock(client_clock)
        .sleeper(move |wait: Duration| {
            recorded.lock().unwrap().push(wait.as_secs());
            advance(&clock, &moved, wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let observed: Vec<_> = client
        .watch("job-1")
        .map(|item| item.unwrap())
        .collect()
        .await;
    let states: Vec<_> = observed.iter().map(|p| p.state.as_str()).collect();
    assert_eq!(states.first(), Some(&"queued"));
    assert_eq!(states.last(), Some(&"success"));
    assert_eq!(observed.last().unwrap().step.as_deref(), Some("Export"));
    assert_eq!(*waits.lock().unwrap(), EXPECTED_WAITS);
    assert_eq!(sim.requests_for("job-1"), EXPECTED_WAITS.len() as u64 + 1);
}

/// The README spawns watches: `wait()` and `progress()` futures own what they
/// need, so they outlive the client handle they came from.
#[tokio::test(flavor = "current_thread")]
async fn spawned_futures_outlive_the_client_they_came_from() {
    let (sim, clock) = simulator();
    let client = itwin_job_progress::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .sleeper(move |wait: Duration| {
            clock.advance(wait.as_secs_f64());
            std::future::ready(())
        })
        .build()
        .unwrap();
    let first = tokio::spawn(client.progress("job-1"));
    let outcome = client.wait("job-1");
    drop(client);
    // One at a time: the watch's sleeper moves the clock the first call reads.
    assert_eq!(first.await.unwrap().unwrap().state.as_str(), "queued");
    assert!(tokio::spawn(outcome).await.unwrap().unwrap().is_success());
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_follows_the_same_ladder() {
    let (sim, clock) = simulator();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorded = waits.clone();
    let client_clock = ManualClock::default();
    let moved = client_clock.clone();
    let client = itwin_job_progress::blocking::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .clock(client_clock)
        .sleeper(move |wait: Duration| {
            recorded.lock().unwrap().push(wait.as_secs());
            advance(&clock, &moved, wait);
        })
        .build()
        .unwrap();
    let outcome = client.wait("job-1").unwrap();
    assert_eq!(outcome.state, itwin_job_progress::JobState::Success);
    assert_eq!(*waits.lock().unwrap(), EXPECTED_WAITS);
}

#[tokio::test(flavor = "current_thread")]
async fn an_unknown_job_is_not_found_with_the_service_code() {
    let (sim, _clock) = simulator();
    let client = itwin_job_progress::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .build()
        .unwrap();
    let error = client.wait("no-such-job").await.unwrap_err();
    assert_eq!(error.kind(), itwin_job_progress::ErrorKind::NotFound);
    assert_eq!(error.code(), Some("ProgressNotFound"));
    assert!(error.correlation_id().is_some());
}

/// The job's second request is answered 429 (`Retry-After: 1`).
const RATE_LIMITED_ONCE: &str = r#"{
    "jobs": { "job-1": { "rate_limited_requests": [2], "points": [
        { "at_seconds": 0,  "state": "Active", "percentage": 10 },
        { "at_seconds": 30, "state": "Success", "percentage": 100 }
    ] } }
}"#;

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_tells_its_retry_listener_before_waiting() {
    let (sim, clock) = simulator_of(RATE_LIMITED_ONCE);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let listener = heard.clone();
    let client_clock = ManualClock::default();
    let moved = client_clock.clone();
    let client = itwin_job_progress::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .on_retry(move |retry| {
            let kind = retry.error.kind();
            listener.lock().unwrap().push((kind, retry.wait.as_secs()));
        })
        .clock(client_clock)
        .sleeper(move |wait: Duration| {
            advance(&clock, &moved, wait);
            std::future::ready(())
        })
        .build()
        .unwrap();
    let outcome = client.wait("job-1").await.unwrap();
    assert_eq!(outcome.state, itwin_job_progress::JobState::Success);
    // 15 s after the first poll, the 429 climbs to the 30 s rung (above Retry-After: 1).
    assert_eq!(
        *heard.lock().unwrap(),
        [(itwin_job_progress::ErrorKind::RateLimited, 30)]
    );
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_tells_its_retry_listener_too() {
    let (sim, clock) = simulator_of(RATE_LIMITED_ONCE);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let listener = heard.clone();
    let client_clock = ManualClock::default();
    let moved = client_clock.clone();
    let client = itwin_job_progress::blocking::Client::builder()
        .jitter(0.0) // exact rungs: the ladder is what is checked
        .base_url(sim.base_url())
        .token("demo-token")
        .on_retry(move |retry| listener.lock().unwrap().push(retry.to_string()))
        .clock(client_clock)
        .sleeper(move |wait: Duration| advance(&clock, &moved, wait))
        .build()
        .unwrap();
    client.wait("job-1").unwrap();
    let heard = heard.lock().unwrap();
    assert_eq!(heard.len(), 1);
    assert!(
        // A 429 uses up no retry, and the watch has no deadline: no bound to tell.
        heard[0].starts_with("retrying in 30 s: job `job-1`: rate limited"),
        "{heard:?}"
    );
}
