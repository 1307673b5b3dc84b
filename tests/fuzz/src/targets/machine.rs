//! The poll machine driven by any sequence of answers, transport errors and
//! clock jumps, under any policy.

use std::time::{Duration, Instant, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, header::RETRY_AFTER};
use progress_model::{
    ClientLimits, ClientState, Error, ErrorKind, Event, EventKind, HttpResponse, JobId, PollPolicy,
    Progress, Step as Next, Watch, interpret,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::headers::{WALL_SECONDS, retry_after_value};
use crate::Target;
use crate::bodies::{Body, machine_body};
use crate::oracle::error_is_presentable;

/// [`Watch`] from its first `next` to `Done`, and after.
#[derive(Debug)]
pub struct Machine;

/// A policy and what the world does, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    intervals_ms: Vec<u64>,
    max_retries: u32,
    deadline_ms: Option<u64>,
    can_refresh: bool,
    steps: Vec<Step>,
    /// The watch joins a client's shared state (its 429 pause, one request
    /// at a time after it, its rate and jitter), and gets a slot for each
    /// request. Absent in inputs kept before it was fuzzed.
    #[serde(default)]
    client: Option<SharedClient>,
}

/// The limits of the client the watch shares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedClient {
    max_requests_per_second: Option<f64>,
    jitter: f64,
    jitter_seed: u64,
}

/// One thing that happens to the watch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Step {
    /// The answer to the pending request.
    Answer {
        status: u16,
        retry_after: Option<Vec<u8>>,
        body: Body,
    },
    /// The pending request fails without an answer.
    Failure(Failure),
    /// Time passes: the request is slow, the sleeper wakes late, or the
    /// caller takes its time between items.
    Jump(u64),
}

/// How a request fails without an answer.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum Failure {
    Timeout,
    Connect,
    Transport,
    Token,
}

impl Failure {
    fn error(self) -> Error {
        match self {
            Self::Timeout => Error::timeout("http://127.0.0.1/fuzz"),
            Self::Connect => Error::connect("http://127.0.0.1/fuzz"),
            Self::Transport => Error::transport("http://127.0.0.1/fuzz"),
            Self::Token => Error::token("the provider failed"),
        }
    }
}

/// The body cap of the watches.
const CAP: usize = 4096;
/// More actions than any input of this size can earn: past it, the machine loops.
const MAX_ACTIONS: usize = 10_000;

fn step() -> impl Strategy<Value = Step> {
    let status = prop_oneof![
        10 => Just(200u16),
        3 => Just(429u16),
        4 => prop::sample::select(&[408u16, 500, 502, 503, 504][..]),
        2 => Just(401u16),
        1 => prop::sample::select(&[301u16, 400, 403, 404, 418, 0, 999][..]),
    ];
    let retry_after = prop_oneof![2 => Just(None), 1 => retry_after_value().prop_map(Some)];
    let failure = prop::sample::select(
        &[
            Failure::Timeout,
            Failure::Connect,
            Failure::Transport,
            Failure::Token,
        ][..],
    );
    let jump = prop_oneof![
        4 => 0u64..200_000,
        1 => 0u64..(30 * 24 * 3_600_000),
    ];
    prop_oneof![
        12 => (status, retry_after, machine_body())
            .prop_map(|(status, retry_after, body)| Step::Answer { status, retry_after, body }),
        2 => failure.prop_map(Step::Failure),
        3 => jump.prop_map(Step::Jump),
    ]
}

impl Target for Machine {
    const NAME: &'static str = "machine";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        let rung = prop_oneof![
            20 => 1u64..200_000,
            1 => Just(0u64),
            1 => Just(u64::MAX),
        ];
        let intervals = prop_oneof![
            20 => prop::collection::vec(rung, 1..5),
            1 => Just(Vec::new()),
        ];
        let max_retries = prop_oneof![8 => 0u32..8, 1 => Just(u32::MAX)];
        let deadline = prop_oneof![
            2 => Just(None),
            4 => (0u64..3_600_000).prop_map(Some),
            1 => Just(Some(u64::MAX)),
        ];
        let rate = prop_oneof![
            2 => Just(None),
            1 => (0.001f64..1_000.0).prop_map(Some),
        ];
        let client = prop_oneof![
            1 => Just(None),
            2 => (rate, 0.0f64..=1.0, any::<u64>()).prop_map(
                |(max_requests_per_second, jitter, jitter_seed)| {
                    Some(SharedClient {
                        max_requests_per_second,
                        jitter,
                        jitter_seed,
                    })
                }
            ),
        ];
        (
            intervals,
            max_retries,
            deadline,
            any::<bool>(),
            prop::collection::vec(step(), 0..40),
            client,
        )
            .prop_map(
                |(intervals_ms, max_retries, deadline_ms, can_refresh, steps, client)| Input {
                    intervals_ms,
                    max_retries,
                    deadline_ms,
                    can_refresh,
                    steps,
                    client,
                },
            )
            .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        Drive::new(input).run()
    }
}

