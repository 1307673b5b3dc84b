//! Where the access token comes from: the environment, a file, or Bentley's
//! identity service with a client id and secret; never an argument (arguments
//! show up in `ps` and shell history).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use progress_model::{AccessToken, Environment, TokenError, TokenProvider};
use progress_ureq::ClientCredentials;

use crate::args::Connection;
use crate::exit;
use crate::token_file::{TokenFile, read_secret};

/// The environment variable that holds the access token.
pub const TOKEN_VAR: &str = "ITWIN_ACCESS_TOKEN";
/// The environment variable that holds the OAuth2 client id.
pub const CLIENT_ID_VAR: &str = "ITWIN_CLIENT_ID";
/// The environment variable that holds the OAuth2 client secret.
pub const CLIENT_SECRET_VAR: &str = "ITWIN_CLIENT_SECRET";

/// The token's source, chosen once at start. Its `Debug` never shows the token
/// ([`AccessToken`] redacts itself).
#[derive(Debug)]
pub enum TokenSource {
    /// `ITWIN_ACCESS_TOKEN`, read once: the environment cannot change under us,
    /// so a 401 is final.
    Env(AccessToken),
    /// `--token-file`: read before each request, so a token that another
    /// process refreshes in the file is picked up (the client re-asks after a
    /// 401); the last good token stands in while the file cannot be read.
    File(TokenFile),
    /// A client id and secret: tokens from the identity service, cached and
    /// renewed before they expire (its `Debug` never shows the secret).
    Credentials(ClientCredentials),
}

/// Why no token source could be set up.
#[derive(Debug)]
pub enum TokenSetupError {
    /// Neither `--token-file` nor a non-empty `ITWIN_ACCESS_TOKEN`.
    Missing,
    /// The token file cannot be used.
    File(String),
    /// A client id without a secret, or the client-credentials options
    /// without a client id.
    Credentials(String),
}

impl TokenSetupError {
    /// A missing token is a usage error (the command line is incomplete); a
    /// token file that cannot be read is an error of the environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Missing | Self::Credentials(_) => exit::USAGE,
            Self::File(_) => exit::ERROR,
        }
    }
}

impl fmt::Display for TokenSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(
                f,
                "no access token: set {TOKEN_VAR}, or pass --token-file PATH"
            ),
            Self::File(problem) | Self::Credentials(problem) => f.write_str(problem),
        }
    }
}

impl TokenSource {
    /// Picks the source: `--token-file` when given (the explicit choice wins),
    /// else the environment variable's value `env_value`. The file is read once
    /// here so that a wrong path fails before any request.
    pub fn choose(
        file: Option<PathBuf>,
        env_value: Option<OsString>,
    ) -> Result<Self, TokenSetupError> {
        if let Some(path) = file {
            return TokenFile::open(path)
                .map(Self::File)
                .map_err(TokenSetupError::File);
        }
        // An empty or non-UTF-8 variable is no token at all.
        let token = env_value
            .and_then(|value| value.into_string().ok())
            .map(AccessToken::new)
            .filter(|token| !token.secret().is_empty())
            .ok_or(TokenSetupError::Missing)?;
        Ok(Self::Env(token))
    }

    /// Picks the source for `connection` from the process environment:
    /// `--token-file` when given; otherwise the client credentials when a
    /// client id is (`--client-id` or `ITWIN_CLIENT_ID`); otherwise
    /// `ITWIN_ACCESS_TOKEN`.
    pub fn from_environment(connection: &Connection) -> Result<Self, TokenSetupError> {
        Self::choose_for(connection, |name| std::env::var_os(name))
    }

