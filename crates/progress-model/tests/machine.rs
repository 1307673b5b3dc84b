//! The rules of "The watch", table by table, with exact waits.

use std::time::{Duration, Instant, SystemTime};

use progress_model::{
    Error, ErrorKind, Event, EventKind, HttpResponse, JobId, JobState, PollPolicy, Progress, Step,
    Watch,
};

/// One scripted answer from the service.
enum Reply {
    Ok(Option<f64>, &'static str),
    Status(u16, Vec<(&'static str, String)>),
    Down,
}

use Reply::*;

fn ok(percentage: f64, state: &'static str) -> Reply {
    Ok(Some(percentage), state)
}

fn status(code: u16) -> Reply {
    Status(code, vec![])
}

fn retry_after(code: u16, value: &str) -> Reply {
    Status(code, vec![("retry-after", value.to_owned())])
}

/// What a driver saw: the waits in seconds, the emitted percentages, whether
/// each fetch asked for a fresh token, and the outcome.
#[derive(Debug)]
struct Trace {
    waits: Vec<u64>,
    emitted: Vec<Option<f64>>,
    fresh_tokens: Vec<bool>,
    /// Each retry announced: why, and how long the wait before it.
    retries: Vec<(ErrorKind, u64)>,
    outcome: Result<Progress, Error>,
}

/// The wall time the manual clock starts at: Tue, 14 Nov 2023 22:13:20 GMT.
const WALL_START: u64 = 1_700_000_000;

fn response(reply: &Reply) -> Result<HttpResponse, Error> {
    let (status, headers, body) = match reply {
        Ok(percentage, state) => {
            let percentage = percentage.map_or("null".to_owned(), |p| p.to_string());
            let body = format!(r#"{{"progress":{{"percentage":{percentage},"state":"{state}"}}}}"#);
            (200, vec![], body)
        }
        Status(code, headers) => (*code, headers.clone(), String::new()),
        Down => {
            return Err(Error::connect("refused"));
        }
    };
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(name, value.parse().unwrap());
    }
    Result::Ok(HttpResponse::new(status, map, body.into_bytes()))
}

fn run_with(policy: PollPolicy, can_refresh: bool, script: Vec<Reply>) -> Trace {
    let mut watch = Watch::new(job(), policy, 1 << 20, can_refresh);
    let start = Instant::now();
    let mut elapsed = Duration::ZERO;
    let mut script = script.into_iter();
    let mut trace = Trace {
        waits: vec![],
        emitted: vec![],
        fresh_tokens: vec![],
        retries: vec![],
        outcome: Err(Error::Config("unset".into())),
    };
    loop {
        match watch.step(start + elapsed) {
            Step::Fetch(progress_model::Fetch { fresh_token, .. }) => {
                trace.fresh_tokens.push(fresh_token);
                let reply = script
                    .next()
                    .expect("the machine fetched past the end of the script");
                let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(WALL_START) + elapsed;
                watch.on_response(start + elapsed, wall, response(&reply));
            }
            Step::Event(Event {
                kind: EventKind::Observed(progress),
                ..
            }) => trace.emitted.push(progress.percentage),
            Step::Event(Event {
                kind: EventKind::Retrying { error, wait, .. },
                ..
            }) => trace.retries.push((error.kind(), wait.as_secs())),
            Step::Wait(until) => {
                let duration = until - (start + elapsed);
                assert_eq!(duration.subsec_nanos(), 0, "waits here are whole seconds");
                trace.waits.push(duration.as_secs());
                elapsed += duration;
            }
            Step::Event(Event {
                kind: EventKind::Finished(outcome),
                ..
            }) => {
                assert!(
                    script.next().is_none(),
                    "the watch ended before the script did"
                );
                trace.outcome = outcome;
                return trace;
            }
            Step::Event(_) => {} // a refreshed token
        }
    }
}

fn job() -> JobId {
    JobId::new("job-1").unwrap()
}

fn run(script: Vec<Reply>) -> Trace {
    run_with(PollPolicy::default(), true, script)
}

fn error_kind(trace: &Trace) -> ErrorKind {
    trace.outcome.as_ref().unwrap_err().kind()
}

#[test]
fn the_ladder_climbs_while_nothing_changes_and_stays_at_the_top() {
    let trace = run(vec![
        ok(5.0, "active"),
        ok(5.0, "active"),
        ok(5.0, "active"),
        ok(5.0, "active"),
        ok(5.0, "active"),
        ok(5.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.waits, [15, 30, 60, 120, 120, 120]);
    assert_eq!(trace.outcome.unwrap().state, JobState::Success);
}

#[test]
fn a_percentage_change_restarts_the_ladder() {
    let trace = run(vec![
        ok(1.0, "active"),
        ok(1.0, "active"),
        ok(2.0, "active"),
        ok(2.0, "active"),
        ok(3.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.waits, [15, 30, 15, 30, 15]);
}

#[test]
fn a_change_after_reaching_the_top_rung_restarts_at_the_bottom() {
    let trace = run(vec![
        ok(1.0, "active"),
        ok(1.0, "active"),
        ok(1.0, "active"),
        ok(1.0, "active"),
        ok(1.0, "active"),
        ok(9.0, "active"),
        ok(9.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.waits, [15, 30, 60, 120, 120, 15, 30]);
}

#[test]
fn a_state_change_without_a_percentage_change_still_climbs() {
    let trace = run(vec![
        ok(0.0, "queued"),
        ok(0.0, "active"),
        ok(0.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.waits, [15, 30, 60]);
}

#[test]
fn a_missing_percentage_is_emitted_as_absent_and_counts_as_a_value() {
    let trace = run(vec![
        Ok(None, "active"),
        Ok(None, "active"),
        ok(3.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.emitted, [None, None, Some(3.0), Some(100.0)]);
    assert_eq!(trace.waits, [15, 30, 15]);
}

#[test]
fn every_observation_is_emitted_before_its_wait_and_the_first_fetch_is_immediate() {
    let mut watch = Watch::new(job(), PollPolicy::default(), 1024, true);
    let now = Instant::now();
    assert!(
        matches!(watch.step(now), Step::Fetch(actual) if actual == progress_model::Fetch::once(job()))
    );
    watch.on_response(now, SystemTime::now(), response(&ok(7.0, "active")));
    assert!(
        matches!(watch.step(now), Step::Event(Event { kind: EventKind::Observed(p), .. }) if p.percentage == Some(7.0))
    );
    assert!(matches!(watch.step(now), Step::Wait(until) if until == now + Duration::from_secs(15)));
    assert!(
        matches!(watch.step(now), Step::Fetch(actual) if actual == progress_model::Fetch::once(job()))
    );
}

#[test]
fn each_terminal_state_ends_the_watch_with_that_progress() {
    for state in ["success", "failed", "cancelled", "over", "Over", "FAILED"] {
        let trace = run(vec![ok(10.0, "active"), ok(100.0, state)]);
        let outcome = trace.outcome.unwrap();
        assert!(outcome.is_terminal(), "{state}");
        assert_eq!(outcome.state.as_str(), state.to_ascii_lowercase());
        assert_eq!(
            trace.emitted.len(),
            2,
            "the terminal observation is emitted too"
        );
    }
}

#[test]
fn unknown_and_dialect_states_keep_the_watch_going() {
    let trace = run(vec![
        ok(0.0, "Unsubmitted"),
        ok(0.0, "Queued"),
        ok(10.0, "Terminating"),
        ok(10.0, "TerminatingOnCancel"),
        ok(10.0, "Cancelled"),
    ]);
    assert_eq!(trace.waits, [15, 30, 15, 30]);
    assert_eq!(trace.outcome.unwrap().state, JobState::Cancelled);
}

#[test]
fn retry_after_is_honoured_above_the_rung_and_the_rung_wins_below_it() {
    let cases: Vec<(Reply, u64)> = vec![
        (retry_after(429, "5"), 30),
        (retry_after(429, "100"), 100),
        // 90 s after the wall start, resolved when the 429 arrives 15 s in.
        (retry_after(429, "Tue, 14 Nov 2023 22:14:50 GMT"), 75),
        (retry_after(429, "Tue, 14 Nov 2023 22:00:00 GMT"), 30),
        (retry_after(429, "-20"), 30),
        (retry_after(429, "tomorrow"), 30),
        (status(429), 30),
    ];
    for (reply, expected) in cases {
        // After the first observation, at 15 s of wall time the 429 advances to the 30 s rung.
        let trace = run(vec![ok(1.0, "active"), reply, ok(100.0, "success")]);
        assert_eq!(trace.waits, [15, expected]);
    }
}

#[test]
fn rate_limits_climb_the_ladder_and_do_not_count_as_failures() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.max_retries = 1;
        policy
    };
    let trace = run_with(
        policy,
        true,
        vec![
            status(429),
            status(429),
            status(429),
            ok(5.0, "active"),
            ok(100.0, "success"),
        ],
    );
    assert_eq!(trace.waits, [15, 30, 60, 15]);
    assert!(trace.outcome.is_ok());
}

fn transient(index: usize) -> Reply {
    match index % 7 {
        0 => status(500),
        1 => status(502),
        2 => status(503),
        3 => status(504),
        4 => status(408),
        5 => Ok(Some(1.0), "not json\""),
        _ => Down,
    }
}

#[test]
fn transient_failures_are_retried_up_to_max_retries_then_the_last_error_ends_the_watch() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.max_retries = 3;
        policy
    };
    let script: Vec<Reply> = std::iter::once(ok(1.0, "active"))
        .chain((0..4).map(transient))
        .collect();
    let trace = run_with(policy, true, script);
    assert_eq!(trace.waits, [15, 30, 60, 120]);
    match trace.outcome {
        Err(Error::RetriesExhausted { attempts, last, .. }) => {
            assert_eq!(attempts, 4);
            assert_eq!(last.status(), Some(504));
        }
        other => panic!("expected retries_exhausted, got {other:?}"),
    }
}

#[test]
fn every_kind_of_transient_failure_is_retried() {
    for index in 0..7 {
        let trace = run(vec![transient(index), ok(100.0, "success")]);
        assert_eq!(trace.waits, [15], "failure {index}");
        assert!(trace.outcome.is_ok(), "failure {index}");
    }
}

#[test]
fn a_success_resets_the_failure_count() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.max_retries = 2;
        policy
    };
    let script = vec![
        status(503),
        status(503),
        ok(1.0, "active"),
        status(503),
        status(503),
        ok(100.0, "success"),
    ];
    let trace = run_with(policy, true, script);
    assert_eq!(trace.waits, [15, 30, 15, 30, 60]);
    assert!(trace.outcome.is_ok());
}

#[test]
fn zero_retries_gives_up_at_the_first_failure() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.max_retries = 0;
        policy
    };
    let trace = run_with(policy, true, vec![status(500)]);
    assert!(trace.waits.is_empty());
    assert_eq!(error_kind(&trace), ErrorKind::RetriesExhausted);
}

#[test]
fn final_statuses_end_the_watch_at_once() {
    for (code, kind) in [
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (400, ErrorKind::Status),
        (301, ErrorKind::Redirect),
    ] {
        let trace = run(vec![ok(1.0, "active"), status(code)]);
        assert_eq!(trace.waits, [15], "{code}");
        assert_eq!(error_kind(&trace), kind, "{code}");
    }
}

#[test]
fn a_401_asks_for_a_fresh_token_and_retries_at_once() {
    let trace = run(vec![
        ok(1.0, "active"),
        status(401),
        ok(2.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.fresh_tokens, [false, false, true, false]);
    assert_eq!(trace.waits, [15, 15], "no wait before the retry");
    assert!(trace.outcome.is_ok());
}

#[test]
fn a_second_401_in_a_row_ends_the_watch() {
    let trace = run(vec![status(401), status(401)]);
    assert_eq!(trace.fresh_tokens, [false, true]);
    assert_eq!(error_kind(&trace), ErrorKind::Unauthorized);
}

#[test]
fn a_later_401_gets_its_own_fresh_token() {
    let trace = run(vec![
        status(401),
        ok(1.0, "active"),
        status(401),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.fresh_tokens, [false, true, false, true]);
    assert!(trace.outcome.is_ok());
}

#[test]
fn only_a_200_earns_another_fresh_token() {
    // 401, refresh, 429, 401: the 429 is no proof the fresh token works, so
    // the second 401 ends the watch instead of refreshing tokens forever.
    let trace = run(vec![status(401), status(429), status(401)]);
    assert_eq!(trace.fresh_tokens, [false, true, false]);
    assert_eq!(error_kind(&trace), ErrorKind::Unauthorized);

    let trace = run(vec![status(401), status(503), status(401)]);
    assert_eq!(trace.fresh_tokens, [false, true, false]);
    assert_eq!(error_kind(&trace), ErrorKind::Unauthorized);
}

#[test]
fn a_401_with_a_token_that_cannot_refresh_is_final() {
    let trace = run_with(PollPolicy::default(), false, vec![status(401)]);
    assert_eq!(trace.fresh_tokens, [false]);
    assert_eq!(error_kind(&trace), ErrorKind::Unauthorized);
}

#[test]
fn the_deadline_ends_the_watch_before_a_wait_would_pass_it() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(100));
        policy
    };
    // 15 + 30 = 45 s; the next wait of 60 s would end at 105 s, past the deadline.
    let trace = run_with(
        policy,
        true,
        vec![ok(3.0, "active"), ok(3.0, "active"), ok(3.0, "queued")],
    );
    assert_eq!(trace.waits, [15, 30]);
    let error = trace.outcome.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Deadline);
    assert_eq!(error.last_progress().unwrap().state, JobState::Queued);
    assert_eq!(
        trace.emitted.len(),
        3,
        "the last observation comes before the deadline error"
    );
}

#[test]
fn a_wait_that_ends_exactly_at_the_deadline_is_allowed() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(45));
        policy
    };
    let trace = run_with(
        policy,
        true,
        vec![ok(3.0, "active"), ok(3.0, "active"), ok(100.0, "success")],
    );
    assert_eq!(trace.waits, [15, 30]);
    assert!(trace.outcome.is_ok());
}

#[test]
fn a_retry_after_past_the_deadline_ends_the_watch() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(600));
        policy
    };
    let trace = run_with(policy, true, vec![retry_after(429, "3600")]);
    assert!(trace.waits.is_empty());
    assert_eq!(error_kind(&trace), ErrorKind::Deadline);
}

