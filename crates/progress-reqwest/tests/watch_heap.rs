//! A service keeps a hundred thousand watches waiting at once: the heap
//! each one keeps while it waits is its memory bill. Counted here by the
//! global allocator, for watches that made their first poll against a real
//! server and wait on their rung (bench P2 measures the resident memory of
//! the same, with the runtime's timers, against a hand-written task).

use std::alloc::System;
use std::time::Duration;

use cap::Cap;
use futures_util::StreamExt;
use progress_sim::{Scenario, Simulator};
use tokio::sync::mpsc;

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

const WATCHES: usize = 2_000;
/// The default `max_in_flight`, twice.
const WARM_UP: usize = 64;
/// The first rung is 15 s, less the moments since the watch decided it,
/// plus the client's jitter; a wait for a slot is far shorter.
const RUNG_AT_LEAST: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "current_thread")]
async fn a_waiting_watch_keeps_about_a_kilobyte_of_heap() {
    let scenario = Scenario::from_json(
        r#"{"jobs":{"steady":{"points":[
            {"at_seconds":0,"state":"Active","percentage":50,"step":"Reconstruction"}]}}}"#,
    )
    .unwrap();
    let server = Simulator::start(scenario).await.unwrap();
    // No wait ends: a watch on its rung stays there, and each rung's wait
    // is told here, so the test knows when every watch waits. (A wait
    // for a slot is short, and a freed slot ends it.)
    let (waiting, mut waits) = mpsc::unbounded_channel::<Duration>();
    let client = progress_reqwest::Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .sleeper(move |wait: Duration| {
            if wait >= RUNG_AT_LEAST {
                let _ = waiting.send(wait);
            }
            std::future::pending::<()>()
        })
        .build()
        .unwrap();
    let spawn = |client: &progress_reqwest::Client| {
        let mut watch = client.watch("steady");
        tokio::spawn(async move {
            assert!(matches!(watch.next().await, Some(Ok(_))));
            let _ = watch.next().await; // waits on its rung for good
        })
    };
    // A first round as large as the client's in-flight bound: the pool's
    // connections and the client's lazy state are the client's, not the
    // watches'.
    let warm: Vec<_> = (0..WARM_UP).map(|_| spawn(&client)).collect();
    rungs_reached(&mut waits, WARM_UP).await;
    let before = HEAP.allocated();

    let tasks: Vec<_> = (0..WATCHES).map(|_| spawn(&client)).collect();
    rungs_reached(&mut waits, WATCHES).await;
    let per_watch = HEAP.allocated().saturating_sub(before) / WATCHES;

    // 3,158 bytes before the future held the watch once, the policy was
    // shared, the rare parts of the machine were boxed and the queue of
    // steps gave its room back once empty (670 bytes of it); 1,268 since
    // (a test build: a release build's futures are smaller).
    assert_eq!(server.requests_for("steady"), (WARM_UP + WATCHES) as u64);
    assert!(
        per_watch <= 1_408,
        "a waiting watch keeps {per_watch} bytes of heap"
    );
    assert!(per_watch >= 256, "{per_watch} bytes: is anything counted?");
    drop((warm, tasks));
}

/// Until `watches` more watches wait on their rung; bounded, so that one
/// that never gets there fails the test rather than hanging it.
async fn rungs_reached(waits: &mut mpsc::UnboundedReceiver<Duration>, watches: usize) {
    let all_wait = async {
        for _ in 0..watches {
            waits.recv().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all_wait)
        .await
        .expect("every watch polled once and waits on its rung");
}
