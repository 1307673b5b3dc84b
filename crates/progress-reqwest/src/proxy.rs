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
        Self::through(tcp, Matcher::from_env())
    }

    /// Through the proxies a matcher names.
    fn through(tcp: HttpConnector, proxies: Matcher) -> Self {
        Self {
            tcp,
            proxies: Some(Arc::new(proxies)),
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

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};

    use super::*;

    fn connect(proxies: Matcher, destination: &str) -> Result<TokioIo<TcpStream>, BoxError> {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        let mut connector = ProxiedConnector::through(tcp, proxies);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let destination = destination.parse().unwrap();
        runtime.block_on(tower_service::Service::call(&mut connector, destination))
    }

    #[test]
    fn https_goes_through_the_proxy_in_a_connect_tunnel() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = format!("http://{}", listener.local_addr().unwrap());
        let first_line = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            (&stream)
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            first
        });
        let tunnel = connect(
            Matcher::builder().all(proxy).build(),
            "https://api.example.com/reality-modeling/jobs/job/progress",
        );
        assert!(tunnel.is_ok(), "{:?}", tunnel.err());
        assert_eq!(
            first_line.join().unwrap(),
            "CONNECT api.example.com:443 HTTP/1.1\r\n"
        );
    }

    #[test]
    fn a_proxy_it_cannot_tunnel_through_is_refused_not_bypassed() {
        let error = connect(
            Matcher::builder().all("https://proxy.example:8443").build(),
            "https://api.example.com/",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("not an http:// proxy"),
            "{error}"
        );
    }
}
