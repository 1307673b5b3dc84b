//! The blocking client, configured from the command line.

use progress_model::internal::RetryListener;
use progress_model::{Error, TokenProvider};
use progress_ureq::{Client, Sleeper};

use crate::args::{Connection, Polling};

/// Appended to the `User-Agent`, so the service can tell the command's traffic apart.
const USER_AGENT: &str = concat!("itwin-progress/", env!("CARGO_PKG_VERSION"));

/// A client for `connection`, with `polling`'s settings when given (the
/// library's defaults otherwise: 15, 30, 60, 120 s, 5 retries, no deadline).
pub fn build(
    connection: &Connection,
    polling: Option<&Polling>,
    token: impl TokenProvider + 'static,
    sleeper: impl Sleeper + 'static,
    on_retry: Option<RetryListener>,
) -> Result<Client, Error> {
    let mut builder = Client::builder()
        .service(connection.service.clone())
        .user_agent_suffix(USER_AGENT)
        .token_provider(token)
        .sleeper(sleeper);
    if let Some(listener) = on_retry {
        builder = builder.on_retry(move |retry| listener(retry));
    }
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
    builder.build()
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
