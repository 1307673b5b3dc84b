//! A watch saved as a `WatchState` and resumed on another clock: it goes
//! on where it stopped, and many resumed together do not send at once.
//! Time is only what the tests pass in.

use std::time::{Duration, Instant, SystemTime};

use progress_model::{
    ClientLimits, ClientState, ErrorKind, Event, EventKind, HttpResponse, Service, Settings, Step,
    Watch, WatchOptions, WatchState,
};

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The wall time every test starts at: Tue, 14 Nov 2023 22:13:20 GMT.
fn wall_start() -> SystemTime {
    SystemTime::UNIX_EPOCH + secs(1_700_000_000)
}

fn progress(percentage: u8, state: &str) -> Result<HttpResponse, progress_model::Error> {
    let body = format!(r#"{{"progress":{{"percentage":{percentage},"state":"{state}"}}}}"#);
    Ok(HttpResponse::new(
        200,
        http::HeaderMap::new(),
        body.into_bytes(),
    ))
}

fn status(code: u16, retry_after: Option<&str>) -> Result<HttpResponse, progress_model::Error> {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = retry_after {
        headers.insert("retry-after", value.parse().unwrap());
    }
    Ok(HttpResponse::new(code, headers, vec![]))
}

/// One process's clocks: a monotonic base of its own and a wall clock.
struct Process {
    start: Instant,
    wall: SystemTime,
    elapsed: Duration,
}

impl Process {
    fn at(wall: SystemTime) -> Self {
        Self {
            start: Instant::now(),
            wall,
            elapsed: Duration::ZERO,
        }
    }
    fn now(&self) -> Instant {
        self.start + self.elapsed
    }
    fn wall(&self) -> SystemTime {
        self.wall + self.elapsed
    }
    fn clocks(&self) -> (Instant, SystemTime) {
        (self.now(), self.wall())
    }
    /// Sleeps through a wait, returning its length.
    fn sleep_until(&mut self, until: Instant) -> Duration {
        let wait = until.saturating_duration_since(self.now());
        self.elapsed += wait;
        wait
    }
}

fn fetch(watch: &mut Watch, process: &Process) {
    match watch.step(process.now()) {
        Step::Fetch(_) => {}
        other => panic!("expected a fetch, got {other:?}"),
    }
}

fn answer(
    watch: &mut Watch,
    process: &Process,
    result: Result<HttpResponse, progress_model::Error>,
) {
    fetch(watch, process);
    watch.on_response(process.now(), process.wall(), result);
}

/// The next event, and the state it carries.
fn event(watch: &mut Watch, process: &Process) -> (Event, WatchState) {
    match watch.step(process.now()) {
        Step::Event(event) => {
            let event = watch.stamp(event, &Settings::default(), process.now(), process.wall());
            let state = event.watch_state().expect("a stamped event").clone();
            (event, state)
        }
        other => panic!("expected an event, got {other:?}"),
    }
}

fn wait(watch: &mut Watch, process: &mut Process) -> Duration {
    match watch.step(process.now()) {
        Step::Wait(until) => process.sleep_until(until),
        other => panic!("expected a wait, got {other:?}"),
    }
}

fn client(max_in_flight: usize) -> ClientState {
    let mut limits = ClientLimits::default();
    limits.max_in_flight = max_in_flight;
    limits.jitter = 0.0;
    limits.jitter_seed = Some(7);
    ClientState::new(&limits).unwrap()
}

fn resume(settings: &Settings, state: &WatchState, process: &Process) -> Watch {
    let options = WatchOptions::new().resume_from(state.clone());
    Watch::resumed(
        settings,
        state.job.as_str(),
        true,
        &options,
        state,
        process.clocks(),
    )
}

/// A watch that saw 10 % twice: it waits 30 s next, then 60 s.
fn saved_after_two_observations(settings: &Settings) -> (WatchState, Process) {
    let mut process = Process::at(wall_start());
    let mut watch = Watch::for_job(settings, "job-1", true);
    answer(&mut watch, &process, progress(10, "active"));
    event(&mut watch, &process);
    assert_eq!(wait(&mut watch, &mut process), secs(15));
    answer(&mut watch, &process, progress(10, "active"));
    let (_, state) = event(&mut watch, &process);
    (state, process)
}

#[test]
fn a_resumed_watch_waits_what_is_left_keeps_its_rung_and_tells_nothing_old() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    assert_eq!(state.next_poll_at, Some(saved.wall() + secs(30)));
    assert_eq!(state.rung, 2);
    // Another process, 5 s later, its monotonic clock unrelated.
    let mut process = Process::at(saved.wall() + secs(5));
    let mut watch = resume(&settings, &state, &process).sharing(client(32));
    assert_eq!(
        wait(&mut watch, &mut process),
        secs(25),
        "the 30 s rung, less 5 s"
    );
    answer(&mut watch, &process, progress(10, "active"));
    let (first, _) = event(&mut watch, &process);
    assert!(
        matches!(first.kind, EventKind::Observed(_)),
        "the new poll's, not the saved one"
    );
    assert_eq!(wait(&mut watch, &mut process), secs(60), "the next rung");
}

