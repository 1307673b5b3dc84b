//! The poll machine: every rule of a watch, with no I/O; time comes in as
//! arguments.
//!
//! One method drives it. A driver (the blocking client, the async one, or
//! one of your own) asks [`Watch::step`] what to do and does it: it sends a
//! [`Step::Fetch`] and feeds the result to [`Watch::on_response`], sleeps
//! until a [`Step::Wait`]'s instant, and hands a [`Step::Event`] on to its
//! caller; the last event is [`EventKind::Finished`]. A driver that limits
//! the requests in flight also tells the watch whether it got a slot
//! ([`Watch::on_slot`], [`Watch::on_no_slot`]); [`Watch::cancel`] ends a
//! watch from outside.
//!
//! # The states of a watch
//!
//! ```text
//!  new ──▶ [Ready]
//!            │ step(): Step::Fetch   (in a client paused by a 429 or out of
//!            │                        its rate: Step::Wait until it may send)
//!            ▼
//!         [Sent] ── on_response(result) ──┐
//!                                         ├─ 200, not terminal ── Observed ──────────────────────┐
//!                                         ├─ 200, terminal ────── Observed, Finished(Ok) ─▶ [Done]│
//!                                         ├─ 429 ──────────────── Retrying; the client pauses ───┤
//!                                         ├─ transient failure ── Retrying ──────────────────────┤
//!                                         │  (5xx, timeout,        one more than max_retries in  │
//!                                         │   connection lost)     a row: Finished(Err) ─▶ [Done]│
//!                                         ├─ 401 ─────────────── [Ready]: the next fetch asks for │
//!                                         │                       a fresh token, TokenRefreshed  │
//!                                         │                       once it is answered; a second  │
//!                                         │                       401 with no 200 between it and │
//!                                         │                       the first: Finished(Err) ─▶ [Done]
//!                                         └─ any other answer ── Finished(Err) ─▶ [Done]         │
//!                                                                                                │
//!         [Waiting] ◀── Step::Wait(until): the rung, or a longer Retry-After, plus jitter ◀─────┘
//!            │ step() again, however late
//!            └──▶ [Ready]
//!
//!  deadline: a wait that would end past it, or a step() after it ──▶ Finished(Err(Deadline)) ─▶ [Done]
//!  cancel() ──▶ Finished(Err(Cancelled)) ─▶ [Done]
//!  wake(): [Waiting] ends now (not before a Retry-After; see Watch::wake)
//!  [Done]: every step() hands on that same Finished again, and nothing is sent
//! ```
//!
//! A wait is the rung of the ladder (back to the first after a change of
//! percentage), or `Retry-After` when that is longer; with a client
//! ([`Watch::sharing`]), lengthened by its jitter, never past the deadline.
//! Waiting for the client moves no ladder: the watch goes on with its own
//! rungs after it. Waits are instants, decided when the response arrives:
//! whatever time the caller spends between items comes off the sleep, and a
//! wait the deadline allowed earns its poll however late the sleeper wakes.
//!
//! # One exchange, step by step
//!
//! ```
//! use progress_model::{Error, ErrorKind, Event, EventKind, HttpResponse, Settings, Step, Watch};
//! use std::time::{Duration, Instant, SystemTime};
//!
//! let secs = Duration::from_secs;
//! let answer = |status: u16, retry_after: Option<&str>, body: &str| {
//!     let mut headers = http::HeaderMap::new();
//!     if let Some(value) = retry_after {
//!         headers.insert("retry-after", value.parse().unwrap());
//!     }
//!     Ok(HttpResponse::new(status, headers, body.as_bytes().to_vec()))
//! };
//! let progress = |percentage: u8, state: &str| {
//!     format!(r#"{{"progress":{{"percentage":{percentage},"state":"{state}"}}}}"#)
//! };
//! let wall = SystemTime::now();
//! let start = Instant::now();
//! let mut watch = Watch::for_job(&Settings::default(), "job-1", true);
//!
//! // [Ready] → [Sent]: the first poll goes out at once; 10 % comes back.
//! assert!(matches!(watch.step(start), Step::Fetch(fetch) if !fetch.fresh_token));
//! watch.on_response(start, wall, answer(200, None, &progress(10, "active")));
//! let Step::Event(Event { job, kind: EventKind::Observed(seen), .. }) = watch.step(start) else {
//!     panic!("the observation comes first")
//! };
//! assert_eq!((job.as_str(), seen.percentage), ("job-1", Some(10.0)));
//! // [Waiting]: the first rung of the ladder, 15 s.
//! assert!(matches!(watch.step(start), Step::Wait(until) if until == start + secs(15)));
//!
//! // A 429 asking for 40 s, longer than the second rung (30 s): the watch
//! // says it retries, then waits the 40 s.
//! let now = start + secs(15);
//! assert!(matches!(watch.step(now), Step::Fetch(_)));
//! watch.on_response(now, wall, answer(429, Some("40"), ""));
//! assert!(matches!(
//!     watch.step(now),
//!     Step::Event(Event { kind: EventKind::Retrying { wait, .. }, .. }) if wait == secs(40)
//! ));
//! assert!(matches!(watch.step(now), Step::Wait(until) if until == now + secs(40)));
//!
//! // A transient failure (the connection refused): retried after the next rung, 60 s.
//! let now = now + secs(40);
//! assert!(matches!(watch.step(now), Step::Fetch(_)));
//! watch.on_response(now, wall, Err(Error::connect("connection refused")));
//! assert!(matches!(
//!     watch.step(now),
//!     Step::Event(Event { kind: EventKind::Retrying { wait, .. }, .. }) if wait == secs(60)
//! ));
//! assert!(matches!(watch.step(now), Step::Wait(until) if until == now + secs(60)));
//!
//! // A 401: the next fetch, at once, asks for a fresh token; once it is
//! // answered, the watch says so before the observation.
//! let now = now + secs(60);
//! assert!(matches!(watch.step(now), Step::Fetch(fetch) if !fetch.fresh_token));
//! watch.on_response(now, wall, answer(401, None, ""));
//! assert!(matches!(watch.step(now), Step::Fetch(fetch) if fetch.fresh_token));
//! watch.on_response(now, wall, answer(200, None, &progress(60, "active")));
//! assert!(matches!(watch.step(now), Step::Event(Event { kind: EventKind::TokenRefreshed, .. })));
//! assert!(matches!(watch.step(now), Step::Event(Event { kind: EventKind::Observed(_), .. })));
//! // The percentage changed: back to the first rung.
//! assert!(matches!(watch.step(now), Step::Wait(until) if until == now + secs(15)));
//!
//! // The job succeeds: its last observation, then [Done], for good.
//! let now = now + secs(15);
//! assert!(matches!(watch.step(now), Step::Fetch(_)));
//! watch.on_response(now, wall, answer(200, None, &progress(100, "success")));
//! assert!(matches!(watch.step(now), Step::Event(Event { kind: EventKind::Observed(_), .. })));
//! for _ in 0..2 {
//!     let Step::Event(last) = watch.step(now) else { panic!("done is done") };
//!     assert!(last.is_final());
//!     assert!(matches!(last.kind, EventKind::Finished(Ok(seen)) if seen.percentage == Some(100.0)));
//! }
//!
//! // With a deadline of 20 s, a 503 whose retry would wait past it ends the watch.
//! let mut settings = Settings::default();
//! settings.policy.deadline = Some(secs(20));
//! let mut watch = Watch::for_job(&settings, "job-2", true);
//! assert!(matches!(watch.step(start), Step::Fetch(_)));
//! watch.on_response(start, wall, answer(200, None, &progress(10, "active")));
//! assert!(matches!(watch.step(start), Step::Event(_)));
//! assert!(matches!(watch.step(start), Step::Wait(_)));
//! let now = start + secs(15);
//! assert!(matches!(watch.step(now), Step::Fetch(_)));
//! watch.on_response(now, wall, answer(503, None, ""));
//! let Step::Event(Event { kind: EventKind::Finished(Err(error)), .. }) = watch.step(now) else {
//!     panic!("the deadline ends the watch")
//! };
//! assert_eq!(error.kind(), ErrorKind::Deadline);
//! ```

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant, SystemTime};

