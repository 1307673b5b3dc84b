//! The watch as a stream: the adapter loop of the design, with `.await`.

use std::pin::Pin;

use futures_core::Stream;
use progress_model::{Action, Error, Progress, Update, Watch};

use crate::Client;

/// The observations of one watch; see [`Client::watch`]. `Send`, so it can be
/// spawned; dropping it cancels the watch.
pub type ProgressStream = Pin<Box<dyn Stream<Item = Result<Progress, Error>> + Send>>;

/// One watch between steps: the client and the machine.
pub(crate) struct WatchLoop {
    client: Client,
    machine: Watch,
}

impl WatchLoop {
    pub(crate) fn new(client: Client, machine: Watch) -> Self {
        Self { client, machine }
    }

    pub(crate) async fn outcome(mut self) -> Result<Progress, Error> {
        loop {
            if let Update::Finished(outcome) = self.advance().await {
                return outcome;
            }
        }
    }

    pub(crate) fn into_stream(self) -> ProgressStream {
        Box::pin(futures_util::stream::unfold(
            Some(self),
            |state| async move {
                let mut watch = state?;
                let update = watch.advance().await;
                let next_state = (!update.is_final()).then_some(watch);
                update.into_item().map(|item| (item, next_state))
            },
        ))
    }

    /// [`Watch::advance`], with `.await` where the blocking driver blocks.
    async fn advance(&mut self) -> Update {
        let parts = &self.client.parts;
        loop {
            match self.machine.next(parts.clock.now()) {
                Action::Fetch(fetch) => {
                    let result = self.client.fetch(&fetch).await;
                    self.machine
                        .on_response(parts.clock.now(), parts.clock.wall(), result);
                }
                Action::Emit(progress) => return Update::Observed(progress),
                Action::Retry(retry) => parts.notify_retry(&retry),
                Action::TokenRefreshed => {}
                Action::Wait(until) => {
                    // Read the clock now: the caller's time since the last item counts.
                    let left = until.saturating_duration_since(parts.clock.now());
                    parts.sleeper.sleep(left).await;
                }
                Action::Done(outcome) => return Update::Finished(outcome),
            }
        }
    }
}
