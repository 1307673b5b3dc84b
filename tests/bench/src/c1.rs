//! C1: N async watches against a per-token rate limit. Ours: all on one
//! client, whose watches share what a 429 says. Today: each watch on a client
//! of its own, so each discovers the limit by itself. Both sides send the
//! same token (the limit is the token's), one after the other, each with a
//! token of its own so neither inherits the other's empty bucket.
//!
//! Every watch takes `--polls` observations, then stops. The 429s are counted
//! as the clients saw them (every `Retrying` or final error that is a 429):
//! the simulator serves its counts only to code in its own process.
//!
//! The target is one 429 per window once the client knows of the limit. No
//! client can know before its first 429: the requests already on the wire
//! then (up to `max_in_flight`) meet the same empty bucket. Those are the
//! 429s that come back during the first pause, when nothing is sent; they
//! are counted apart, as the discovery, and bounded by `max_in_flight`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use itwin_job_progress::{Client, DEFAULT_MAX_IN_FLIGHT, Error, ErrorKind, EventKind};

use crate::args::Args;
use crate::figure::Figure;
use crate::watchdog;

/// What one side's watches saw.
#[derive(Debug, Default)]
struct Seen {
    /// When each 429 came back.
    rate_limited: std::sync::Mutex<Vec<Instant>>,
    /// Longest `Retry-After`, in milliseconds: the length of a window.
    longest_retry_after_ms: AtomicU64,
    /// Watches that ended before their observations, and the first reason.
    failed: AtomicUsize,
    first_failure: std::sync::Mutex<Option<String>>,
}

impl Seen {
    fn error(&self, error: &Error) {
        if error.kind() == ErrorKind::RateLimited {
            self.rate_limited
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Instant::now());
            let wait = error.retry_after().unwrap_or_default().as_millis() as u64;
            self.longest_retry_after_ms
                .fetch_max(wait, Ordering::Relaxed);
        }
    }

    fn failure(&self, reason: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.first_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(reason);
    }
}

/// One side's result.
#[derive(Debug)]
struct Side {
    /// When each 429 came back, from the start.
    rate_limited: Vec<Duration>,
    elapsed: Duration,
    failed: usize,
    first_failure: Option<String>,
    longest_retry_after: Duration,
}

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "C1");
    let n = args.count("n")?;
    let polls = args.count("polls")?;
    let rate: f64 = args.number("rate")?;
    let base = args.text("url")?.to_owned();
    let job = args.text("job")?.to_owned();
    let runtime = crate::runtime::two_workers()?;
    let ours = runtime.block_on(async {
        let client = client(&base, "c1-one-client")?;
        watch_all(n, polls, &job, |_| client.clone()).await
    })?;
    let today = runtime.block_on(async {
        let clients = (0..n)
            .map(|_| client(&base, "c1-client-per-watch"))
            .collect::<Result<Vec<_>, _>>()?;
        watch_all(n, polls, &job, |i| clients[i].clone()).await
    })?;

    // The simulator's Retry-After is whole seconds until the bucket refills
    // one request: that is the window a 429 closes.
    let window = ours
        .longest_retry_after
        .max(today.longest_retry_after)
        .max(Duration::from_secs(1));
    let (ours_split, today_split) = (
        Split::of(&ours.rate_limited, ours.elapsed, window),
        Split::of(&today.rate_limited, today.elapsed, window),
    );
    let failed = ours.failed + today.failed;
    let first_failure = ours.first_failure.or(today.first_failure);
    let mut figure = Figure::new(
        "C1",
        &format!(
            "{n} watches against a per-token limit: 429s on one client (a client per watch as baseline)"
        ),
        "429s",
        ours.rate_limited.len() as f64,
        Some(today.rate_limited.len() as f64),
    )
    .note(format!(
        "{rate} requests/s per token, {polls} observations a watch, {}-s windows; \
         one client: {} in {:.1} s: {} ({:.2} per window); \
         a client per watch: {} in {:.1} s: {} ({:.2} per window, {:.2} per watch); \
         {failed} watches failed{}",
        window.as_secs_f64(),
        ours.rate_limited.len(),
        ours.elapsed.as_secs_f64(),
        ours_split.describe(),
        ours_split.per_window_after(),
        today.rate_limited.len(),
        today.elapsed.as_secs_f64(),
        today_split.describe(),
        today_split.per_window_after(),
        today.rate_limited.len() as f64 / n as f64,
        first_failure
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default(),
    ));
    figure.target = format!(
        "<= 1 per window per client once it knows the limit (<= {DEFAULT_MAX_IN_FLIGHT} on the wire when it learns)"
    );
    figure.pass = Some(failed == 0 && ours_split.meets_target(DEFAULT_MAX_IN_FLIGHT));
    figure.emit()?;
    std::process::exit(0);
}

