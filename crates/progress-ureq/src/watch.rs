//! The watch as an iterator over the model's machine.

use progress_model::{Error, Progress, Update, Watch};

use crate::Client;

/// The observations of one watch; see [`Client::watch`].
#[derive(Debug)]
pub struct ProgressWatch {
    client: Client,
    machine: Watch,
    finished: bool,
}

impl ProgressWatch {
    pub(crate) fn new(client: Client, machine: Watch) -> Self {
        Self {
            client,
            machine,
            finished: false,
        }
    }

    /// Drives the watch to its end and returns how it ended.
    pub fn outcome(mut self) -> Result<Progress, Error> {
        loop {
            if let Update::Finished(outcome) = self.advance() {
                return outcome;
            }
        }
    }

    fn advance(&mut self) -> Update {
        let client = &self.client;
        self.machine.advance(
            client.parts.clock.as_ref(),
            |fetch| client.fetch(fetch),
            |retry| client.parts.notify_retry(retry),
            |duration| client.parts.sleeper.sleep(duration),
        )
    }
}

impl Iterator for ProgressWatch {
    type Item = Result<Progress, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let update = self.advance();
        self.finished = update.is_final();
        update.into_item()
    }
}
