//! Which proxy a request goes through: the environment's (`HTTPS_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, read as curl reads them) or the caller's, never
//! one for clear text. Decided here once for both clients; they only open the
//! tunnel.

use std::fmt;

use percent_encoding::percent_decode_str;

use crate::Error;
use crate::no_proxy::NoProxy;

/// The port of a proxy URL that names none, as curl assumes.
const DEFAULT_PROXY_PORT: u16 = 1080;

/// An `http://` proxy, its credentials (`http://user:pass@proxy:3128`) kept
/// out of every output: `Display` and `Debug` show `http://<redacted>@proxy:3128`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
}

/// A user name and password, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    user: String,
    password: String,
}

impl ProxyUrl {
    /// Reads `http://[user:pass@]host[:port]`, or `host[:port]` as curl does
    /// (the port defaults to 1080). Only `http://` proxies: the TLS to the
    /// API runs inside their `CONNECT` tunnel. The error never repeats the
    /// text, which may hold a password.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::Config(format!("the proxy URL is not valid: {why}"));
        let text = text.trim();
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(invalid(&format!(
                    "its scheme is {scheme}://, and only http:// proxies are supported \
                     (the connection to the API is still TLS, tunnelled with CONNECT)"
                )));
            }
            None => text,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (credentials, host_and_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_and_port)) => (Some(Credentials::read(userinfo)?), host_and_port),
            None => (None, authority),
        };
        let uri: http::uri::Authority = host_and_port
            .parse()
            .map_err(|_| invalid("it names no host, or a host or port that cannot be read"))?;
        if uri.host().is_empty() {
            return Err(invalid("it names no host"));
        }
        Ok(Self {
            host: uri.host().to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(DEFAULT_PROXY_PORT),
            credentials,
        })
    }

    /// `host:port`, where the tunnel's TCP connection goes.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// `http://host:port`, without credentials.
    pub fn uri(&self) -> http::Uri {
        format!("http://{}", self.authority())
            .parse()
            .expect("a host and port read as an authority make a URI")
    }

    /// The user name and password, if the URL has them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|credentials| (credentials.user.as_str(), credentials.password.as_str()))
    }

    /// The `Proxy-Authorization` value (HTTP Basic) for the `CONNECT`, marked
    /// sensitive so that HTTP libraries keep it out of their logs.
    pub fn basic_auth(&self) -> Option<http::HeaderValue> {
        use base64::Engine as _;
        let (user, password) = self.credentials()?;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let mut value = http::HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// The whole URL, credentials included, for an HTTP library that reads
    /// them from a URL. Never show it: `Display` is the form to show.
    pub fn expose_url(&self) -> String {
        match self.credentials() {
            Some((user, password)) => {
                let encode = |text| {
                    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
                };
                format!(
                    "http://{}:{}@{}",
                    encode(user),
                    encode(password),
                    self.authority()
                )
            }
            None => format!("http://{}", self.authority()),
        }
    }
}

impl Credentials {
    fn read(userinfo: &str) -> Result<Self, Error> {
        let decode = |text: &str| {
            percent_decode_str(text)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| {
                    Error::Config(
                        "the proxy URL's user name or password is not valid UTF-8 once decoded"
                            .into(),
                    )
                })
        };
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        Ok(Self {
            user: decode(user)?,
            password: decode(password)?,
        })
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = if self.credentials.is_some() {
            "<redacted>@"
        } else {
            ""
        };
        write!(f, "http://{credentials}{}", self.authority())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// Where a client's proxy comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyChoice {
    /// `HTTPS_PROXY` (or `ALL_PROXY`) and `NO_PROXY`, read when the client is built.
    #[default]
    Environment,
    /// This proxy for every https request, except the hosts `NO_PROXY` names (as curl's `--proxy`).
    Url(ProxyUrl),
    /// No proxy at all, whatever the environment says.
    Off,
}

