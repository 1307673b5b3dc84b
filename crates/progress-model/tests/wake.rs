//! Waking a watch because its job completed (a webhook delivery), on a
//! simulated clock: it polls at once whatever its rung, behind the client's
//! pause and a `Retry-After`, and only the answer ends it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant, SystemTime};

use progress_model::{
    ClientLimits, ClientState, EventKind, HttpResponse, JobId, PollPolicy, Service, Step, Watch,
};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + secs(1_700_000_000)
}

fn answer(status: u16, retry_after: Option<u64>, body: &str) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    if let Some(after) = retry_after {
        headers.insert("retry-after", after.to_string().parse().unwrap());
    }
    HttpResponse::new(status, headers, body.as_bytes().to_vec())
}

fn active(percentage: u8) -> HttpResponse {
    let body = format!(r#"{{"progress":{{"percentage":{percentage},"state":"active"}}}}"#);
    answer(200, None, &body)
}

fn success() -> HttpResponse {
    answer(
        200,
        None,
        r#"{"progress":{"percentage":100,"state":"success"}}"#,
    )
}

fn client() -> ClientState {
    let mut limits = ClientLimits::default();
    limits.jitter = 0.0;
    ClientState::new(&limits).unwrap()
}

fn job(id: &str) -> JobId {
    JobId::new(id).unwrap()
}

fn watch(id: &str, client: &ClientState) -> Watch {
    Watch::new(job(id), PollPolicy::default(), 1 << 20, true).sharing(client.clone())
}

/// Steps through events; the first fetch or wait.
fn next(watch: &mut Watch, now: Instant) -> Step {
    loop {
        match watch.step(now) {
            Step::Event(event) => assert!(!event.is_final(), "ended: {event:?}"),
            other => return other,
        }
    }
}

fn fetch(watch: &mut Watch, now: Instant, response: HttpResponse) {
    assert!(
        matches!(next(watch, now), Step::Fetch(_)),
        "a poll at {now:?}"
    );
    watch.on_response(now, wall(), Ok(response));
}

fn wait_until(watch: &mut Watch, now: Instant) -> Instant {
    match next(watch, now) {
        Step::Wait(until) => until,
        Step::Fetch(_) => panic!("a fetch where a wait was due"),
        Step::Event(_) => unreachable!(),
    }
}

/// Polls unchanged answers until the watch waits on its top rung (120 s):
/// the instant it waits from.
fn up_to_the_top_rung(watch: &mut Watch, start: Instant) -> Instant {
    let mut now = start;
    for rung in [15, 30, 60] {
        fetch(watch, now, active(10));
        assert_eq!(wait_until(watch, now), now + secs(rung));
        now += secs(rung);
    }
    fetch(watch, now, active(10));
    assert_eq!(wait_until(watch, now), now + secs(120));
    now
}

#[test]
fn a_wake_on_the_top_rung_polls_at_once_and_the_answer_decides() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch("job-1", &client);
    let top = up_to_the_top_rung(&mut watch, start);
    let woken = top + secs(5);
    assert!(client.notify_completed(&Service::RealityModeling, &job("job-1"), woken));
    assert_eq!(watch.waiting_until(), Some(woken));
    assert!(watch.woken());
    // Still running: the wake ended nothing; the ladder goes on (unchanged: 120 s).
    fetch(&mut watch, woken, active(10));
    assert_eq!(wait_until(&mut watch, woken), woken + secs(120));
    // Woken again, and this time the answer is the end.
    let again = woken + secs(1);
    assert!(watch.wake(again));
    fetch(&mut watch, again, success());
    assert!(matches!(watch.step(again), Step::Event(e) if !e.is_final()));
    assert!(matches!(watch.step(again), Step::Event(e) if e.is_final()));
    // Ended: a wake does nothing, and the client no longer knows the job.
    assert!(!watch.wake(again));
    assert!(!client.notify_completed(&Service::RealityModeling, &job("job-1"), again));
}

#[test]
fn a_wake_for_another_job_or_service_wakes_nothing() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch("job-1", &client);
    fetch(&mut watch, start, active(10));
    let until = wait_until(&mut watch, start);
    assert!(!client.notify_completed(&Service::RealityModeling, &job("job-2"), start));
    assert!(!client.notify_completed(&Service::ContextCapture, &job("job-1"), start));
    assert_eq!(watch.waiting_until(), Some(until));
}

