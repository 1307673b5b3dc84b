//! The default client under `rustls`: hyper's pooled client over hyper-rustls
//! on ring, with the roots and proxy the settings say, as the blocking client uses.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use progress_model::{Error, HttpResponse, Proxies, Settings};

use crate::proxy::ProxiedConnector;
use crate::proxy::TunnelRefused;
use crate::tls_failure::is_tls_failure;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long an idle pooled connection is kept (reqwest's default).
const POOL_IDLE: Duration = Duration::from_secs(90);

/// A pooled client that follows no redirect (hyper follows none) and goes
/// through the proxy the model picks, never for clear text.
#[derive(Clone)]
pub(crate) struct RustlsClient {
    inner: Client<HttpsConnector<ProxiedConnector>, Full<Bytes>>,
}

impl RustlsClient {
    pub(crate) fn new(settings: &Settings, proxies: Arc<Proxies>) -> Result<Self, Error> {
        let tls = progress_model::internal::rustls_config(settings)?;
        let mut tcp = HttpConnector::new();
        // hyper-rustls adds the TLS to https:// addresses.
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(settings.connect_timeout));
        tcp.set_nodelay(true);
        // The model never picks a proxy for clear text.
        let connector = ProxiedConnector::through(tcp, proxies);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(https);
        Ok(Self { inner })
    }

    /// Sends the request, taking at most `timeout`, and reads at most
    /// `body_cap + 1` bytes of the body.
    pub(crate) async fn send(
        &self,
        settings: &Settings,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<HttpResponse, Error> {
        let (parts, body) = request.into_parts();
        let url = parts.uri.to_string();
        let failure = |error: hyper_util::client::legacy::Error| failure(&url, error.into());
        // An empty `Full` is the end of the stream at once: hyper sends no
        // `Content-Length` for it, as for no body.
        let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self.inner.request(request).await.map_err(failure)?;
            let (parts, mut body) = response.into_parts();
            let mut bytes = Vec::new();
            while bytes.len() <= settings.body_cap {
                match body.frame().await {
                    Some(frame) => {
                        let frame = frame.map_err(|error| self::failure(&url, error.into()))?;
                        if let Ok(data) = frame.into_data() {
                            bytes.extend_from_slice(&data);
                        }
                    }
                    None => break,
                }
            }
            bytes.truncate(settings.body_cap.saturating_add(1));
            Ok(HttpResponse::new(
                parts.status.as_u16(),
                parts.headers,
                bytes,
            ))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(Error::timeout(format!(
                    "{url}: no complete answer within {timeout:?}"
                )))
            })
    }
}

/// The failure of a request to `url`, with hyper's error as its source (hyper's
/// errors name neither the headers nor the token: their text is safe).
fn failure(url: &str, error: BoxError) -> Error {
    let failed = if let Some(status) = tunnel_refusal(error.as_ref()) {
        Error::tunnel_refused(url, status)
    } else if is_tls_failure(error.as_ref()) {
        Error::tls(url)
    } else if is_timeout(error.as_ref()) {
        Error::timeout(url)
    } else {
        // Refused, reset, closed early, or an answer that is not HTTP: the
        // connection failed, which may heal.
        Error::connect(url)
    };
    failed.caused_by(error)
}

/// The status of the proxy's refusal of the tunnel, if that is what failed.
fn tunnel_refusal(error: &(dyn std::error::Error + 'static)) -> Option<u16> {
    let mut source = Some(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<TunnelRefused>() {
            return Some(refused.status);
        }
        source = cause.source();
    }
    None
}

/// Whether the connect timeout ran out.
fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = cause.source();
    }
    false
}
