//! `webhooks create --secret-file PATH`: the webhook's secret, read from
//! the file when it exists, or generated from the system's CSPRNG and
//! written there, readable by its owner only, before the webhook is created.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use progress_model::webhook::WebhookSecret;

use crate::exit;
use crate::token_file::read_secret;

/// Random bytes in a new secret: 64 hex characters, twice the platform's minimum.
const SECRET_BYTES: usize = 32;

/// The secret, and the file this run wrote it to, if it did.
#[derive(Debug)]
pub struct SecretFile {
    secret: WebhookSecret,
    written: Option<PathBuf>,
}

/// Why there is no secret to create the webhook with. No message holds the
/// file's content.
#[derive(Debug)]
pub enum SecretFileError {
    /// The file holds fewer than 32 characters (or none).
    TooShort,
    /// The file cannot be read, or a new one cannot be written.
    Io(String),
}

impl SecretFileError {
    /// A short secret is the user's to fix (2); a file that cannot be read
    /// or written is an error of the environment (1).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::TooShort => exit::USAGE,
            Self::Io(_) => exit::ERROR,
        }
    }
}

impl fmt::Display for SecretFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => f.write_str(
                "the file given to --secret-file holds a secret shorter than 32 characters, \
                 which the platform refuses (name a file that does not exist to have one generated)",
            ),
            Self::Io(problem) => f.write_str(problem),
        }
    }
}

impl SecretFile {
    /// The secret in `path`, or a new one written there.
    pub fn read_or_create(path: &Path) -> Result<Self, SecretFileError> {
        if path.symlink_metadata().is_ok() {
            let text = read_secret(path, "--secret-file").map_err(|problem| {
                if problem.ends_with("is empty") {
                    SecretFileError::TooShort
                } else {
                    SecretFileError::Io(problem)
                }
            })?;
            let secret = WebhookSecret::new(text).map_err(|_| SecretFileError::TooShort)?;
            return Ok(Self {
                secret,
                written: None,
            });
        }
        let text = generate()?;
        write_new(path, &text)?;
        let secret = WebhookSecret::new(text).map_err(|_| SecretFileError::TooShort)?;
        Ok(Self {
            secret,
            written: Some(path.to_owned()),
        })
    }

    /// The secret.
    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    /// Removes the file this run wrote, if any: the webhook it was for was
    /// not created.
    pub fn forget(self) {
        if let Some(path) = self.written {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A new secret: [`SECRET_BYTES`] from the system's CSPRNG, as hex.
fn generate() -> Result<String, SecretFileError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|error| {
        SecretFileError::Io(format!("cannot get random bytes for a secret: {error}"))
    })?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Writes `secret` to a new file at `path`: first to a temporary file
/// beside it, created with mode 0600 (never readable by others, not even
/// for a moment), then renamed into place, so `path` holds either nothing or
/// the whole secret.
fn write_new(path: &Path, secret: &str) -> Result<(), SecretFileError> {
    let cannot = |error: std::io::Error| {
        SecretFileError::Io(format!(
            "cannot write the secret to {} (--secret-file): {error}",
            path.display()
        ))
    };
    let name = path
        .file_name()
        .ok_or_else(|| cannot(std::io::Error::other("not a file name")))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| {
        let mut file = create_private(&temporary)?;
        file.write_all(format!("{secret}\n").as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(cannot)
}

/// A new file (never an existing one, nor through a symbolic link) only
/// its owner may read.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "itwin-progress-secret-{}-{name}",
            std::process::id()
        ))
    }

    #[test]
    fn a_missing_file_gets_a_new_random_secret_readable_by_its_owner_only() {
        let path = temp_path("new");
        let first = SecretFile::read_or_create(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 2 * SECRET_BYTES);
        assert!(text.trim().bytes().all(|b| b.is_ascii_hexdigit()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Read back as it is, the next time.
        let again = SecretFile::read_or_create(&path).unwrap();
        assert!(again.written.is_none());
        first.forget();
        assert!(!path.exists());
        let other = SecretFile::read_or_create(&path).unwrap();
        assert_ne!(std::fs::read_to_string(&path).unwrap(), text);
        other.forget();
    }

    #[test]
    fn a_short_or_empty_file_is_a_usage_error_that_does_not_show_it() {
        for content in ["", "  \n", "short-s3cret"] {
            let path = temp_path("short");
            std::fs::write(&path, content).unwrap();
            let error = SecretFile::read_or_create(&path).unwrap_err();
            assert_eq!(error.exit_code(), exit::USAGE, "{content:?}");
            assert!(!error.to_string().contains("s3cret"));
            std::fs::remove_file(&path).unwrap();
        }
    }
}
