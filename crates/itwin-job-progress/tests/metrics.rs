//! With the `metrics` feature, each client records its requests, retries,
//! tokens, watches and waits under its name, read back here through
//! `metrics-util`'s debugging recorder, set for the test's thread (the
//! watch runs on it: a blocking `wait`, a current-thread runtime).
#![cfg(feature = "metrics")]

use std::collections::HashMap;

use itwin_job_progress::metrics;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// Runs `watch` with a recorder of its own; returns what it recorded.
fn recorded(watch: impl FnOnce()) -> Snapshotter {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    ::metrics::with_local_recorder(&recorder, watch);
    snapshotter
}
use progress_sim::{ManualSimClock, Simulator};

mod support;
use support::{rate_limited_once, simulator_of};

/// A client's series: `name{label=value,...}` (labels sorted, `client` left out).
fn series_of(snapshotter: &Snapshotter, client: &str) -> HashMap<String, DebugValue> {
    let mut series = HashMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: HashMap<&str, &str> = key.labels().map(|l| (l.key(), l.value())).collect();
        if labels.get("client") != Some(&client) {
            continue;
        }
        let mut rest: Vec<String> = labels
            .iter()
            .filter(|(name, _)| **name != "client")
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        rest.sort();
        series.insert(format!("{}{{{}}}", key.name(), rest.join(",")), value);
    }
    series
}

fn counter(series: &HashMap<String, DebugValue>, name: &str) -> u64 {
    match series.get(name) {
        Some(DebugValue::Counter(count)) => *count,
        other => panic!("{name}: {other:?} in {series:#?}"),
    }
}

fn gauge(series: &HashMap<String, DebugValue>, name: &str) -> f64 {
    match series.get(name) {
        Some(DebugValue::Gauge(value)) => value.0,
        other => panic!("{name}: {other:?} in {series:#?}"),
    }
}

fn samples(series: &HashMap<String, DebugValue>, name: &str) -> Vec<f64> {
    match series.get(name) {
        Some(DebugValue::Histogram(values)) => values.iter().map(|v| v.0).collect(),
        other => panic!("{name}: {other:?} in {series:#?}"),
    }
}

/// `job-1` is rate limited on its second request and succeeds at 40 s.
fn simulator() -> (Simulator, ManualSimClock) {
    simulator_of(&rate_limited_once("job-1"))
}

/// What one watch of `job-1` to its end leaves in its client's metrics.
fn check(snapshotter: &Snapshotter, client: &str, sim: &Simulator) {
    let series = series_of(snapshotter, client);
    let requests = sim.requests_for("job-1");
    assert_eq!(sim.served().rate_limited, 1);
    let ok = counter(&series, "itwin_progress_requests_total{outcome=2xx}");
    assert_eq!(
        counter(&series, "itwin_progress_requests_total{outcome=429}"),
        1
    );
    assert_eq!(ok + 1, requests, "every request counted once");
    assert_eq!(counter(&series, "itwin_progress_retries_total{}"), 1);
    let tokens = "itwin_progress_token_requests_total{outcome=ok}";
    assert_eq!(counter(&series, tokens), requests);
    let finished = "itwin_progress_watches_finished_total{error=,outcome=success}";
    assert_eq!(counter(&series, finished), 1);
    assert_eq!(gauge(&series, "itwin_progress_watches_running{}"), 0.0);
    assert_eq!(gauge(&series, "itwin_progress_requests_in_flight{}"), 0.0);
    // The 429 paused the client; the watch asked again once the pause was over.
    assert_eq!(gauge(&series, "itwin_progress_client_pause_seconds{}"), 0.0);
    // A few polls, far apart, of a budget of 100 a minute: it took some, it
    // is far from spent.
    let left = gauge(&series, "itwin_progress_budget_remaining{window=60s}");
    assert!((90.0..100.0).contains(&left), "{left}");
    let durations = samples(&series, "itwin_progress_request_duration_seconds{}");
    assert_eq!(durations.len() as u64, requests);
    // Every poll after the first was due at the end of a wait.
    let lateness = samples(&series, "itwin_progress_poll_lateness_seconds{}");
    assert_eq!(lateness.len() as u64, requests - 1);
    assert!(
        lateness.iter().all(|late| (0.0..5.0).contains(late)),
        "{lateness:?}"
    );
    // The end was seen within one rung (at most 120 s) of the poll before it.
    let delays = samples(&series, "itwin_progress_observation_delay_seconds{}");
    assert!(
        !delays.is_empty() && delays.iter().all(|d| (0.0..=130.0).contains(d)),
        "{delays:?}"
    );
    let names: Vec<&String> = series.keys().collect();
    assert!(
        names.iter().all(|name| !name.contains("job-1")),
        "{names:?}"
    );
    for name in [
        metrics::REQUESTS,
        metrics::RETRIES,
        metrics::WATCHES_RUNNING,
    ] {
        assert!(series.keys().any(|key| key.starts_with(name)), "{name}");
    }
}

#[cfg(feature = "blocking")]
#[test]
fn a_blocking_client_records_under_its_name() {
    let (sim, clock) = simulator();
    let client = itwin_job_progress::blocking::Client::builder()
        .name("blocking-client")
        .jitter(0.0)
        .max_requests_per(100, std::time::Duration::from_secs(60))
        .base_url(sim.base_url())
        .token("tok")
        .sleeper(move |wait: std::time::Duration| clock.advance(wait.as_secs_f64()))
        .build()
        .unwrap();
    let recorded = recorded(|| assert!(client.wait("job-1").unwrap().is_success()));
    check(&recorded, "blocking-client", &sim);
}

#[cfg(feature = "runtime-tokio")]
#[test]
fn an_async_client_records_under_its_name() {
    let (sim, clock) = simulator();
    let client = itwin_job_progress::Client::builder()
        .name("async-client")
        .jitter(0.0)
        .max_requests_per(100, std::time::Duration::from_secs(60))
        .base_url(sim.base_url())
        .token("tok")
        .sleeper(move |wait: std::time::Duration| {
            clock.advance(wait.as_secs_f64());
            std::future::ready(())
        })
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let recorded = recorded(|| {
        let outcome = runtime.block_on(client.wait("job-1"));
        assert!(outcome.unwrap().is_success());
    });
    check(&recorded, "async-client", &sim);
}
