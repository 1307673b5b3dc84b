//! Where watches start: one job's observations or events, many jobs', and
//! the wait for a job's end. Here rather than in client.rs: the watches are
//! built on the client's one request, so they sit above it and the client
//! needs nothing from them.

use progress_model::{Error, Progress, WatchOptions, WatchState};

use crate::client::Client;
use crate::events::{EventStream, ProgressStream, WatchLoop};

impl Client {
    /// Watches a job to its end: a stream that yields each observation as it
    /// arrives, before the wait that follows it, and ends after a terminal state
    /// or after yielding an error. Dropping the stream cancels the watch.
    pub fn watch(&self, job_id: impl AsRef<str>) -> ProgressStream {
        self.watch_with(job_id, WatchOptions::new())
    }

    /// [`Client::watch`] with this watch's own deadline or ladder.
    pub fn watch_with(&self, job_id: impl AsRef<str>, options: WatchOptions) -> ProgressStream {
        ProgressStream::new(self.watch_loop(job_id.as_ref(), &options).into_events())
    }

    /// Watches a job, telling everything that happens as [`Event`](progress_model::Event)s
    /// naming the job: each observation, each retry and its wait, a refreshed
    /// token, and last how the watch finished. Dropping the stream cancels the watch.
    pub fn watch_events(&self, job_id: impl AsRef<str>) -> EventStream {
        self.watch_events_with(job_id, WatchOptions::new())
    }

    /// [`Client::watch_events`] with this watch's own deadline, ladder, or
    /// start of the deadline's clock ([`WatchOptions::started_at`]).
    pub fn watch_events_with(&self, job_id: impl AsRef<str>, options: WatchOptions) -> EventStream {
        self.watch_loop(job_id.as_ref(), &options).into_events()
    }

    /// Goes on with a watch saved earlier, perhaps by another process:
    /// `state` is the [`WatchState`] the last event of that watch carried
    /// ([`Event::watch_state`](progress_model::Event::watch_state)). The
    /// next poll comes at its saved due time, or at once when that has
    /// passed; the saved observation is not told again. See
    /// [`WatchOptions::resume_from`], which [`Client::watch_with`] takes too.
    pub fn resume(&self, state: WatchState) -> EventStream {
        let job = state.job.clone();
        self.watch_events_with(job.as_str(), WatchOptions::new().resume_from(state))
    }

    /// Watches many jobs: their events merged in one stream, in the order
    /// they happen, ending when every watch has finished. The watches run
    /// concurrently inside the stream (no task, no thread each); dropping it
    /// cancels them all. A deadline counts from this call for every job,
    /// however long a job waits for its turn to send. A job named twice is
    /// watched once. It is a closed [`Client::watches`] set of these jobs.
    pub fn watch_many<I>(&self, job_ids: I) -> EventStream
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let options = WatchOptions::new().started_at(self.inner.parts.clock.now());
        let (watches, events) = self.watches();
        for id in job_ids {
            let _ = watches.insert_with(id, options.clone());
        }
        events // the handle is dropped: the set is closed
    }

    /// Watches a job and returns how it ended: the final progress (success,
    /// failed, cancelled and over alike), or the error that ended the watch.
    /// Dropping the future cancels the watch. The future owns what it needs
    /// (`Send + 'static`), so thousands can be spawned on one client.
    pub fn wait(
        &self,
        job_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<Progress, Error>> + Send + 'static {
        self.watch_loop(job_id.as_ref(), &WatchOptions::new())
            .outcome()
    }

    pub(crate) fn watch_loop(&self, job_id: &str, options: &WatchOptions) -> WatchLoop {
        let can_refresh = self.inner.parts.token.can_refresh();
        let machine = self.inner.parts.watch(job_id, can_refresh, options);
        WatchLoop::new(self.clone(), machine)
    }
}