#[test]
fn once_done_the_machine_keeps_saying_done() {
    let mut watch = Watch::new(job(), PollPolicy::default(), 1024, true);
    let now = Instant::now();
    watch.step(now);
    watch.on_response(now, SystemTime::now(), response(&status(404)));
    for _ in 0..3 {
        assert!(matches!(
            watch.step(now),
            Step::Event(Event {
                kind: EventKind::Finished(Err(Error::NotFound(_))),
                ..
            })
        ));
    }
}

#[test]
fn custom_intervals_are_followed() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.intervals = vec![Duration::from_secs(1), Duration::from_secs(4)];
        policy
    };
    let trace = run_with(
        policy,
        true,
        vec![
            ok(1.0, "active"),
            ok(1.0, "active"),
            ok(1.0, "active"),
            ok(100.0, "success"),
        ],
    );
    assert_eq!(trace.waits, [1, 4, 4]);
}

#[test]
fn a_watch_of_an_invalid_id_ends_before_anything_is_sent() {
    let mut watch = Watch::for_job(&progress_model::Settings::default(), "..", true);
    let now = Instant::now();
    assert!(matches!(
        watch.step(now),
        Step::Event(Event {
            kind: EventKind::Finished(Err(Error::InvalidJobId { .. })),
            ..
        })
    ));
    assert!(matches!(
        watch.step(now),
        Step::Event(Event {
            kind: EventKind::Finished(Err(Error::InvalidJobId { .. })),
            ..
        })
    ));
}

