//! Moving bytes with ureq: one request out, status, headers and a capped body back.

use std::io::Read;

use progress_model::{Error, HttpResponse, Settings};

/// An agent that keeps connections alive, follows no redirect, and leaves
/// statuses to the model.
pub(crate) fn default_agent(settings: &Settings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout))
        .build()
        .into()
}

/// Sends the request and reads at most `body_cap + 1` bytes of the body, so an
/// oversized body is detected without holding it.
pub(crate) fn send(
    agent: &ureq::Agent,
    settings: &Settings,
    request: http::Request<()>,
) -> Result<HttpResponse, Error> {
    // Per request as well, so that an agent the caller brought cannot follow a
    // redirect (and hand the token to another host) or turn statuses into errors.
    let request = agent
        .configure_request(request)
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout))
        .build();
    let response = agent.run(request).map_err(transport_error)?;
    let (parts, body) = response.into_parts();
    let mut bytes = Vec::new();
    let limit = u64::try_from(settings.body_cap)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    body.into_reader()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| transport_error(ureq::Error::Io(error)))?;
    Ok(HttpResponse {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: bytes,
    })
}

/// ureq's errors carry no request headers, so their text is safe to show.
fn transport_error(error: ureq::Error) -> Error {
    use std::io::ErrorKind as Io;
    let message = error.to_string();
    match error {
        ureq::Error::Timeout(_) => Error::Timeout { message },
        ureq::Error::Io(io) if io.kind() == Io::TimedOut => Error::Timeout { message },
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                Io::ConnectionRefused
                    | Io::ConnectionReset
                    | Io::ConnectionAborted
                    | Io::UnexpectedEof
                    | Io::BrokenPipe
                    | Io::NotConnected
            ) =>
        {
            Error::Connect { message }
        }
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Error::Connect { message },
        _ => Error::Transport { message },
    }
}
