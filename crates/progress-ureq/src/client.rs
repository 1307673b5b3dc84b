//! The blocking client: one request, or a watch driven by the model's machine.

use std::time::Instant;

use progress_model::internal::ClientParts;
use progress_model::{Error, Fetch, HttpResponse, JobId, Progress, TokenProvider, Watch};

use crate::builder::ClientBuilder;
use crate::sleeper::Sleeper;
use crate::transport;
use crate::watch::ProgressWatch;

/// A blocking client for job progress. Cheap to clone; clones share one
/// connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) parts: ClientParts<dyn TokenProvider, dyn Sleeper>,
    pub(crate) http: transport::Http,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Asks once where a job stands. Every non-2xx answer is an error (any
    /// 2xx is read like a 200); a single call never retries.
    pub fn progress(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        let fetch = Fetch::once(JobId::new(job_id.as_ref())?);
        let response = self.fetch(&fetch)?;
        self.parts.single_answer(&fetch, response)
    }

    /// Watches a job to its end: each observation is yielded as it arrives,
    /// before the wait that follows it. The iterator ends after a terminal state
    /// or after yielding an error. Dropping it stops the watch.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressWatch {
        let settings = &self.parts.settings;
        let can_refresh = self.parts.token.can_refresh();
        let machine = Watch::for_job(settings, job_id.as_ref(), can_refresh);
        ProgressWatch::new(self.clone(), machine)
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    pub fn wait(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        self.watch(job_id).outcome()
    }

    /// Gets a token (a fresh one after a 401) and sends one request: the
    /// model's steps, with this client's I/O between them.
    pub(crate) fn fetch(&self, fetch: &Fetch) -> Result<HttpResponse, Error> {
        let bound = fetch.token_timeout(self.parts.settings.request_timeout);
        let started = Instant::now();
        // A provider that fetches over the network honours the bound
        // (ClientCredentials does); a closure that blocks cannot be interrupted.
        let token = self.parts.token.token_within(fetch.fresh_token, bound);
        let (outgoing, receipt) = self.parts.prepare(fetch, token, started.elapsed())?;
        receipt.finish(transport::send(&self.http, &self.parts.settings, outgoing))
    }
}