#[test]
fn iterators_yield_observations_then_only_the_error_that_ended_the_watch() {
    let progress = {
        let mut progress = Progress::new(JobState::Success);
        progress.percentage = Some(1.0);
        progress
    };
    let event = |kind| Event::new("job-1", kind);
    assert!(matches!(
        event(EventKind::Observed(progress.clone())).into_observation(),
        Some(Result::Ok(_))
    ));
    let finished = event(EventKind::Finished(Result::Ok(progress)));
    assert!(finished.into_observation().is_none());
    assert!(
        event(EventKind::TokenRefreshed)
            .into_observation()
            .is_none()
    );
    let error = Error::Config("x".into());
    assert!(matches!(
        event(EventKind::Finished(Err(error))).into_observation(),
        Some(Err(_))
    ));
}

#[test]
fn an_observation_is_handed_on_before_its_wait_and_the_end_after_the_terminal_one() {
    let mut watch = Watch::new(job(), PollPolicy::default(), 1024, true);
    let mut replies = vec![ok(100.0, "success"), ok(5.0, "active")];
    let start = Instant::now();
    let mut now = start;
    let mut log = Vec::new();
    loop {
        match watch.step(now) {
            Step::Fetch(_) => {
                log.push("fetch".to_owned());
                let reply = response(&replies.pop().unwrap());
                watch.on_response(now, SystemTime::now(), reply);
            }
            Step::Wait(until) => {
                log.push(format!("wait {}", (until - now).as_secs()));
                now = until;
            }
            Step::Event(event) => {
                let last = event.is_final();
                log.push(match event.kind {
                    EventKind::Observed(progress) => format!("{:?}", progress.state),
                    EventKind::Finished(outcome) => format!("finished: {}", outcome.is_ok()),
                    other => format!("{other:?}"),
                });
                if last {
                    break;
                }
            }
        }
    }
    assert_eq!(
        log,
        [
            "fetch",
            "Active",
            "wait 15",
            "fetch",
            "Success",
            "finished: true"
        ]
    );
}