    /// [`TokenSource::from_environment`], with the environment as a function.
    fn choose_for(
        connection: &Connection,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, TokenSetupError> {
        let client_id = connection
            .client_id
            .clone()
            .or_else(|| non_empty(env(CLIENT_ID_VAR)));
        match client_id {
            Some(id) if connection.token_file.is_none() => {
                credentials(connection, id, env(CLIENT_SECRET_VAR)).map(Self::Credentials)
            }
            Some(_) => Self::choose(connection.token_file.clone(), None),
            None if connection.client_secret_file.is_some()
                || !connection.scope.is_empty()
                || connection.token_url.is_some() =>
            {
                Err(TokenSetupError::Credentials(format!(
                    "--client-secret-file, --scope and --token-url need a client id: \
                     pass --client-id ID or set {CLIENT_ID_VAR}"
                )))
            }
            None => Self::choose(connection.token_file.clone(), env(TOKEN_VAR)),
        }
    }
}

/// An environment value as text, when it holds any.
fn non_empty(value: Option<OsString>) -> Option<String> {
    value
        .and_then(|value| value.into_string().ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// The provider for client `id`: the secret from `--client-secret-file`, else
/// from `secret_var` (`ITWIN_CLIENT_SECRET`'s value); the token URL from
/// `--token-url`, else the environment's identity service.
fn credentials(
    connection: &Connection,
    id: String,
    secret_var: Option<OsString>,
) -> Result<ClientCredentials, TokenSetupError> {
    let secret = match &connection.client_secret_file {
        Some(path) => read_secret(path, "--client-secret-file").map_err(TokenSetupError::File)?,
        None => non_empty(secret_var).ok_or_else(|| {
            TokenSetupError::Credentials(format!(
                "no client secret for the client id: set {CLIENT_SECRET_VAR}, or pass \
                 --client-secret-file PATH (never the secret itself as an argument)"
            ))
        })?,
    };
    let mut builder = ClientCredentials::builder(id, secret);
    builder = match &connection.token_url {
        Some(url) => builder.token_url(url.as_str()),
        None => builder.environment(
            connection
                .environment
                .map_or(Environment::Prod, Environment::from),
        ),
    };
    if !connection.scope.is_empty() {
        builder = builder.scopes(&connection.scope);
    }
    // The identity service sits behind the same proxy and TLS inspection as the API.
    let root = crate::client::root_certificate(connection)
        .map_err(|error| TokenSetupError::Credentials(error.to_string()))?;
    if let Some(pem) = root {
        builder = builder.add_root_certificate(pem);
    }
    if let Some(proxy) = &connection.proxy {
        builder = builder.proxy(&proxy.0);
    }
    builder
        .build()
        .map_err(|error| TokenSetupError::Credentials(error.to_string()))
}

impl TokenSource {
    /// Whether `text` holds the access token known now (the variable's, or
    /// the file's), so that a token pasted where a job id goes is neither
    /// sent nor shown. Tokens from client credentials are not fetched for this.
    pub fn is_in(&self, text: &str) -> bool {
        self.secret_now().is_some_and(|known| {
            let secret = known.secret();
            !secret.is_empty() && text.contains(secret)
        })
    }

    /// The token known now, if any (none before the identity service gave one).
    pub fn secret_now(&self) -> Option<AccessToken> {
        match self {
            Self::Env(token) => Some(token.clone()),
            Self::File(file) => Some(file.token()),
            Self::Credentials(_) => None,
        }
    }
}

impl TokenProvider for TokenSource {
    fn token(&self) -> Result<AccessToken, TokenError> {
        match self {
            Self::Env(token) => Ok(token.clone()),
            Self::File(file) => Ok(file.token()),
            Self::Credentials(provider) => provider.token(),
        }
    }

    fn refresh(&self) -> Result<AccessToken, TokenError> {
        match self {
            Self::Credentials(provider) => provider.refresh(),
            _ => self.token(),
        }
    }

    fn can_refresh(&self) -> bool {
        !matches!(self, Self::Env(_))
    }

    fn token_within(&self, fresh: bool, timeout: Duration) -> Result<AccessToken, TokenError> {
        match self {
            // Bounded by the watch's request timeout and deadline.
            Self::Credentials(provider) => provider.token_within(fresh, timeout),
            _ if fresh => self.refresh(),
            _ => self.token(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::token_file::tests::temp_file;

    #[test]
    fn the_file_is_read_again_for_each_request() {
        let path = temp_file("reread", "  first-token\n");
        let source = TokenSource::choose(Some(path.clone()), Some("env-token".into())).unwrap();
        assert_eq!(source.token().unwrap().secret(), "first-token");
        std::fs::write(&path, "Bearer second-token\n").unwrap();
        assert_eq!(source.refresh().unwrap().secret(), "second-token");
        assert!(source.can_refresh());
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn the_environment_token_is_trimmed_and_final() {
        let source = TokenSource::choose(None, Some(" env-token \n".into())).unwrap();
        assert_eq!(source.token().unwrap().secret(), "env-token");
        assert!(!source.can_refresh());
        assert!(!format!("{source:?}").contains("env-token"));
    }

    #[test]
    fn no_token_is_a_usage_error() {
        for value in [None, Some(""), Some("  \n")] {
            let error = TokenSource::choose(None, value.map(Into::into)).unwrap_err();
            assert!(matches!(error, TokenSetupError::Missing));
            assert_eq!(error.exit_code(), exit::USAGE);
        }
    }

    #[test]
    fn an_unusable_file_is_an_error_that_shows_neither_path_nor_content() {
        let missing = std::env::temp_dir().join("itwin-progress-SECRETTOK123");
        let error = TokenSource::choose(Some(missing), None).unwrap_err();
        assert_eq!(error.exit_code(), exit::ERROR);
        let message = error.to_string();
        assert!(message.contains("cannot read the file given to --token-file"));
        assert!(!message.contains("SECRETTOK123"), "{message}");

        let empty = temp_file("empty", " \n");
        let error = TokenSource::choose(Some(empty.clone()), None).unwrap_err();
        assert!(error.to_string().contains("is empty"));
        std::fs::remove_file(empty).unwrap();
    }
}