#[test]
fn an_overdue_watch_polls_at_once() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    let process = Process::at(saved.wall() + secs(3600));
    let mut watch = resume(&settings, &state, &process).sharing(client(32));
    fetch(&mut watch, &process);
}

#[test]
fn a_wall_clock_that_went_backwards_never_shortens_the_wait() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    let mut process = Process::at(saved.wall() - secs(3600));
    let mut watch = resume(&settings, &state, &process);
    assert_eq!(
        wait(&mut watch, &mut process),
        secs(30),
        "the whole rung, no more"
    );
}

#[test]
fn a_finished_job_reports_its_end_without_asking_again() {
    let settings = Settings::default();
    let process = Process::at(wall_start());
    let mut watch = Watch::for_job(&settings, "job-1", true);
    answer(&mut watch, &process, progress(100, "success"));
    let (_, state) = event(&mut watch, &process);
    assert!(state.is_over() && state.final_observation().is_some());
    let a_day_later = Process::at(wall_start() + secs(86_400));
    let mut resumed = resume(&settings, &state, &a_day_later);
    let (last, _) = event(&mut resumed, &a_day_later);
    assert!(
        matches!(last.kind, EventKind::Finished(Ok(ref seen)) if seen.percentage == Some(100.0))
    );
}

#[test]
fn the_deadline_counts_from_the_first_start_across_resumes() {
    let mut settings = Settings::default();
    settings.policy.deadline = Some(secs(100));
    let process = Process::at(wall_start());
    let mut watch = Watch::for_job(&settings, "job-1", true);
    answer(&mut watch, &process, progress(10, "active"));
    let (_, state) = event(&mut watch, &process);
    assert_eq!(state.deadline_at, Some(wall_start() + secs(100)));

    // Resumed 50 s later, on a client with no deadline: the saved one holds.
    let later = Process::at(wall_start() + secs(50));
    let mut resumed = resume(&Settings::default(), &state, &later);
    match resumed.step(later.now()) {
        Step::Fetch(fetch) => assert_eq!(fetch.time_left, Some(secs(50))),
        other => panic!("{other:?}"),
    }

    // Resumed past it: the deadline error, and nothing sent.
    let too_late = Process::at(wall_start() + secs(150));
    let mut resumed = resume(&settings, &state, &too_late);
    let (end, after) = event(&mut resumed, &too_late);
    assert!(matches!(end.kind, EventKind::Finished(Err(ref e)) if e.kind() == ErrorKind::Deadline));
    assert!(after.is_over());
}