/// Runs `n` watches of `job` started at once, each on `client_for(i)`, each
/// to its `polls`-th observation.
async fn watch_all(
    n: usize,
    polls: usize,
    job: &str,
    client_for: impl Fn(usize) -> Client,
) -> Result<Side, String> {
    let seen = Arc::new(Seen::default());
    // Every watch waits on the gate, so all start when it opens.
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let closed = gate.clone().write_owned().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let mut events = client_for(i).watch_events(job);
        let (seen, gate) = (seen.clone(), gate.clone());
        tasks.spawn(async move {
            drop(gate.read().await);
            let mut observed = 0;
            while observed < polls {
                match events.next().await.map(|event| event.kind) {
                    Some(EventKind::Observed(_)) => observed += 1,
                    Some(EventKind::Retrying { error, .. }) => seen.error(&error),
                    Some(EventKind::Finished(Err(error))) => {
                        seen.error(&error);
                        return seen.failure(error.to_string());
                    }
                    Some(EventKind::Finished(Ok(_))) | None => {
                        return seen.failure("the job ended".to_owned());
                    }
                    Some(_) => {}
                }
            }
        });
    }
    let start = Instant::now();
    drop(closed);
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|error| error.to_string())?;
    }
    let elapsed = start.elapsed();
    let first_failure = seen
        .first_failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let mut rate_limited: Vec<Duration> =
        std::mem::take(&mut *seen.rate_limited.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .map(|at| at.saturating_duration_since(start))
            .collect();
    rate_limited.sort();
    Ok(Side {
        rate_limited,
        elapsed,
        failed: seen.failed.load(Ordering::Relaxed),
        first_failure,
        longest_retry_after: Duration::from_millis(
            seen.longest_retry_after_ms.load(Ordering::Relaxed),
        ),
    })
}

/// Our async client as a user builds it (default limits and jitter),
/// polling every second.
fn client(base: &str, token: &str) -> Result<Client, String> {
    Client::builder()
        .base_url(base)
        .token(token)
        .intervals([Duration::from_secs(1)])
        .build()
        .map_err(|error| error.to_string())
}

/// One side's 429s, split at the end of the first pause.
#[derive(Debug, PartialEq)]
struct Split {
    /// The 429s that came back during the first pause (`window` from the
    /// first): requests on the wire before the client knew of the limit.
    discovery: usize,
    /// The 429s that came back later.
    after: usize,
    /// The windows the run spanned after the first pause.
    windows_after: u64,
}

impl Split {
    /// Splits `arrivals` (sorted, from the start) of a run of `elapsed`.
    fn of(arrivals: &[Duration], elapsed: Duration, window: Duration) -> Self {
        let Some(first) = arrivals.first() else {
            return Self {
                discovery: 0,
                after: 0,
                windows_after: windows_spanned(elapsed, window),
            };
        };
        let known = *first + window;
        let discovery = arrivals.iter().take_while(|at| **at < known).count();
        Self {
            discovery,
            after: arrivals.len() - discovery,
            windows_after: windows_spanned(elapsed.saturating_sub(known), window),
        }
    }

    fn per_window_after(&self) -> f64 {
        self.after as f64 / self.windows_after as f64
    }

    /// At most one per window once the limit is known, and no more on the
    /// wire when it was learnt than the client lets out at once.
    fn meets_target(&self, max_in_flight: usize) -> bool {
        self.after as u64 <= self.windows_after && self.discovery <= max_in_flight
    }

    fn describe(&self) -> String {
        format!(
            "{} in the first pause, then {} in {} windows",
            self.discovery, self.after, self.windows_after
        )
    }
}

/// How many windows of `window` a run of `elapsed` touched: at least one.
fn windows_spanned(elapsed: Duration, window: Duration) -> u64 {
    (elapsed.as_secs_f64() / window.as_secs_f64())
        .ceil()
        .max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_spans_every_window_it_touched() {
        let second = Duration::from_secs(1);
        assert_eq!(windows_spanned(Duration::ZERO, second), 1);
        assert_eq!(windows_spanned(Duration::from_millis(1000), second), 1);
        assert_eq!(windows_spanned(Duration::from_millis(1001), second), 2);
        assert_eq!(windows_spanned(Duration::from_secs(9), 2 * second), 5);
    }

    #[test]
    fn the_429s_of_the_first_pause_are_the_discovery() {
        let ms = Duration::from_millis;
        let second = Duration::from_secs(1);
        // Five back within the first pause, two later, over a 6.5 s run.
        let arrivals = [
            ms(300),
            ms(301),
            ms(305),
            ms(900),
            ms(1299),
            ms(2500),
            ms(4000),
        ];
        let split = Split::of(&arrivals, ms(6500), second);
        assert_eq!(
            split,
            Split {
                discovery: 5,
                after: 2,
                windows_after: 6
            }
        );
        assert!(split.meets_target(32));
        assert!(
            !split.meets_target(4),
            "more on the wire than max_in_flight"
        );
        let crowded = [ms(0), ms(1500), ms(1600), ms(1700)];
        assert!(!Split::of(&crowded, ms(2500), second).meets_target(32));
        let none = Split::of(&[], ms(2500), second);
        assert_eq!((none.discovery, none.after), (0, 0));
        assert!(none.meets_target(1));
    }
}
