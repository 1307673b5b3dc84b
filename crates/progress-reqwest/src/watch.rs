//! The watch as a stream: the adapter loop of the design, nothing more.

use std::pin::Pin;

use futures_core::Stream;
use progress_model::{Action, Error, JobId, Progress, Watch};

use crate::Client;
use crate::compat::check_runtime;

/// The observations of one watch; see [`Client::watch`]. `Send`, so it can be
/// spawned; dropping it cancels the watch.
pub type ProgressStream = Pin<Box<dyn Stream<Item = Result<Progress, Error>> + Send>>;

/// What a step of the loop hands out.
enum Step {
    Observed(Progress),
    Finished(Result<Progress, Error>),
}

/// The state of one watch between steps.
pub(crate) struct WatchLoop {
    client: Client,
    job: Result<JobId, Error>,
    machine: Watch,
}

impl WatchLoop {
    pub(crate) fn new(client: Client, job: Result<JobId, Error>) -> Self {
        let machine = Watch::new(
            client.settings.policy.clone(),
            client.settings.body_cap,
            client.can_refresh_token(),
        );
        Self {
            client,
            job: job.and_then(|job| check_runtime().map(|()| job)),
            machine,
        }
    }

    pub(crate) async fn outcome(mut self) -> Result<Progress, Error> {
        loop {
            if let Step::Finished(outcome) = self.step().await {
                return outcome;
            }
        }
    }

    pub(crate) fn into_stream(self) -> ProgressStream {
        Box::pin(futures_util::stream::unfold(
            Some(self),
            |state| async move {
                let mut watch = state?;
                match watch.step().await {
                    Step::Observed(progress) => Some((Ok(progress), Some(watch))),
                    // The terminal progress was already yielded when it was observed.
                    Step::Finished(Ok(_)) => None,
                    Step::Finished(Err(error)) => Some((Err(error), None)),
                }
            },
        ))
    }

    async fn step(&mut self) -> Step {
        let job = match &self.job {
            Ok(job) => job,
            Err(refused) => return Step::Finished(Err(refused.clone())),
        };
        loop {
            match self.machine.next(self.client.clock.now()) {
                Action::Fetch { fresh_token } => {
                    let result = self.client.fetch(job, fresh_token).await;
                    let clock = &self.client.clock;
                    self.machine.on_response(clock.now(), clock.wall(), result);
                }
                Action::Emit(progress) => return Step::Observed(progress),
                Action::Wait(duration) => self.client.sleeper.sleep(duration).await,
                Action::Done(outcome) => return Step::Finished(outcome),
            }
        }
    }
}