/// The proxy decisions of one client: resolved once, when it is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    https: Option<ProxyUrl>,
    /// The environment's proxy variable, when it names a proxy this client
    /// cannot use (`socks5h://`, `https://`): an error only for a request
    /// that would go through it.
    unusable: Option<Unusable>,
    bypass: NoProxy,
}

/// A proxy variable that could not be read, and why (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unusable {
    variable: &'static str,
    why: String,
}

impl Proxies {
    /// Resolves a choice against the environment, which `env` reads (the
    /// process's, `|name| std::env::var(name).ok()`, in the clients). As curl:
    /// `https_proxy`, then `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`; an empty
    /// variable counts as unset. `HTTP_PROXY` is for `http://` requests, which
    /// here only go to loopback and never through a proxy.
    ///
    /// A variable naming a proxy this client cannot use (`socks5h://`,
    /// `https://`, no host) fails no build: it is ignored with a `tracing`
    /// warning, and only a request that would go through it fails
    /// ([`Proxies::check`]). A proxy the caller gives is checked by its builder.
    pub fn resolve(
        choice: &ProxyChoice,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let read = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                env(name)
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (*name, value))
            })
        };
        let bypass = read(&["no_proxy", "NO_PROXY"])
            .map(|(_, value)| NoProxy::parse(&value))
            .unwrap_or_default();
        let mut unusable = None;
        let https = match choice {
            ProxyChoice::Off => return Ok(Self::default()),
            ProxyChoice::Url(url) => Some(url.clone()),
            ProxyChoice::Environment => {
                match read(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]) {
                    Some((variable, value)) => match ProxyUrl::parse(&value) {
                        Ok(url) => Some(url),
                        Err(error) => {
                            let why = error_text(&error);
                            crate::trace::proxy_unusable(variable, &why);
                            unusable = Some(Unusable { variable, why });
                            None
                        }
                    },
                    None => None,
                }
            }
        };
        Ok(Self {
            https,
            unusable,
            bypass,
        })
    }

    /// Refuses a request to `url` that would go through a proxy variable this
    /// client cannot use, naming the variable and the proxies it can use (an
    /// `https://` URL not exempted by `NO_PROXY`); every other request is fine.
    pub fn check(&self, url: &http::Uri) -> Result<(), Error> {
        match &self.unusable {
            Some(Unusable { variable, why }) if self.would_proxy(url) => {
                Err(Error::Config(format!(
                    "{variable} names a proxy this client cannot use ({why}); a request to {} \
                 would go through it: give an http:// proxy (http://[user:pass@]host:port), \
                 or exempt the host in NO_PROXY",
                    url.host().unwrap_or_default()
                )))
            }
            _ => Ok(()),
        }
    }

    /// Whether a request to `url` goes through the proxy, if there is one:
    /// TLS, and a host `NO_PROXY` does not name.
    fn would_proxy(&self, url: &http::Uri) -> bool {
        let tls = url
            .scheme_str()
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https"));
        let port = url.port_u16().unwrap_or(443);
        tls && url
            .host()
            .is_some_and(|host| !self.bypass.matches(host, port))
    }

    /// The proxy a request to `url` goes through, if any ([`for_url`](Self::for_url)),
    /// once [`check`](Self::check) found nothing to refuse. Both clients ask
    /// this before each request, and name the proxy in a transport error.
    pub fn route(&self, url: &http::Uri) -> Result<Option<ProxyUrl>, Error> {
        self.check(url)?;
        Ok(self.for_url(url).cloned())
    }

    /// The proxy for https requests, before `NO_PROXY` is applied to an address.
    pub fn https(&self) -> Option<&ProxyUrl> {
        self.https.as_ref()
    }

    /// The proxy a request to `url` goes through, if any: never for clear
    /// text (`http://`, loopback only), never for a host `NO_PROXY` names.
    pub fn for_url(&self, url: &http::Uri) -> Option<&ProxyUrl> {
        let proxy = self.https.as_ref()?;
        self.would_proxy(url).then_some(proxy)
    }
}

