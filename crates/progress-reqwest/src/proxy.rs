//! Connections through the proxy the model picks for each address
//! ([`Proxies::for_url`]), tunnelled with `CONNECT` so that TLS still runs end
//! to end.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use progress_model::Proxies;
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A TCP connector that goes through a proxy where the model says so.
#[derive(Clone)]
pub(crate) struct ProxiedConnector {
    tcp: HttpConnector,
    proxies: Arc<Proxies>,
}

impl ProxiedConnector {
    /// Through the proxies resolved for this client.
    pub(crate) fn through(tcp: HttpConnector, proxies: Arc<Proxies>) -> Self {
        Self { tcp, proxies }
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
        let proxy = self.proxies.for_url(&destination).cloned();
        Box::pin(async move {
            let Some(proxy) = proxy else {
                let mut tcp = tcp;
                return tower_service::Service::call(&mut tcp, destination)
                    .await
                    .map_err(BoxError::from);
            };
            let mut tunnel = Tunnel::new(proxy.uri(), tcp);
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth);
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

    use progress_model::ProxyChoice;

    use super::*;

    fn connect(proxy: &str, destination: &str) -> Result<TokioIo<TcpStream>, BoxError> {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        let choice = ProxyChoice::Url(progress_model::ProxyUrl::parse(proxy).unwrap());
        let proxies = Proxies::resolve(&choice, |_| None).unwrap();
        let mut connector = ProxiedConnector::through(tcp, Arc::new(proxies));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let destination = destination.parse().unwrap();
        runtime.block_on(tower_service::Service::call(&mut connector, destination))
    }

    #[test]
    fn https_goes_through_the_proxy_in_a_connect_tunnel_with_its_credentials() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = format!("http://alice:secret@{}", listener.local_addr().unwrap());
        let request = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut lines = Vec::new();
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                lines.push(std::mem::take(&mut line));
            }
            (&stream)
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            lines
        });
        let tunnel = connect(
            &proxy,
            "https://api.example.com/reality-modeling/jobs/job/progress",
        );
        assert!(tunnel.is_ok(), "{:?}", tunnel.err());
        let lines = request.join().unwrap();
        assert_eq!(lines[0], "CONNECT api.example.com:443 HTTP/1.1\r\n");
        assert!(
            lines
                .iter()
                .any(|line| line
                    .eq_ignore_ascii_case("proxy-authorization: Basic YWxpY2U6c2VjcmV0\r\n")),
            "{lines:?}"
        );
    }
}
