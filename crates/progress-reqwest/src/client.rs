//! The async client: one request, or a watch driven by the model's machine.

use std::fmt;
use std::sync::Arc;

use progress_model::{Clock, Error, HttpResponse, JobId, Progress, Settings, interpret};

use crate::builder::ClientBuilder;
use crate::compat::{check_runtime, on_any_runtime};
use crate::sleeper::AsyncSleeper;
use crate::token::AsyncTokenProvider;
use crate::transport;
use crate::watch::{ProgressStream, WatchLoop};

/// An async client for job progress. Cheap to clone; clones, and every watch
/// they run, share one connection pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) settings: Arc<Settings>,
    token: Arc<dyn AsyncTokenProvider>,
    pub(crate) sleeper: Arc<dyn AsyncSleeper>,
    pub(crate) clock: Arc<dyn Clock>,
    http: reqwest::Client,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(
        settings: Arc<Settings>,
        token: Arc<dyn AsyncTokenProvider>,
        sleeper: Arc<dyn AsyncSleeper>,
        clock: Arc<dyn Clock>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            settings,
            token,
            sleeper,
            clock,
            http,
        }
    }

    /// Asks once where a job stands. Every non-200 answer is an error.
    pub async fn progress(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        let job = JobId::new(job_id.as_ref())?;
        check_runtime()?;
        let response = self.fetch(&job, false).await?;
        interpret(&response, self.settings.body_cap, self.clock.wall())
    }

    /// Watches a job to its end: a stream that yields each observation as it
    /// arrives, before the wait that follows it, and ends after a terminal state
    /// or after yielding an error. Dropping the stream cancels the watch.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressStream {
        WatchLoop::new(self.clone(), JobId::new(job_id.as_ref())).into_stream()
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    /// Dropping the future cancels the watch.
    pub async fn wait(&self, job_id: impl AsRef<str>) -> Result<Progress, Error> {
        WatchLoop::new(self.clone(), JobId::new(job_id.as_ref()))
            .outcome()
            .await
    }

    pub(crate) fn can_refresh_token(&self) -> bool {
        self.token.can_refresh()
    }

    /// Gets a token (a fresh one after a 401) and sends one request.
    pub(crate) async fn fetch(
        &self,
        job: &JobId,
        fresh_token: bool,
    ) -> Result<HttpResponse, Error> {
        let token = if fresh_token {
            self.token.refresh().await
        } else {
            self.token.token().await
        }
        .map_err(Error::token)?;
        let request = self.settings.progress_request(job, &token)?;
        on_any_runtime(transport::send(&self.http, &self.settings, request)).await
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
