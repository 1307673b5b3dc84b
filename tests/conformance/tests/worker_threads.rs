//! The blocking `watch_many`'s worker threads, counted in this process.
//! A test binary of its own: the count is the whole process's, so no other
//! test may start or end threads while it runs.

use std::collections::BTreeMap;
use std::time::Duration;

use progress_model::{EventKind, JobState, ManualClock};

mod support;

use support::{job, simulator};

/// Threads of this process, as the kernel counts them.
#[cfg(target_os = "linux")]
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("Threads:"))
        .unwrap();
    line["Threads:".len()..].trim().parse().unwrap()
}

/// The thread count once joined threads have left it. `join` returns when
/// a thread has run its last instruction; the kernel takes it off the
/// count a moment later (seen under load: 5 counted, 3 named just after).
/// So the count is read again, for at most a second, while it is above
/// `expected`: a thread really left running stays counted.
#[cfg(target_os = "linux")]
fn threads_settled_at(expected: usize) -> usize {
    let give_up = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let count = threads();
        if count <= expected || std::time::Instant::now() >= give_up {
            return count;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The names of this process's threads, to say which one is left.
#[cfg(target_os = "linux")]
fn thread_names() -> Vec<String> {
    let tasks = std::fs::read_dir("/proc/self/task").unwrap();
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect()
}

/// 200 jobs watched by one blocking `watch_many`: every job's success is
/// seen, from at most `max_in_flight` worker threads, all ended with the
/// iterator.
#[cfg(target_os = "linux")]
#[test]
fn two_hundred_blocking_watches_use_a_bounded_set_of_threads() {
    const JOBS: usize = 200;
    const WORKERS: usize = 8;
    let (sim, sim_clock) = simulator(JOBS, None);
    let clock = ManualClock::default();
    let moved = clock.clone();
    let client = progress_ureq::Client::builder()
        .base_url(sim.base_url())
        .token("tok")
        .clock(clock)
        .jitter_seed(7)
        .max_in_flight(WORKERS)
        .sleeper(move |wait: Duration| {
            moved.advance(wait);
            sim_clock.advance(wait.as_secs_f64());
        })
        .build()
        .unwrap();
    let before = threads();
    let mut most = before;
    let mut finished = BTreeMap::new();
    for event in client.watch_many((0..JOBS).map(job)) {
        most = most.max(threads());
        if let EventKind::Finished(outcome) = event.kind {
            finished.insert(event.job, outcome.unwrap().state);
        }
    }
    assert_eq!(finished.len(), JOBS);
    assert!(finished.values().all(|state| *state == JobState::Success));
    assert!(most <= before + WORKERS, "{most} threads, {before} before");
    assert_eq!(
        threads_settled_at(before),
        before,
        "a worker outlived the iterator: {:?}",
        thread_names()
    );
}
