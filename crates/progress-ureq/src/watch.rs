//! The watch as an iterator: the adapter loop of the design, nothing more.

use std::fmt;

use progress_model::{Action, Error, JobId, Progress, Watch};

use crate::Client;

/// The observations of one watch; see [`Client::watch`].
pub struct ProgressWatch {
    client: Client,
    job: Result<JobId, Error>,
    machine: Watch,
    finished: bool,
}

/// What a step of the loop hands out.
enum Step {
    Observed(Progress),
    Finished(Result<Progress, Error>),
}

impl ProgressWatch {
    pub(crate) fn new(client: Client, job: Result<JobId, Error>) -> Self {
        let machine = Watch::new(
            client.settings.policy.clone(),
            client.settings.body_cap,
            client.can_refresh_token(),
        );
        Self {
            client,
            job,
            machine,
            finished: false,
        }
    }

    /// Drives the watch to its end and returns how it ended.
    pub fn outcome(mut self) -> Result<Progress, Error> {
        loop {
            if let Step::Finished(outcome) = self.step() {
                return outcome;
            }
        }
    }

    fn step(&mut self) -> Step {
        let job = match &self.job {
            Ok(job) => job,
            Err(invalid_id) => return Step::Finished(Err(invalid_id.clone())),
        };
        loop {
            match self.machine.next(self.client.clock.now()) {
                Action::Fetch { fresh_token } => {
                    let result = self.client.fetch(job, fresh_token);
                    let clock = &self.client.clock;
                    self.machine.on_response(clock.now(), clock.wall(), result);
                }
                Action::Emit(progress) => return Step::Observed(progress),
                Action::Wait(duration) => self.client.sleeper.sleep(duration),
                Action::Done(outcome) => return Step::Finished(outcome),
            }
        }
    }
}

impl Iterator for ProgressWatch {
    type Item = Result<Progress, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Step::Observed(progress) => Some(Ok(progress)),
            Step::Finished(outcome) => {
                self.finished = true;
                // The terminal progress was already yielded when it was observed.
                outcome.err().map(Err)
            }
        }
    }
}

impl fmt::Debug for ProgressWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressWatch")
            .field("job", &self.job)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
