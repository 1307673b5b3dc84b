//! Many watches on one client against `progress-sim`, whose per-token rate
//! limit answers 429 with `Retry-After` as the API limits "the client".
//! Time is virtual: the client's manual clock and the simulator's move together.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use progress_conformance::virtual_time::VirtualTime;
use progress_model::{ErrorKind, EventKind, JobState, ManualClock};
use progress_sim::{Scenario, Simulator, TokenRateLimit};

mod support;

use support::{job, simulator};

/// What a run of `JOBS` async watches did against a simulator limiting its
/// token to 100 requests a second, on virtual time: on one client, or on
/// one client each (nothing shared).
struct Run {
    outcomes: Vec<Result<progress_model::Progress, progress_model::Error>>,
    served: progress_sim::Served,
    /// When each 429 came back, on the virtual clock, in order.
    rate_limited_at: Vec<Duration>,
}

/// The simulator's `Retry-After` at 100 requests a second.
const PAUSE: Duration = Duration::from_secs(1);

impl Run {
    /// The 429s that came back during the first pause (answers to requests
    /// on the wire when the client learnt of the limit), and the later ones.
    fn split_at_the_first_pause(&self) -> (&[Duration], &[Duration]) {
        let Some(first) = self.rate_limited_at.first() else {
            return (&[], &[]);
        };
        let end = self
            .rate_limited_at
            .partition_point(|at| *at < *first + PAUSE);
        self.rate_limited_at.split_at(end)
    }
}

/// The most of `arrivals` at one instant: a burst sent into an emptied bucket.
fn largest_burst(arrivals: &[Duration]) -> usize {
    let mut at_each_instant = BTreeMap::<Duration, usize>::new();
    for at in arrivals {
        *at_each_instant.entry(*at).or_default() += 1;
    }
    at_each_instant.into_values().max().unwrap_or(0)
}