mod resume;

use crate::client_state::{Admission, Registration, Reservation};
use crate::clock::instant_after;
use crate::stretch::Need;
use crate::wake::Wakes;
use crate::{
    AccessToken, ClientState, Error, Event, EventKind, HttpResponse, JobId, PollPolicy, Progress,
    Service, Settings, interpret, trace,
};

/// What the driver does next for one watch: the I/O, a wait, or an event
/// to hand on. [`Watch::step`] is the one way to drive a watch.
///
/// Deliberately not `#[non_exhaustive]`: a driver must handle every step,
/// and a new one is a breaking change it should not compile past. What
/// happened in the watch is the [`EventKind`] of the event, which drivers
/// hand on to their callers without looking inside.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // Built once per poll; boxing would only add noise.
pub enum Step {
    /// Send the progress request this describes, then call [`Watch::on_response`].
    Fetch(Fetch),
    /// Sleep until this instant (of the clock given to [`Watch::step`]), then
    /// ask again: sleep `until.saturating_duration_since(now)`, nothing when it
    /// has already passed. The poll after it is sent however late the sleep
    /// ends. A driver of many watches picks the earliest of their instants.
    Wait(Instant),
    /// Hand this event to the caller (an observation comes before the wait
    /// that follows it; a retry is announced before its wait). After
    /// [`EventKind::Finished`], every step is that same event again.
    Event(Event),
}

/// A failure that a watch retries, and how long it waits first.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Retry {
    /// The job whose watch retries, as the caller named it.
    pub job: String,
    /// Why the last attempt failed (a 429, a 503, a timeout, ...).
    pub error: Error,
    /// How long the watch waits before it tries again.
    pub wait: Duration,
    /// How long the watch keeps retrying at most should every attempt
    /// fail: this wait and those before the retries left, each at least its
    /// rung of the ladder, no longer than the time left before the deadline
    /// (the requests' own time, a longer `Retry-After` and jitter aside).
    /// A 429 uses up no retry: after one, only the deadline bounds the
    /// retries, and without a deadline there is no bound (`None`).
    pub gives_up_after: Option<Duration>,
}