#[test]
fn a_wake_during_the_clients_429_pause_waits_for_it() {
    let client = client();
    let start = Instant::now();
    let mut sleeping = watch("sleeping", &client);
    let mut limited = watch("limited", &client);
    let top = up_to_the_top_rung(&mut sleeping, start);
    // Another watch of the client meets a 429 asking for 30 s.
    fetch(&mut limited, top, answer(429, Some(30), ""));
    assert!(sleeping.wake(top + secs(1)));
    // Woken, it asks the client at once, which holds it to the pause's end.
    assert_eq!(wait_until(&mut sleeping, top + secs(1)), top + secs(30));
    assert!(matches!(sleeping.step(top + secs(30)), Step::Fetch(f) if f.one_at_a_time));
}

#[test]
fn a_wake_never_polls_before_the_retry_after_the_watch_was_given() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch("job", &client);
    // A 503 asking for 50 s: the watch waits 50 s (longer than its 15 s rung).
    fetch(&mut watch, start, answer(503, Some(50), ""));
    assert_eq!(wait_until(&mut watch, start), start + secs(50));
    assert!(watch.wake(start + secs(5)));
    assert_eq!(watch.waiting_until(), Some(start + secs(50)));

    // A 503 asking for 5 s on the 120 s rung: a wake brings the poll to 5 s.
    let mut watch = watch_on_top(&client);
    let top = Instant::now();
    fetch(&mut watch, top, answer(503, Some(5), ""));
    assert_eq!(wait_until(&mut watch, top), top + secs(120));
    assert!(watch.wake(top + secs(1)));
    assert_eq!(watch.waiting_until(), Some(top + secs(5)));
    // The driver, rung at 1 s, steps: the watch says to wait on until 5 s.
    assert_eq!(wait_until(&mut watch, top + secs(1)), top + secs(5));
    assert!(!watch.woken(), "the wait handed out anew has not moved");
    assert!(matches!(next(&mut watch, top + secs(5)), Step::Fetch(_)));
}

/// A watch whose next rung is the top one (120 s).
fn watch_on_top(client: &ClientState) -> Watch {
    let mut policy = PollPolicy::default();
    policy.intervals = vec![secs(120)];
    Watch::new(job("top"), policy, 1 << 20, true).sharing(client.clone())
}

#[test]
fn a_wake_while_the_request_is_on_the_wire_cuts_the_next_wait_short() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch_on_top(&client);
    assert!(matches!(next(&mut watch, start), Step::Fetch(_)));
    // The answer may predate the completion: the next wait is none.
    assert!(watch.wake(start));
    watch.on_response(start + secs(1), wall(), Ok(active(10)));
    assert_eq!(wait_until(&mut watch, start + secs(1)), start + secs(1));
    fetch(&mut watch, start + secs(1), active(10));
    // One wake, one poll: the wait after it is the ladder's again.
    assert_eq!(wait_until(&mut watch, start + secs(1)), start + secs(121));
}

#[test]
fn a_wake_before_a_fetch_goes_out_costs_no_second_request() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch_on_top(&client);
    // Woken before its first request is even handed out: that request answers it.
    assert!(watch.wake(start));
    fetch(&mut watch, start, active(10));
    assert_eq!(wait_until(&mut watch, start), start + secs(120));
}

#[test]
fn without_a_wake_the_watch_still_trusts_its_sleeper() {
    // A sleeper that returns at once (a test's) gets the poll after the wait.
    let client = client();
    let start = Instant::now();
    let mut watch = watch_on_top(&client);
    fetch(&mut watch, start, active(10));
    assert_eq!(wait_until(&mut watch, start), start + secs(120));
    assert!(matches!(watch.step(start), Step::Fetch(_)));
}

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_wake_that_moves_the_wait_calls_the_drivers_waker_once() {
    let client = client();
    let start = Instant::now();
    let mut watch = watch_on_top(&client);
    let count = Arc::new(Count::default());
    watch.set_waker(&Waker::from(count.clone()));
    fetch(&mut watch, start, active(10));
    wait_until(&mut watch, start);
    // From another thread, through the client.
    let other = client.clone();
    std::thread::spawn(move || {
        assert!(other.notify_completed(&Service::RealityModeling, &job("top"), start + secs(3)));
        // A second wake moves nothing more: no second call.
        assert!(other.notify_completed(&Service::RealityModeling, &job("top"), start + secs(4)));
    })
    .join()
    .unwrap();
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert!(matches!(next(&mut watch, start + secs(3)), Step::Fetch(_)));
}

