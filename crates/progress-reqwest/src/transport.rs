//! How requests go out, whatever carries them. The proxy decision (the
//! model's), the bound on each exchange and the body cap are here, once, and
//! failures are read by [`failure`](crate::failure) for every stack; a stack
//! only opens the exchange and hands over the body piece by piece.
//!
//! The stack is our own hyper client, or, with the `reqwest` feature, a
//! `reqwest::Client` the caller brought.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Bytes, Incoming};
use progress_model::internal::Outgoing;
use progress_model::{Error, HttpResponse, Proxies, Settings};

#[cfg(feature = "reqwest")]
use crate::callers_client;
use crate::own_client::{self, OwnClient};

/// Where requests go, and the proxy decisions they follow when the client is ours.
#[derive(Clone)]
pub(crate) struct Http {
    stack: Stack,
    /// `None` for the caller's client: its proxy settings are its own.
    proxies: Option<Arc<Proxies>>,
}

/// Our own client, or the caller's.
#[derive(Clone)]
enum Stack {
    /// hyper with the TLS the features pick and the roots the settings trust.
    Own(OwnClient),
    /// The caller's reqwest client, as it is.
    #[cfg(feature = "reqwest")]
    Callers(reqwest::Client),
}

/// An answer's body, still to read.
enum Body {
    Own(Incoming),
    #[cfg(feature = "reqwest")]
    Callers(reqwest::Response),
}

impl Http {
    /// The caller's client, used as it is.
    #[cfg(feature = "reqwest")]
    pub(crate) fn caller(client: reqwest::Client) -> Self {
        Self {
            stack: Stack::Callers(client),
            proxies: None,
        }
    }

    /// The client a builder gets when it is given none.
    pub(crate) fn default_for(settings: &Settings) -> Result<Self, Error> {
        // The process's environment, read once, as reqwest and curl read it.
        let proxies = Arc::new(Proxies::resolve(&settings.proxy, |name| {
            std::env::var(name).ok()
        })?);
        Ok(Self {
            stack: Stack::Own(OwnClient::new(settings, proxies.clone())?),
            proxies: Some(proxies),
        })
    }

    /// Sends the request; the answer's status and headers, and its body unread.
    async fn start(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(http::response::Parts, Body), Error> {
        match &self.stack {
            Stack::Own(client) => {
                let (head, body) = client.start(request).await?.into_parts();
                Ok((head, Body::Own(body)))
            }
            #[cfg(feature = "reqwest")]
            Stack::Callers(client) => {
                let mut response = callers_client::start(client, request).await?;
                let mut head = http::Response::new(()).into_parts().0;
                head.status = response.status();
                head.headers = std::mem::take(response.headers_mut());
                Ok((head, Body::Callers(response)))
            }
        }
    }
}

impl Body {
    /// The next piece of the body; `None` at its end.
    async fn next_chunk(&mut self, url: &str) -> Result<Option<Bytes>, Error> {
        match self {
            Self::Own(body) => own_client::next_chunk(body, url).await,
            #[cfg(feature = "reqwest")]
            Self::Callers(response) => callers_client::next_chunk(response, url).await,
        }
    }
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stack {
            Stack::Own(_) => f.write_str("Http::Own"),
            #[cfg(feature = "reqwest")]
            Stack::Callers(client) => f.debug_tuple("Http::Callers").field(client).finish(),
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
    let through = match &http.proxies {
        Some(proxies) => proxies.route(request.uri())?,
        None => None,
    };
    let url = request.uri().to_string();
    let exchange = async {
        let (head, mut body) = http.start(request).await?;
        let mut bytes = Vec::new();
        while bytes.len() <= settings.body_cap {
            match body.next_chunk(&url).await? {
                Some(chunk) => bytes.extend_from_slice(&chunk),
                None => break,
            }
        }
        bytes.truncate(settings.body_cap.saturating_add(1));
        Ok(HttpResponse::new(head.status.as_u16(), head.headers, bytes))
    };
    let answered = tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(Error::timeout(format!(
                "{url}: no complete answer within {timeout:?}"
            )))
        });
    answered.map_err(|error| error.through_proxy(through.as_ref()))
}
