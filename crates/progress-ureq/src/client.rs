//! The blocking client: one request, or a watch driven by the model's machine.

use std::fmt;
use std::sync::Arc;

use progress_model::{
    Clock, Error, HttpResponse, JobId, Progress, Settings, TokenProvider, interpret,
};

use crate::builder::ClientBuilder;
use crate::sleeper::Sleeper;
use crate::transport;
use crate::watch::ProgressWatch;

/// A blocking client for job progress. Cheap to clone; clones share one
/// connection pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) settings: Arc<Settings>,
    token: Arc<dyn TokenProvider>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) clock: Arc<dyn Clock>,
    agent: ureq::Agent,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(
        settings: Arc<Settings>,
        token: Arc<dyn TokenProvider>,
        sleeper: Arc<dyn Sleeper>,
        clock: Arc<dyn Clock>,
        agent: ureq::Agent,
    ) -> Self {
        Self {
            settings,
            token,
            sleeper,
            clock,
            agent,
        }
    }

    /// Asks once where a job stands. Every non-200 answer is an error.
    pub fn progress(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        let job = JobId::new(job_id.as_ref())?;
        let response = self.fetch(&job, false)?;
        interpret(&response, self.settings.body_cap, self.clock.wall())
    }

    /// Watches a job to its end: each observation is yielded as it arrives,
    /// before the wait that follows it. The iterator ends after a terminal state
    /// or after yielding an error. Dropping it stops the watch.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressWatch {
        ProgressWatch::new(self.clone(), JobId::new(job_id.as_ref()))
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    pub fn wait(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        self.watch(job_id).outcome()
    }

    pub(crate) fn can_refresh_token(&self) -> bool {
        self.token.can_refresh()
    }

    /// Gets a token (a fresh one after a 401) and sends one request.
    pub(crate) fn fetch(&self, job: &JobId, fresh_token: bool) -> Result<HttpResponse, Error> {
        let token = if fresh_token {
            self.token.refresh()
        } else {
            self.token.token()
        }
        .map_err(Error::token)?;
        let request = self.settings.progress_request(job, &token)?;
        transport::send(&self.agent, &self.settings, request)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.settings)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}
