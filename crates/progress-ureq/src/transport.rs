//! Moving bytes with ureq: one request out, status, headers and a capped body back.

use std::io::Read;
use std::time::Duration;

use progress_model::internal::Outgoing;
use progress_model::{Error, HttpResponse, Settings};
use ureq::unversioned::transport::DefaultConnector;

use crate::resolver::ReusingResolver;

/// An agent that keeps connections alive, follows no redirect, and leaves
/// statuses to the model. Refuses an `https://` base URL when no TLS feature
/// is on: every request would fail.
pub(crate) fn default_agent(settings: &Settings) -> Result<ureq::Agent, Error> {
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    settings.refuse_https_without_tls("progress-ureq")?;
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout));
    // Without a TLS feature there is no TLS to configure (http:// only).
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    let config = config.tls_config(tls_config());
    // ureq's resolver would start a thread for every request.
    Ok(ureq::Agent::with_parts(
        config.build(),
        DefaultConnector::default(),
        ReusingResolver::default(),
    ))
}

/// The platform's TLS library when the `native-tls` feature asks for it
/// (ureq would otherwise stay on rustls); rustls with ring otherwise.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_config() -> ureq::tls::TlsConfig {
    #[cfg(feature = "native-tls")]
    let provider = ureq::tls::TlsProvider::NativeTls;
    #[cfg(not(feature = "native-tls"))]
    let provider = ureq::tls::TlsProvider::Rustls;
    ureq::tls::TlsConfig::builder().provider(provider).build()
}

/// Sends the request, taking at most `timeout`, and reads at most
/// `body_cap + 1` bytes of the body, so an oversized body is detected without
/// holding it.
pub(crate) fn send(
    agent: &ureq::Agent,
    settings: &Settings,
    outgoing: Outgoing,
) -> Result<HttpResponse, Error> {
    let Outgoing { request, timeout } = outgoing;
    send_request(agent, settings, request, timeout)
}

/// [`send`] for any request, a body included (the token request's form).
pub(crate) fn send_request(
    agent: &ureq::Agent,
    settings: &Settings,
    request: http::Request<impl ureq::AsSendBody>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    // Per request as well, so that an agent the caller brought cannot follow a
    // redirect (and hand the token to another host) or turn statuses into errors.
    let mut config = agent
        .configure_request(request)
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(settings.connect_timeout.min(timeout)))
        .timeout_global(Some(timeout));
    if settings.base_url.is_cleartext() {
        // ureq honours HTTP(S)_PROXY even for loopback: never in clear text.
        config = config.proxy(None);
    }
    let request = config.build();
    let url = request.uri().to_string();
    let response = agent
        .run(request)
        .map_err(|error| transport_error(&url, error))?;
    let (parts, body) = response.into_parts();
    let mut bytes = Vec::new();
    let limit = u64::try_from(settings.body_cap)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    body.into_reader()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| transport_error(&url, ureq::Error::Io(error)))?;
    Ok(HttpResponse::new(
        parts.status.as_u16(),
        parts.headers,
        bytes,
    ))
}

/// The failure of a request to `url`, with ureq's error as its source
/// (ureq's errors carry no request headers, so their text is safe to show).
fn transport_error(url: &str, error: ureq::Error) -> Error {
    use std::io::ErrorKind as Io;
    let failed = match &error {
        ureq::Error::Timeout(_) => Error::timeout(url),
        ureq::Error::Io(io) if io.kind() == Io::TimedOut => Error::timeout(url),
        // rustls reports a failed handshake as an io error around its own.
        #[cfg(feature = "rustls")]
        ureq::Error::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            Error::tls(url)
        }
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
            Error::connect(url)
        }
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Error::connect(url),
        // A certificate or TLS setup failure does not heal by retrying.
        ureq::Error::Tls(_) | ureq::Error::TlsRequired | ureq::Error::RequireHttpsOnly(_) => {
            Error::tls(url)
        }
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) | ureq::Error::Pem(_) => Error::tls(url),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => Error::tls(url),
        ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl => {
            return Error::Config(format!("cannot send to {url}: {error}"));
        }
        _ => Error::transport(url),
    };
    failed.caused_by(error)
}

#[cfg(all(test, any(feature = "rustls", feature = "native-tls")))]
mod tests {
    use super::*;

    #[test]
    fn the_tls_feature_picks_the_provider() {
        let agent = default_agent(&Settings::default()).unwrap();
        let provider = agent.config().tls_config().provider();
        let expected = if cfg!(feature = "native-tls") {
            ureq::tls::TlsProvider::NativeTls
        } else {
            ureq::tls::TlsProvider::Rustls
        };
        assert_eq!(provider, expected);
    }
}
