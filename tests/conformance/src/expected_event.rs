//! The events a vector expects of one job's watch among many (`watch_many`,
//! `live`), each at its instant of the clock: `{"at": 20, "observed":
//! progress}`, `{"at": 35, "retrying": error}`, `{"at": 35,
//! "token_refreshed": true}`, `{"at": 40, "finished": outcome}`.

use serde::Deserialize;

use crate::vector::{ExpectedError, ExpectedOutcome, ExpectedProgress, Seconds};

/// One event of a job's watch and when the reader got it.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawEvent")]
pub struct ExpectedEvent {
    /// When, in seconds of the client's clock since the start.
    pub at: Seconds,
    /// What happened.
    pub kind: ExpectedEventKind,
}

/// What happened, as the client's `EventKind` says it.
#[derive(Debug, Clone)]
pub enum ExpectedEventKind {
    /// The service answered with this progress.
    Observed(ExpectedProgress),
    /// An attempt failed with this error and the watch tries again.
    Retrying(ExpectedError),
    /// A fresh token was asked for after a 401 and its request answered.
    TokenRefreshed,
    /// The watch ended so: its last event.
    Finished(ExpectedOutcome),
}

/// An event as written: exactly one of the kinds besides `at`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    at: Seconds,
    observed: Option<ExpectedProgress>,
    retrying: Option<ExpectedError>,
    token_refreshed: Option<bool>,
    finished: Option<ExpectedOutcome>,
}

impl TryFrom<RawEvent> for ExpectedEvent {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<Self, String> {
        let mut kinds = Vec::new();
        kinds.extend(raw.observed.map(ExpectedEventKind::Observed));
        kinds.extend(raw.retrying.map(ExpectedEventKind::Retrying));
        match raw.token_refreshed {
            Some(true) => kinds.push(ExpectedEventKind::TokenRefreshed),
            Some(false) => return Err("`token_refreshed` is `true` or absent".into()),
            None => {}
        }
        kinds.extend(raw.finished.map(ExpectedEventKind::Finished));
        match <[ExpectedEventKind; 1]>::try_from(kinds) {
            Ok([kind]) => Ok(ExpectedEvent { at: raw.at, kind }),
            Err(_) => Err(
                "an event has `at` and one of `observed`, `retrying`, `token_refreshed`, `finished`"
                    .into(),
            ),
        }
    }
}
