//! The client-credentials grant: who asks, for what, and the request that asks.

use std::fmt;

use base64::Engine as _;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request};
use secrecy::{ExposeSecret, SecretString};

use std::time::SystemTime;

use super::{IssuedToken, OAuthError, TokenUrl, read_answer_hiding};
use crate::{Error, HttpResponse};

/// The scope asked for unless others are given: the iTwin Platform's APIs.
pub const DEFAULT_SCOPE: &str = "itwin-platform";

/// A client id, its secret, the scopes and the identity service to ask.
///
/// The secret is held in a [`SecretString`]: `Debug` shows `[REDACTED]`, and it
/// is wiped from memory when dropped. It leaves this type only inside the
/// `Authorization` header of [`ClientCredentialsGrant::token_request`], which
/// is marked sensitive.
///
/// ```
/// # use progress_model::oauth::ClientCredentialsGrant;
/// let grant = ClientCredentialsGrant::new("my-service", "s3cr3t-value".to_string())
///     .unwrap()
///     .scopes(["itwin-platform"]);
/// let request = grant.token_request().unwrap();
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.uri(), "https://ims.bentley.com/connect/token");
/// assert_eq!(request.body(), b"grant_type=client_credentials&scope=itwin-platform");
/// assert!(!format!("{grant:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct ClientCredentialsGrant {
    client_id: String,
    secret: SecretString,
    scopes: Vec<String>,
    token_url: TokenUrl,
}