/// One run of the machine, with what the checks need to remember.
struct Drive<'a> {
    input: &'a Input,
    policy: PollPolicy,
    watch: Watch,
    origin: Instant,
    /// Time since `origin`.
    elapsed: Duration,
    /// When the watch started (its first `next`), since `origin`.
    started: Option<Duration>,
    next_step: usize,
    failures_in_a_row: u32,
    /// The terminal observation fed, once one is.
    terminal: Option<Progress>,
    terminal_emitted: bool,
}

impl<'a> Drive<'a> {
    fn new(input: &'a Input) -> Self {
        let mut policy = PollPolicy::default();
        policy.intervals = input
            .intervals_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect();
        policy.max_retries = input.max_retries;
        policy.deadline = input.deadline_ms.map(Duration::from_millis);
        let job = JobId::new("job-1").expect("a valid id");
        let mut watch = Watch::new(job, policy.clone(), CAP, input.can_refresh);
        if let Some(client) = &input.client {
            let mut limits = ClientLimits::default();
            limits.max_requests_per_second = client.max_requests_per_second;
            limits.jitter = client.jitter;
            limits.jitter_seed = Some(client.jitter_seed);
            let state = ClientState::new(&limits).expect("limits the strategy keeps valid");
            watch = watch.sharing(state);
        }
        Self {
            input,
            watch,
            policy,
            origin: Instant::now(),
            elapsed: Duration::ZERO,
            started: None,
            next_step: 0,
            failures_in_a_row: 0,
            terminal: None,
            terminal_emitted: false,
        }
    }

    fn now(&self) -> Instant {
        self.origin + self.elapsed
    }

    fn wall(&self) -> std::time::SystemTime {
        UNIX_EPOCH + Duration::from_secs(WALL_SECONDS) + self.elapsed
    }

    /// Consumes the clock jumps that come next.
    fn jump(&mut self) {
        while let Some(Step::Jump(ms)) = self.input.steps.get(self.next_step) {
            self.elapsed += Duration::from_millis(*ms);
            self.next_step += 1;
        }
    }

    /// Time since the watch started.
    fn age(&self, at: Duration) -> Duration {
        at.saturating_sub(self.started.unwrap_or_default())
    }

    fn run(mut self) -> Result<(), String> {
        for _ in 0..MAX_ACTIONS {
            let action = self.watch.step(self.now());
            self.started.get_or_insert(self.elapsed);
            match action {
                Next::Fetch(fetch) => {
                    if !self.fetch(fetch.time_left)? {
                        return Ok(());
                    }
                }
                Next::Event(Event {
                    kind: EventKind::Observed(progress),
                    ..
                }) => {
                    if let Some(terminal) = &self.terminal {
                        if progress != *terminal {
                            return Err(format!("fed {terminal}, emitted {progress}"));
                        }
                        self.terminal_emitted = true;
                    }
                    // The caller may take its time with the item.
                    self.jump();
                }
                Next::Event(Event {
                    kind: EventKind::Retrying { wait, .. },
                    ..
                }) => {
                    if let Some(deadline) = self.policy.deadline
                        && self.age(self.elapsed).saturating_add(wait) > deadline
                    {
                        return Err(format!("announced a retry in {wait:?}, past the deadline"));
                    }
                }
                Next::Wait(until) => {
                    let end = until.saturating_duration_since(self.origin);
                    if let Some(deadline) = self.policy.deadline
                        && self.age(end) > deadline
                    {
                        return Err(format!(
                            "asked to wait until {:?} after the start, past the {deadline:?} deadline",
                            self.age(end)
                        ));
                    }
                    if self.terminal.is_some() {
                        return Err("waits after a terminal observation".into());
                    }
                    // The sleeper wakes at the instant; lateness comes as jumps.
                    self.elapsed = self.elapsed.max(end);
                }
                Next::Event(Event {
                    kind: EventKind::TokenRefreshed,
                    ..
                }) => {
                    if !self.input.can_refresh {
                        return Err(
                            "told of a refreshed token with a provider that cannot refresh".into(),
                        );
                    }
                }
                Next::Event(Event {
                    kind: EventKind::Finished(outcome),
                    ..
                }) => return self.done(outcome),
                Next::Event(event) => return Err(format!("an event no driver knows: {event:?}")),
            }
        }
        Err(format!("no Done within {MAX_ACTIONS} actions"))
    }

