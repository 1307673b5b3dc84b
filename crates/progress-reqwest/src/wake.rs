//! Waking a watch whose job completed (a webhook delivery): the client's
//! door for it, and the wait a wake can end. Whether and when the watch
//! polls is the model's decision ([`Watch::wake`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use progress_model::{JobId, Service, Watch};

use crate::client::Client;
use crate::sleeper::BoxFuture;

impl Client {
    /// Says that `job_id` of `service` completed (a webhook delivery said
    /// so): every running watch of that job on this client and its clones
    /// (a single watch, one of `watch_many`, a `wait`) polls within
    /// moments, whatever its rung, though still after the client's 429
    /// pause and within its rate. Returns whether there was such a watch;
    /// without one, nothing happens. Not async: call it from a webhook
    /// endpoint's handler, on any thread or runtime.
    ///
    /// The delivery ends nothing: the answer to that poll does, so a
    /// forged or replayed delivery costs one request. A waiting watch is
    /// woken on any runtime, whatever sleeper the client was given.
    pub fn notify_completed(&self, service: Service, job_id: &JobId) -> bool {
        let now = self.inner.parts.clock.now();
        self.inner
            .parts
            .shared
            .notify_completed(&service, job_id, now)
    }
}

/// Sleeps out the wait `machine` handed out, ending early when a wake
/// moves it: the watch then says what comes next. A future of
/// its own rather than an `async fn`: it is what every waiting watch holds.
pub(crate) struct SleepOut<'a> {
    pub(crate) machine: &'a Watch,
    pub(crate) sleep: BoxFuture<'static, ()>,
}

impl Future for SleepOut<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The waker first, then the look: a wake between the two still wakes.
        self.machine.set_waker(cx.waker());
        if self.machine.woken() {
            return Poll::Ready(());
        }
        self.sleep.as_mut().poll(cx)
    }
}
