//! The slots of `max_in_flight` are for requests on the wire: a watch
//! waiting for its token holds none, so a slow identity service never pins
//! the client, in either flavour.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(feature = "blocking")]
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use itwin_job_progress::TokenError;
use progress_sim::{Scenario, Simulator};

const TWO_DONE_JOBS: &str = r#"{ "jobs": {
    "job-a": { "points": [ { "at_seconds": 0, "state": "Success", "percentage": 100 } ] },
    "job-b": { "points": [ { "at_seconds": 0, "state": "Success", "percentage": 100 } ] }
} }"#;

fn simulator() -> Simulator {
    Simulator::builder(Scenario::from_json(TWO_DONE_JOBS).unwrap())
        .start_blocking()
        .unwrap()
}

/// Much longer than the other watch needs (a few milliseconds): reaching it
/// means that watch waited for the slot of the token call.
const PATIENCE: Duration = Duration::from_secs(10);

#[cfg(feature = "blocking")]
#[test]
fn a_blocking_watch_waiting_for_its_token_holds_no_slot() {
    let sim = simulator();
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    // The first call blocks until the test releases it; the others answer at once.
    let gate = Mutex::new(Some((entered_tx, release_rx)));
    let provider = move || -> Result<&'static str, TokenError> {
        let first = gate.lock().unwrap().take();
        if let Some((entered, release)) = first {
            entered.send(()).unwrap();
            let _ = release.recv();
        }
        Ok("tok")
    };
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token_provider(provider)
        .max_in_flight(1)
        .build()
        .unwrap();
    let slow = {
        let client = client.clone();
        std::thread::spawn(move || client.wait("job-a"))
    };
    entered.recv().unwrap();
    let (done, outcome) = mpsc::channel();
    std::thread::spawn(move || done.send(client.wait("job-b")));
    let other = outcome.recv_timeout(PATIENCE);
    release.send(()).unwrap();
    let other = other.expect("the other watch waited for the slot of a token call");
    assert!(other.unwrap().is_terminal());
    assert!(slow.join().unwrap().unwrap().is_terminal());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_watch_waiting_for_its_token_holds_no_slot() {
    use tokio::sync::Notify;
    let sim = simulator();
    let (first, entered, release) = (
        Arc::new(AtomicBool::new(true)),
        Arc::new(Notify::new()),
        Arc::new(Notify::new()),
    );
    let provider = {
        let (entered, release) = (entered.clone(), release.clone());
        move || {
            let held = first.swap(false, Ordering::SeqCst);
            let (entered, release) = (entered.clone(), release.clone());
            async move {
                if held {
                    entered.notify_one();
                    release.notified().await;
                }
                Ok::<_, TokenError>("tok")
            }
        }
    };
    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .async_token_provider(provider)
        .max_in_flight(1)
        .build()
        .unwrap();
    let slow = tokio::spawn(client.wait("job-a"));
    entered.notified().await;
    let other = tokio::time::timeout(PATIENCE, client.wait("job-b")).await;
    release.notify_one();
    let other = other.expect("the other watch waited for the slot of a token call");
    assert!(other.unwrap().is_terminal());
    assert!(slow.await.unwrap().unwrap().is_terminal());
}
