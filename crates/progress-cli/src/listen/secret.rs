//! The webhook's secret for `watch --listen`: from `--webhook-secret-file`,
//! else from `ITWIN_WEBHOOK_SECRET`; never an argument, never printed.

use std::path::Path;

use progress_model::webhook::WebhookSecret;

use super::SetupError;
use crate::token_file::read_secret;

/// The environment variable that holds the webhook's secret.
pub const SECRET_VAR: &str = "ITWIN_WEBHOOK_SECRET";

/// The secret from `file`, or else from [`SECRET_VAR`]. Missing, unreadable
/// or shorter than 32 characters: a usage error (exit 2), before anything
/// listens or is sent.
pub fn read(file: Option<&Path>) -> Result<WebhookSecret, SetupError> {
    let text = match file {
        Some(path) => read_secret(path, "--webhook-secret-file").map_err(SetupError::usage)?,
        None => std::env::var(SECRET_VAR)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| {
                SetupError::usage(format!(
                    "--listen needs the webhook's secret: pass --webhook-secret-file PATH or set {SECRET_VAR}"
                ))
            })?,
    };
    let from = if file.is_some() {
        "the file given to --webhook-secret-file"
    } else {
        SECRET_VAR
    };
    WebhookSecret::new(text).map_err(|_| {
        SetupError::usage(format!(
            "{from} holds a secret shorter than 32 characters: not a webhook's secret"
        ))
    })
}
