//! Where the identity service answers token requests.

use crate::{BaseUrl, Environment, Error};

/// The token endpoint: Bentley's identity service for an environment, or any
/// URL given. `http://` is accepted only for loopback hosts, as for the API:
/// the secret never crosses a network in clear text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUrl(BaseUrl);

impl TokenUrl {
    /// Checks a token URL such as `https://ims.bentley.com/connect/token` or
    /// `http://127.0.0.1:8080/connect/token`.
    ///
    /// ```
    /// # use progress_model::oauth::TokenUrl;
    /// assert!(TokenUrl::new("http://localhost:8080/connect/token").is_ok());
    /// assert!(TokenUrl::new("http://ims.example.com/connect/token").is_err());
    /// ```
    pub fn new(url: &str) -> Result<Self, Error> {
        // The same checks as the API's base URL: https, or http to loopback only,
        // no credentials in the URL, no query, no fragment.
        BaseUrl::new(url).map(Self)
    }

    /// The identity service of an environment:
    /// `https://ims.bentley.com/connect/token` for prod,
    /// `https://qa-ims.bentley.com/connect/token` and
    /// `https://dev-ims.bentley.com/connect/token` for qa and dev.
    pub fn of_environment(environment: Environment) -> Self {
        let url = match environment {
            Environment::Prod => "https://ims.bentley.com/connect/token",
            Environment::Qa => "https://qa-ims.bentley.com/connect/token",
            Environment::Dev => "https://dev-ims.bentley.com/connect/token",
        };
        Self(BaseUrl::new(url).expect("the environments' token URLs are valid"))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether requests go in clear text (`http://` to a loopback host): such
    /// requests must bypass any proxy.
    pub fn is_cleartext(&self) -> bool {
        self.0.is_cleartext()
    }

    /// The URL as a checked base URL, for building an HTTP client the way the
    /// adapters build one for the API.
    pub fn as_base_url(&self) -> &BaseUrl {
        &self.0
    }
}

impl Default for TokenUrl {
    fn default() -> Self {
        Self::of_environment(Environment::Prod)
    }
}

impl From<Environment> for TokenUrl {
    fn from(environment: Environment) -> Self {
        Self::of_environment(environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_environment_has_its_identity_service() {
        assert_eq!(
            TokenUrl::from(Environment::Prod).as_str(),
            "https://ims.bentley.com/connect/token"
        );
        assert_eq!(
            TokenUrl::from(Environment::Qa).as_str(),
            "https://qa-ims.bentley.com/connect/token"
        );
        assert_eq!(
            TokenUrl::from(Environment::Dev).as_str(),
            "https://dev-ims.bentley.com/connect/token"
        );
        assert_eq!(TokenUrl::default(), TokenUrl::from(Environment::Prod));
    }

    #[test]
    fn clear_text_only_to_loopback() {
        assert!(
            TokenUrl::new("http://127.0.0.1:9/connect/token")
                .unwrap()
                .is_cleartext()
        );
        assert!(matches!(
            TokenUrl::new("http://ims.example.com/connect/token"),
            Err(Error::InsecureUrl { .. })
        ));
        assert!(TokenUrl::new("https://user:pw@ims.example.com/token").is_err());
        assert!(TokenUrl::new("ftp://ims.example.com/token").is_err());
    }
}
