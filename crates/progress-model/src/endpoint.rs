//! Where requests go: the base URL, the service path and the API version.

use std::fmt;
use std::net::IpAddr;

use http::Uri;

use crate::Error;

/// The iTwin Platform service whose jobs are watched.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Service {
    /// `reality-modeling` (v2).
    #[default]
    RealityModeling,
    /// `reality-conversion` (v2).
    RealityConversion,
    /// `reality-analysis` (v2).
    RealityAnalysis,
    /// `contextcapture` (v1).
    ContextCapture,
    /// The legacy `realityconversion` (v1).
    LegacyRealityConversion,
    /// The legacy `realitydataanalysis` (v1).
    LegacyRealityDataAnalysis,
    /// Any other path below the base URL, e.g. `my-gateway/reality-modeling`.
    Custom(String),
}

impl Service {
    /// The path below the base URL, without slashes at either end.
    pub fn path(&self) -> &str {
        match self {
            Self::RealityModeling => "reality-modeling",
            Self::RealityConversion => "reality-conversion",
            Self::RealityAnalysis => "reality-analysis",
            Self::ContextCapture => "contextcapture",
            Self::LegacyRealityConversion => "realityconversion",
            Self::LegacyRealityDataAnalysis => "realitydataanalysis",
            Self::Custom(path) => path.trim_matches('/'),
        }
    }

    /// Refuses a custom path that would not stay a path: empty, with a query,
    /// a fragment, `%`, whitespace, control characters, or empty, `.` or `..`
    /// segments.
    pub fn check(&self) -> Result<(), Error> {
        let path = self.path();
        let bad = path.is_empty()
            || path
                .split('/')
                .any(|segment| segment.is_empty() || segment == "." || segment == "..")
            || path
                .chars()
                .any(|c| c == '?' || c == '#' || c == '%' || c.is_whitespace() || c.is_control());
        if bad {
            return Err(Error::Config(format!(
                "`{}` is not a service path (expected segments like `reality-modeling`)",
                path.escape_debug()
            )));
        }
        Ok(())
    }

    /// The API version this service speaks, asked for unless the caller
    /// chooses another: v2 for `reality-modeling`, `reality-analysis` and
    /// `reality-conversion`; v1 for the others and for custom paths (the
    /// page's recommendation).
    pub fn api_version(&self) -> ApiVersion {
        match self {
            Self::RealityModeling | Self::RealityConversion | Self::RealityAnalysis => {
                ApiVersion::V2
            }
            Self::ContextCapture
            | Self::LegacyRealityConversion
            | Self::LegacyRealityDataAnalysis
            | Self::Custom(_) => ApiVersion::V1,
        }
    }

