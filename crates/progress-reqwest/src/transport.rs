//! How requests go out: one request, status, headers and a capped body back.
//!
//! With the `rustls` feature (and not `native-tls`), the default client is
//! hyper with hyper-rustls on ring, the stack reqwest itself builds on, set up
//! here rather than through reqwest's own rustls: that one takes its crypto
//! provider from the process, so turning it on would make every other
//! `reqwest::Client` of the program panic unless the program installed one.
//! Otherwise, and for a reqwest client the caller brings, requests go through
//! reqwest.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use progress_model::internal::Outgoing;
use progress_model::{Error, HttpResponse, Proxies, Settings};

use crate::reqwest_transport;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
use crate::rustls_transport::RustlsClient;

/// Where requests go, and the proxy decisions they follow when the client is ours.
#[derive(Clone)]
pub(crate) struct Http {
    stack: Stack,
    /// `None` for the caller's client: its proxy settings are its own.
    proxies: Option<Arc<Proxies>>,
}

/// Our own connection stack, or a reqwest client.
#[derive(Clone)]
enum Stack {
    /// hyper and rustls on ring, with the roots the settings trust.
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    Rustls(RustlsClient),
    /// reqwest: the caller's client, or ours under `native-tls` or no TLS.
    Reqwest(reqwest::Client),
}

impl Http {
    /// The caller's client, used as it is.
    pub(crate) fn caller(client: reqwest::Client) -> Self {
        Self {
            stack: Stack::Reqwest(client),
            proxies: None,
        }
    }

    /// The client a builder gets when it is given none.
    pub(crate) fn default_for(settings: &Settings) -> Result<Self, Error> {
        // The process's environment, read once, as reqwest and curl read it.
        let proxies = Arc::new(Proxies::resolve(&settings.proxy, |name| {
            std::env::var(name).ok()
        })?);
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        let stack = Stack::Rustls(RustlsClient::new(settings, proxies.clone())?);
        #[cfg(any(not(feature = "rustls"), feature = "native-tls"))]
        let stack = Stack::Reqwest(reqwest_transport::default_client(
            settings,
            proxies.clone(),
        )?);
        Ok(Self {
            stack,
            proxies: Some(proxies),
        })
    }
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stack {
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            Stack::Rustls(_) => f.write_str("Http::Rustls"),
            Stack::Reqwest(client) => f.debug_tuple("Http::Reqwest").field(client).finish(),
        }
    }
}

/// Sends the request, taking at most `timeout`, and reads at most
/// `body_cap + 1` bytes of the body, so an oversized body is detected without
/// holding it.
pub(crate) async fn send(
    http: &Http,
    settings: &Settings,
    outgoing: Outgoing,
) -> Result<HttpResponse, Error> {
    let Outgoing { request, timeout } = outgoing;
    send_request(http, settings, request.map(|()| Vec::new()), timeout).await
}

/// [`send`] for any request, a body included (the token request's form). An
/// empty body is sent as none: a GET gets no `Content-Length`.
pub(crate) async fn send_request(
    http: &Http,
    settings: &Settings,
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    if let Some(proxies) = &http.proxies {
        proxies.check(request.uri())?;
    }
    let through = http
        .proxies
        .as_ref()
        .and_then(|proxies| proxies.for_url(request.uri()))
        .cloned();
    let sent = match &http.stack {
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        Stack::Rustls(client) => client.send(settings, request, timeout).await,
        Stack::Reqwest(client) => reqwest_transport::send(client, settings, request, timeout).await,
    };
    sent.map_err(|error| error.through_proxy(through.as_ref()))
}