#[test]
fn a_dropped_or_cancelled_watch_leaves_the_client() {
    let client = client();
    let start = Instant::now();
    let dropped = watch("a", &client);
    let mut cancelled = watch("b", &client);
    let (a, b) = (job("a"), job("b"));
    assert!(client.notify_completed(&Service::RealityModeling, &a, start));
    drop(dropped);
    assert!(!client.notify_completed(&Service::RealityModeling, &a, start));
    cancelled.cancel();
    assert!(!client.notify_completed(&Service::RealityModeling, &b, start));
    // Two watches of one job: a wake reaches both, and one ending leaves the other.
    let (mut first, second) = (watch("c", &client), watch("c", &client));
    first.cancel();
    assert!(client.notify_completed(&Service::RealityModeling, &job("c"), start));
    drop(second);
    assert!(!client.notify_completed(&Service::RealityModeling, &job("c"), start));
}

#[test]
fn a_wake_does_not_poll_past_the_observation_events_and_keeps_its_kind() {
    // The events of the answer come first, then the cut wait.
    let client = client();
    let start = Instant::now();
    let mut watch = watch_on_top(&client);
    assert!(matches!(watch.step(start), Step::Fetch(_)));
    watch.on_response(start, wall(), Ok(active(20)));
    assert!(watch.wake(start));
    assert!(matches!(
        watch.step(start),
        Step::Event(e) if matches!(e.kind, EventKind::Observed(_))
    ));
    assert!(matches!(watch.step(start), Step::Wait(until) if until == start));
}

fn completion_only(client: &ClientState, options: progress_model::WatchOptions) -> Watch {
    let settings = progress_model::Settings::default();
    Watch::for_job_with(&settings, "job", true, &options).sharing(client.clone())
}

#[test]
fn a_completion_only_watch_polls_on_its_safety_net_and_at_once_when_woken() {
    let client = client();
    let start = Instant::now();
    let options = progress_model::WatchOptions::new().completion_only();
    let mut watch = completion_only(&client, options);
    fetch(&mut watch, start, active(10));
    assert_eq!(wait_until(&mut watch, start), start + secs(600));
    // A change of percentage does not bring the ladder back.
    let later = start + secs(600);
    fetch(&mut watch, later, active(50));
    assert_eq!(wait_until(&mut watch, later), later + secs(600));
    // Woken: at once.
    let woken = later + secs(30);
    assert!(client.notify_completed(&Service::RealityModeling, &job("job"), woken));
    fetch(&mut watch, woken, success());
    assert!(matches!(watch.step(woken), Step::Event(e) if !e.is_final()));
    assert!(matches!(watch.step(woken), Step::Event(e) if e.is_final()));
}

#[test]
fn a_safety_net_is_never_faster_than_the_ladder_nor_waits_past_the_deadline() {
    let client = client();
    let start = Instant::now();
    // A net of 20 s: 20 s where the ladder says 15, the ladder where longer.
    let options = progress_model::WatchOptions::new().safety_net(secs(20));
    let mut watch = completion_only(&client, options);
    let mut now = start;
    for wait in [20, 30, 60, 120] {
        fetch(&mut watch, now, active(10));
        assert_eq!(wait_until(&mut watch, now), now + secs(wait));
        now += secs(wait);
    }
    // With 15 minutes to live, the 10-minute net is kept, then cut to the
    // deadline: the watch still waits for a wake, and polls on the deadline.
    let options = progress_model::WatchOptions::new()
        .completion_only()
        .deadline(secs(900));
    let mut watch = completion_only(&client, options);
    fetch(&mut watch, start, active(10));
    assert_eq!(wait_until(&mut watch, start), start + secs(600));
    let later = start + secs(600);
    fetch(&mut watch, later, active(10));
    assert_eq!(wait_until(&mut watch, later), start + secs(900));
}