fn thousand_watches(shared: bool) -> Run {
    const JOBS: usize = 1000;
    let limit = TokenRateLimit {
        requests_per_second: 100.0,
        burst: Some(100),
    };
    let (sim, sim_clock) = simulator(JOBS, Some(limit));
    let clock = ManualClock::default();
    let time = VirtualTime::new(clock.clone(), JOBS)
        .on_advance(move |jump| sim_clock.advance(jump.as_secs_f64()));
    let rate_limited_at = Arc::new(Mutex::new(Vec::new()));
    let client = || {
        let sleeps = time.clone();
        let (heard, clock_now) = (rate_limited_at.clone(), clock.clone());
        progress_reqwest::Client::builder()
            .base_url(sim.base_url())
            .token("tok")
            .clock(clock.clone())
            .jitter_seed(7)
            .on_retry(move |retry| {
                if retry.error.kind() == ErrorKind::RateLimited {
                    heard.lock().unwrap().push(clock_now.elapsed());
                }
            })
            .sleeper(move |wait: Duration| sleeps.sleep(wait))
            .build()
            .unwrap()
    };
    let one = client();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (0..JOBS)
            .map(|index| {
                let watch = if shared {
                    one.wait(job(index))
                } else {
                    client().wait(job(index))
                };
                let time = time.clone();
                tokio::spawn(async move {
                    let outcome = watch.await;
                    time.finished();
                    outcome
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        outcomes
    });
    let mut rate_limited_at = std::mem::take(&mut *rate_limited_at.lock().unwrap());
    rate_limited_at.sort();
    Run {
        outcomes,
        served: sim.served(),
        rate_limited_at,
    }
}

/// A thousand async watches on one client share the simulator's rate limit:
/// every job ends in success, and since a 429 pauses the whole client, the
/// 429s served are a fraction of what the same watches earn on a client each.
#[test]
fn a_thousand_async_watches_on_one_client_all_finish_and_share_each_429() {
    let run = thousand_watches(true);
    let shared = run.served;
    for (index, outcome) in run.outcomes.iter().enumerate() {
        let progress = outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", job(index)));
        assert_eq!(progress.state, JobState::Success);
    }
    let Run {
        outcomes,
        served: alone,
        ..
    } = thousand_watches(false);
    assert!(
        outcomes
            .iter()
            .all(|outcome| outcome.as_ref().is_ok_and(|p| p.is_success()))
    );
    let (first_pause, later) = run.split_at_the_first_pause();
    let burst = largest_burst(later);
    println!(
        "1000 watches, 100 requests/s: one client {} requests, {} of them 429 ({} in the first pause, then at most {burst} at once); a client each {} requests, {} of them 429",
        shared.total(),
        shared.rate_limited,
        first_pause.len(),
        alone.total(),
        alone.rate_limited
    );
    assert!(shared.rate_limited > 0, "the test must meet the rate limit");
    assert!(shared.rate_limited * 10 <= alone.rate_limited);
    // Alone, each watch beyond a burst earns its own 429s. Shared, a 429
    // pauses every watch and the client then sends one request at a time
    // until its window ends: only the requests on the wire when a 429 comes
    // back (at most max_in_flight) meet the same empty bucket. A window
    // ends on time even with watches still queued for its single slot (they
    // then go out beside each other), so each later 429 is such a
    // discovery too, never more than max_in_flight at once.
    assert!(first_pause.len() <= progress_model::DEFAULT_MAX_IN_FLIGHT);
    assert!(
        burst <= progress_model::DEFAULT_MAX_IN_FLIGHT,
        "{burst} 429s came back together after the first pause"
    );
}

/// `count` jobs (`job-0000` ...) that stay in `state`, on a simulator on
/// the real clock whose every answer takes `delay_ms`.
fn slow_simulator(count: usize, state: &str, delay_ms: u64) -> Simulator {
    let jobs: BTreeMap<String, serde_json::Value> = (0..count)
        .map(|index| {
            let timeline = serde_json::json!({"points": [
                {"at_seconds": 0, "state": state, "percentage": 10}
            ]});
            (job(index), timeline)
        })
        .collect();
    let faults = serde_json::json!({"seed": 1, "slow_rate": 1.0, "slow_ms": delay_ms});
    let scenario = serde_json::json!({ "jobs": jobs, "faults": faults });
    Simulator::builder(Scenario::from_json(&scenario.to_string()).unwrap())
        .start_blocking()
        .unwrap()
}

/// A script watching 40 jobs from one `watch_many` call on a client of
/// `max_in_flight` 8: the server has 8 requests on the wire at once, never
/// more, and the run takes a fifth of one request at a time.
#[test]
fn blocking_watch_many_sends_max_in_flight_at_once() {
    let sim = slow_simulator(40, "Success", 200);
    let client = progress_ureq::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .max_in_flight(8)
        .build()
        .unwrap();
    let started = Instant::now();
    let finished = client
        .watch_many((0..40).map(job))
        .filter(|event| event.is_final())
        .count();
    assert_eq!(finished, 40);
    assert_eq!(sim.most_in_flight(), 8);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A deadline given to `watch_many` counts from the call, for both
/// clients: twenty jobs answered in 0.3 s one at a time end within about a
/// second of a 1 s deadline, not when the last one's own second is up.
#[test]
fn a_deadline_given_to_watch_many_counts_from_the_call() {
    let sim = slow_simulator(20, "Active", 300);
    let blocking = progress_ureq::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .max_in_flight(1)
        .intervals([Duration::from_millis(20)])
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let deadlines = blocking
        .watch_many((0..20).map(job))
        .filter(|event| matches!(&event.kind, EventKind::Finished(Err(error)) if error.kind() == ErrorKind::Deadline))
        .count();
    assert_eq!(deadlines, 20);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(3500), "blocking: {took:?}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let took = runtime.block_on(async {
        use futures_util::StreamExt;
        let client = progress_reqwest::Client::builder()
            .base_url(sim.base_url())
            .token("tok")
            .max_in_flight(1)
            .intervals([Duration::from_millis(20)])
            .deadline(Duration::from_secs(1))
            .build()
            .unwrap();
        let started = Instant::now();
        let events = client.watch_many((0..20).map(job));
        let ended = events
            .filter(|event| std::future::ready(event.is_final()))
            .count()
            .await;
        assert_eq!(ended, 20);
        started.elapsed()
    });
    assert!(took < Duration::from_millis(3500), "async: {took:?}");
}

/// A blocking watch sleeping on a 120 s rung ends within 50 ms of
/// `cancel()` from another thread, with `Error::Cancelled`, and sends nothing more.
#[test]
fn cancel_wakes_a_sleeping_blocking_watch_at_once() {
    let (sim, _sim_clock) = simulator(1, None);
    // The default sleeper: the one a cancel can wake.
    let client = progress_ureq::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .intervals([Duration::from_secs(120)])
        .build()
        .unwrap();
    let mut watch = client.watch(job(0));
    let cancel = watch.cancel_handle();
    let first = watch.next().unwrap().unwrap();
    assert_eq!(first.state, JobState::Active);
    let ended = Arc::new(Mutex::new(None));
    let seen = ended.clone();
    let watcher = std::thread::spawn(move || {
        let item = watch.next();
        *seen.lock().unwrap() = Some(Instant::now());
        (item, watch.next())
    });
    // Let the watch fall asleep on its rung; a cancel before that ends it too.
    std::thread::sleep(Duration::from_millis(100));
    let cancelled_at = Instant::now();
    cancel.cancel();
    let (item, after) = watcher.join().unwrap();
    let ended_at = ended.lock().unwrap().unwrap();
    assert!(
        ended_at.saturating_duration_since(cancelled_at) <= Duration::from_millis(50),
        "ended {:?} after cancel()",
        ended_at.saturating_duration_since(cancelled_at)
    );
    let error = item.unwrap().unwrap_err();
    assert_eq!(error.kind(), progress_model::ErrorKind::Cancelled);
    assert!(after.is_none(), "the watch goes on after its error");
    assert_eq!(
        sim.requests_for(&job(0)),
        1,
        "a request was sent after cancel()"
    );
}

/// A blocking watch queued for the client's only slot, behind a request
/// the server holds for seconds, ends as soon as it is cancelled, and sends
/// nothing.
#[test]
fn cancel_ends_a_blocking_watch_queued_for_a_slot() {
    let server = httpmock::MockServer::start();
    let slow = server.mock(|when, then| {
        when.path_includes("/jobs/slow/");
        then.delay(Duration::from_secs(3))
            .header("content-type", "application/json")
            .body(r#"{"progress":{"percentage":100,"state":"success"}}"#);
    });
    let queued = server.mock(|when, then| {
        when.path_includes("/jobs/queued/");
        then.header("content-type", "application/json")
            .body(r#"{"progress":{"percentage":100,"state":"success"}}"#);
    });
    let client = progress_ureq::Client::builder()
        .base_url(server.base_url())
        .token("tok")
        .max_in_flight(1)
        .build()
        .unwrap();
    let holder = {
        let client = client.clone();
        std::thread::spawn(move || client.wait("slow"))
    };
    while slow.calls() == 0 {
        std::thread::yield_now(); // the slot is taken once the request arrives
    }
    let mut watch = client.watch("queued");
    let cancel = watch.cancel_handle();
    let watcher = std::thread::spawn(move || {
        let item = watch.next();
        (item, Instant::now())
    });
    // Let it queue for the slot; a cancel before that ends it too.
    std::thread::sleep(Duration::from_millis(100));
    let cancelled_at = Instant::now();
    cancel.cancel();
    let (item, ended_at) = watcher.join().unwrap();
    let error = item.unwrap().unwrap_err();
    assert_eq!(error.kind(), progress_model::ErrorKind::Cancelled);
    assert!(
        ended_at.saturating_duration_since(cancelled_at) <= Duration::from_millis(500),
        "ended {:?} after cancel(), with the slot still held",
        ended_at.saturating_duration_since(cancelled_at)
    );
    assert!(holder.join().unwrap().unwrap().is_success());
    assert_eq!(queued.calls(), 0, "the cancelled watch sent a request");
}
