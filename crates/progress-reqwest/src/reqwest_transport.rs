//! Moving bytes with reqwest: one request out, status, headers and a capped body back.

use std::time::Duration;

#[cfg(any(not(feature = "rustls"), feature = "native-tls"))]
use progress_model::Proxies;
use progress_model::{Error, HttpResponse, Settings};

use crate::proxy_auth::is_proxy_auth_refusal;
use crate::tls_failure::is_tls_failure;

/// A client that follows no redirect and times out as the settings say (with
/// `native-tls`, or no TLS at all). Refuses an `https://` base URL when no TLS feature is on: every request
/// would fail.
#[cfg(any(not(feature = "rustls"), feature = "native-tls"))]
pub(crate) fn default_client(
    settings: &Settings,
    proxies: std::sync::Arc<Proxies>,
) -> Result<reqwest::Client, Error> {
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    settings.refuse_https_without_tls("progress-reqwest")?;
    // Not reqwest's own reading of the environment: the model picks the proxy
    // for each URL (none for clear text), as for the blocking client.
    let pick = reqwest::Proxy::custom(move |url| {
        let uri: http::Uri = url.as_str().parse().ok()?;
        proxies.for_url(&uri).map(|proxy| proxy.expose_url())
    });
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .no_proxy()
        .proxy(pick);
    // The platform's TLS library when `native-tls` asks for it, even beside rustls.
    #[cfg(feature = "native-tls")]
    let builder = trust_roots(builder.tls_backend_native(), &settings.trust)?;
    builder
        .build()
        .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))
}

/// The roots `trust` asks for, through native-tls: its own store (the
/// platform's) unless only the bundled roots are wanted, and the certificates
/// to add.
#[cfg(feature = "native-tls")]
fn trust_roots(
    builder: reqwest::ClientBuilder,
    trust: &progress_model::Trust,
) -> Result<reqwest::ClientBuilder, Error> {
    let roots = trust
        .roots_to_add()
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| Error::Config(format!("cannot read a root certificate: {error}")))?;
    Ok(if trust.roots.platform() {
        builder.tls_certs_merge(roots)
    } else {
        builder.tls_certs_only(roots)
    })
}

/// Sends the request, taking at most `timeout`, and reads at most
/// `body_cap + 1` bytes of the body, so an oversized body is detected without
/// holding it.
pub(crate) async fn send(
    client: &reqwest::Client,
    settings: &Settings,
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    let (parts, body) = request.into_parts();
    let url = reqwest::Url::parse(&parts.uri.to_string())
        .map_err(|error| Error::Config(format!("cannot send to this URL: {error}")))?;
    let mut request = client
        .request(parts.method, url.clone())
        .headers(parts.headers)
        .timeout(timeout);
    if !body.is_empty() {
        request = request.body(body);
    }
    let failure = |error| transport_error(url.as_str(), error);
    let mut response = request.send().await.map_err(failure)?;
    // Compared as parsed URLs: `LOCALHOST` and `localhost:80` are the same place.
    if *response.url() != url {
        // A client the caller brought may follow redirects; we never report
        // where one led as if it were the answer.
        return Err(Error::redirect(
            response.status().as_u16(),
            Some(response.url().to_string()),
            None,
        ));
    }
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while body.len() <= settings.body_cap {
        match response.chunk().await.map_err(failure)? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => break,
        }
    }
    body.truncate(settings.body_cap.saturating_add(1));
    Ok(HttpResponse::new(status, headers, body))
}

/// The failure of a request to `url`, with reqwest's error as its source
/// (reqwest's errors name the URL but never the headers, so their text is safe).
fn transport_error(url: &str, error: reqwest::Error) -> Error {
    let failed = if error.is_timeout() {
        Error::timeout(url)
    } else if is_proxy_auth_refusal(&error) {
        // reqwest's tunnel tells a 407 only in its text, and no other status.
        Error::tunnel_refused(url, 407)
    } else if is_tls_failure(&error) {
        // Only native-tls gets here with its own refusal, which names no certificate.
        Error::tls(url).with_trust_advice()
    } else if error.is_builder() {
        return Error::Config(format!("cannot send to {url}: {error}"));
    } else if error.is_connect() || error.is_request() || error.is_body() {
        Error::connect(url)
    } else {
        Error::transport(url)
    };
    failed.caused_by(error)
}