impl std::fmt::Display for Retry {
    /// `retrying in 15 s (gives up after about 6 min of failures): ...`,
    /// durations rounded for people; without a bound, no parenthesis.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "retrying in {}", crate::human::duration(self.wait))?;
        if let Some(bound) = self.gives_up_after {
            let bound = crate::human::rough(bound);
            write!(f, " (gives up after about {bound} of failures)")?;
        }
        write!(f, ": {}", self.error.chain())
    }
}

/// One request a watch asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetch {
    /// The job to ask about.
    pub job: JobId,
    /// Ask the token provider for a new token first (after a 401).
    pub fresh_token: bool,
    /// The time left before the deadline, if any: cap the request's timeout
    /// with [`Fetch::timeout`] (which leaves it at least a second).
    pub time_left: Option<Duration>,
    /// The client is recovering from a 429: send only while no other request
    /// of the client is in flight (take its single slot as well).
    pub one_at_a_time: bool,
    /// The instant (of the clock given to [`Watch::step`]) at which to stop
    /// waiting for a slot and call [`Watch::on_no_slot`]: the deadline, or
    /// sooner for a fetch sent alone, the end of the client's one-at-a-time
    /// window (then the fetch may go out beside others). `None`: no limit.
    pub queue_until: Option<Instant>,
    /// With `fresh_token`: the token the 401 refused, when known. A
    /// provider whose current token is already another one (a refresh for
    /// another watch) answers that one instead of asking for a new one.
    pub(crate) refused: Option<AccessToken>,
}

/// The least time a fetch is given, even right at the deadline.
const FETCH_FLOOR: Duration = Duration::from_secs(1);

impl Fetch {
    /// A one-off request with no deadline, as a single `progress()` call sends.
    pub fn once(job: JobId) -> Self {
        Self {
            job,
            fresh_token: false,
            time_left: None,
            one_at_a_time: false,
            queue_until: None,
            refused: None,
        }
    }

    /// The token the last 401 refused, when this request asks for a fresh
    /// token to replace it: hand it to the provider's `replace_within`.
    pub fn refused_token(&self) -> Option<&AccessToken> {
        self.refused.as_ref().filter(|_| self.fresh_token)
    }

    /// The same request after the driver waited `waited` for a slot to send
    /// in (the client's `max_in_flight`): that wait came off the time left.
    pub fn after_waiting(mut self, waited: Duration) -> Self {
        self.time_left = self.time_left.map(|left| left.saturating_sub(waited));
        self
    }

    /// The request timeout to use: the configured one, cut to the time left,
    /// but never below a second: a poll sent right at the deadline (which a
    /// wait may end on) still gets a chance to be answered.
    pub fn timeout(&self, request_timeout: Duration) -> Duration {
        self.time_left.map_or(request_timeout, |left| {
            left.max(FETCH_FLOOR).min(request_timeout)
        })
    }

    /// The timeout of the progress request once getting the token took
    /// `token_took` of [`Fetch::timeout`]: the token call and the request
    /// share one bound (with the same one-second floor, which never raises
    /// a configured timeout shorter than a second).
    pub fn request_timeout_after_token(
        &self,
        request_timeout: Duration,
        token_took: Duration,
    ) -> Duration {
        self.timeout(request_timeout)
            .saturating_sub(token_took)
            .max(FETCH_FLOOR.min(request_timeout))
    }
}

/// One watch of one job.
#[derive(Debug, Clone)]
pub struct Watch {
    job: Option<JobId>,
    /// The id as the caller gave it, escaped, when it was refused (then
    /// there is no `job`).
    refused_id: Option<Box<str>>,
    /// Shared with every watch of the client that does not override it.
    policy: Arc<PollPolicy>,
    body_cap: usize,
    can_refresh: bool,
    started: Option<Instant>,
    queued: VecDeque<Step>,
    /// Boxed, as are the failure and the refused token: a waiting watch's
    /// size is a service's memory bill, and these are rare.
    finished: Option<Box<Result<Progress, Error>>>,
    /// Index into `policy.intervals` of the next wait; past the end means the last.
    rung: usize,
    last_seen: Option<Progress>,
    /// The failure of the last attempt, until an attempt succeeds.
    last_failure: Option<Box<Error>>,
    consecutive_failures: u32,
    refresh_next_fetch: bool,
    /// The token the last 401 refused, for the fresh token's request.
    refused: Option<Box<AccessToken>>,
    /// A fresh token was asked for after a 401 and no 200 came since: a
    /// second 401 ends the watch.
    refreshed_since_last_200: bool,
    /// A wait was handed out: the fetch after it goes out even past the deadline.
    poll_earned: bool,
    /// The last fetch asked for a fresh token.
    fetching_fresh: bool,
    /// The last fetch was sent one at a time (the client recovering from a 429).
    fetching_alone: bool,
    /// What this watch shares with the other watches of its client, if it
    /// joined one: the 429 pause, the rate, the jitter.
    client: Option<ClientState>,
    /// The send the client's rate bucket reserved for this watch, if any:
    /// given back when the watch ends or is dropped first.
    reservation: Reservation,
    /// Where wakes from outside reach the watch (see [`Watch::wake`]).
    wakes: Wakes,
    /// What only its saved state needs (see [`Watch::state`]).
    memory: resume::Memory,
    /// What the metrics need of the watch's past; see [`Watch::measure`].
    /// Boxed: a waiting watch's size is a service's memory bill, and this
    /// is only read around a request.
    measured: Box<Measured>,
    /// The watch's place in its client's demand; see [`Watch::stretch`].
    /// Boxed, as `measured` is.
    pacing: Box<Pacing>,
}