#[test]
fn huge_deadlines_and_retry_afters_neither_overflow_nor_park_the_watch_for_years() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::MAX);
        policy
    };
    let trace = run_with(
        policy,
        true,
        vec![
            retry_after(429, "18446744073709551615"),
            ok(100.0, "success"),
        ],
    );
    assert_eq!(trace.waits, [progress_model::MAX_RETRY_AFTER.as_secs()]);
    assert!(trace.outcome.is_ok());
}

#[test]
fn a_fetch_near_the_deadline_carries_the_time_left_to_cap_its_timeout() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(20));
        policy
    };
    let mut watch = Watch::new(job(), policy, 1024, true);
    let start = Instant::now();
    let Step::Fetch(first) = watch.step(start) else {
        panic!("fetch first")
    };
    assert_eq!(first.time_left, Some(Duration::from_secs(20)));
    watch.on_response(start, SystemTime::now(), response(&ok(1.0, "active")));
    watch.step(start);
    assert!(
        matches!(watch.step(start), Step::Wait(actual) if actual == start + Duration::from_secs(15))
    );
    let Step::Fetch(second) = watch.step(start + Duration::from_secs(15)) else {
        panic!("fetch")
    };
    assert_eq!(second.time_left, Some(Duration::from_secs(5)));
    assert_eq!(
        second.timeout(Duration::from_secs(30)),
        Duration::from_secs(5)
    );
    assert_eq!(
        progress_model::Fetch::once(job()).timeout(Duration::from_secs(30)),
        Duration::from_secs(30)
    );
    // The token call and the request share that bound: the request gets what
    // the token call left, never less than a second.
    let thirty = Duration::from_secs(30);
    assert_eq!(second.token_timeout(thirty), Duration::from_secs(5));
    assert_eq!(
        second.request_timeout_after_token(thirty, Duration::from_secs(3)),
        Duration::from_secs(2)
    );
    assert_eq!(
        second.request_timeout_after_token(thirty, Duration::from_secs(5)),
        Duration::from_secs(1)
    );
}