    /// Reads a service path: a known name gives its variant, anything else is custom.
    pub fn parse(path: &str) -> Self {
        match path.trim_matches('/') {
            "reality-modeling" => Self::RealityModeling,
            "reality-conversion" => Self::RealityConversion,
            "reality-analysis" => Self::RealityAnalysis,
            "contextcapture" => Self::ContextCapture,
            "realityconversion" => Self::LegacyRealityConversion,
            "realitydataanalysis" => Self::LegacyRealityDataAnalysis,
            other => Self::Custom(other.to_owned()),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

impl From<&str> for Service {
    fn from(path: &str) -> Self {
        Self::parse(path)
    }
}

impl From<String> for Service {
    fn from(path: String) -> Self {
        Self::parse(&path)
    }
}

/// Reads a service path and checks it ([`Service::check`]), so a path from a
/// configuration file or an argument is refused when it is read, not when the
/// client is built.
///
/// ```
/// # use progress_model::Service;
/// let service: Service = "contextcapture".parse().unwrap();
/// assert_eq!(service, Service::ContextCapture);
/// assert!("jobs?x=1".parse::<Service>().is_err());
/// let from_config: Service = String::from("reality-analysis").into();
/// assert_eq!(from_config, Service::RealityAnalysis);
/// ```
impl std::str::FromStr for Service {
    type Err = Error;

    fn from_str(path: &str) -> Result<Self, Error> {
        let service = Self::parse(path);
        service.check()?;
        Ok(service)
    }
}

/// The iTwin Platform environment, which picks the base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.bentley.com`.
    #[default]
    Prod,
    /// `https://qa-api.bentley.com`.
    Qa,
    /// `https://dev-api.bentley.com`.
    Dev,
}

impl Environment {
    /// The base URL of this environment.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Prod => "https://api.bentley.com",
            Self::Qa => "https://qa-api.bentley.com",
            Self::Dev => "https://dev-api.bentley.com",
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = Error;
    fn from_str(name: &str) -> Result<Self, Error> {
        match name.to_ascii_lowercase().as_str() {
            "prod" | "production" => Ok(Self::Prod),
            "qa" => Ok(Self::Qa),
            "dev" => Ok(Self::Dev),
            _ => Err(Error::Config(format!(
                "unknown environment `{name}` (expected prod, qa or dev)"
            ))),
        }
    }
}

/// The API version asked for in the `Accept` header. By default it follows
/// the service ([`Service::api_version`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `application/vnd.bentley.itwin-platform.v1+json` (the page's version).
    V1,
    /// `application/vnd.bentley.itwin-platform.v2+json` (the v2 services).
    V2,
    /// Any other media type, sent as given.
    Custom(String),
}

impl ApiVersion {
    /// The value of the `Accept` header.
    pub fn accept(&self) -> &str {
        match self {
            Self::V1 => "application/vnd.bentley.itwin-platform.v1+json",
            Self::V2 => "application/vnd.bentley.itwin-platform.v2+json",
            Self::Custom(media_type) => media_type,
        }
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = Error;
    /// `v1`, `v2`, `1`, `2` or a full media type.
    fn from_str(text: &str) -> Result<Self, Error> {
        match text.to_ascii_lowercase().as_str() {
            "v1" | "1" => Ok(Self::V1),
            "v2" | "2" => Ok(Self::V2),
            _ if text.contains('/') => Ok(Self::Custom(text.to_owned())),
            _ => Err(Error::Config(format!(
                "unknown API version `{text}` (expected v1, v2 or a media type)"
            ))),
        }
    }
}

/// A checked base URL: `https://`, or `http://` to a loopback host only, so a
/// bearer token never crosses a network in clear text.
///
/// Kept normalised (scheme and host in lowercase, no trailing slash), so that
/// every later decision reads the same parsed form: `HTTP://127.0.0.1` is
/// clear text exactly like `http://127.0.0.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    cleartext: bool,
}

impl BaseUrl {
    /// Checks a base URL such as `https://api.bentley.com` or `http://127.0.0.1:8080/prefix`.
    ///
    /// ```
    /// # use progress_model::BaseUrl;
    /// assert!(BaseUrl::new("http://localhost:8080").is_ok());
    /// assert!(BaseUrl::new("http://example.com").is_err());
    /// assert_eq!(BaseUrl::new("HTTPS://API.Bentley.com/").unwrap().as_str(), "https://api.bentley.com");
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        let uri: Uri = url
            .trim_end_matches('/')
            .parse()
            .map_err(|_| Error::Config(format!("`{url}` is not a valid base URL")))?;
        let authority = uri
            .authority()
            .ok_or_else(|| Error::Config(format!("the base URL `{url}` has no host")))?;
        if authority.as_str().contains('@') {
            // Credentials in a URL end up in logs; the token is the only credential.
            return Err(Error::Config(
                "the base URL must not hold a user name or password".into(),
            ));
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(Error::Config(format!(
                "the base URL `{url}` must not have a query or a fragment"
            )));
        }
        let host = authority.host().to_ascii_lowercase();
        if host.is_empty() {
            return Err(Error::Config(format!("the base URL `{url}` has no host")));
        }
        let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
        let cleartext = match scheme.as_str() {
            "https" => false,
            "http" if is_loopback(&host) => true,
            "http" => {
                return Err(Error::InsecureUrl {
                    url: url.to_owned(),
                });
            }
            _ => {
                return Err(Error::Config(format!(
                    "the base URL `{url}` must start with https://"
                )));
            }
        };
        let port = authority.port().map(|port| format!(":{port}"));
        let path = uri.path().trim_end_matches('/');
        Ok(Self {
            url: format!("{scheme}://{host}{}{path}", port.unwrap_or_default()),
            cleartext,
        })
    }