/// What the client's budgets need to know of the watch.
#[derive(Debug, Clone, Default)]
struct Pacing {
    registration: Registration,
    /// When its percentage last changed (or the watch started).
    changed: Option<Instant>,
}

/// What the watch's metrics remember between steps.
#[derive(Debug, Clone, Default)]
struct Measured {
    /// Counted in the client's running watches until its end is handed out.
    running: crate::metrics::Running,
    /// Its end was counted.
    ended: bool,
    /// When the poll now due was due (the first wait's end, not a pause's).
    due: Option<Instant>,
    /// When the last answer came.
    last_answer: Option<Instant>,
}

impl Watch {
    /// A watch of `job` with a checked policy. `can_refresh` tells whether the
    /// token provider can give a new token; when not, a 401 ends the watch at once.
    ///
    /// A policy that [`PollPolicy::check`] refuses gives a watch that is already
    /// done with that error.
    pub fn new(job: JobId, policy: PollPolicy, body_cap: usize, can_refresh: bool) -> Self {
        Self::sharing_policy(job, Arc::new(policy), body_cap, can_refresh)
    }

    /// [`Watch::new`] with a policy other watches may share.
    fn sharing_policy(
        job: JobId,
        policy: Arc<PollPolicy>,
        body_cap: usize,
        can_refresh: bool,
    ) -> Self {
        let problem = policy.check().err();
        let mut watch = Self::with_job(Some(job), policy, body_cap, can_refresh);
        watch.finished = problem.map(|problem| Box::new(Err(problem)));
        watch
    }

    /// A watch of `job_id` under checked settings. An invalid id gives a watch
    /// that is already done with that error, before anything is sent.
    pub fn for_job(settings: &Settings, job_id: &str, can_refresh: bool) -> Self {
        Self::for_job_with(settings, job_id, can_refresh, &crate::WatchOptions::new())
    }

    /// [`Watch::for_job`], with this watch's own overrides of the policy.
    pub fn for_job_with(
        settings: &Settings,
        job_id: &str,
        can_refresh: bool,
        options: &crate::WatchOptions,
    ) -> Self {
        let policy = Arc::new(settings.policy.clone().saturated());
        Self::for_job_under(settings, &policy, job_id, can_refresh, options)
    }

    /// [`Watch::for_job_with`], sharing `client_policy` (the settings'
    /// policy, saturated) unless `options` override it.
    pub(crate) fn for_job_under(
        settings: &Settings,
        client_policy: &Arc<PollPolicy>,
        job_id: &str,
        can_refresh: bool,
        options: &crate::WatchOptions,
    ) -> Self {
        let policy = options.apply_shared(client_policy);
        let mut watch = match JobId::new(job_id) {
            Ok(job) => Self::sharing_policy(job, policy, settings.body_cap, can_refresh),
            Err(invalid) => {
                let mut watch = Self::with_job(None, policy, settings.body_cap, can_refresh);
                watch.refused_id = Some(job_id.escape_debug().to_string().into());
                watch.finished = Some(Box::new(Err(invalid)));
                watch
            }
        };
        watch.started = options.start();
        if let Some(job) = &watch.job {
            watch.wakes.name(settings.service.clone(), job.clone());
        }
        watch
    }

    fn with_job(
        job: Option<JobId>,
        policy: Arc<PollPolicy>,
        body_cap: usize,
        can_refresh: bool,
    ) -> Self {
        Self {
            refused_id: None,
            job,
            policy,
            body_cap,
            can_refresh,
            started: None,
            queued: VecDeque::new(),
            finished: None,
            rung: 0,
            last_seen: None,
            last_failure: None,
            consecutive_failures: 0,
            refresh_next_fetch: false,
            refused: None,
            refreshed_since_last_200: false,
            poll_earned: false,
            fetching_fresh: false,
            fetching_alone: false,
            client: None,
            reservation: Reservation::default(),
            wakes: Wakes::default(),
            memory: resume::Memory::default(),
            measured: Box::default(),
            pacing: Box::default(),
        }
    }

    /// Joins the watches of a client: from now on this watch honours the
    /// client's 429 pause and rate, tells it of the 429s it meets, and its
    /// waits carry the client's jitter. A watch on its own has none of these.
    ///
    /// It is also listed among the client's running watches until it ends
    /// or is dropped, so that
    /// [`ClientState::notify_completed`] wakes it (see [`Watch::wake`]).
    pub fn sharing(mut self, client: ClientState) -> Self {
        if let (Some(job), None) = (&self.job, &self.finished) {
            if !self.wakes.named() {
                // Made with `Watch::new`: the default service.
                self.wakes.name(Service::default(), job.clone());
            }
            self.wakes.list(&client);
        }
        self.measured.running = client.meter().watch_started();
        self.client = Some(client);
        // Started at a known instant (a set of watches): it joins the
        // client's demand now, so every watch of the set counts from the start.
        if let Some(started) = self.started {
            self.join_demand(started);
        }
        self
    }