/// Found by `cargo xtask soak` (stalls with a 500 ms request timeout): the
/// one-second floor raised a configured timeout shorter than a second, so
/// a stalled poll at the deadline held the watch a second past it.
#[test]
fn a_request_timeout_under_a_second_is_never_raised_to_the_floor() {
    let half = Duration::from_millis(500);
    let fetch = progress_model::Fetch::once(job());
    assert_eq!(fetch.timeout(half), half);
    assert_eq!(
        fetch.request_timeout_after_token(half, Duration::ZERO),
        half
    );
    // The floor is the configured timeout itself when that is shorter.
    assert_eq!(
        fetch.request_timeout_after_token(half, Duration::from_millis(100)),
        half
    );
    // Right at the deadline the floor still holds, up to the configured timeout.
    let mut settings = progress_model::Settings::default();
    settings.policy.deadline = Some(Duration::from_secs(10));
    settings.policy.intervals = vec![Duration::from_secs(10)];
    let mut watch = Watch::for_job(&settings, "job-1", true);
    let start = Instant::now();
    watch.step(start);
    watch.on_response(start, SystemTime::now(), response(&ok(1.0, "active")));
    watch.step(start);
    watch.step(start);
    let Step::Fetch(at_deadline) = watch.step(start + Duration::from_secs(10)) else {
        panic!("the wait ending on the deadline earns its poll")
    };
    assert_eq!(at_deadline.time_left, Some(Duration::ZERO));
    assert_eq!(
        at_deadline.request_timeout_after_token(half, Duration::ZERO),
        half
    );
    assert_eq!(
        at_deadline.request_timeout_after_token(Duration::from_secs(30), Duration::ZERO),
        Duration::from_secs(1)
    );
}

#[test]
fn a_503_with_retry_after_waits_as_asked() {
    let trace = run(vec![retry_after(503, "90"), ok(100.0, "success")]);
    assert_eq!(trace.waits, [90]);
}

