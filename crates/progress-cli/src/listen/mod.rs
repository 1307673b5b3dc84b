//! `watch --listen ADDR:PORT`: the webhook receiver that runs while a watch
//! does. Each valid delivery of a job's end tells the command's client to
//! poll that job now; the delivery itself never ends a watch.
//!
//! Without the `webhooks` feature there is no receiver: `--listen` is then
//! a usage error that says which feature is missing.

#[cfg(feature = "webhooks")]
mod secret;
#[cfg(feature = "webhooks")]
mod serve;
#[cfg(feature = "webhooks")]
mod wake;

use crate::args::Listen;
use crate::exit;

#[cfg(feature = "webhooks")]
pub use serve::Prepared;
#[cfg(feature = "webhooks")]
pub use wake::Wake;

/// Why the receiver cannot run: a message for stderr and the exit code.
#[derive(Debug)]
pub struct SetupError {
    /// What went wrong; never the secret.
    pub message: String,
    /// 2 for the command line's mistakes, 1 for the environment's.
    pub code: u8,
}

impl SetupError {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: exit::USAGE,
        }
    }
}

/// The receiver `listen` asks for, bound and with its secret, but not yet
/// serving; `None` without `--listen`.
#[cfg(feature = "webhooks")]
pub fn prepare(listen: &Listen) -> Result<Option<Prepared>, SetupError> {
    let Some(address) = listen.listen else {
        return Ok(None);
    };
    let secret = secret::read(listen.webhook_secret_file.as_deref())?;
    Prepared::bind(address, secret).map(Some)
}

/// Without the `webhooks` feature: nothing to prepare, and `--listen` is a
/// usage error.
#[cfg(not(feature = "webhooks"))]
pub fn prepare(listen: &Listen) -> Result<Option<Prepared>, SetupError> {
    match listen.listen {
        None => Ok(None),
        Some(_) => Err(SetupError::usage(
            "this build of itwin-progress has no webhook receiver: --listen needs the \
             `webhooks` feature (on by default)",
        )),
    }
}

/// No receiver can be prepared without the `webhooks` feature.
#[cfg(not(feature = "webhooks"))]
#[derive(Debug)]
pub enum Prepared {}

#[cfg(not(feature = "webhooks"))]
impl Prepared {
    /// Never called: there is no receiver to serve.
    pub fn serve_in_background<C>(self, _client: C) -> Result<(), SetupError> {
        match self {}
    }

    /// Never called: there is no receiver to serve.
    pub fn serve_on<C>(
        self,
        _runtime: &tokio::runtime::Runtime,
        _client: C,
    ) -> Result<(), SetupError> {
        match self {}
    }
}