    /// Something pushed (a webhook delivery) says this watch's job
    /// completed, at `now`. The watch polls at once, whatever its rung,
    /// but never before a `Retry-After` its service gave it, and behind
    /// its client's 429 pause and rate like any poll. The wake ends
    /// nothing: the answer to that poll does (a delivery does not say how
    /// a job ended, and a forged one must cost one request, no more).
    ///
    /// Woken while no wait is out (a request on the wire, events still to
    /// hand on), the watch cuts the next wait short instead: the answer on
    /// the wire may predate the completion. A fetch handed out after the
    /// wake answers it. Returns false, and does nothing, once the watch
    /// has ended.
    ///
    /// A driver sleeping out a [`Step::Wait`] does not see this by itself:
    /// give the watch a [`Waker`] ([`Watch::set_waker`]) that ends its
    /// sleep, then step again. Wakes from another thread come through the
    /// client ([`ClientState::notify_completed`]).
    pub fn wake(&mut self, now: Instant) -> bool {
        self.finished.is_none() && self.wakes.bell().wake(now)
    }

    /// The waker to call when a wake (from any thread) moves the wait this
    /// watch handed out: its driver's sleep should end, and the next
    /// [`Watch::step`] answers with the poll, or with the earlier instant
    /// to wait for. Replaces the waker given before.
    pub fn set_waker(&self, waker: &Waker) {
        self.wakes.bell().set_waker(waker);
    }

    /// Whether a wake moved the [`Step::Wait`] out since it was handed out:
    /// a driver sleeping it out stops and steps again.
    pub fn woken(&self) -> bool {
        self.wakes.bell().moved()
    }

    /// While a [`Step::Wait`] is out: its instant, as wakes moved it since
    /// (never later than handed out). A driver of many watches steps this
    /// one then.
    pub fn waiting_until(&self) -> Option<Instant> {
        self.wakes.bell().waiting_until()
    }

    /// The job this watch follows, as the caller named it (escaped when refused).
    pub fn label(&self) -> &str {
        match (&self.job, &self.refused_id) {
            (Some(job), _) => job.as_str(),
            (None, refused) => refused.as_deref().unwrap_or_default(),
        }
    }

    /// The driver waited for a slot to send in (the client's
    /// `max_in_flight`, or its single slot after a 429) until the fetch's
    /// [`queue_until`](Fetch::queue_until) and sent nothing. At the deadline,
    /// that ends the watch with its deadline error; before it (the client's
    /// one-at-a-time window ended), the next [`Watch::step`] asks the client
    /// again, and the fetch may go out beside others. Ignored once the watch
    /// is finished.
    pub fn on_no_slot(&mut self, now: Instant) {
        if self.finished.is_some() {
            return;
        }
        // The fetch was not sent: the next one still needs its fresh token.
        self.refresh_next_fetch |= std::mem::take(&mut self.fetching_fresh);
        let started = self.started.unwrap_or(now);
        if let Some(deadline) = self.policy.deadline
            && now.saturating_duration_since(started) >= deadline
        {
            let error = self.deadline_error(deadline);
            self.finish(error);
        }
    }

    /// The driver got its slot to send in (the client's `max_in_flight`):
    /// may it send the fetch now? Not when a 429 paused the client while the
    /// watch queued for the slot, or made it send one request at a time
    /// when this fetch did not ask for that: then the driver gives the slot
    /// back and asks [`Watch::step`] again, which waits out the pause and
    /// asks for the same fetch after it.
    pub fn on_slot(&mut self, now: Instant) -> bool {
        let Some(client) = self.client.as_ref() else {
            return true;
        };
        if !client.still_admits(now, self.fetching_alone) {
            // The fetch was not sent: the next one still needs its fresh token.
            self.refresh_next_fetch |= std::mem::take(&mut self.fetching_fresh);
            return false;
        }
        true
    }

    /// Ends the watch with [`Error::Cancelled`]: its caller cancelled it.
    /// Nothing is sent after this. Ignored once the watch is finished.
    pub fn cancel(&mut self) {
        if self.finished.is_none() {
            let error = self.about_this_job(Error::cancelled());
            self.finish(error);
        }
    }

    /// What to do next. The first call starts the deadline's clock, unless
    /// [`WatchOptions::started_at`](crate::WatchOptions::started_at) set it.
    pub fn step(&mut self, now: Instant) -> Step {
        let _span = trace::in_watch(self.label());
        let step = self.decide(now);
        self.measure(now, &step);
        step
    }

    /// Records what `step` tells of the watch in the client's metrics.
    fn measure(&mut self, now: Instant, step: &Step) {
        let Some(meter) = self.client.as_ref().map(ClientState::meter) else {
            return;
        };
        match step {
            Step::Fetch(_) => {
                if let Some(due) = self.measured.due.take() {
                    meter.poll_lateness(now.saturating_duration_since(due));
                }
            }
            Step::Wait(until) => {
                // A pause or the rate after a rung's wait: the poll was due at the rung's end.
                self.measured.due.get_or_insert(*until);
            }
            Step::Event(event) => match &event.kind {
                EventKind::Retrying { .. } => meter.retry(),
                EventKind::Finished(outcome) if !self.measured.ended => {
                    self.measured.ended = true;
                    meter.watch_finished(outcome);
                    self.measured.running = Default::default();
                }
                _ => {}
            },
        }
    }

