//! Where watches start: one job's observations or events, many jobs', and
//! the wait for a job's end. Here rather than in client.rs: the watches are
//! built on the client's one request, so they sit above it and the client
//! needs nothing from them.

use progress_model::{Error, Progress, Watch, WatchOptions, WatchState};

use crate::client::Client;
use crate::events::{EventWatch, ProgressWatch};
use crate::many::ManyWatch;
use crate::watches::Watches;

impl Client {
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

    /// Goes on with a watch saved earlier, perhaps by another process:
    /// `state` is the [`WatchState`] the last event of that watch carried
    /// ([`Event::watch_state`](progress_model::Event::watch_state)). The
    /// next poll comes at its saved due time, or at once when that has
    /// passed; the saved observation is not told again. See
    /// [`WatchOptions::resume_from`], which [`Client::watch_with`] takes too.
    pub fn resume(&self, state: WatchState) -> EventWatch {
        let job = state.job.clone();
        self.events(job.as_str(), &WatchOptions::new().resume_from(state))
    }

    /// Watches many jobs concurrently: their events merged, in the order
    /// they happen, handed on the calling thread, ending when every watch
    /// has finished. A deadline counts from this call for every job,
    /// however long a job waits for its turn to send. A job named twice is
    /// watched once. It is a closed [`Client::watches`] set of these jobs.
    ///
    /// Requests go out from worker threads, up to the client's
    /// `max_in_flight` at once (32 by default), started as watches need
    /// them and ended when every watch has finished or the iterator is
    /// dropped (which cancels every watch and waits for the requests on the
    /// wire to come back, at most the request timeout). Between polls no
    /// thread is busy: the calling thread sleeps until the next watch is due.
    pub fn watch_many<I>(&self, job_ids: I) -> ManyWatch
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let options = WatchOptions::new().started_at(self.parts.clock.now());
        let (watches, events) = self.watches();
        for id in job_ids {
            let _ = watches.insert_with(id, options.clone());
        }
        watches.close();
        events
    }

    /// A live set of watches: a [`Watches`] handle that inserts and removes
    /// jobs while the set runs (from any thread), and the [`ManyWatch`]
    /// iterator of their events, merged as in [`Client::watch_many`]. The
    /// events wait while the set is open and empty, and end once it is
    /// closed and every watch has finished.
    pub fn watches(&self) -> (Watches, ManyWatch) {
        ManyWatch::open(self.clone())
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
}
