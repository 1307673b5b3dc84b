//! Moving bytes with ureq: one request out, status, headers and a capped body back.

use std::io::Read;
use std::time::Duration;

use progress_model::internal::Outgoing;
use progress_model::{Error, HttpResponse, Proxies, Settings};

use crate::request_config::{Wanted, connect_timeout};
use crate::resolver::ReusingResolver;

/// A ureq agent, and the proxy decisions it follows when it is ours.
///
/// `Debug` shows the proxy decisions (their URLs without credentials) and
/// neither the agent nor ureq's proxy: ureq shows a proxy user's first
/// letter (`a*****:******@`), and a caller's agent may hold a proxy too.
#[derive(Clone)]
pub(crate) struct Http {
    pub(crate) agent: ureq::Agent,
    /// `None` for the caller's agent: its proxy settings are its own.
    proxies: Option<Proxies>,
    /// The https proxy in ureq's form, read once rather than at each request.
    proxy: Option<ureq::Proxy>,
    /// Our agent's resolver, told when connecting to its answer failed.
    resolver: Option<ReusingResolver>,
}

impl Http {
    /// The caller's agent, used as it is (but for redirects and clear text).
    pub(crate) fn caller(agent: ureq::Agent) -> Self {
        Self {
            agent,
            proxies: None,
            proxy: None,
            resolver: None,
        }
    }

    /// Whether the agent is ours (built from the settings), not the caller's.
    pub(crate) fn is_ours(&self) -> bool {
        self.proxies.is_some()
    }

    /// Our agent's https proxy, in ureq's form.
    pub(crate) fn proxy(&self) -> Option<&ureq::Proxy> {
        self.proxy.as_ref()
    }
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let agent = if self.proxies.is_some() {
            "ours"
        } else {
            "the caller's"
        };
        f.debug_struct("Http")
            .field("agent", &agent)
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

/// An agent that keeps connections alive, follows no redirect, and leaves
/// statuses to the model, with the roots and proxies the settings say.
/// Refuses an `https://` base URL when no TLS feature is on: every request
/// would fail.
pub(crate) fn default_agent(settings: &Settings) -> Result<Http, Error> {
    agent_with(settings, ReusingResolver::default())
}

/// [`default_agent`], resolving names with `resolver`.
fn agent_with(settings: &Settings, resolver: ReusingResolver) -> Result<Http, Error> {
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    settings.refuse_https_without_tls("progress-ureq")?;
    // The process's environment, read once, as curl reads it.
    let proxies = Proxies::resolve(&settings.proxy, |name| std::env::var(name).ok())?;
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        // What the usual request wants, so that it needs no settings of its own.
        .timeout_connect(Some(connect_timeout(settings, settings.request_timeout)))
        .timeout_global(Some(settings.request_timeout))
        // Each request names its proxy, as the model picks it.
        .proxy(None);
    // The platform's TLS library when `native-tls` asks for it, even beside rustls.
    #[cfg(feature = "native-tls")]
    let config = config.tls_config(native_tls_config(&settings.trust)?);
    // ureq's resolver would start a thread for every request.
    #[cfg(any(not(feature = "rustls"), feature = "native-tls"))]
    let connector = ureq::unversioned::transport::DefaultConnector::default();
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let connector =
        crate::tls_connector::connector(progress_model::internal::rustls_config(settings)?);
    // So that a kept-alive socket keeps its timeouts from poll to poll.
    let connector = ureq::unversioned::transport::Connector::chain(
        connector,
        crate::socket_timeouts::WholeMillis,
    );
    let agent = ureq::Agent::with_parts(config.build(), connector, resolver.clone());
    Ok(Http {
        agent,
        proxy: ureq_proxy(proxies.https())?,
        proxies: Some(proxies),
        resolver: Some(resolver),
    })
}

/// native-tls with the roots `trust` asks for: ureq's native-tls either keeps
/// the platform's store alone or takes a list, so with added certificates the
/// platform's store is read into the list (as rustls-native-certs reads it).
#[cfg(feature = "native-tls")]
fn native_tls_config(trust: &progress_model::Trust) -> Result<ureq::tls::TlsConfig, Error> {
    use ureq::tls::{Certificate, RootCerts};
    let mut roots = trust.roots_to_add();
    let root_certs = if trust.roots.platform() && roots.is_empty() {
        RootCerts::PlatformVerifier
    } else {
        if trust.roots.platform() {
            let platform = rustls_native_certs::load_native_certs();
            if platform.certs.is_empty() && !platform.errors.is_empty() {
                return Err(Error::Config(format!(
                    "cannot read the platform's root certificates: {}",
                    platform.errors[0]
                )));
            }
            roots.extend(platform.certs);
        }
        let roots: Vec<Certificate<'static>> = roots
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        RootCerts::new_with_certs(&roots)
    };
    Ok(ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::NativeTls)
        .root_certs(root_certs)
        .build())
}

