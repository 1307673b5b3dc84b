//! Resuming many watches at once on the blocking client: a live set whose
//! watches are inserted with `WatchOptions::resume_from`, as a service does
//! after a restart with the states it stored. Each resumed watch keeps its
//! saved due time (nothing is sent before it), a finished one ends at once
//! with its saved end, sending nothing.
#![cfg(feature = "blocking")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use itwin_job_progress::blocking::Client;
use itwin_job_progress::{EventKind, JobState, ManualClock, WatchOptions, WatchState};
use progress_sim::{Scenario, Simulator};

fn simulator() -> Simulator {
    let scenario = r#"{"jobs":{
        "a":{"points":[{"at_seconds":0,"state":"Active","percentage":40}]},
        "b":{"points":[{"at_seconds":0,"state":"Active","percentage":60}]},
        "done":{"points":[{"at_seconds":0,"state":"Success","percentage":100}]}}}"#;
    Simulator::builder(Scenario::from_json(scenario).unwrap())
        .start_blocking()
        .unwrap()
}

/// A client on `clock`, whose waits `sleeper` sees and which move the clock.
fn client(
    sim: &Simulator,
    clock: &ManualClock,
    sleeper: impl Fn(Duration) + Send + Sync + 'static,
) -> Client {
    let moved = clock.clone();
    Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .jitter(0.0)
        .clock(clock.clone())
        .sleeper(move |wait| {
            sleeper(wait);
            moved.advance(wait);
        })
        .build()
        .unwrap()
}

#[test]
fn a_blocking_set_resumes_many_saved_watches() {
    let sim = Arc::new(simulator());
    let clock = ManualClock::new(SystemTime::now());
    // Before the restart: every job observed once, its latest state kept.
    let mut saved: HashMap<String, WatchState> = HashMap::new();
    for event in client(&sim, &clock, |_| {}).watch_many(["a", "b", "done"]) {
        if let Some(state) = event.watch_state() {
            saved.insert(event.job.clone(), state.clone());
        }
        if saved.len() == 3 && saved.values().all(|state| state.last.is_some()) {
            break; // the process ends here
        }
    }
    let sent_before = sim.requests_for("a") + sim.requests_for("b") + sim.requests_for("done");
    assert_eq!(sent_before, 3);
    clock.advance(Duration::from_secs(5)); // the restart took 5 s

    // After it: a new client resumes them all in one set. What the server
    // had received when the set first slept tells whether it waited.
    let seen_at_first_sleep = Arc::new(Mutex::new(None));
    let resumed = {
        let (sim, seen) = (sim.clone(), seen_at_first_sleep.clone());
        client(&sim.clone(), &clock, move |wait| {
            let mut seen = seen.lock().unwrap();
            seen.get_or_insert((wait, sim.requests_for("a") + sim.requests_for("b")));
        })
    };
    let (watches, events) = resumed.watches();
    for (job, state) in saved {
        let options = WatchOptions::new().resume_from(state);
        assert!(watches.insert_with(job, options).started());
    }
    watches.close();
    let mut firsts = HashMap::new();
    for event in events {
        firsts
            .entry(event.job.clone())
            .or_insert(event.kind.clone());
        if firsts.len() == 3 {
            break;
        }
    }

    // The finished job ends with its saved end, sending nothing.
    match &firsts["done"] {
        EventKind::Finished(Ok(progress)) => assert_eq!(progress.state, JobState::Success),
        other => panic!("done: {other:?}"),
    }
    assert_eq!(sim.requests_for("done"), 1);
    // The running ones were not polled at once: what was left of their
    // saved due time (the first rung, 15 s, less the 5 s of the restart)
    // was slept out first, then each polled once.
    let (first_wait, sent_by_then) = seen_at_first_sleep.lock().unwrap().unwrap();
    assert_eq!(
        sent_by_then, 2,
        "requests for a and b before the first sleep"
    );
    assert_eq!(first_wait, Duration::from_secs(10));
    for job in ["a", "b"] {
        assert!(
            matches!(firsts[job], EventKind::Observed(_)),
            "{job}: {:?}",
            firsts[job]
        );
        assert_eq!(sim.requests_for(job), 2, "{job}");
    }
}
