//! The blocking client and its one request; the watches, which are built on
//! it, start in watching.rs.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use progress_model::internal::ClientParts;
use progress_model::{Error, Fetch, HttpResponse, JobId, Progress, TokenError, TokenProvider};

use crate::cancel::CancelHandle;
use crate::sleeper::Sleeper;
use crate::slots::Slots;
use crate::transport;

/// A blocking client for job progress. Cheap to clone; clones share one
/// connection pool, and every watch of the client and its clones, on any
/// thread, shares the client's 429 pause, rate and `max_in_flight` slots.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) parts: ClientParts<dyn TokenProvider, dyn Sleeper>,
    pub(crate) http: transport::Http,
    pub(crate) slots: Arc<Slots>,
    /// No sleeper was given: sleep on the watch's cancel handle, so that
    /// `cancel()` wakes it at once.
    pub(crate) sleeps_on_cancel: bool,
}

impl Client {
    /// Asks once where a job stands. Every non-2xx answer is an error (any
    /// 2xx is read like a 200); a single call never retries.
    pub fn progress(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        let fetch = Fetch::once(JobId::new(job_id.as_ref())?);
        let response = self.fetch(&fetch)?;
        self.parts.single_answer(&fetch, response)
    }

    /// Sleeps between polls: on the cancel handle when no sleeper was given
    /// (so a cancel wakes the watch at once), else with the given sleeper.
    /// Whether a wake ended the sleep early (only a sleep on the handle can
    /// be woken).
    pub(crate) fn sleep(&self, duration: Duration, cancel: &CancelHandle) -> bool {
        if self.sleeps_on_cancel {
            cancel.sleep(duration)
        } else {
            self.parts.sleeper.sleep(duration);
            false
        }
    }

    /// Gets a token (a fresh one after a 401) and sends one request: the
    /// model's steps, with this client's I/O between them.
    pub(crate) fn fetch(&self, fetch: &Fetch) -> Result<HttpResponse, Error> {
        self.send(fetch, self.token(fetch))
    }

    /// Asks the provider for the token `fetch` needs (a fresh one after a
    /// 401), and how long that took. A watch asks before it queues for a
    /// slot, so a slow identity service holds none.
    pub(crate) fn token(&self, fetch: &Fetch) -> FetchedToken {
        let bound = fetch.token_timeout(self.parts.settings.request_timeout);
        let started = Instant::now();
        // A provider that fetches over the network honours the bound
        // (ClientCredentials does); a closure that blocks cannot be interrupted.
        let token = fetch.ask_token(self.parts.token.as_ref(), bound);
        (token, started.elapsed())
    }

    /// Sends the request `fetch` asks for with the token the provider gave.
    pub(crate) fn send(&self, fetch: &Fetch, token: FetchedToken) -> Result<HttpResponse, Error> {
        let (token, took) = token;
        let (outgoing, receipt) = self.parts.prepare(fetch, token, took)?;
        receipt.finish(transport::send(&self.http, &self.parts.settings, outgoing))
    }
}

/// What the provider gave for one fetch, and how long asking took.
pub(crate) type FetchedToken = (Result<progress_model::AccessToken, TokenError>, Duration);
