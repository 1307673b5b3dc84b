//! What one watch did, as its client saw it: every request (through the
//! token provider, asked once before each), every retry it announced, every
//! observation it handed out, and how it ended.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use itwin_job_progress::{
    AccessToken, AsyncTokenProvider, Error, Progress, Retry, TokenError, TokenProvider,
};

/// One thing a watch did, in order.
#[derive(Debug, Clone)]
pub enum Event {
    /// A request was about to be sent (`fresh`: with a refreshed token, after a 401).
    Request { at: Instant, fresh: bool },
    /// A failure was waited out: the wait the client announced, and the
    /// `Retry-After` the answer carried.
    Retry {
        wait: Duration,
        retry_after: Option<Duration>,
        /// What failed, for the report.
        cause: String,
    },
    /// An observation reached the caller.
    Observed { percentage: Option<f64> },
    /// A webhook delivery woke the watch: its next request may go at once.
    Woken { at: Instant },
}

/// The log a watch's token provider, retry listener and consumer share.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Event>>>);

impl Log {
    pub fn push(&self, event: Event) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(event);
    }

    pub fn events(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The retry listener for the client's builder.
    pub fn on_retry(&self) -> impl Fn(&Retry) + Send + Sync + 'static {
        let log = self.clone();
        move |retry: &Retry| {
            log.push(Event::Retry {
                wait: retry.wait,
                retry_after: retry.error.retry_after(),
                cause: retry.error.kind().as_str().to_owned(),
            })
        }
    }
}

/// A token provider that can refresh (so a 401 gets its one immediate retry)
/// and notes every request it is asked for.
#[derive(Debug, Clone)]
pub struct RecordingToken {
    pub token: String,
    pub log: Log,
}

/// The async clients get it as an async provider: it answers at once, as a
/// service's own token cache would, so no call of it goes to a runtime's
/// threads for blocking work (whose idle threads outlive a run).
impl AsyncTokenProvider for RecordingToken {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(std::future::ready(TokenProvider::token(self)))
    }

    fn refresh(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(std::future::ready(TokenProvider::refresh(self)))
    }
}

impl TokenProvider for RecordingToken {
    fn token(&self) -> Result<AccessToken, TokenError> {
        self.log.push(Event::Request {
            at: Instant::now(),
            fresh: false,
        });
        Ok(AccessToken::new(self.token.clone()))
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        self.log.push(Event::Request {
            at: Instant::now(),
            fresh: true,
        });
        // The same token: a revoked one stays revoked, so the second 401 ends the watch.
        Ok(AccessToken::new(self.token.clone()))
    }
}

/// One finished watch.
#[derive(Debug)]
pub struct WatchRecord {
    pub job: usize,
    pub events: Vec<Event>,
    /// How it ended; `None` if it panicked.
    pub outcome: Option<Result<Progress, Error>>,
    /// Just before the watch started.
    pub started: Instant,
    /// From `started` to its end.
    pub took: Duration,
}

impl WatchRecord {
    /// The events with their times since the start: what a report shows
    /// of a watch that broke an invariant.
    pub fn timeline(&self) -> String {
        let since = |at: &Instant| at.saturating_duration_since(self.started).as_millis();
        self.events
            .iter()
            .map(|event| match event {
                Event::Request { at, fresh: false } => format!("request @{}ms", since(at)),
                Event::Request { at, fresh: true } => {
                    format!("fresh-token request @{}ms", since(at))
                }
                Event::Retry {
                    wait,
                    retry_after,
                    cause,
                } => format!(
                    "{cause}, retry in {}ms (Retry-After {retry_after:?})",
                    wait.as_millis()
                ),
                Event::Observed { percentage } => format!("observed {percentage:?}"),
                Event::Woken { at } => format!("woken @{}ms", since(at)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Collects a watch's items: the last one says how it ended.
#[derive(Debug, Default)]
pub struct Outcome {
    last: Option<Result<Progress, Error>>,
}

impl Outcome {
    pub fn item(&mut self, log: &Log, item: Result<Progress, Error>) {
        if let Ok(progress) = &item {
            log.push(Event::Observed {
                percentage: progress.percentage,
            });
        }
        self.last = Some(item);
    }

    /// The outcome: the error that ended it, or the last (terminal) progress.
    /// A watch that ended with no item at all is an error of its own.
    pub fn finish(self) -> Result<Progress, Error> {
        self.last
            .unwrap_or_else(|| Err(Error::Config("the watch ended without any item".into())))
    }
}
