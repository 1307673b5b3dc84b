//! `webhooks create | activate | list | delete`: the Webhooks API v2 on the
//! async client, with a service application's client credentials.

mod secret_file;

use std::path::Path;

use progress_model::internal::escape_controls;
use progress_model::webhook::api::job_completed_events;
use progress_reqwest::webhook::{NewWebhook, Scope, Webhook, Webhooks, WebhooksError};

use crate::args::{Connection, WebhooksAction};
use crate::stderr::{self, stderr_line};
use crate::token::TokenSource;
use crate::{client, exit, report};

use secret_file::SecretFile;

/// Runs one `webhooks` subcommand; its exit code: 0 done, 1 refused or
/// failed, 2 a usage error (no client credentials, a short secret).
pub fn run(connection: &Connection, action: &WebhooksAction) -> u8 {
    let token = match TokenSource::from_environment(connection) {
        Ok(token @ TokenSource::Credentials(_)) => token,
        Ok(_) => {
            stderr_line!(
                "error: only a service application may manage webhooks: pass --client-id ID \
                 (or set ITWIN_CLIENT_ID) with ITWIN_CLIENT_SECRET or --client-secret-file PATH"
            );
            return exit::USAGE;
        }
        Err(problem) => {
            stderr_line!("error: {problem}");
            return problem.exit_code();
        }
    };
    let runtime = match client::async_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    // The client's connection pool belongs to this runtime.
    let entered = runtime.enter();
    let built = client::build_async(connection, None, token);
    drop(entered);
    let webhooks = match built
        .map_err(WebhooksError::from)
        .and_then(|c| c.webhooks())
    {
        Ok(webhooks) => webhooks,
        Err(error) => return failed(&error),
    };
    let done = runtime.block_on(async {
        match action {
            WebhooksAction::Create {
                callback_url,
                events,
                itwin_id,
                secret_file,
            } => {
                let events = if events.is_empty() {
                    let defaults = job_completed_events(&connection.service);
                    if defaults.is_empty() {
                        stderr_line!(
                            "error: the service path has no jobCompleted event of its own: name one with --event TYPE"
                        );
                        return Ok(exit::USAGE);
                    }
                    defaults.into_iter().map(str::to_owned).collect()
                } else {
                    events.clone()
                };
                let scope = itwin_id.clone().map_or(Scope::Account, Scope::ITwin);
                create(&webhooks, callback_url, scope, events, secret_file).await
            }
            WebhooksAction::Activate { id } => {
                let webhook = webhooks.activate(id).await?;
                println_line(&row(&webhook));
                Ok(exit::SUCCESS)
            }
            WebhooksAction::List => {
                let listed = webhooks.list().await?;
                let text: String = listed.iter().map(|w| format!("{}\n", row(w))).collect();
                print_text(&text);
                Ok(exit::SUCCESS)
            }
            WebhooksAction::Delete { id } => {
                webhooks.delete(id).await?;
                println_line(&format!("{}\tdeleted", escape_controls(id)));
                Ok(exit::SUCCESS)
            }
        }
    });
    // Nothing is left to wait for, not even a blocking lookup of a host name.
    runtime.shutdown_background();
    done.unwrap_or_else(|error| failed(&error))
}

/// `webhooks create`: the secret read from the file, or generated and
/// written there first, so no webhook exists whose secret was lost; a new
/// file is removed again when the platform refuses the webhook.
async fn create(
    webhooks: &Webhooks,
    callback_url: &str,
    scope: Scope,
    events: Vec<String>,
    path: &Path,
) -> Result<u8, WebhooksError> {
    let secret = match SecretFile::read_or_create(path) {
        Ok(secret) => secret,
        Err(problem) => {
            stderr_line!("error: {problem}");
            return Ok(problem.exit_code());
        }
    };
    let webhook = NewWebhook::new(callback_url, scope, secret.secret().clone()).event_types(events);
    match webhooks.create(&webhook).await {
        Ok(created) => {
            println_line(&format!(
                "{}\t{}",
                escape_controls(&created.id),
                state(&created)
            ));
            if !created.active {
                stderr_line!(
                    "note: the webhook is inactive until `itwin-progress webhooks activate {}`",
                    escape_controls(&created.id)
                );
            }
            Ok(exit::SUCCESS)
        }
        Err(error) => {
            secret.forget();
            Err(error)
        }
    }
}

/// One webhook, tab-separated: id, state, scope, event types, callback URL.
fn row(webhook: &Webhook) -> String {
    let scope = match (&webhook.scope, &webhook.scope_id) {
        (Some(scope), Some(id)) => format!("{scope}:{id}"),
        (Some(scope), None) => scope.clone(),
        (None, _) => "-".into(),
    };
    // Each field escaped on its own: the tabs between them stay tabs.
    [
        webhook.id.as_str(),
        state(webhook),
        &scope,
        &webhook.event_types.join(","),
        webhook.callback_url.as_deref().unwrap_or("-"),
    ]
    .map(escape_controls)
    .join("\t")
}

fn state(webhook: &Webhook) -> &'static str {
    if webhook.active { "active" } else { "inactive" }
}

/// Prints the error as `report` does (status, code and correlation id on
/// lines of their own); its exit code.
fn failed(error: &WebhooksError) -> u8 {
    if let WebhooksError::Request(error) = error {
        report::error(error);
        return exit::for_build(error);
    }
    let mut text = format!("error: {error}\n");
    if let Some(failure) = error.http_failure() {
        text.push_str(&format!("  status: {}\n", failure.status));
        if let Some(code) = failure.api.as_ref().and_then(|api| api.code.as_deref()) {
            text.push_str(&format!("  code: {code}\n"));
        }
        if let Some(id) = &failure.correlation_id {
            text.push_str(&format!("  correlation id: {id}\n"));
        }
    }
    stderr::write_str(&text);
    match error {
        WebhooksError::InvalidId => exit::USAGE,
        _ => exit::ERROR,
    }
}

fn println_line(line: &str) {
    print_text(&format!("{line}\n"));
}

/// Writes to stdout; a closed stdout is nobody's loss here.
fn print_text(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
