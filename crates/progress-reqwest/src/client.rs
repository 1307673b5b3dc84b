//! The async client: one request, or a watch driven by the model's machine.

use progress_model::{ClientParts, Error, Fetch, HttpResponse, JobId, Progress, Watch, interpret};

use crate::builder::ClientBuilder;
use crate::compat::{check_runtime, on_any_runtime};
use crate::sleeper::AsyncSleeper;
use crate::token::AsyncTokenProvider;
use crate::transport;
use crate::watch::{ProgressStream, WatchLoop};

/// An async client for job progress. Cheap to clone; clones, and every watch
/// they run, share one connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) parts: ClientParts<dyn AsyncTokenProvider, dyn AsyncSleeper>,
    pub(crate) http: transport::Http,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Asks once where a job stands. Every non-2xx answer is an error (any
    /// 2xx is read like a 200); a single call never retries.
    ///
    /// The future owns what it needs (`Send + 'static`), so it can be spawned.
    pub fn progress(
        &self,
        job_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<Progress, Error>> + Send + 'static {
        let client = self.clone();
        let job = JobId::new(job_id.as_ref());
        async move {
            let response = client.fetch(&Fetch::once(job?)).await?;
            interpret(
                &response,
                client.parts.settings.body_cap,
                client.parts.clock.wall(),
            )
        }
    }

    /// Watches a job to its end: a stream that yields each observation as it
    /// arrives, before the wait that follows it, and ends after a terminal state
    /// or after yielding an error. Dropping the stream cancels the watch.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressStream {
        self.watch_loop(job_id.as_ref()).into_stream()
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    /// Dropping the future cancels the watch. The future owns what it needs
    /// (`Send + 'static`), so thousands can be spawned on one client.
    pub fn wait(
        &self,
        job_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<Progress, Error>> + Send + 'static {
        self.watch_loop(job_id.as_ref()).outcome()
    }

    fn watch_loop(&self, job_id: &str) -> WatchLoop {
        let can_refresh = self.parts.token.can_refresh();
        let machine = Watch::for_job(&self.parts.settings, job_id, can_refresh);
        WatchLoop::new(self.clone(), machine)
    }

    /// Gets a token (a fresh one after a 401) and sends one request.
    pub(crate) async fn fetch(&self, fetch: &Fetch) -> Result<HttpResponse, Error> {
        check_runtime()?;
        let provider = &self.parts.token;
        let token = if fetch.fresh_token {
            provider.refresh().await
        } else {
            provider.token().await
        }
        .map_err(Error::token)?;
        let settings = &self.parts.settings;
        let request = settings.progress_request(&fetch.job, &token)?;
        let timeout = fetch.timeout(settings.request_timeout);
        let mut response =
            on_any_runtime(transport::send(&self.http, settings, request, timeout)).await?;
        response.redact_secret(token.secret());
        Ok(response)
    }
}
