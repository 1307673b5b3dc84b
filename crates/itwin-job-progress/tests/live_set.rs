//! A live set of watches as a service uses it, on the simulator: 1,000 jobs
//! inserted over time (one more each time an event comes in), 100 of them
//! removed while they run, from another task or thread than the reader's.
//! Every job left in the set is seen to its end; every removed one ends
//! `Cancelled`; nothing else is cut short. Time-scaled: a simulated minute
//! is a real second, and the client polls every quarter of a real second.

use std::collections::HashMap;
use std::time::Duration;

use itwin_job_progress::{ErrorKind, Event, EventKind, Insertion};
use progress_sim::{Scenario, Simulator};

const JOBS: usize = 1_000;
/// Inserted before the first event; the others one per event.
const FIRST: usize = 100;
/// Removed while it runs: job `i` is removed when job `i + REMOVE_AFTER` is inserted.
const REMOVE_AFTER: usize = FIRST;
const POLL: Duration = Duration::from_millis(250);

fn job(i: usize) -> String {
    format!("job-{i}")
}

/// One job in ten never ends: those are the ones removed.
fn removed(i: usize) -> bool {
    i % 10 == 5
}

/// Jobs end between 30 and 270 simulated seconds (0.5 to 4.5 real ones),
/// spread, except the removed ones, which stay at 50 % for ever.
fn simulator() -> Simulator {
    let jobs: Vec<String> = (0..JOBS)
        .map(|i| {
            let active = r#"{"at_seconds":0,"state":"Active","percentage":50}"#;
            let end = if removed(i) {
                String::new()
            } else {
                let at = 30 + (i * 7919) % 240;
                format!(r#",{{"at_seconds":{at},"state":"Success","percentage":100}}"#)
            };
            format!(r#""{}":{{"points":[{active}{end}]}}"#, job(i))
        })
        .collect();
    let scenario = format!(r#"{{"time_scale":60,"jobs":{{{}}}}}"#, jobs.join(","));
    Simulator::builder(Scenario::from_json(&scenario).unwrap())
        .start_blocking()
        .unwrap()
}

/// What the submitter does after event number `n` (from 1): insert the next
/// job, remove an earlier one that never ends, close after the last.
enum Change {
    Insert(usize),
    Remove(usize),
    Close,
}

fn changes_after_event(n: usize) -> Vec<Change> {
    let next = FIRST + n - 1;
    let mut changes = Vec::new();
    if next < JOBS {
        changes.push(Change::Insert(next));
        if next >= REMOVE_AFTER && removed(next - REMOVE_AFTER) {
            changes.push(Change::Remove(next - REMOVE_AFTER));
        }
        if next == JOBS - 1 {
            // The removed jobs inserted last, then no more jobs.
            let last = (JOBS - REMOVE_AFTER..JOBS).filter(|&i| removed(i));
            changes.extend(last.map(Change::Remove));
            changes.push(Change::Close);
        }
    }
    changes
}

/// Every job's one `Finished`: success for those kept, `Cancelled` for the removed.
fn check(finished: &HashMap<String, Event>, events: usize) {
    assert_eq!(finished.len(), JOBS, "{events} events");
    for i in 0..JOBS {
        let EventKind::Finished(outcome) = &finished[&job(i)].kind else {
            unreachable!()
        };
        match outcome {
            Ok(progress) => assert!(!removed(i) && progress.is_success(), "{i}: {progress:?}"),
            Err(error) => assert!(
                removed(i) && error.kind() == ErrorKind::Cancelled,
                "job {i}: {error}"
            ),
        }
    }
}

fn collect(finished: &mut HashMap<String, Event>, event: Event) {
    if event.is_final() {
        let job = event.job.clone();
        assert!(finished.insert(job, event).is_none(), "a second Finished");
    }
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_set_sees_every_job_end_and_every_removed_one_cancelled() {
    use futures_util::StreamExt;
    let sim = simulator();
    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .intervals([POLL])
        .build()
        .unwrap();
    let (watches, mut events) = client.watches();
    for i in 0..FIRST {
        assert_eq!(watches.insert(job(i)), Insertion::Started);
    }
    assert_eq!(watches.insert(job(0)), Insertion::AlreadyWatched);
    assert!(watches.contains(job(0)));
    let (ticks, mut ticked) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let submitter = {
        let watches = watches.clone();
        tokio::spawn(async move {
            while let Some(n) = ticked.recv().await {
                for change in changes_after_event(n) {
                    match change {
                        Change::Insert(i) => assert!(watches.insert(job(i)).started()),
                        Change::Remove(i) => assert!(watches.remove(job(i)), "job {i}"),
                        Change::Close => watches.close(),
                    }
                }
            }
        })
    };
    drop(watches.clone());
    let mut finished = HashMap::new();
    let mut count = 0;
    while let Some(event) = events.next().await {
        count += 1;
        let _ = ticks.send(count);
        collect(&mut finished, event);
    }
    drop(ticks);
    submitter.await.unwrap();
    check(&finished, count);
    assert_eq!(watches.len(), 0);
    assert_eq!(watches.insert(job(0)), Insertion::Closed);
}

#[cfg(feature = "blocking")]
#[test]
fn a_blocking_set_sees_every_job_end_and_every_removed_one_cancelled() {
    let sim = simulator();
    let client = itwin_job_progress::blocking::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .intervals([POLL])
        .build()
        .unwrap();
    let (watches, events) = client.watches();
    for i in 0..FIRST {
        assert_eq!(watches.insert(job(i)), Insertion::Started);
    }
    assert_eq!(watches.insert(job(0)), Insertion::AlreadyWatched);
    let (ticks, ticked) = std::sync::mpsc::channel::<usize>();
    let submitter = {
        let watches = watches.clone();
        std::thread::spawn(move || {
            for n in ticked {
                for change in changes_after_event(n) {
                    match change {
                        Change::Insert(i) => assert!(watches.insert(job(i)).started()),
                        Change::Remove(i) => assert!(watches.remove(job(i)), "job {i}"),
                        Change::Close => watches.close(),
                    }
                }
            }
        })
    };
    let mut finished = HashMap::new();
    let mut count = 0;
    for event in events {
        count += 1;
        let _ = ticks.send(count);
        collect(&mut finished, event);
    }
    drop(ticks);
    submitter.join().unwrap();
    check(&finished, count);
    assert_eq!(watches.len(), 0);
    assert_eq!(watches.insert(job(0)), Insertion::Closed);
}

#[cfg(feature = "runtime-tokio")]
#[tokio::test]
async fn an_open_empty_set_waits_for_its_next_job_and_a_closed_one_ends() {
    use futures_util::{FutureExt, StreamExt};
    let sim = simulator();
    let client = itwin_job_progress::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .build()
        .unwrap();
    let (watches, mut events) = client.watches();
    assert!(events.next().now_or_never().is_none(), "an open set waits");
    assert!(watches.insert(job(0)).started());
    assert!(watches.remove(job(0)));
    assert!(!watches.contains(job(0)));
    assert!(!watches.remove(job(0)), "removed once");
    let event = events.next().await.unwrap();
    let EventKind::Finished(Err(error)) = &event.kind else {
        panic!("{event:?}")
    };
    assert_eq!(
        (event.job.as_str(), error.kind()),
        ("job-0", ErrorKind::Cancelled)
    );
    assert!(events.next().now_or_never().is_none(), "empty but open");
    watches.close();
    assert!(events.next().await.is_none());
}
