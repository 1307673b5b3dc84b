//! Moving bytes with reqwest: one request out, status, headers and a capped body back.

use std::time::Duration;

use progress_model::{Error, HttpResponse, Settings};

/// A client that follows no redirect and times out as the settings say.
pub(crate) fn default_client(settings: &Settings) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout);
    if settings.base_url.is_cleartext() {
        // reqwest honours HTTP(S)_PROXY even for loopback: never in clear text.
        builder = builder.no_proxy();
    }
    // The platform's TLS library when `native-tls` asks for it, even beside rustls.
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let builder = builder.tls_backend_preconfigured(
        crate::tls::rustls_config()
            .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?,
    );
    builder
        .build()
        .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))
}

/// Sends the request, taking at most `timeout`, and reads at most
/// `body_cap + 1` bytes of the body, so an oversized body is detected without
/// holding it.
pub(crate) async fn send(
    client: &reqwest::Client,
    settings: &Settings,
    request: http::Request<()>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    send_request(client, settings, request.map(|()| None), timeout).await
}

/// [`send`] for a request with a body (the token request's form).
pub(crate) async fn send_with_body(
    client: &reqwest::Client,
    settings: &Settings,
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    send_request(client, settings, request.map(Some), timeout).await
}

async fn send_request(
    client: &reqwest::Client,
    settings: &Settings,
    request: http::Request<Option<Vec<u8>>>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    let (parts, body) = request.into_parts();
    let url = reqwest::Url::parse(&parts.uri.to_string())
        .map_err(|error| Error::Config(format!("cannot send to this URL: {error}")))?;
    let mut request = client
        .request(parts.method, url.clone())
        .headers(parts.headers)
        .timeout(timeout);
    if let Some(body) = body {
        request = request.body(body);
    }
    let mut response = request.send().await.map_err(transport_error)?;
    // Compared as parsed URLs: `LOCALHOST` and `localhost:80` are the same place.
    if *response.url() != url {
        // A client the caller brought may follow redirects; we never report
        // where one led as if it were the answer.
        return Err(Error::Redirect {
            status: response.status().as_u16(),
            location: Some(response.url().to_string()),
            correlation_id: None,
        });
    }
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
    } else if is_tls_failure(&error) {
        Error::Tls { message }
    } else if error.is_builder() {
        Error::Config(message)
    } else if error.is_connect() || error.is_request() || error.is_body() {
        Error::Connect { message }
    } else {
        Error::Transport { message }
    }
}

/// Whether a certificate or TLS setup failure is behind the error: those do
/// not heal by retrying.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        #[cfg(feature = "rustls")]
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        // TLS streams report handshake failures as io errors around the TLS error.
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && is_tls_failure(inner)
        {
            return true;
        }
        source = cause.source();
    }
    false
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