/// Sends the request, taking at most `timeout`, and reads at most
/// `body_cap + 1` bytes of the body, so an oversized body is detected without
/// holding it.
pub(crate) fn send(
    http: &Http,
    settings: &Settings,
    outgoing: Outgoing,
) -> Result<HttpResponse, Error> {
    let Outgoing { request, timeout } = outgoing;
    send_request(http, settings, request, timeout)
}

/// [`send`] for any request, a body included (the token request's form).
pub(crate) fn send_request(
    http: &Http,
    settings: &Settings,
    request: http::Request<impl ureq::AsSendBody>,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    let agent = &http.agent;
    if let Some(proxies) = &http.proxies {
        proxies.check(request.uri())?;
    }
    let through = http
        .proxies
        .as_ref()
        .and_then(|proxies| proxies.for_url(request.uri()))
        .cloned();
    let wanted = Wanted::new(http, settings, timeout, through.is_some());
    let request = if wanted.fits(agent.config(), settings) {
        request
    } else {
        wanted.configure(agent, settings, request)
    };
    // The URL as text only for an error that names it: a `Uri` clone shares
    // its bytes, where formatting it cost an allocation at every poll.
    let uri = request.uri().clone();
    let response = agent.run(request).map_err(|error| {
        if let Some(resolver) = &http.resolver
            && connecting_failed(&error)
        {
            resolver.forget();
        }
        transport_error(&uri.to_string(), error).through_proxy(through.as_ref())
    })?;
    let (parts, body) = response.into_parts();
    let limit = u64::try_from(settings.body_cap)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(announced_size(&parts.headers, limit));
    body.into_reader()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| transport_error(&uri.to_string(), ureq::Error::Io(error)))?;
    Ok(HttpResponse::new(
        parts.status.as_u16(),
        parts.headers,
        bytes,
    ))
}

/// The room to make for a body before reading it: the size its
/// `Content-Length` announces, so that reading it grows no buffer, but no
/// more than the cap allows nor than [`PREALLOCATED_AT_MOST`] (a header may
/// lie; the body then grows as it arrives, as one without the header does).
fn announced_size(headers: &http::HeaderMap, limit: u64) -> usize {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .map_or(0, |announced| {
            let room = announced.min(limit).min(PREALLOCATED_AT_MOST);
            usize::try_from(room).unwrap_or(0)
        })
}

/// The most room made for a body on its header's word: far more than a
/// progress answer, far less than the body cap.
const PREALLOCATED_AT_MOST: u64 = 16 * 1024;

/// Whether no connection could be made to any address of the answer (ureq
/// tried them all and tells the last failure).
fn connecting_failed(error: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    match error {
        ureq::Error::Timeout(ureq::Timeout::Connect) | ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            Io::ConnectionRefused
                | Io::HostUnreachable
                | Io::NetworkUnreachable
                | Io::AddrNotAvailable
                | Io::TimedOut
        ),
        _ => false,
    }
}

/// A proxy as ureq takes it (with its credentials,
/// which ureq sends in `Proxy-Authorization` and never shows).
fn ureq_proxy(proxy: Option<&progress_model::ProxyUrl>) -> Result<Option<ureq::Proxy>, Error> {
    let Some(proxy) = proxy else {
        return Ok(None);
    };
    ureq::Proxy::new(&proxy.expose_url())
        .map(Some)
        .map_err(|_| Error::Config(format!("cannot use the proxy {proxy}")))
}

