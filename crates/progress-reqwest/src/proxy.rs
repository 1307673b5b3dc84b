//! Connections through the proxy the model picks for each address
//! ([`Proxies::for_url`]), tunnelled with `CONNECT` so that TLS still runs end
//! to end.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
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
            let mut tcp = tcp;
            let mut io = tower_service::Service::call(&mut tcp, proxy.uri())
                .await
                .map_err(BoxError::from)?;
            connect_tunnel(io.inner_mut(), &destination, proxy.basic_auth()).await?;
            Ok(io)
        })
    }
}

/// The proxy answered the `CONNECT` with another status than 200; the model
/// reads the status ([`Error::tunnel_refused`](progress_model::Error::tunnel_refused)).
#[derive(Debug)]
pub(crate) struct TunnelRefused {
    pub(crate) status: u16,
}

impl std::fmt::Display for TunnelRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the proxy answered the CONNECT with HTTP {}",
            self.status
        )
    }
}

impl std::error::Error for TunnelRefused {}

/// The most a proxy's answer to the `CONNECT` may take before its blank line.
const MAX_CONNECT_ANSWER: usize = 8 * 1024;

/// Asks the proxy on `stream` for a tunnel to `destination`. Ours rather than
/// hyper-util's `Tunnel`, which tells a 407 only in its text and any other
/// refusal (tinyproxy's 401) not at all: the status goes to the model.
async fn connect_tunnel(
    stream: &mut TcpStream,
    destination: &http::Uri,
    auth: Option<http::HeaderValue>,
) -> Result<(), BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = destination.host().ok_or("the destination names no host")?;
    let port = destination.port_u16().unwrap_or(443);
    let authority = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n").into_bytes();
    if let Some(auth) = auth {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(auth.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).await?;
    let mut answer = Vec::new();
    let mut chunk = [0; 1024];
    while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
        if answer.len() > MAX_CONNECT_ANSWER {
            return Err("the proxy's answer to the CONNECT is too long".into());
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err("the proxy closed the connection before answering the CONNECT".into());
        }
        answer.extend_from_slice(&chunk[..read]);
    }
    // `HTTP/1.1 200 Connection established`
    let status = answer
        .split(|&byte| byte == b' ')
        .nth(1)
        .and_then(|code| std::str::from_utf8(code).ok()?.parse::<u16>().ok())
        .ok_or("the proxy's answer to the CONNECT is not HTTP")?;
    if status == 200 {
        Ok(())
    } else {
        Err(Box::new(TunnelRefused { status }))
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
