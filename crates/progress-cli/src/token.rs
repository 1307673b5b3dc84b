//! Where the access token comes from: the environment or a file, never an argument
//! (arguments show up in `ps` and shell history).

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use progress_model::{AccessToken, TokenError, TokenProvider};

use crate::exit;
use crate::token_file::TokenFile;

/// The environment variable that holds the access token.
pub const TOKEN_VAR: &str = "ITWIN_ACCESS_TOKEN";

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
}

/// Why no token source could be set up.
#[derive(Debug)]
pub enum TokenSetupError {
    /// Neither `--token-file` nor a non-empty `ITWIN_ACCESS_TOKEN`.
    Missing,
    /// The token file cannot be used.
    File(String),
}

impl TokenSetupError {
    /// A missing token is a usage error (the command line is incomplete); a
    /// token file that cannot be read is an error of the environment.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Missing => exit::USAGE,
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
            Self::File(problem) => f.write_str(problem),
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

    /// Reads the process environment's `ITWIN_ACCESS_TOKEN` (or the file).
    pub fn from_environment(file: Option<PathBuf>) -> Result<Self, TokenSetupError> {
        Self::choose(file, std::env::var_os(TOKEN_VAR))
    }
}

impl TokenProvider for TokenSource {
    fn token(&self) -> Result<AccessToken, TokenError> {
        match self {
            Self::Env(token) => Ok(token.clone()),
            Self::File(file) => Ok(file.token()),
        }
    }

    fn can_refresh(&self) -> bool {
        matches!(self, Self::File(_))
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
