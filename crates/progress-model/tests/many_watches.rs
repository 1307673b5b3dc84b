//! Many watches on one client, driven together on a simulated clock: the 429
//! pause, the client-side rate, jitter, events, cancellation, with exact instants.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use progress_model::{
    ClientLimits, ClientState, Error, ErrorKind, EventKind, HttpResponse, JobId, PollPolicy, Step,
    Watch,
};

/// One scripted answer.
#[derive(Clone, Copy)]
enum Reply {
    Active(u8),
    Done,
    TooMany(u64),
    /// A 429 without `Retry-After`.
    TooManyBare,
    Unauthorized,
}

fn response(reply: Reply) -> HttpResponse {
    let (status, retry_after, body) = match reply {
        Reply::Active(p) => (
            200,
            None,
            format!(r#"{{"progress":{{"percentage":{p},"state":"active"}}}}"#),
        ),
        Reply::Done => (
            200,
            None,
            r#"{"progress":{"percentage":100,"state":"success"}}"#.to_owned(),
        ),
        Reply::TooMany(after) => (429, Some(after), String::new()),
        Reply::TooManyBare => (429, None, String::new()),
        Reply::Unauthorized => (401, None, String::new()),
    };
    let mut headers = http::HeaderMap::new();
    if let Some(after) = retry_after {
        headers.insert("retry-after", after.to_string().parse().unwrap());
    }
    HttpResponse::new(status, headers, body.into_bytes())
}

/// What the run saw: each request as (job, second sent), the events as
/// (job, second, what), and each watch's outcome kind.
#[derive(Debug, Default)]
struct Run {
    sent: Vec<(usize, f64)>,
    events: Vec<(usize, f64, String)>,
}

/// Drives every watch on one simulated clock, as a one-thread `watch_many`
/// does: always the watch due first (ties in order), each request answered
/// at once from its watch's script.
fn drive(mut watches: Vec<(Watch, Vec<Reply>)>) -> Run {
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut due: Vec<Option<Instant>> = vec![Some(start); watches.len()];
    let mut scripts: Vec<VecDeque<Reply>> = watches
        .iter_mut()
        .map(|(_, s)| s.drain(..).collect())
        .collect();
    let mut run = Run::default();
    let secs = |at: Instant| (at - start).as_secs_f64();
    while let Some((index, now)) = due
        .iter()
        .enumerate()
        .filter_map(|(i, at)| at.map(|at| (i, at)))
        .min_by_key(|(i, at)| (*at, *i))
    {
        let watch = &mut watches[index].0;
        match watch.step(now) {
            Step::Fetch(_) => {
                run.sent.push((index, secs(now)));
                let reply = scripts[index].pop_front().expect("fetched past the script");
                watch.on_response(now, wall + (now - start), Ok(response(reply)));
            }
            Step::Wait(until) => due[index] = Some(until),
            Step::Event(event) => {
                let what = match &event.kind {
                    EventKind::Observed(p) => format!("observed {}", p.percentage.unwrap_or(-1.0)),
                    EventKind::Retrying { error, wait, .. } => {
                        format!("retrying {} {}", error.kind(), wait.as_secs_f64())
                    }
                    EventKind::TokenRefreshed => "token refreshed".to_owned(),
                    EventKind::Finished(Ok(p)) => format!("finished {}", p.state),
                    EventKind::Finished(Err(e)) => format!("finished {}", e.kind()),
                    _ => "other".to_owned(),
                };
                run.events.push((index, secs(now), what));
                if event.is_final() {
                    due[index] = None;
                    assert!(
                        scripts[index].is_empty(),
                        "watch {index} ended before its script"
                    );
                }
            }
        }
    }
    run
}

fn client_state(limits: ClientLimits) -> ClientState {
    ClientState::new(&limits).unwrap()
}

fn limits(jitter: f64, seed: Option<u64>, rate: Option<f64>) -> ClientLimits {
    let mut limits = ClientLimits::default();
    limits.jitter = jitter;
    limits.jitter_seed = seed;
    limits.max_requests_per_second = rate;
    limits
}

fn no_jitter() -> ClientLimits {
    limits(0.0, None, None)
}

fn watch(job: &str, client: &ClientState, deadline: Option<u64>) -> Watch {
    let mut policy = PollPolicy::default();
    policy.deadline = deadline.map(Duration::from_secs);
    Watch::new(JobId::new(job).unwrap(), policy, 1 << 20, true).sharing(client.clone())
}

fn sent_by(run: &Run, job: usize) -> Vec<f64> {
    run.sent
        .iter()
        .filter(|(j, _)| *j == job)
        .map(|(_, at)| *at)
        .collect()
}

#[test]
fn a_429_on_one_job_holds_the_others_until_its_retry_after() {
    use Reply::*;
    let client = client_state(no_jitter());
    // B (0): active at 0 s, so due at 15 s. A (1): 429 with Retry-After 60
    // at 0 s. B is held to 60 s (not woken early, not later than alone plus
    // the pause), then goes on with its own ladder (its next rung, 30 s: 90 s).
    let run = drive(vec![
        (watch("b", &client, None), vec![Active(1), Active(1), Done]),
        (
            watch("a", &client, None),
            vec![TooMany(60), Active(5), Done],
        ),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0, 60.0, 90.0]);
    assert_eq!(sent_by(&run, 1), [0.0, 60.0, 75.0]);
    assert!(
        run.events
            .contains(&(1, 0.0, "retrying rate_limited 60".into()))
    );
}

#[test]
fn watches_sleeping_past_the_pause_are_not_woken_and_keep_their_instants() {
    use Reply::*;
    let client = client_state(no_jitter());
    // B is due at 15 s; A's 429 at 0 s asks for 10 s only: B is not held at all.
    let run = drive(vec![
        (watch("b", &client, None), vec![Active(1), Done]),
        (watch("a", &client, None), vec![TooMany(10), Done]),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0, 15.0]);
    assert_eq!(sent_by(&run, 1), [0.0, 15.0]); // its own rung (15) is longer than 10

    // A watch that had not sent yet when the 429 came waits out the pause.
    let other = client_state(no_jitter());
    let run = drive(vec![
        (watch("a", &other, None), vec![TooMany(10), Done]),
        (watch("c", &other, None), vec![Done]),
    ]);
    assert_eq!(sent_by(&run, 1), [10.0]);
}

#[test]
fn a_day_long_retry_after_pauses_the_other_watches_for_max_client_pause_only() {
    use Reply::*;
    let client = client_state(no_jitter());
    // A's 429 asks for a day: A waits it all; B, due at 15 s, is held only
    // until the client's pause ends at 15 minutes (the default cap).
    let run = drive(vec![
        (watch("b", &client, None), vec![Active(1), Done]),
        (watch("a", &client, None), vec![TooMany(86_400), Done]),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0, 900.0]);
    assert_eq!(sent_by(&run, 1), [0.0, 86_400.0]);

    let mut shorter = no_jitter();
    shorter.max_client_pause = Duration::from_secs(20);
    let client = client_state(shorter);
    let run = drive(vec![
        (watch("b", &client, None), vec![Active(1), Done]),
        (watch("a", &client, None), vec![TooMany(86_400), Done]),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0, 20.0]);
}

#[test]
fn a_429_without_retry_after_pauses_the_client_for_the_rung_and_narrows_it() {
    use Reply::*;
    let client = client_state(no_jitter());
    // A's bare 429 at 0 s: A waits its rung (15 s), and so does the client.
    // C, which had not sent yet, is held until 15 s too.
    let run = drive(vec![
        (watch("a", &client, None), vec![TooManyBare, Done]),
        (watch("c", &client, None), vec![Done]),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0, 15.0]);
    assert_eq!(sent_by(&run, 1), [15.0]);

    // ... and then sends one request at a time, like after any 429.
    let client = client_state(no_jitter());
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH;
    let mut a = watch("a", &client, None);
    assert!(matches!(a.step(start), Step::Fetch(_)));
    a.on_response(start, wall, Ok(response(TooManyBare)));
    let mut c = watch("c", &client, None);
    let resumed = start + Duration::from_secs(15);
    assert!(matches!(c.step(start), Step::Wait(until) if until == resumed));
    assert!(matches!(c.step(resumed), Step::Fetch(fetch) if fetch.one_at_a_time));
}

#[test]
fn a_pause_past_a_watchs_deadline_ends_it_without_a_request() {
    use Reply::*;
    let client = client_state(no_jitter());
    let run = drive(vec![
        (watch("b", &client, Some(60)), vec![Active(1)]),
        (watch("a", &client, None), vec![TooMany(120), Done]),
    ]);
    assert_eq!(sent_by(&run, 0), [0.0]);
    assert!(
        run.events.contains(&(0, 15.0, "finished deadline".into())),
        "{:?}",
        run.events
    );
}

#[test]
fn the_client_rate_spaces_the_first_requests_of_many_watches() {
    use Reply::*;
    let client = client_state(limits(0.0, None, Some(1.0)));
    let run = drive(
        (0..4)
            .map(|i| (watch(&format!("job-{i}"), &client, None), vec![Done]))
            .collect(),
    );
    let mut sent: Vec<f64> = run.sent.iter().map(|(_, at)| *at).collect();
    sent.sort_by(f64::total_cmp);
    assert_eq!(sent, [0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn jitter_lengthens_waits_within_its_share_never_below_the_rung_or_retry_after() {
    use Reply::*;
    let client = client_state(limits(0.1, Some(42), None));
    let run = drive(vec![(
        watch("a", &client, None),
        vec![Active(1), Active(1), TooMany(100), Active(2), Done],
    )]);
    let sent = sent_by(&run, 0);
    let waits: Vec<f64> = sent.windows(2).map(|w| w[1] - w[0]).collect();
    let floors = [15.0, 30.0, 100.0, 15.0];
    for (wait, floor) in waits.iter().zip(floors) {
        assert!(*wait >= floor && *wait < floor * 1.1, "{waits:?}");
    }
    // Seeded: the same seed gives the same waits, and they are not the rungs.
    let again = client_run_with_seed(42);
    assert_eq!(again, sent);
    assert_ne!(waits[0], 15.0);
}

fn client_run_with_seed(seed: u64) -> Vec<f64> {
    use Reply::*;
    let client = client_state(limits(0.1, Some(seed), None));
    let run = drive(vec![(
        watch("a", &client, None),
        vec![Active(1), Active(1), TooMany(100), Active(2), Done],
    )]);
    sent_by(&run, 0)
}

#[test]
fn jitter_never_pushes_a_wait_past_the_deadline() {
    use Reply::*;
    // Deadline 16 s, rung 15 s: jitter of up to 10% would reach 16.5 s.
    for seed in 0..50 {
        let client = client_state(limits(0.1, Some(seed), None));
        let run = drive(vec![(watch("a", &client, Some(16)), vec![Active(1), Done])]);
        let sent = sent_by(&run, 0);
        assert!(sent[1] >= 15.0 && sent[1] <= 16.0, "seed {seed}: {sent:?}");
    }
}

/// A new watch of `client` and the instant it is told to send its first
/// request (kept alive, so that it keeps what it reserved).
fn first_send_of_a_new_watch(client: &ClientState, now: Instant) -> (Watch, Instant) {
    let mut new = watch("new", client, None);
    let at = match new.step(now) {
        Step::Fetch(_) => now,
        Step::Wait(until) => until,
        Step::Event(event) => panic!("{event:?}"),
    };
    (new, at)
}

#[test]
fn watches_that_end_before_their_reserved_send_give_it_back() {
    let client = client_state(limits(0.0, None, Some(1.0)));
    let start = Instant::now();
    let at = |s: u64| start + Duration::from_secs(s);
    let mut first = watch("first", &client, None);
    assert!(matches!(first.step(start), Step::Fetch(_)));
    // 100 watches reserve the sends at 1 to 100 s: 50 are cancelled, 50 dropped.
    let mut waiting: Vec<Watch> = (1..=100)
        .map(|i| {
            let mut watch = watch(&format!("job-{i}"), &client, None);
            assert!(matches!(watch.step(start), Step::Wait(until) if until == at(i)));
            watch
        })
        .collect();
    for watch in &mut waiting[..50] {
        watch.cancel();
    }
    drop(waiting);
    // Nothing else is sending: a new watch gets the first send given back.
    let (_kept, sends_at) = first_send_of_a_new_watch(&client, start);
    assert_eq!(sends_at, at(1));
    let (dropped, sends_at) = first_send_of_a_new_watch(&client, start);
    assert_eq!(sends_at, at(2));
    drop(dropped);
    assert_eq!(first_send_of_a_new_watch(&client, start).1, at(2));

    // A watch whose reserved send would pass its deadline ends at once,
    // and gives the send back too.
    let client = client_state(limits(0.0, None, Some(1.0)));
    let (_sending, sends_at) = first_send_of_a_new_watch(&client, start);
    assert_eq!(sends_at, start);
    // (Half a second: the send it would get is at 1 s; a zero deadline is refused.)
    let mut late = {
        let mut policy = PollPolicy::default();
        policy.deadline = Some(Duration::from_millis(500));
        Watch::new(JobId::new("late").unwrap(), policy, 1 << 20, true).sharing(client.clone())
    };
    assert!(matches!(
        late.step(start),
        Step::Event(event) if matches!(event.kind, EventKind::Finished(Err(Error::Deadline { .. })))
    ));
    assert_eq!(first_send_of_a_new_watch(&client, start).1, at(1));
}

#[test]
fn events_name_the_job_and_tell_of_refreshed_tokens() {
    use Reply::*;
    let client = client_state(no_jitter());
    let run = drive(vec![(
        watch("a", &client, None),
        vec![Unauthorized, Active(3), Done],
    )]);
    let events: Vec<&str> = run.events.iter().map(|(_, _, e)| e.as_str()).collect();
    assert_eq!(
        events,
        [
            "token refreshed",
            "observed 3",
            "observed 100",
            "finished success"
        ]
    );
    let mut lone = watch("job-7", &client, None);
    let Step::Fetch(_) = lone.step(Instant::now()) else {
        panic!()
    };
    lone.cancel();
    match lone.step(Instant::now()) {
        Step::Event(event) => {
            assert_eq!(event.job, "job-7");
            assert!(matches!(
                event.kind,
                EventKind::Finished(Err(Error::Cancelled { .. }))
            ));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cancelled_watch_sends_nothing_more() {
    let client = client_state(no_jitter());
    let mut watch = watch("a", &client, None);
    let now = Instant::now();
    assert!(matches!(watch.step(now), Step::Fetch(_)));
    watch.on_response(now, SystemTime::now(), Ok(response(Reply::Active(1))));
    assert!(matches!(watch.step(now), Step::Event(_)));
    assert!(matches!(watch.step(now), Step::Wait(_)));
    watch.cancel();
    for later in [0, 15, 3600] {
        match watch.step(now + Duration::from_secs(later)) {
            Step::Event(event) => match event.kind {
                EventKind::Finished(Err(error)) => assert_eq!(error.kind(), ErrorKind::Cancelled),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn no_slot_before_the_deadline_ends_the_watch_with_the_deadline_error() {
    let client = client_state(no_jitter());
    let mut watch = watch("a", &client, Some(30));
    let now = Instant::now();
    let Step::Fetch(fetch) = watch.step(now) else {
        panic!()
    };
    assert_eq!(fetch.time_left, Some(Duration::from_secs(30)));
    assert_eq!(fetch.queue_until, Some(now + Duration::from_secs(30)));
    watch.on_no_slot(now + Duration::from_secs(30));
    match watch.step(now + Duration::from_secs(30)) {
        Step::Event(event) => match event.kind {
            EventKind::Finished(Err(error)) => assert_eq!(error.kind(), ErrorKind::Deadline),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_watch_alone_has_no_jitter_and_no_pause() {
    // The conformance vectors and the single-watch rules keep exact rungs.
    let settings = progress_model::Settings::default();
    let mut watch = Watch::for_job(&settings, "a", true);
    let now = Instant::now();
    let _ = watch.step(now);
    watch.on_response(now, SystemTime::now(), Ok(response(Reply::Active(1))));
    let _ = watch.step(now);
    assert!(matches!(watch.step(now), Step::Wait(at) if at == now + Duration::from_secs(15)));
}

#[test]
fn a_watch_queued_for_a_slot_during_a_429_waits_out_the_pause_before_sending() {
    let client = client_state(no_jitter());
    let now = Instant::now();
    let mut queued = watch("queued", &client, None);
    let mut limited = watch("limited", &client, None);
    // Both are admitted at 0 s; "queued" waits for a slot while "limited" sends.
    let Step::Fetch(_) = queued.step(now) else {
        panic!()
    };
    let Step::Fetch(_) = limited.step(now) else {
        panic!()
    };
    limited.on_response(now, SystemTime::now(), Ok(response(Reply::TooMany(30))));
    // Its slot comes at 1 s, inside the pause: it must not send.
    let later = now + Duration::from_secs(1);
    assert!(!queued.on_slot(later));
    assert!(matches!(queued.step(later), Step::Wait(at) if at == now + Duration::from_secs(30)));
    let resumed = now + Duration::from_secs(30);
    assert!(matches!(queued.step(resumed), Step::Fetch(_)));
    assert!(queued.on_slot(resumed));
}

/// Steps `watch` at `now` and names what it asked for: a fetch (fresh or
/// not), a wait, or the kind of event.
fn asked(watch: &mut Watch, now: Instant) -> String {
    match watch.step(now) {
        Step::Fetch(fetch) if fetch.fresh_token => "fetch fresh".to_owned(),
        Step::Fetch(_) => "fetch".to_owned(),
        Step::Wait(until) => format!("wait {}", (until - now).as_secs()),
        Step::Event(event) => match event.kind {
            EventKind::Observed(_) => "observed".to_owned(),
            EventKind::Retrying { error, .. } => format!("retrying {}", error.kind()),
            EventKind::TokenRefreshed => "token refreshed".to_owned(),
            EventKind::Finished(outcome) => format!("finished {outcome:?}"),
            _ => "other".to_owned(),
        },
    }
}

#[test]
fn a_token_failure_while_refreshing_keeps_the_fresh_token_owed() {
    use Reply::*;
    let client = client_state(no_jitter());
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH;
    let mut a = watch("a", &client, None);
    assert_eq!(asked(&mut a, start), "fetch");
    a.on_response(start, wall, Ok(response(Unauthorized)));
    assert_eq!(asked(&mut a, start), "fetch fresh");
    // The identity service times out: no token came, so none was refreshed.
    let slow = progress_model::oauth::OAuthError::Unreachable(Box::new(Error::timeout("slow")));
    a.on_response(start, wall, Err(Error::token(slow)));
    assert_eq!(asked(&mut a, start), "retrying token_unavailable");
    assert_eq!(asked(&mut a, start), "wait 15");
    // The retry still asks for a fresh token, not the refused one.
    let retry = start + Duration::from_secs(15);
    assert_eq!(asked(&mut a, retry), "fetch fresh");
    a.on_response(retry, wall, Ok(response(Done)));
    assert_eq!(asked(&mut a, retry), "token refreshed");
    assert_eq!(asked(&mut a, retry), "observed");
}

#[test]
fn a_fetch_queued_for_the_single_slot_stops_waiting_when_the_window_ends() {
    let client = client_state(no_jitter());
    let start = Instant::now();
    let at = |s: u64| start + Duration::from_secs(s);
    let wall = SystemTime::UNIX_EPOCH;
    let mut limited = watch("limited", &client, None);
    let Step::Fetch(_) = limited.step(start) else {
        panic!()
    };
    limited.on_response(start, wall, Ok(response(Reply::TooMany(2))));
    // Paused until 2 s, then one at a time until 4 s: a fetch admitted at
    // 2 s waits for the single slot until 4 s at most, not until its deadline.
    let mut queued = watch("queued", &client, Some(60));
    let Step::Fetch(alone) = queued.step(at(2)) else {
        panic!()
    };
    assert!(alone.one_at_a_time);
    assert_eq!(alone.queue_until, Some(at(4)));
    // No single slot by then: asked again, it goes out beside the others.
    queued.on_no_slot(at(4));
    let Step::Fetch(beside) = queued.step(at(4)) else {
        panic!()
    };
    assert!(!beside.one_at_a_time);
    assert_eq!(beside.queue_until, Some(at(62))); // its deadline: 60 s from its start
}