    /// Feeds the next answer; `false` when the input has run out.
    fn fetch(&mut self, time_left: Option<Duration>) -> Result<bool, String> {
        if PollPolicy::check(&self.policy).is_err() {
            return Err("a watch with a refused policy sends a request".into());
        }
        if self.terminal.is_some() {
            return Err("a request after a terminal observation".into());
        }
        if self.failures_in_a_row > self.policy.max_retries {
            return Err(format!(
                "a request after {} transient failures in a row (max_retries {})",
                self.failures_in_a_row, self.policy.max_retries
            ));
        }
        let expected_left = self
            .policy
            .deadline
            .map(|deadline| deadline.saturating_sub(self.age(self.elapsed)));
        if time_left != expected_left {
            return Err(format!(
                "time left {time_left:?}, expected {expected_left:?}"
            ));
        }
        if self.input.client.is_some() {
            // The slot: a wait for it comes as jumps, then the machine may
            // take the fetch back (a pause began while it queued).
            self.jump();
            if !self.watch.on_slot(self.now()) {
                return Ok(true);
            }
        }
        // A slow request: the answer comes later.
        self.jump();
        let Some(step) = self.input.steps.get(self.next_step) else {
            return Ok(false);
        };
        self.next_step += 1;
        let result = match step {
            Step::Answer {
                status,
                retry_after,
                body,
            } => {
                let mut headers = HeaderMap::new();
                if let Some(value) = retry_after
                    .as_ref()
                    .and_then(|v| HeaderValue::from_bytes(v).ok())
                {
                    headers.insert(RETRY_AFTER, value);
                }
                Ok(HttpResponse::new(*status, headers, body.bytes()))
            }
            Step::Failure(failure) => Err(failure.error()),
            Step::Jump(_) => unreachable!("jumps were consumed above"),
        };
        // What the answer means, read with `interpret` (fuzzed on its own).
        match result
            .clone()
            .and_then(|response| interpret(&response, CAP, self.wall()))
        {
            Ok(progress) => {
                self.failures_in_a_row = 0;
                if progress.is_terminal() {
                    self.terminal = Some(progress);
                }
            }
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::RateLimited | ErrorKind::Unauthorized
                ) => {}
            Err(error) if error.is_transient() => self.failures_in_a_row += 1,
            Err(_) => {}
        }
        self.watch.on_response(self.now(), self.wall(), result);
        Ok(true)
    }

    fn done(mut self, outcome: Result<Progress, Error>) -> Result<(), String> {
        match (&self.terminal, &outcome) {
            (Some(terminal), Ok(progress)) if progress == terminal && self.terminal_emitted => {}
            (Some(terminal), other) => {
                return Err(format!("fed the terminal {terminal}, ended with {other:?}"));
            }
            (None, Ok(progress)) => {
                return Err(format!(
                    "ended with {progress} though no terminal state was fed"
                ));
            }
            (None, Err(error)) => {
                // Progress text is the service's own answer, shown as sent (escaped).
                error_is_presentable(error, None)?;
                if error.kind() == ErrorKind::Deadline && self.policy.deadline.is_none() {
                    return Err("a deadline error with no deadline".into());
                }
                if let Error::RetriesExhausted { attempts, .. } = error
                    && *attempts != self.policy.max_retries.saturating_add(1)
                {
                    return Err(format!(
                        "gave up after {attempts} failures, max_retries {}",
                        self.policy.max_retries
                    ));
                }
            }
        }
        // After Done it stays done, whatever comes and whenever.
        let shown = format!("{outcome:?}");
        for later in [
            Duration::ZERO,
            Duration::from_secs(3600),
            Duration::from_secs(100 * 86_400),
        ] {
            self.elapsed += later;
            let success = br#"{"progress":{"state":"success","percentage":100}}"#.to_vec();
            self.watch.on_response(
                self.now(),
                self.wall(),
                Ok(HttpResponse::new(200, HeaderMap::new(), success)),
            );
            match self.watch.step(self.now()) {
                Next::Event(Event {
                    kind: EventKind::Finished(again),
                    ..
                }) if format!("{again:?}") == shown => {}
                other => return Err(format!("after Done({shown}), {other:?}")),
            }
        }
        Ok(())
    }
}