/// A config error's message alone.
fn error_text(error: &Error) -> String {
    match error {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn proxy_for(proxies: &Proxies, url: &str) -> Option<String> {
        proxies
            .for_url(&url.parse().unwrap())
            .map(ToString::to_string)
    }

    #[test]
    fn credentials_never_show() {
        let proxy = ProxyUrl::parse("http://alice:s%40cret@Proxy.corp:3128").unwrap();
        assert_eq!(proxy.to_string(), "http://<redacted>@proxy.corp:3128");
        assert_eq!(
            format!("{proxy:?}"),
            "ProxyUrl(http://<redacted>@proxy.corp:3128)"
        );
        assert_eq!(proxy.credentials(), Some(("alice", "s@cret")));
        assert_eq!(proxy.uri().to_string(), "http://proxy.corp:3128/");
        assert_eq!(proxy.expose_url(), "http://alice:s%40cret@proxy.corp:3128");
        let auth = proxy.basic_auth().unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(auth, "Basic YWxpY2U6c0BjcmV0");
    }

    #[test]
    fn a_bare_host_is_an_http_proxy_on_curl_s_port() {
        let proxy = ProxyUrl::parse("proxy.corp").unwrap();
        assert_eq!(proxy.to_string(), "http://proxy.corp:1080");
        assert_eq!(proxy.credentials(), None);
    }

    #[test]
    fn only_http_proxies_and_the_error_does_not_repeat_the_url() {
        for url in ["socks5://u:hunter22@p:1080", "https://u:hunter22@p:443"] {
            let error = ProxyUrl::parse(url).unwrap_err().to_string();
            assert!(error.contains("only http:// proxies"), "{error}");
            assert!(!error.contains("hunter22"), "{error}");
        }
        let error = ProxyUrl::parse("http://u:hunter22@")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter22"), "{error}");
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        /// The variables set, and the proxy an https request then goes through.
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("HTTPS_PROXY", "http://upper:1")], Some("http://upper:1")),
            (
                &[
                    ("https_proxy", "http://lower:1"),
                    ("HTTPS_PROXY", "http://upper:1"),
                ],
                Some("http://lower:1"),
            ),
            (&[("ALL_PROXY", "http://all:1")], Some("http://all:1")),
            (
                &[
                    ("all_proxy", "http://all:1"),
                    ("HTTPS_PROXY", "http://https:1"),
                ],
                Some("http://https:1"),
            ),
            (
                &[("HTTPS_PROXY", ""), ("ALL_PROXY", "http://all:1")],
                Some("http://all:1"),
            ),
            // HTTP_PROXY is for http:// requests: never the API's.
            (
                &[
                    ("HTTP_PROXY", "http://plain:1"),
                    ("http_proxy", "http://plain:1"),
                ],
                None,
            ),
        ];
        for (vars, expected) in cases {
            let proxies = Proxies::resolve(&ProxyChoice::Environment, env(vars)).unwrap();
            assert_eq!(
                proxy_for(&proxies, "https://api.bentley.com/x").as_deref(),
                *expected,
                "{vars:?}"
            );
        }
    }

    #[test]
    fn clear_text_never_goes_through_a_proxy() {
        let proxies = Proxies::resolve(
            &ProxyChoice::Environment,
            env(&[("ALL_PROXY", "http://p:1")]),
        )
        .unwrap();
        assert_eq!(proxy_for(&proxies, "http://127.0.0.1:8080/x"), None);
        assert_eq!(proxy_for(&proxies, "HTTP://localhost/x"), None);
        assert!(proxy_for(&proxies, "HTTPS://localhost/x").is_some());
    }

    #[test]
    fn no_proxy_applies_to_the_environment_s_proxy_and_to_the_caller_s() {
        let vars = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", ".bentley.com")];
        let fixed = ProxyChoice::Url(ProxyUrl::parse("http://mine:2").unwrap());
        for choice in [ProxyChoice::Environment, fixed] {
            let proxies = Proxies::resolve(&choice, env(&vars)).unwrap();
            assert_eq!(proxy_for(&proxies, "https://api.bentley.com/x"), None);
            assert!(proxy_for(&proxies, "https://ims.example.com/x").is_some());
        }
    }

    #[test]
    fn off_means_no_proxy_whatever_the_environment() {
        let proxies =
            Proxies::resolve(&ProxyChoice::Off, env(&[("HTTPS_PROXY", "http://p:1")])).unwrap();
        assert_eq!(proxy_for(&proxies, "https://api.bentley.com/x"), None);
    }

    /// Issue 19: such a variable made `build()` fail even for a client
    /// whose requests never go through a proxy.
    #[test]
    fn an_unusable_variable_fails_only_a_request_that_would_go_through_it() {
        for (variable, value) in [
            ("ALL_PROXY", "socks5h://u:hunter22@p:1080"),
            ("HTTPS_PROXY", "https://u:hunter22@p:443"),
            ("https_proxy", "http://u:hunter22@"),
        ] {
            let vars = [(variable, value), ("NO_PROXY", ".corp.example")];
            let proxies = Proxies::resolve(&ProxyChoice::Environment, env(&vars)).unwrap();
            for fine in [
                "http://127.0.0.1:8080/x",
                "http://localhost/x",
                "https://api.corp.example/x",
            ] {
                let route = proxies.route(&fine.parse().unwrap());
                assert!(matches!(route, Ok(None)), "{fine}");
                assert_eq!(proxy_for(&proxies, fine), None);
            }
            let error = proxies
                .route(&"https://api.bentley.com/x".parse().unwrap())
                .unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::Config);
            assert!(!error.is_transient());
            let text = error.to_string();
            assert!(text.contains(variable), "{text}");
            assert!(text.contains("http://"), "{text}");
            assert!(!text.contains("hunter22"), "{text}");
        }
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    #[test]
    fn a_failure_through_a_proxy_names_it_without_credentials() {
        let proxy = ProxyUrl::parse("http://bob:hunter2-secret@proxy.corp:3128").unwrap();
        let error = Error::connect("https://api.bentley.com/x").through_proxy(Some(&proxy));
        let text = error.to_string();
        assert!(
            text.ends_with("(through the proxy http://<redacted>@proxy.corp:3128)"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        // Not every error went through the network.
        let config = Error::Config("x".into()).through_proxy(Some(&proxy));
        assert_eq!(config.to_string(), Error::Config("x".into()).to_string());
    }

    /// Issue 19: a wrong proxy password was a connection failure, retried for minutes.
    #[test]
    fn a_proxy_refusing_its_credentials_is_final_and_says_so() {
        let proxy = ProxyUrl::parse("http://bob:hunter2-secret@proxy.corp:3128").unwrap();
        let error = Error::proxy_auth("https://api.bentley.com/x").through_proxy(Some(&proxy));
        assert!(!error.is_transient());
        assert_eq!(error.kind().as_str(), "proxy_auth");
        let text = error.to_string();
        assert!(text.contains("proxy refused its authentication"), "{text}");
        assert!(text.contains("407"), "{text}");
        assert!(text.contains("http://<redacted>@proxy.corp:3128"), "{text}");
        assert!(!text.contains("hunter2") && !text.contains("bob"), "{text}");
    }

    #[test]
    fn a_tls_failure_can_say_how_to_trust_a_company_root() {
        let text = Error::tls("https://api.bentley.com/x")
            .with_trust_advice()
            .to_string();
        assert!(text.contains("add_root_certificate"), "{text}");
        assert!(text.contains("--ca-cert"), "{text}");
    }
}
