//! Moving bytes with reqwest: one request out, status, headers and a capped body back.

use progress_model::{Error, HttpResponse, Settings};

/// A client that follows no redirect and times out as the settings say.
pub(crate) fn default_client(settings: &Settings) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout);
    #[cfg(feature = "rustls")]
    let builder = builder.tls_backend_preconfigured(
        crate::tls::rustls_config()
            .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?,
    );
    builder
        .build()
        .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))
}

/// Sends the request and reads at most `body_cap + 1` bytes of the body, so an
/// oversized body is detected without holding it.
pub(crate) async fn send(
    client: &reqwest::Client,
    settings: &Settings,
    request: http::Request<()>,
) -> Result<HttpResponse, Error> {
    let (parts, ()) = request.into_parts();
    let request = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .timeout(settings.request_timeout);
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while body.len() <= settings.body_cap {
        match response.chunk().await.map_err(transport_error)? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => break,
        }
    }
    body.truncate(settings.body_cap.saturating_add(1));
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// reqwest's errors name the URL but never the headers, so their text is safe.
fn transport_error(error: reqwest::Error) -> Error {
    let message = error_chain(&error);
    if error.is_timeout() {
        Error::Timeout { message }
    } else if error.is_connect() || error.is_request() || error.is_body() {
        Error::Connect { message }
    } else {
        Error::Transport { message }
    }
}

/// The error and its causes on one line: reqwest's own text is often just
/// "error sending request".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
