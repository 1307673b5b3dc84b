//! The async client and its one request; the watches, which are built on
//! it, start in watching.rs.

use std::time::{Duration, Instant};

use progress_model::internal::ClientParts;
use progress_model::{Error, Fetch, HttpResponse, JobId, Progress, TokenError};

use crate::bound::within;
use crate::compat::{check_runtime, on_any_runtime};
use crate::sleeper::AsyncSleeper;
use crate::slots::Slots;
use crate::token::AsyncTokenProvider;
use crate::transport;

/// An async client for job progress. Cheap to clone; clones, and every watch
/// they run, share one connection pool, the client's 429 pause and rate, and
/// its `max_in_flight` slots.
#[derive(Clone, Debug)]
pub struct Client {
    // One allocation shared by every clone and watch: a watch holds a pointer
    // to its client, not a copy (that matters at a hundred thousand watches).
    pub(crate) inner: std::sync::Arc<Shared>,
}

/// What a client and all its clones and watches share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) parts: ClientParts<dyn AsyncTokenProvider, dyn AsyncSleeper>,
    pub(crate) http: transport::Http,
    pub(crate) slots: Slots,
}

impl Client {
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
            let fetch = Fetch::once(job?);
            let response = client.fetch(&fetch).await?;
            client.inner.parts.single_answer(&fetch, response)
        }
    }

    /// Gets a token (a fresh one after a 401) and sends one request: the
    /// model's steps, with this client's I/O between them.
    pub(crate) async fn fetch(&self, fetch: &Fetch) -> Result<HttpResponse, Error> {
        let token = self.token(fetch).await;
        self.send(fetch, token).await
    }

    /// Asks the provider for the token `fetch` needs (a fresh one after a
    /// 401), and how long that took; an error when there is no runtime to
    /// send on. A watch asks before it queues for a slot, so a slow identity
    /// service holds none.
    pub(crate) async fn token(&self, fetch: &Fetch) -> Result<FetchedToken, Error> {
        check_runtime()?;
        let bound = fetch.token_timeout(self.inner.parts.settings.request_timeout);
        let started = Instant::now();
        let provider = &self.inner.parts.token;
        let asked = match fetch.refused_token() {
            Some(refused) => provider.replace_within(refused, bound),
            None => provider.token_within(fetch.fresh_token, bound),
        };
        // A provider that hangs is dropped when the bound passes.
        let token = within(bound, asked).await.and_then(|token| token);
        Ok((token, started.elapsed()))
    }

    /// Sends the request `fetch` asks for with the token the provider gave.
    pub(crate) async fn send(
        &self,
        fetch: &Fetch,
        token: Result<FetchedToken, Error>,
    ) -> Result<HttpResponse, Error> {
        let (token, took) = token?;
        let (outgoing, receipt) = self.inner.parts.prepare(fetch, token, took)?;
        let sent = transport::send(&self.inner.http, &self.inner.parts.settings, outgoing);
        receipt.finish(on_any_runtime(sent).await)
    }
}

/// What the provider gave for one fetch, and how long asking took.
pub(crate) type FetchedToken = (Result<progress_model::AccessToken, TokenError>, Duration);