    /// Joins the client's demand with the first rung, once.
    fn join_demand(&mut self, now: Instant) {
        let Some(client) = &self.client else { return };
        if self.finished.is_some() || self.pacing.changed.is_some() {
            return;
        }
        let rung = self
            .policy
            .intervals
            .first()
            .copied()
            .unwrap_or(crate::DEFAULT_INTERVALS[0]);
        self.pacing.changed = Some(now);
        self.pacing.registration = client.join(Need { rung, changed: now });
    }

    /// The rung `wait`, stretched if the client's watches need more than its
    /// budgets sustain (the least recently changed first; never shorter).
    fn stretch(&self, now: Instant, wait: Duration) -> Duration {
        let Some(client) = &self.client else {
            return wait;
        };
        let changed = self.pacing.changed.unwrap_or(now);
        client.stretched(
            &self.pacing.registration,
            Need {
                rung: wait,
                changed,
            },
        )
    }

    /// [`Watch::step`] before its metrics.
    fn decide(&mut self, now: Instant) -> Step {
        let started = *self.started.get_or_insert(now);
        self.join_demand(started);
        if let Some(outcome) = &self.finished {
            return self.event(EventKind::Finished(outcome.as_ref().clone()));
        }
        if let Some(until) = self.wakes.bell().wait_over(now) {
            // Woken early, for a poll not due yet: no poll is earned before it.
            return Step::Wait(until);
        }
        if let Some(step) = self.resume_step(now) {
            return step;
        }
        if let Some(step) = self.queued.pop_front() {
            if self.queued.is_empty() {
                // The queue's room (four 176-byte steps once it grew) would
                // otherwise stay in every waiting watch.
                self.queued = VecDeque::new();
            }
            match &step {
                Step::Event(Event {
                    kind: EventKind::Finished(outcome),
                    ..
                }) => {
                    self.finished = Some(Box::new(outcome.clone()));
                    self.reservation = Reservation::default();
                    self.pacing.registration = Registration::default();
                    self.wakes.end();
                }
                Step::Wait(until) => {
                    // The caller may have spent the time left on the last item:
                    // then no wait (and no poll) is left before the deadline.
                    if let Some(error) = self.deadline_passed(now, started) {
                        return self.finish(error);
                    }
                    self.poll_earned = true;
                    let until = self.wakes.bell().hand_out_wait(now, *until, false);
                    trace::wait(until.saturating_duration_since(now));
                    return Step::Wait(until);
                }
                _ => {}
            }
            return step;
        }
        if !std::mem::take(&mut self.poll_earned)
            && let Some(error) = self.deadline_passed(now, started)
        {
            return self.finish(error);
        }
        let Some(job) = self.job.clone() else {
            // Only a watch built with an invalid id has no job, and it is finished.
            return self.finish(Error::Config("the watch has no job".into()));
        };
        let alone_until = match self.wait_for_the_client(now) {
            ControlFlow::Continue(alone_until) => alone_until,
            ControlFlow::Break(step) => return step,
        };
        let fresh_token = std::mem::take(&mut self.refresh_next_fetch);
        self.fetching_fresh = fresh_token;
        self.wakes.bell().fetching();
        self.fetching_alone = alone_until.is_some();
        trace::fetch(fresh_token);
        let time_left = self
            .policy
            .deadline
            .map(|deadline| deadline.saturating_sub(now.saturating_duration_since(started)));
        let deadline_at = time_left.map(|left| instant_after(now, left));
        let queue_until = match (deadline_at, alone_until) {
            (Some(deadline), Some(window)) => Some(deadline.min(window)),
            (deadline, window) => deadline.or(window),
        };
        Step::Fetch(Fetch {
            job,
            fresh_token,
            time_left,
            one_at_a_time: alone_until.is_some(),
            queue_until,
            refused: self.refused.as_deref().cloned().filter(|_| fresh_token),
        })
    }

    /// Asks the client whether this watch may send now (its 429 pause, its
    /// rate): if so, whether alone and until when (the client recovering
    /// from a 429); if not, the action instead: a wait until it may, or the
    /// deadline error when that wait would pass the deadline.
    fn wait_for_the_client(&mut self, now: Instant) -> ControlFlow<Step, Option<Instant>> {
        let Some(client) = self.client.as_ref() else {
            return ControlFlow::Continue(None);
        };
        let until = match client.admit(now, &mut self.reservation) {
            Admission::Now { alone_until } => return ControlFlow::Continue(alone_until),
            Admission::NotBefore(until) => until,
        };
        let wait = until.saturating_duration_since(now);
        if let Some(deadline) = self
            .policy
            .deadline
            .filter(|_| !self.fits_before_deadline(now, wait))
        {
            let error = self.deadline_error(deadline);
            return ControlFlow::Break(self.finish(error));
        }
        // Like any wait handed out, it earns the poll after it. A wake
        // cannot shorten it: the client holds every watch back alike.
        self.poll_earned = true;
        self.wakes.bell().hand_out_wait(now, until, true);
        trace::wait(wait);
        ControlFlow::Break(Step::Wait(until))
    }

