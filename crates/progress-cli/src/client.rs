//! The clients, configured from the command line: the blocking one for `get`
//! and a single `watch`, the async one for many jobs. One list of settings
//! serves both (their builders share every setting's name).

use progress_model::internal::RetryListener;
use progress_model::{Error, TokenProvider};
use progress_ureq::{Client, Sleeper};

use crate::args::{Connection, Polling};

/// Appended to the `User-Agent`, so the service can tell the command's traffic apart.
const USER_AGENT: &str = concat!("itwin-progress/", env!("CARGO_PKG_VERSION"));

/// `$builder` with every setting of `$connection` and of `$polling` (an
/// `Option<&Polling>`: the library's defaults when `None`, that is 15, 30,
/// 60, 120 s, 5 retries, no deadline), or the error of a setting refused.
macro_rules! configure {
    ($builder:expr, $connection:expr, $polling:expr) => {{
        let connection: &Connection = $connection;
        let polling: Option<&Polling> = $polling;
        let mut builder = $builder
            .service(connection.service.clone())
            .user_agent_suffix(USER_AGENT);
        if let Some(environment) = connection.environment {
            builder = builder.environment(environment.into());
        }
        if let Some(url) = &connection.base_url {
            builder = builder.base_url(url.as_str());
        }
        if let Some(version) = &connection.accept_version {
            builder = builder.api_version(version.clone());
        }
        if let Some(pem) = root_certificate(connection)? {
            builder = builder.add_root_certificate(pem);
        }
        if let Some(proxy) = &connection.proxy {
            builder = builder.proxy(&proxy.0);
        }
        if connection.no_proxy {
            builder = builder.no_proxy();
        }
        if let Some(timeout) = connection.request_timeout {
            builder = builder.request_timeout(timeout);
        }
        if let Some(polling) = polling {
            if let Some(deadline) = polling.deadline {
                builder = builder.deadline(deadline);
            }
            if let Some(intervals) = &polling.intervals {
                builder = builder.intervals(intervals.0.iter().copied());
            }
            if let Some(retries) = polling.max_retries {
                builder = builder.max_retries(retries);
            }
            if let Some(slots) = polling.max_in_flight {
                builder = builder.max_in_flight(slots as usize);
            }
            if let Some(rate) = polling.rate {
                builder = builder.max_requests_per_second(rate);
            }
        }
        builder
    }};
}

/// A blocking client for `connection`, with `polling`'s settings when given.
pub fn build(
    connection: &Connection,
    polling: Option<&Polling>,
    token: impl TokenProvider + 'static,
    sleeper: impl Sleeper + 'static,
    on_retry: Option<RetryListener>,
) -> Result<Client, Error> {
    let mut builder = Client::builder().token_provider(token).sleeper(sleeper);
    if let Some(listener) = on_retry {
        builder = builder.on_retry(move |retry| listener(retry));
    }
    configure!(builder, connection, polling).build()
}

/// A blocking client whose watches sleep on their own cancel handles (the
/// library's default sleeper), so that a webhook delivery's wake
/// (`notify_completed`) ends a sleep at once; a custom sleeper would be
/// woken only when its sleep returns. A signal ends such a watch through
/// its cancel handle (see `watch::run`).
pub fn build_wakeable(
    connection: &Connection,
    polling: Option<&Polling>,
    token: impl TokenProvider + 'static,
    on_retry: Option<RetryListener>,
) -> Result<Client, Error> {
    let mut builder = Client::builder().token_provider(token);
    if let Some(listener) = on_retry {
        builder = builder.on_retry(move |retry| listener(retry));
    }
    configure!(builder, connection, polling).build()
}

/// An async client for many jobs (or the Webhooks API): the runtime's
/// timer, and retries told as events of their own (no listener).
pub fn build_async(
    connection: &Connection,
    polling: Option<&Polling>,
    token: impl TokenProvider + 'static,
) -> Result<progress_reqwest::Client, Error> {
    let builder = progress_reqwest::Client::builder().token_provider(token);
    configure!(builder, connection, polling).build()
}

/// The PEM file `--ca-cert` (or SSL_CERT_FILE) names, read.
pub fn root_certificate(connection: &Connection) -> Result<Option<Vec<u8>>, Error> {
    let Some(path) = &connection.ca_cert else {
        return Ok(None);
    };
    std::fs::read(path).map(Some).map_err(|error| {
        Error::Config(format!(
            "cannot read the root certificate {} (--ca-cert or SSL_CERT_FILE): {error}",
            path.display()
        ))
    })
}

/// The command's async runtime: one thread for its timers and sockets, and
/// at most two for a blocking token provider. When the system refuses it,
/// says so on stderr and gives the exit code.
pub fn async_runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(2)
        .build()
        .map_err(|error| {
            crate::stderr::stderr_line!("error: cannot start the async runtime: {error}");
            crate::exit::ERROR
        })
}
