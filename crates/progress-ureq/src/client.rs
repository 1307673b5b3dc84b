//! The blocking client: one request, or a watch driven by the model's machine.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use progress_model::internal::ClientParts;
use progress_model::{
    Error, Fetch, HttpResponse, JobId, Progress, TokenError, TokenProvider, Watch, WatchOptions,
};

use crate::events::{EventWatch, ProgressWatch};
use crate::many::ManyWatch;
use crate::sleeper::Sleeper;
use crate::slots::Slots;
use crate::{CancelHandle, transport};

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

    /// Watches a job to its end: each observation is yielded as it arrives,
    /// before the wait that follows it. The iterator ends after a terminal state
    /// or after yielding an error. Dropping it stops the watch; so does its
    /// [`cancel_handle`](ProgressWatch::cancel_handle), from another thread.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressWatch {
        self.watch_with(job_id, WatchOptions::new())
    }

    /// [`Client::watch`] with this watch's own deadline or ladder.
    pub fn watch_with(&self, job_id: impl AsRef<str>, options: WatchOptions) -> ProgressWatch {
        ProgressWatch::new(self.events(job_id.as_ref(), &options))
    }

    /// Watches a job, telling everything that happens as [`Event`](progress_model::Event)s
    /// naming the job: each observation, each retry and its wait, a refreshed
    /// token, and last how the watch finished.
    pub fn watch_events(&self, job_id: impl AsRef<str>) -> EventWatch {
        self.events(job_id.as_ref(), &WatchOptions::new())
    }

    /// Watches many jobs concurrently: their events merged, in the order
    /// they happen, handed on the calling thread, ending when every watch
    /// has finished. A deadline counts from this call for every job,
    /// however long a job waits for its turn to send.
    ///
    /// Requests go out from worker threads, up to the client's
    /// `max_in_flight` at once: `min(max_in_flight, number of jobs)` threads
    /// (32 by default), started at the first `next()` and ended when every
    /// watch has finished or the iterator is dropped (which cancels every
    /// watch and waits for the requests on the wire to come back, at most
    /// the request timeout). Between polls no thread is busy: the calling
    /// thread sleeps until the next watch is due.
    pub fn watch_many<I>(&self, job_ids: I) -> ManyWatch
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let can_refresh = self.parts.token.can_refresh();
        let options = WatchOptions::new().started_at(self.parts.clock.now());
        let machines = job_ids
            .into_iter()
            .map(|id| self.parts.watch(id.as_ref(), can_refresh, &options));
        ManyWatch::new(self.clone(), machines.collect::<Vec<_>>())
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    pub fn wait(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        self.watch(job_id).outcome()
    }

    fn events(&self, job_id: &str, options: &WatchOptions) -> EventWatch {
        let can_refresh = self.parts.token.can_refresh();
        let machine: Watch = self.parts.watch(job_id, can_refresh, options);
        EventWatch::new(self.clone(), machine)
    }

    /// Sleeps between polls: on the cancel handle when no sleeper was given
    /// (so a cancel wakes the watch at once), else with the given sleeper.
    pub(crate) fn sleep(&self, duration: Duration, cancel: &CancelHandle) {
        if self.sleeps_on_cancel {
            cancel.sleep(duration);
        } else {
            self.parts.sleeper.sleep(duration);
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