    /// The normalised URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Refuses a base URL that already ends in the service's path, or in a
    /// known service's (`https://api.bentley.com/reality-modeling`): the
    /// client adds the service path itself, so every request would go to
    /// `.../reality-modeling/reality-modeling/...` and meet a 404. The error
    /// says which part to drop.
    pub fn check_for(&self, service: &Service) -> Result<(), Error> {
        let after_scheme = self.url.split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
        let known = [
            Service::RealityModeling,
            Service::RealityConversion,
            Service::RealityAnalysis,
            Service::ContextCapture,
            Service::LegacyRealityConversion,
            Service::LegacyRealityDataAnalysis,
        ];
        let ends_in = std::iter::once(service)
            .chain(&known)
            .map(|service| format!("/{}", service.path()))
            .find(|tail| {
                path.len() >= tail.len()
                    && path[path.len() - tail.len()..].eq_ignore_ascii_case(tail)
            });
        match ends_in {
            Some(tail) => Err(Error::Config(format!(
                "the base URL `{}` ends in the service path `{tail}`, which the client adds \
                 itself: drop `{tail}` (the base URL is then `{}`) and name the service on its own",
                self.url,
                &self.url[..self.url.len() - tail.len()]
            ))),
            None => Ok(()),
        }
    }

    /// Whether requests go in clear text (`http://`, in any letter case, to a
    /// loopback host). Such requests must bypass any proxy: a proxy elsewhere
    /// would carry the token across the network unencrypted.
    pub fn is_cleartext(&self) -> bool {
        self.cleartext
    }

    fn of_environment(environment: Environment) -> Self {
        Self {
            url: environment.base_url().to_owned(),
            cleartext: false,
        }
    }
}

impl Default for BaseUrl {
    fn default() -> Self {
        Self::of_environment(Environment::Prod)
    }
}

impl From<Environment> for BaseUrl {
    fn from(environment: Environment) -> Self {
        Self::of_environment(environment)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_ending_in_a_service_path_is_refused_saying_what_to_drop() {
        let url = BaseUrl::new("https://api.bentley.com/Reality-Modeling/").unwrap();
        let error = url.check_for(&Service::RealityModeling).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("drop `/reality-modeling`")
                && message.contains("the base URL is then `https://api.bentley.com`"),
            "{message}"
        );
        // Another service's path is as wrong.
        let url = BaseUrl::new("https://api.bentley.com/contextcapture").unwrap();
        assert!(url.check_for(&Service::RealityModeling).is_err());
        for fine in [
            "https://api.bentley.com",
            "http://127.0.0.1:8080/prefix",
            "https://x/reality-modeling-gw",
        ] {
            let url = BaseUrl::new(fine).unwrap();
            assert!(url.check_for(&Service::RealityModeling).is_ok(), "{fine}");
        }
    }

    #[test]
    fn http_is_allowed_for_loopback_hosts_only() {
        for url in [
            "http://127.0.0.1:1234",
            "http://127.9.8.7",
            "http://[::1]:80/",
            "http://LOCALHOST",
        ] {
            assert!(BaseUrl::new(url).is_ok(), "{url}");
        }
        for url in [
            "http://10.0.0.1",
            "http://api.bentley.com",
            "http://localhost.evil.com",
        ] {
            assert!(
                matches!(BaseUrl::new(url), Err(Error::InsecureUrl { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn schemes_and_hosts_are_read_in_any_letter_case() {
        for url in [
            "HTTP://127.0.0.1:1234",
            "Http://LocalHost/Prefix",
            "hTtP://[::1]",
        ] {
            let base = BaseUrl::new(url).unwrap();
            assert!(base.is_cleartext(), "{url}");
            assert!(base.as_str().starts_with("http://"), "{url}");
        }
        assert_eq!(
            BaseUrl::new("HTTP://LocalHost:8080/Prefix/")
                .unwrap()
                .as_str(),
            "http://localhost:8080/Prefix"
        );
        let secure = BaseUrl::new("HTTPS://API.Bentley.com").unwrap();
        assert!(!secure.is_cleartext());
        assert_eq!(secure.as_str(), "https://api.bentley.com");
        assert!(matches!(
            BaseUrl::new("HTTP://example.com"),
            Err(Error::InsecureUrl { .. })
        ));
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        for url in [
            "ftp://example.com",
            "api.bentley.com",
            "https://",
            "not a url",
            "https://a/?q=1",
        ] {
            assert!(matches!(BaseUrl::new(url), Err(Error::Config(_))), "{url}");
        }
    }

    #[test]
    fn environments_and_versions() {
        assert_eq!(
            BaseUrl::from(Environment::Qa).as_str(),
            "https://qa-api.bentley.com"
        );
        assert_eq!("dev".parse::<Environment>().unwrap(), Environment::Dev);
        assert_eq!(
            "v2".parse::<ApiVersion>().unwrap().accept(),
            "application/vnd.bentley.itwin-platform.v2+json"
        );
        assert_eq!(Service::parse("/contextcapture/"), Service::ContextCapture);
        assert_eq!(Service::parse("gw/x").path(), "gw/x");
    }
}