#[test]
fn a_policy_without_rungs_ends_the_watch_with_a_config_error_instead_of_panicking() {
    for intervals in [vec![], vec![Duration::ZERO]] {
        let policy = {
            let mut policy = PollPolicy::default();
            policy.intervals = intervals;
            policy
        };
        let mut watch = Watch::new(job(), policy, 1024, true);
        assert!(matches!(
            watch.step(Instant::now()),
            Step::Event(Event {
                kind: EventKind::Finished(Err(Error::Config(_))),
                ..
            })
        ));
    }
}

#[test]
fn a_deadline_during_failures_tells_which_failure_kept_the_progress_old() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(50));
        policy
    };
    let trace = run_with(
        policy,
        true,
        vec![ok(3.0, "active"), status(503), status(503)],
    );
    assert_eq!(trace.waits, [15, 30]);
    match trace.outcome.unwrap_err() {
        Error::Deadline { last, failing, .. } => {
            assert_eq!(last.unwrap().percentage, Some(3.0));
            assert_eq!(failing.unwrap().status(), Some(503));
        }
        other => panic!("expected a deadline, got {other}"),
    }
}

#[test]
fn each_retried_failure_is_announced_with_its_wait_before_the_wait() {
    let trace = run(vec![
        ok(1.0, "active"),
        retry_after(429, "100"),
        status(503),
        ok(1.0, "active"),
        ok(100.0, "success"),
    ]);
    assert_eq!(trace.waits, [15, 100, 60, 120]);
    assert_eq!(
        trace.retries,
        [(ErrorKind::RateLimited, 100), (ErrorKind::Unavailable, 60)]
    );
}

#[test]
fn no_retry_is_announced_when_the_deadline_ends_the_watch_instead() {
    let policy = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_secs(10));
        policy
    };
    let trace = run_with(policy, true, vec![status(503)]);
    assert!(trace.retries.is_empty());
    assert_eq!(error_kind(&trace), ErrorKind::Deadline);
}

/// A watch started late (queued behind others, or its id read late) gets no
/// extra time: its deadline counts from the instant it was given.
#[test]
fn a_deadline_counts_from_the_instant_given_not_from_the_first_step() {
    let mut settings = progress_model::Settings::default();
    settings.policy.deadline = Some(Duration::from_secs(3));
    let asked = Instant::now();
    let first_step = asked + Duration::from_secs(4);
    let options = progress_model::WatchOptions::new().started_at(asked);
    let mut late = Watch::for_job_with(&settings, "job-1", true, &options);
    assert!(matches!(
        late.step(first_step),
        Step::Event(Event {
            kind: EventKind::Finished(Err(Error::Deadline { .. })),
            ..
        })
    ));
    let mut fresh = Watch::for_job(&settings, "job-1", true);
    assert!(matches!(fresh.step(first_step), Step::Fetch(_)));
}

/// A retry tells how long the watch keeps retrying should every attempt
/// fail: the retries left on the ladder, cut at the deadline; a 429 uses up
/// no retry, so only a deadline bounds it.
#[test]
fn a_retry_says_how_long_the_watch_keeps_retrying_at_most() {
    let retry_after = |reply: Reply, deadline: Option<u64>| {
        let mut settings = progress_model::Settings::default();
        settings.policy.deadline = deadline.map(Duration::from_secs);
        let mut watch = Watch::for_job(&settings, "job-1", true);
        let start = Instant::now();
        assert!(matches!(watch.step(start), Step::Fetch(_)));
        watch.on_response(start, SystemTime::now(), response(&reply));
        match watch.step(start) {
            Step::Event(event) => event.retry().expect("a retry"),
            other => panic!("{other:?}"),
        }
    };
    // 15 s, then 30, 60, 120 and 120 before the four retries left: 345 s.
    let unavailable = retry_after(status(503), None);
    assert_eq!(unavailable.gives_up_after, Some(Duration::from_secs(345)));
    assert!(
        unavailable
            .to_string()
            .starts_with("retrying in 15 s (gives up after about 6 min of failures): "),
        "{unavailable}"
    );
    let within_a_deadline = retry_after(status(503), Some(100));
    assert_eq!(
        within_a_deadline.gives_up_after,
        Some(Duration::from_secs(100))
    );
    let rate_limited = retry_after(status(429), None);
    assert_eq!(rate_limited.gives_up_after, None);
    assert!(
        rate_limited.to_string().starts_with("retrying in 15 s: "),
        "{rate_limited}"
    );
    assert_eq!(
        retry_after(status(429), Some(100)).gives_up_after,
        Some(Duration::from_secs(100))
    );
}
