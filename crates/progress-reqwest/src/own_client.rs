//! Our own client: hyper's pooled HTTP/1.1 client over the proxy the model
//! picks and the TLS the features pick, with the roots the settings trust.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use progress_model::{Error, Proxies, Settings};

use crate::failure::failure;
use crate::proxy::ProxiedConnector;
use crate::tls_connector::{Connector, with_tls};

/// How long an idle pooled connection is kept (reqwest's default).
const POOL_IDLE: Duration = Duration::from_secs(90);

/// A pooled client that follows no redirect (hyper follows none) and goes
/// through the proxy the model picks, never for clear text.
#[derive(Clone)]
pub(crate) struct OwnClient {
    inner: Client<Connector, Full<Bytes>>,
}

impl OwnClient {
    pub(crate) fn new(settings: &Settings, proxies: Arc<Proxies>) -> Result<Self, Error> {
        let mut tcp = HttpConnector::new();
        // The TLS connector adds the TLS to https:// addresses.
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(settings.connect_timeout));
        tcp.set_nodelay(true);
        // The model never picks a proxy for clear text.
        let connector = with_tls(ProxiedConnector::through(tcp, proxies), settings)?;
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(connector);
        Ok(Self { inner })
    }

    /// Sends the request and returns the answer's head, its body unread.
    pub(crate) async fn start(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Incoming>, Error> {
        let url = request.uri().to_string();
        // An empty `Full` is the end of the stream at once: hyper sends no
        // `Content-Length` for it, as for no body.
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let sent = self.inner.request(request).await;
        sent.map_err(|error| failure(&url, error.into()))
    }
}

/// The next piece of the body; `None` at its end.
pub(crate) async fn next_chunk(body: &mut Incoming, url: &str) -> Result<Option<Bytes>, Error> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| failure(url, error.into()))?;
        // Trailers carry nothing the model reads.
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}