/// The failure of a request to `url`, caused by ureq's error (ureq's errors
/// carry no request headers, so their text is safe to show).
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
        // ureq tells the proxy's status only in its text: `responded 407/...`.
        ureq::Error::ConnectProxyFailed(reason) if connect_status(reason).is_some() => {
            let status = connect_status(reason).unwrap_or_default();
            return Error::tunnel_refused(url, status).caused_by(error);
        }
        // A proxy that would not open the tunnel: a connection failure, as
        // the async client reports it.
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => Error::connect(url),
        // A certificate or TLS setup failure does not heal by retrying.
        ureq::Error::Tls(_) | ureq::Error::TlsRequired | ureq::Error::RequireHttpsOnly(_) => {
            Error::tls(url)
        }
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) | ureq::Error::Pem(_) => Error::tls(url),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => Error::tls(url).with_trust_advice(),
        ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl => {
            return Error::Config(format!("cannot send to {url}: {error}"));
        }
        _ => Error::transport(url),
    };
    // ureq's io variant names no source: the io error itself is the cause,
    // and the model reads a wrapped TLS error or an OS error's kind from it.
    match error {
        ureq::Error::Io(io) => failed.caused_by(io),
        other => failed.caused_by(other),
    }
}

/// The status in ureq's `proxy server responded 407/Proxy Authentication Required`.
fn connect_status(reason: &str) -> Option<u16> {
    let (code, _) = reason
        .strip_prefix("proxy server responded ")?
        .split_once('/')?;
    code.parse().ok()
}

#[cfg(test)]
mod resolver_tests {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ureq::config::Config;
    use ureq::http::Uri;
    use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
    use ureq::unversioned::transport::NextTimeout;

    use super::*;

    /// Resolves every name to one address, counting its lookups.
    #[derive(Debug)]
    struct Fixed {
        addr: SocketAddr,
        lookups: Arc<AtomicUsize>,
    }

    impl Resolver for Fixed {
        fn resolve(
            &self,
            _: &Uri,
            _: &Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let mut addrs = self.empty();
            addrs.push(self.addr);
            Ok(addrs)
        }
    }

    /// Issue 19: the answer was kept for a minute whatever happened, so a
    /// moved service was looked for at its old address until then.
    #[test]
    fn an_answer_that_could_not_be_connected_to_is_looked_up_again() {
        // A port nothing listens on any more.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let lookups = Arc::new(AtomicUsize::new(0));
        let resolver = ReusingResolver::over(Fixed {
            addr,
            lookups: lookups.clone(),
        });
        let mut settings = Settings::default();
        settings.set_base_url(&format!("http://localhost:{}", addr.port()));
        let settings = settings.check().unwrap();
        let http = agent_with(&settings, resolver).unwrap();
        let url = format!("http://localhost:{}/x", addr.port());
        for _ in 0..2 {
            let request = http::Request::get(&url).body(()).unwrap();
            let error =
                send_request(&http, &settings, request, Duration::from_secs(5)).unwrap_err();
            assert_eq!(error.kind(), progress_model::ErrorKind::Connect, "{error}");
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 2);
    }
}

#[cfg(test)]
mod announced_size_tests {
    use super::*;

    #[test]
    fn room_is_made_for_the_announced_body_within_bounds() {
        let cases = [
            (None, 1_000, 0),
            (Some("80"), 1_000, 80),
            (Some("80"), 11, 11),
            (Some("not a size"), 1_000, 0),
            (Some("-1"), 1_000, 0),
            (Some("99999999999999"), u64::MAX, 16 * 1024),
        ];
        for (header, limit, room) in cases {
            let mut headers = http::HeaderMap::new();
            if let Some(value) = header {
                headers.insert(http::header::CONTENT_LENGTH, value.parse().unwrap());
            }
            assert_eq!(announced_size(&headers, limit), room, "{header:?}, {limit}");
        }
    }
}

#[cfg(all(test, any(feature = "rustls", feature = "native-tls")))]
mod tests {
    use super::*;

    #[test]
    fn the_tls_feature_picks_the_provider() {
        let agent = default_agent(&Settings::default()).unwrap().agent;
        let provider = agent.config().tls_config().provider();
        let expected = if cfg!(feature = "native-tls") {
            ureq::tls::TlsProvider::NativeTls
        } else {
            ureq::tls::TlsProvider::Rustls
        };
        assert_eq!(provider, expected);
    }
}
