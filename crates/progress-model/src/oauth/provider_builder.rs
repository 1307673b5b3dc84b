//! The builder of both clients' `ClientCredentials` providers, written once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::{ClientCredentialsGrant, DEFAULT_REFRESH_MARGIN, TokenUrl};
use crate::settings::saturate;
use crate::{
    Clock, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Environment, Error, ProxyChoice,
    ProxyUrl, Roots, SystemClock, Trust,
};

/// Everything a `ClientCredentials` provider needs, checked.
#[derive(Clone)]
#[non_exhaustive]
pub struct ProviderSettings {
    /// Who asks, for what, and where.
    pub grant: ClientCredentialsGrant,
    /// A new token is fetched when less than this much of its lifetime is left.
    pub refresh_margin: Duration,
    /// Where token lifetimes are measured.
    pub clock: Arc<dyn Clock>,
    /// The longest a token request may take when the client gives no shorter bound.
    pub request_timeout: Duration,
    /// The longest the connection to the identity service may take.
    pub connect_timeout: Duration,
    /// The certificate authorities trusted, as the progress client's.
    pub trust: Trust,
    /// Where the proxy for https requests comes from, as the progress client's.
    pub proxy: ProxyChoice,
}

impl ProviderSettings {
    /// The settings a client's transport needs to reach the token URL: its
    /// base URL (clear text or not), the timeouts, the trust and the proxy.
    pub fn transport_settings(&self) -> crate::Settings {
        let mut transport = crate::Settings::default();
        transport.base_url = self.grant.url().as_base_url().clone();
        transport.request_timeout = self.request_timeout;
        transport.connect_timeout = self.connect_timeout;
        transport.trust = self.trust.clone();
        transport.proxy = self.proxy.clone();
        transport
    }
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("grant", &self.grant)
            .field("refresh_margin", &self.refresh_margin)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("trust", &self.trust)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// A provider an adapter builds from checked [`ProviderSettings`].
pub trait FromProviderSettings: Sized {
    /// Builds the provider (its HTTP client included).
    fn from_provider_settings(settings: ProviderSettings) -> Result<Self, Error>;
}

/// Builds a `ClientCredentials` provider of either client: start with
/// `ClientCredentials::builder(client_id, secret)`.
pub struct ClientCredentialsBuilder<P> {
    client_id: String,
    secret: SecretString,
    scopes: Option<Vec<String>>,
    token_url: Option<Result<TokenUrl, Error>>,
    refresh_margin: Duration,
    clock: Arc<dyn Clock>,
    request_timeout: Duration,
    connect_timeout: Duration,
    trust: Trust,
    proxy: ProxyChoice,
    /// The first invalid root certificate or proxy given, reported by `build()`.
    problem: Option<Error>,
    provider: PhantomData<fn() -> P>,
}

impl<P: FromProviderSettings> ClientCredentialsBuilder<P> {
    /// A builder for `client_id` and its secret.
    pub fn new(client_id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Self {
            client_id: client_id.into(),
            secret: secret.into(),
            scopes: None,
            token_url: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            clock: Arc::new(SystemClock),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            trust: Trust::default(),
            proxy: ProxyChoice::default(),
            problem: None,
            provider: PhantomData,
        }
    }

    /// The scopes to ask for (default: `itwin-platform`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes = Some(scopes.into_iter().map(|s| s.as_ref().to_owned()).collect());
        self
    }

    /// The identity service of an environment (default: prod's).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.token_url = Some(Ok(environment.into()));
        self
    }

    /// Any token URL (`http://` only to loopback hosts); checked by `build()`.
    pub fn token_url(mut self, url: impl AsRef<str>) -> Self {
        self.token_url = Some(TokenUrl::new(url.as_ref()));
        self
    }

    /// Fetch a new token when less than this much of its lifetime is left
    /// (default 5 minutes; half the lifetime for tokens living less than twice it).
    /// This and the timeouts: longer than [`MAX_DURATION`](crate::MAX_DURATION) is taken as it.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Where token lifetimes are measured (default: the system clock). Give
    /// the client's clock when tests move time by hand.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The longest a token request may take (default 30 s). A watch's token
    /// calls are also cut to its own request timeout and deadline.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The longest connecting to the identity service may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The root stores trusted besides added certificates (default
    /// [`Roots::Both`]), as the progress client's `tls_roots`.
    pub fn tls_roots(mut self, roots: Roots) -> Self {
        self.trust.roots = roots;
        self
    }

    /// Trusts the root certificates of a PEM file, as the progress client's
    /// `add_root_certificate`; one without a certificate makes `build()` fail.
    pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        if let Err(error) = self.trust.add_pem(pem.as_ref()) {
            self.problem.get_or_insert(error);
        }
        self
    }

    /// Asks for tokens through this `http://` proxy, as the progress client's `proxy`.
    pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
        match ProxyUrl::parse(url.as_ref()) {
            Ok(url) => self.proxy = ProxyChoice::Url(url),
            Err(error) => {
                self.problem.get_or_insert(error);
            }
        }
        self
    }

    /// No proxy at all, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Off;
        self
    }

    /// Checks the settings and builds the provider.
    pub fn build(self) -> Result<P, Error> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        let mut grant = ClientCredentialsGrant::new(self.client_id, self.secret)?
            .token_url(self.token_url.unwrap_or_else(|| Ok(TokenUrl::default()))?);
        if let Some(scopes) = self.scopes {
            grant = grant.scopes(scopes);
        }
        // Longer than a year is taken as a year: no clock or timer overflows.
        P::from_provider_settings(ProviderSettings {
            grant,
            refresh_margin: saturate(self.refresh_margin),
            clock: self.clock,
            request_timeout: saturate(self.request_timeout),
            connect_timeout: saturate(self.connect_timeout),
            trust: self.trust,
            proxy: self.proxy,
        })
    }
}

impl<P> fmt::Debug for ClientCredentialsBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}
