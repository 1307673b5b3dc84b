//! Connections through the proxy the environment names (`HTTPS_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, as reqwest and curl read them), tunnelled with
//! `CONNECT` so that TLS still runs end to end.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A TCP connector that goes through a proxy where the environment says so.
#[derive(Clone)]
pub(crate) struct ProxiedConnector {
    tcp: HttpConnector,
    proxies: Option<Arc<Matcher>>,
}

impl ProxiedConnector {
    /// Never through a proxy.
    pub(crate) fn direct(tcp: HttpConnector) -> Self {
        Self { tcp, proxies: None }
    }

    /// Through the proxies the environment names.
    pub(crate) fn from_env(tcp: HttpConnector) -> Self {
        Self {
            tcp,
            proxies: Some(Arc::new(Matcher::from_env())),
        }
    }
}

impl tower_service::Service<http::Uri> for ProxiedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // A fresh connector is cloned for each connection.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let tcp = self.tcp.clone();
        let proxy = self
            .proxies
            .as_ref()
            .and_then(|proxies| proxies.intercept(&destination));
        Box::pin(async move {
            let Some(proxy) = proxy else {
                let mut tcp = tcp;
                return tower_service::Service::call(&mut tcp, destination)
                    .await
                    .map_err(BoxError::from);
            };
            if proxy.uri().scheme_str() != Some("http") {
                return Err(format!(
                    "the proxy {} is not an http:// proxy, the only kind this client \
                     tunnels through; give the builder a reqwest client of your own",
                    proxy.uri()
                )
                .into());
            }
            let mut tunnel = Tunnel::new(proxy.uri().clone(), tcp);
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            tower_service::Service::call(&mut tunnel, destination)
                .await
                .map_err(BoxError::from)
        })
    }
}
