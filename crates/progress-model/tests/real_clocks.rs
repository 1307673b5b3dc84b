//! Deadlines under clocks that keep running: a consumer that takes its time
//! between items, and a sleeper that wakes late. Waits are instants, so the
//! consumer's time shortens the next sleep, and a wait the deadline allowed
//! still earns its poll.

use std::time::{Duration, SystemTime};

use progress_model::{
    Clock, Error, ErrorKind, EventKind, HttpResponse, JobId, ManualClock, PollPolicy, Progress,
    Step, Watch,
};

fn active(percentage: u32) -> HttpResponse {
    progress(percentage, "active")
}

fn progress(percentage: u32, state: &str) -> HttpResponse {
    let body = format!(r#"{{"progress":{{"percentage":{percentage},"state":"{state}"}}}}"#);
    HttpResponse::new(200, http::HeaderMap::new(), body.into_bytes())
}

fn watch(intervals_secs: u64, deadline_secs: u64) -> Watch {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.intervals = vec![Duration::from_secs(intervals_secs)];
        policy.deadline = Some(Duration::from_secs(deadline_secs));
        policy
    };
    Watch::new(JobId::new("job").unwrap(), policy, 1 << 20, true)
}

/// What a driver saw: when each fetch went out and each sleep it was asked for.
#[derive(Debug, Default)]
struct Log {
    fetched_at: Vec<Duration>,
    sleeps: Vec<Duration>,
}

/// Runs `watch` to its end with `clock`: the consumer spends `consumer` on each
/// item, the sleeper oversleeps by `late`, and the server answers `replies` in order.
fn drive(
    watch: &mut Watch,
    clock: &ManualClock,
    consumer: Duration,
    late: Duration,
    replies: Vec<HttpResponse>,
) -> (Log, Vec<Progress>, Result<Progress, Error>) {
    let mut log = Log::default();
    let mut replies = replies.into_iter();
    let mut items = Vec::new();
    loop {
        match watch.step(clock.now()) {
            Step::Fetch(_) => {
                log.fetched_at.push(clock.elapsed());
                let reply = replies.next().expect("a fetch past the script");
                watch.on_response(clock.now(), clock.wall(), Ok(reply));
            }
            Step::Wait(until) => {
                let wait = until.saturating_duration_since(clock.now());
                log.sleeps.push(wait);
                clock.advance(wait + late);
            }
            Step::Event(event) => match event.kind {
                EventKind::Observed(progress) => {
                    items.push(progress);
                    clock.advance(consumer);
                }
                EventKind::Finished(outcome) => return (log, items, outcome),
                _ => {}
            },
        }
    }
}

#[test]
fn a_slow_consumer_shortens_the_next_sleep_and_never_pushes_a_poll_past_the_deadline() {
    let clock = ManualClock::default();
    let mut watch = watch(15, 40);
    let replies = vec![active(10), active(20), active(30), active(40)];
    let (log, items, outcome) = drive(
        &mut watch,
        &clock,
        Duration::from_secs(10),
        Duration::ZERO,
        replies,
    );
    // Polls at 0, 15 and 30 s; the consumer's 10 s come off each 15 s wait.
    assert_eq!(log.sleeps, [Duration::from_secs(5), Duration::from_secs(5)]);
    assert_eq!(
        log.fetched_at,
        [0, 15, 30].map(Duration::from_secs),
        "each poll when its wait says"
    );
    assert_eq!(items.len(), 3);
    let error = outcome.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline, "{error}");
    assert_eq!(error.last_progress().and_then(|p| p.percentage), Some(30.0));
}

#[test]
fn a_wait_ending_on_the_deadline_earns_its_poll_even_when_the_sleeper_wakes_late() {
    let clock = ManualClock::default();
    let mut watch = watch(15, 15);
    let replies = vec![active(10), progress(100, "success")];
    let (log, _, outcome) = drive(
        &mut watch,
        &clock,
        Duration::ZERO,
        Duration::from_millis(1),
        replies,
    );
    assert_eq!(log.sleeps, [Duration::from_secs(15)]);
    assert_eq!(log.fetched_at.len(), 2, "the poll at the deadline was sent");
    assert_eq!(outcome.unwrap().percentage, Some(100.0));
}

#[test]
fn a_consumer_that_returns_after_the_deadline_ends_the_watch_without_another_poll() {
    let clock = ManualClock::default();
    let mut watch = watch(15, 20);
    let (log, _, outcome) = drive(
        &mut watch,
        &clock,
        Duration::from_secs(60),
        Duration::ZERO,
        vec![active(10)],
    );
    assert_eq!(log.fetched_at.len(), 1);
    assert!(log.sleeps.is_empty(), "{:?}", log.sleeps);
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Deadline);
}

#[test]
fn the_wall_clock_passed_to_the_watch_is_the_clocks() {
    // Retry-After dates resolve against the clock's wall time, late or not.
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let mut watch = watch(15, 100);
    let mut limited = HttpResponse::new(429, http::HeaderMap::new(), Vec::new());
    limited.headers.insert(
        "retry-after",
        "Tue, 14 Nov 2023 22:14:00 GMT".parse().unwrap(),
    );
    let (log, _, outcome) = drive(
        &mut watch,
        &clock,
        Duration::ZERO,
        Duration::ZERO,
        vec![limited, progress(100, "success")],
    );
    assert_eq!(log.sleeps, [Duration::from_secs(40)]);
    assert!(outcome.is_ok());
}
