//! Waking a watch whose job completed (a webhook delivery): the client's
//! door for it, and the sleep a wake can end. Whether and when the watch
//! polls is the model's decision ([`Watch::wake`]).

use std::time::Instant;

use progress_model::{JobId, Service, Watch};

use crate::cancel::CancelHandle;
use crate::client::Client;

impl Client {
    /// Says that `job_id` of `service` completed (a webhook delivery said
    /// so): every running watch of that job on this client and its clones
    /// (a single watch, one of `watch_many`, on any thread) polls within
    /// moments, whatever its rung, though still after the client's 429
    /// pause and within its rate. Returns whether there was such a watch;
    /// without one, nothing happens.
    ///
    /// The delivery ends nothing: the answer to that poll does, so a
    /// forged or replayed delivery costs one request. A sleeping watch
    /// wakes at once with the default sleeper; with a sleeper of your own,
    /// when that sleep returns.
    pub fn notify_completed(&self, service: Service, job_id: &JobId) -> bool {
        let now = self.parts.clock.now();
        self.parts.shared.notify_completed(&service, job_id, now)
    }

    /// Sleeps out the wait `machine` handed out, until `until` or until a
    /// wake moves it to now; a wake that leaves it ahead (a `Retry-After`)
    /// sleeps on to the new instant, and the watch says the rest.
    pub(crate) fn sleep_out(&self, until: Instant, machine: &Watch, cancel: &CancelHandle) {
        let clock = &self.parts.clock;
        let mut until = until;
        loop {
            let left = until.saturating_duration_since(clock.now());
            if !self.sleep(left, cancel) || cancel.is_cancelled() {
                return;
            }
            // Woken: by a wake that moved this wait, or one that moved an
            // earlier wait as that sleep ended (then nothing moved).
            until = machine
                .waiting_until()
                .map_or(until, |moved| moved.min(until));
            if until <= clock.now() {
                return;
            }
        }
    }
}