    /// Feeds the result of a fetch: the response, or the transport or token error.
    /// Ignored once the watch is finished.
    pub fn on_response(
        &mut self,
        now: Instant,
        wall_now: SystemTime,
        result: Result<HttpResponse, Error>,
    ) {
        let _span = trace::in_watch(self.label());
        if self.finished.is_some() {
            return;
        }
        self.wakes.bell().not_before(None);
        let sent_with = result
            .as_ref()
            .ok()
            .and_then(|response| response.sent_with.clone());
        let result = result
            .and_then(|response| interpret(&response, self.body_cap, wall_now))
            .map_err(|error| self.about_this_job(error));
        if std::mem::take(&mut self.fetching_fresh) {
            if matches!(
                result,
                Err(Error::Token { .. } | Error::TokenUnavailable { .. })
            ) {
                // No token came: the fresh one is still owed, and the old one
                // must not go out again (its 401 would end the watch).
                self.refresh_next_fetch = true;
            } else {
                self.tell(EventKind::TokenRefreshed);
            }
        }
        self.last_failure = result.as_ref().err().cloned().map(Box::new);
        match result {
            Ok(progress) => {
                self.remember_observation(wall_now, &progress);
                // Only a 200 proves the token works: 401, refresh, 429, 401 ends the watch.
                self.refreshed_since_last_200 = false;
                self.on_progress(now, progress);
            }
            Err(Error::Unauthorized(_)) if self.can_refresh && !self.refreshed_since_last_200 => {
                self.refreshed_since_last_200 = true;
                self.refresh_next_fetch = true;
                self.refused = sent_with.map(Box::new);
                trace::refresh_token();
            }
            Err(error @ Error::RateLimited(_)) => {
                trace::rate_limited(error.retry_after());
                self.remember_retry_after(wall_now, error.retry_after());
                let rung = self.advance_ladder();
                // A 429 limits the client, not the job: every watch of the
                // client pauses, for the `Retry-After` or, without one, for
                // the rung this watch waits (the limit is reached either way).
                if let Some(client) = &self.client {
                    client.pause_for(now, error.retry_after().unwrap_or(rung));
                }
                self.back_off_from(now, rung, error);
            }
            Err(error) if error.is_transient() => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if self.consecutive_failures > self.policy.max_retries {
                    let error = Error::retries_exhausted(self.consecutive_failures, error);
                    self.tell(EventKind::Finished(Err(self.about_this_job(error))));
                } else {
                    trace::retry(&error, self.consecutive_failures);
                    self.back_off(now, error);
                }
            }
            Err(error) => self.tell(EventKind::Finished(Err(error))),
        }
        self.measured.last_answer = Some(now);
    }

    fn on_progress(&mut self, now: Instant, progress: Progress) {
        self.consecutive_failures = 0;
        let changed = self
            .last_seen
            .as_ref()
            .is_none_or(|last| last.percentage != progress.percentage);
        if changed {
            self.rung = 0;
            self.pacing.changed = Some(now);
            if let (Some(client), Some(before)) = (&self.client, self.measured.last_answer) {
                client
                    .meter()
                    .observation_delay(now.saturating_duration_since(before));
            }
        }
        self.last_seen = Some(progress.clone());
        self.tell(EventKind::Observed(progress.clone()));
        if progress.is_terminal() {
            self.tell(EventKind::Finished(Ok(progress)));
        } else {
            let rung = self.advance_ladder();
            let wait = self.safety_net(now).map_or(rung, |net| net.max(rung));
            let wait = self.stretch(now, wait);
            self.wait_or_give_up(now, wait);
        }
    }

    /// A completion-only watch's wait after an observation (the caller
    /// makes it no shorter than the rung): its safety net, cut to the time
    /// left before the deadline, so that the watch still waits for a wake
    /// and polls once more on the deadline rather than end at once.
    fn safety_net(&self, now: Instant) -> Option<Duration> {
        let net = self.policy.safety_net?;
        let started = self.started.unwrap_or(now);
        let left = self
            .policy
            .deadline
            .map(|deadline| deadline.saturating_sub(now.saturating_duration_since(started)));
        Some(left.map_or(net, |left| net.min(left)))
    }

    /// The wait of the current rung; the next wait is one rung up.
    fn advance_ladder(&mut self) -> Duration {
        let intervals = &self.policy.intervals;
        // A checked policy has rungs; an unchecked one finished the watch at
        // its start. The default ladder only keeps this from ever panicking.
        let wait = intervals
            .get(self.rung)
            .or(intervals.last())
            .copied()
            .unwrap_or(crate::DEFAULT_INTERVALS[0]);
        self.rung = self
            .rung
            .saturating_add(1)
            .min(intervals.len().saturating_sub(1));
        wait
    }

    /// Waits out a failure: the next rung, or longer if the service said when
    /// to come back (`Retry-After`, on a 429 or a 503 alike). The caller hears
    /// of the retry before the wait.
    fn back_off(&mut self, now: Instant, error: Error) {
        let rung = self.advance_ladder();
        self.back_off_from(now, rung, error);
    }

    /// [`Watch::back_off`] with the rung already taken from the ladder.
    fn back_off_from(&mut self, now: Instant, rung: Duration, error: Error) {
        if let Some(asked) = error.retry_after() {
            self.wakes
                .bell()
                .not_before(Some(instant_after(now, asked)));
        }
        let wait = error.retry_after().map_or(rung, |asked| asked.max(rung));
        let wait = self.jittered(now, wait);
        if self.fits_before_deadline(now, wait) {
            let gives_up_after = self.retrying_at_most(now, wait, &error);
            self.tell(EventKind::Retrying {
                error,
                wait,
                gives_up_after,
            });
        }
        self.queue_wait(now, wait);
    }

    /// How long the watch keeps retrying should every attempt fail: `wait`,
    /// then one rung of the ladder before each retry left after the next,
    /// cut at the deadline. A 429 counts against no retry: only the
    /// deadline bounds it.
    fn retrying_at_most(&self, now: Instant, wait: Duration, error: &Error) -> Option<Duration> {
        let started = self.started.unwrap_or(now);
        let left = self
            .policy
            .deadline
            .map(|deadline| deadline.saturating_sub(now.saturating_duration_since(started)));
        if matches!(error, Error::RateLimited(_)) {
            return left;
        }
        let retries_left = self
            .policy
            .max_retries
            .saturating_sub(self.consecutive_failures);
        let intervals = &self.policy.intervals;
        let last = intervals.len().saturating_sub(1);
        // The rungs up to the top one by one; the top's, however many retries
        // are left (`max_retries` may be `u32::MAX`), in one multiplication.
        let climbing = last.saturating_sub(self.rung).min(retries_left as usize);
        let rungs = (0..climbing).map(|step| {
            let rung = self.rung.saturating_add(step).min(last);
            intervals.get(rung).copied().unwrap_or_default()
        });
        let at_the_top = intervals.get(last).copied().unwrap_or_default();
        let repeats = retries_left.saturating_sub(climbing as u32);
        let total = rungs
            .fold(wait, Duration::saturating_add)
            .saturating_add(at_the_top.saturating_mul(repeats));
        Some(left.map_or(total, |left| total.min(left)))
    }

    fn wait_or_give_up(&mut self, now: Instant, wait: Duration) {
        let wait = self.jittered(now, wait);
        self.queue_wait(now, wait);
    }

    /// `wait` with the client's jitter, if the watch joined a client; never
    /// past the deadline (and never shorter than `wait`).
    fn jittered(&self, now: Instant, wait: Duration) -> Duration {
        let Some(client) = &self.client else {
            return wait;
        };
        let started = self.started.unwrap_or(now);
        let left = self
            .policy
            .deadline
            .map(|deadline| deadline.saturating_sub(now.saturating_duration_since(started)));
        client.jittered(wait, left)
    }

    fn queue_wait(&mut self, now: Instant, wait: Duration) {
        if self.fits_before_deadline(now, wait) {
            self.queued.push_back(Step::Wait(instant_after(now, wait)));
        } else if let Some(deadline) = self.policy.deadline {
            let error = self.deadline_error(deadline);
            self.tell(EventKind::Finished(Err(error)));
        }
    }

    fn fits_before_deadline(&self, now: Instant, wait: Duration) -> bool {
        let started = self.started.unwrap_or(now);
        // Compared as durations since the start: `Instant + Duration` can overflow.
        self.policy.deadline.is_none_or(|deadline| {
            now.saturating_duration_since(started).saturating_add(wait) <= deadline
        })
    }

    /// The deadline error, when `now` is past the deadline.
    fn deadline_passed(&self, now: Instant, started: Instant) -> Option<Error> {
        let deadline = self.policy.deadline?;
        (now.saturating_duration_since(started) > deadline).then(|| self.deadline_error(deadline))
    }

    fn deadline_error(&self, deadline: Duration) -> Error {
        let error = Error::deadline(
            deadline,
            self.last_seen.clone(),
            self.last_failure.as_deref().cloned(),
        );
        self.about_this_job(error)
    }

    /// `error`, naming the job watched: with many watches, which one failed.
    fn about_this_job(&self, error: Error) -> Error {
        match &self.job {
            Some(job) => error.for_job(job),
            None => error,
        }
    }

    /// `kind` as the step that hands it on, naming the job.
    fn event(&self, kind: EventKind) -> Step {
        Step::Event(Event::new(self.label().to_owned(), kind))
    }

    /// Queues `kind` for the caller, after what is already queued.
    fn tell(&mut self, kind: EventKind) {
        let step = self.event(kind);
        self.queued.push_back(step);
    }

    fn finish(&mut self, error: Error) -> Step {
        self.queued.clear();
        self.pacing.registration = Registration::default();
        // Whatever the watch reserved of the client's rate goes back.
        self.reservation = Reservation::default();
        self.wakes.end();
        self.finished = Some(Box::new(Err(error.clone())));
        self.event(EventKind::Finished(Err(error)))
    }
}