#[test]
fn failures_in_a_row_survive_a_resume() {
    let mut settings = Settings::default();
    settings.policy.max_retries = 1;
    let process = Process::at(wall_start());
    let mut watch = Watch::for_job(&settings, "job-1", true);
    answer(&mut watch, &process, status(503, None));
    let (retry, state) = event(&mut watch, &process);
    assert!(matches!(retry.kind, EventKind::Retrying { .. }));
    assert_eq!(state.consecutive_failures, 1);
    let process = Process::at(process.wall() + secs(15));
    let mut resumed = resume(&settings, &state, &process);
    answer(&mut resumed, &process, status(503, None));
    let (end, _) = event(&mut resumed, &process);
    assert!(
        matches!(end.kind, EventKind::Finished(Err(ref e)) if e.kind() == ErrorKind::RetriesExhausted),
        "the second failure in a row is one more than max_retries: {end:?}"
    );
}

#[test]
fn a_saved_429_pauses_the_new_client_until_its_retry_after() {
    let settings = Settings::default();
    let process = Process::at(wall_start());
    let mut watch = Watch::for_job(&settings, "job-1", true).sharing(client(32));
    answer(&mut watch, &process, status(429, Some("40")));
    let (_, state) = event(&mut watch, &process);
    assert_eq!(state.retry_after_until, Some(wall_start() + secs(40)));
    assert_eq!(state.next_poll_at, Some(wall_start() + secs(40)));

    let mut later = Process::at(wall_start() + secs(10));
    let shared = client(32);
    let mut resumed = resume(&settings, &state, &later).sharing(shared.clone());
    assert_eq!(wait(&mut resumed, &mut later), secs(30));
    // Another watch of the new client, due meanwhile, waits out the pause too.
    let mut other = Watch::for_job(&settings, "job-2", true).sharing(shared);
    let mut other_process = Process::at(wall_start() + secs(10));
    other_process.start = later.start;
    assert_eq!(wait(&mut other, &mut other_process), secs(30));
}

#[test]
fn many_overdue_watches_are_spread_over_the_first_rung_beyond_max_in_flight() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    let process = Process::at(saved.wall() + secs(3600));
    let shared = client(4);
    let offsets: Vec<Duration> = (0..200)
        .map(|_| {
            let mut watch = resume(&settings, &state, &process).sharing(shared.clone());
            match watch.step(process.now()) {
                Step::Fetch(_) => Duration::ZERO,
                Step::Wait(until) => until - process.now(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    let at_once = offsets.iter().filter(|offset| offset.is_zero()).count();
    assert_eq!(at_once, 4, "as many as the client has in flight");
    assert!(
        offsets.iter().all(|offset| *offset < secs(15)),
        "within the first rung"
    );
    // Spread, not bunched: every second of the rung gets some, none most.
    for second in 0..15 {
        let here = offsets[4..]
            .iter()
            .filter(|offset| offset.as_secs() == second)
            .count();
        assert!((3..=30).contains(&here), "second {second}: {here} of 196");
    }
}

#[test]
fn an_overdue_watch_spread_later_still_waits_out_the_clients_pause() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    let mut process = Process::at(saved.wall() + secs(3600));
    let shared = client(1);
    // The one that goes at once meets a 429 asking for a minute.
    let mut first = resume(&settings, &state, &process).sharing(shared.clone());
    answer(&mut first, &process, status(429, Some("60")));
    let mut second = resume(&settings, &state, &process).sharing(shared);
    let spread = wait(&mut second, &mut process);
    assert!(spread < secs(15));
    assert_eq!(spread + wait(&mut second, &mut process), secs(60));
    fetch(&mut second, &process);
}

#[test]
fn a_state_of_another_watch_is_refused() {
    let settings = Settings::default();
    let (state, saved) = saved_after_two_observations(&settings);
    let process = Process::at(saved.wall());
    let mut elsewhere = Settings::default();
    elsewhere.service = Service::ContextCapture;
    let options = WatchOptions::new().resume_from(state.clone());
    for (settings, job) in [(&elsewhere, "job-1"), (&settings, "job-2")] {
        let mut watch = Watch::resumed(settings, job, true, &options, &state, process.clocks());
        match watch.step(process.now()) {
            Step::Event(Event {
                kind: EventKind::Finished(Err(error)),
                ..
            }) => {
                assert_eq!(error.kind(), ErrorKind::Config);
                assert!(error.to_string().contains("job-1"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }
}