impl ClientCredentialsGrant {
    /// A grant for `client_id` with its secret, asking prod's identity service
    /// for [`DEFAULT_SCOPE`]. An empty id or secret is refused.
    pub fn new(
        client_id: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> Result<Self, Error> {
        let client_id = client_id.into().trim().to_owned();
        let secret = secret.into();
        if client_id.is_empty() {
            return Err(Error::Config("the OAuth client id is empty".into()));
        }
        if secret.expose_secret().is_empty() {
            return Err(Error::Config("the OAuth client secret is empty".into()));
        }
        Ok(Self {
            client_id,
            secret,
            scopes: vec![DEFAULT_SCOPE.to_owned()],
            token_url: TokenUrl::default(),
        })
    }

    /// The scopes to ask for (default: [`DEFAULT_SCOPE`]). Each may hold
    /// several, separated by spaces; none at all leaves the scope to the
    /// identity service.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes = scopes
            .into_iter()
            .flat_map(|scope| {
                scope
                    .as_ref()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        self
    }

    /// Where to ask (default: prod's identity service).
    pub fn token_url(mut self, url: TokenUrl) -> Self {
        self.token_url = url;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The identity service asked.
    pub fn url(&self) -> &TokenUrl {
        &self.token_url
    }

    /// The token request: `POST` to the token URL with
    /// `grant_type=client_credentials` (and the scopes) form-encoded, the id and
    /// secret as HTTP Basic credentials, each form-urlencoded before base64 as
    /// RFC 6749 §2.3.1 asks. The `Authorization` value is marked sensitive.
    pub fn token_request(&self) -> Result<Request<Vec<u8>>, Error> {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if !self.scopes.is_empty() {
            form.append_pair("scope", &self.scopes.join(" "));
        }
        let body = form.finish().into_bytes();
        Request::builder()
            .method(Method::POST)
            .uri(self.token_url.as_str())
            .header(AUTHORIZATION, self.basic_credentials()?)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .header(
                USER_AGENT,
                concat!("itwin-job-progress/", env!("CARGO_PKG_VERSION")),
            )
            .body(body)
            .map_err(|_| Error::Config("cannot build the token request".into()))
    }

    /// Reads the identity service's answer to [`token_request`](Self::token_request)
    /// as [`read_token_answer`](super::read_token_answer) does, and hides the
    /// secret in every form the request carried it, should a page echo it:
    /// as given, form-urlencoded, percent-encoded, and the Basic credentials.
    pub fn read_answer(
        &self,
        answer: Result<HttpResponse, Error>,
        wall_now: SystemTime,
    ) -> Result<IssuedToken, OAuthError> {
        let secret = self.secret.expose_secret();
        let form = form_encode(secret);
        let percent: String =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let basic = self.basic_pair();
        read_answer_hiding(answer, wall_now, &[&basic, secret, &form, &percent])
    }

    /// The base64 of `id:secret`, each form-urlencoded (RFC 6749 §2.3.1).
    fn basic_pair(&self) -> String {
        let pair = format!(
            "{}:{}",
            form_encode(&self.client_id),
            form_encode(self.secret.expose_secret())
        );
        base64::engine::general_purpose::STANDARD.encode(pair)
    }

    fn basic_credentials(&self) -> Result<HeaderValue, Error> {
        let encoded = self.basic_pair();
        let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
            .map_err(|_| Error::Config("cannot build the token request's credentials".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl fmt::Debug for ClientCredentialsGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsGrant")
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("token_url", &self.token_url.as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    fn grant(id: &str, secret: &str) -> ClientCredentialsGrant {
        ClientCredentialsGrant::new(id, secret.to_owned()).unwrap()
    }

    #[test]
    fn credentials_are_form_urlencoded_before_base64() {
        // RFC 6749 §2.3.1: "a b" becomes "a+b", ":" becomes "%3A".
        let request = grant("id:with space", "p@ss:w%rd").token_request().unwrap();
        let header = request.headers()[AUTHORIZATION].to_str().unwrap();
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "id%3Awith+space:p%40ss%3Aw%25rd"
        );
        assert!(request.headers()[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn the_body_is_the_form_of_the_grant_and_its_scopes() {
        let request = grant("id", "secret")
            .scopes(["itwin-platform", "realitydata:read offline_access"])
            .token_url(TokenUrl::from(Environment::Qa))
            .token_request()
            .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "https://qa-ims.bentley.com/connect/token");
        assert_eq!(
            String::from_utf8(request.body().clone()).unwrap(),
            "grant_type=client_credentials&scope=itwin-platform+realitydata%3Aread+offline_access"
        );
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        let no_scope = grant("id", "secret")
            .scopes(Vec::<String>::new())
            .token_request()
            .unwrap();
        assert_eq!(no_scope.body(), b"grant_type=client_credentials");
    }

    #[test]
    fn empty_ids_and_secrets_are_refused_and_debug_hides_the_secret() {
        assert!(ClientCredentialsGrant::new(" ", "s".to_owned()).is_err());
        assert!(ClientCredentialsGrant::new("id", String::new()).is_err());
        let shown = format!("{:?}", grant("id", "very-secret-value"));
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("id"));
    }

    /// Issue 19: a gateway page echoing the token request put the Basic
    /// credentials and the form-encoded secret into the error.
    #[test]
    fn an_echoing_error_page_never_shows_the_secret_in_any_form_sent() {
        let secret = "p@ss:w%rd Secret-42";
        let grant = grant("job-watcher", secret);
        let request = grant.token_request().unwrap();
        let basic = request.headers()[AUTHORIZATION]
            .to_str()
            .unwrap()
            .to_owned();
        let basic_pair = basic.strip_prefix("Basic ").unwrap().to_owned();
        let form = form_encode(secret);
        let percent =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        // The pair alone, with no scheme before it, and the secret JSON-escaped
        // where an excerpt would cut it.
        let escaped = secret.replace('S', "\\u0053");
        let pages = [
            (
                502,
                format!("<pre>authorization: {basic}\n\nclient_secret={form}</pre>"),
            ),
            (
                400,
                format!("you sent {basic_pair} and {percent} and {secret}"),
            ),
            (
                400,
                format!(
                    r#"{{"error":"invalid_client","error_description":"{}{escaped}"}}"#,
                    "x".repeat(190)
                ),
            ),
            (
                503,
                format!(r#"{{"error":"busy","error_description":"echo {escaped}"}}"#),
            ),
        ];
        for (status, page) in pages {
            let answer = Ok(HttpResponse::new(status, Default::default(), page.into()));
            let error = grant
                .read_answer(answer, SystemTime::UNIX_EPOCH)
                .unwrap_err();
            let shown = format!("{error} {error:?}");
            for form in [secret, &basic_pair, &form, &percent, "Secret-42", "Secret-"] {
                assert!(!shown.contains(form), "{form} in {shown}");
            }
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }
}
