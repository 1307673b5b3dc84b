//! `--token-file`: a token another process keeps fresh in a file.
//!
//! The file is read before each request, so a refreshed token is picked up.
//! A writer that replaces the file (truncate, then write) leaves it briefly
//! empty, and a file on a network share can be briefly unreadable; ending a
//! watch of several hours for that would be wrong, so the last token read
//! stands in until the file reads well again. Only the first read, at start,
//! has nothing to fall back on: its failure is an error.
//!
//! Errors never repeat the path: a token passed by mistake as the path
//! (`--token-file "$TOKEN"`) would be printed.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use progress_model::AccessToken;

/// The most a token file may hold. Tokens are a few KiB; without a limit,
/// `--token-file /dev/zero` would read until memory ran out.
pub const MAX_LEN: u64 = 64 * 1024;

/// A token file, and the last token read from it.
#[derive(Debug)]
pub struct TokenFile {
    /// The file, as given to `--token-file`.
    path: PathBuf,
    /// The last token the file held (its `Debug` is redacted).
    last_good: Mutex<AccessToken>,
}

impl TokenFile {
    /// Reads the file once, so that a wrong path fails before any request.
    pub fn open(path: PathBuf) -> Result<Self, String> {
        let token = read(&path)?;
        Ok(Self {
            path,
            last_good: Mutex::new(token),
        })
    }

    /// The file's token; the last good one while the file is unreadable,
    /// empty or too large.
    pub fn token(&self) -> AccessToken {
        // An AccessToken cannot be left half-written by a panic.
        let mut last_good = self
            .last_good
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Ok(token) = read(&self.path) {
            *last_good = token;
        }
        last_good.clone()
    }
}

/// The file's token, whitespace trimmed. Errors say what is wrong with the
/// file, never its path or its content.
fn read(path: &Path) -> Result<AccessToken, String> {
    let token = AccessToken::new(read_secret(path, "--token-file")?);
    if token.secret().is_empty() {
        return Err("the file given to --token-file is empty".into());
    }
    Ok(token)
}

/// The text of a file holding a secret (given to `option`), at most
/// [`MAX_LEN`], whitespace trimmed, not empty. Errors say what is wrong with
/// the file, never its path or its content.
pub fn read_secret(path: &Path, option: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    // One byte past the limit tells a file at the limit from a larger one.
    File::open(path)
        .and_then(|file| file.take(MAX_LEN + 1).read_to_end(&mut bytes))
        .map_err(|error| format!("cannot read the file given to {option}: {error}"))?;
    if bytes.len() as u64 > MAX_LEN {
        return Err(format!(
            "the file given to {option} is too large to be a token or a secret (over 64 KiB)"
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("the file given to {option} is not UTF-8 text"))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("the file given to {option} is empty"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A file of its own for each test (shared with the token source's tests),
    /// in the system's temporary directory.
    pub(crate) fn temp_file(name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "itwin-progress-token-file-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn an_empty_or_missing_file_falls_back_to_the_last_good_token() {
        let path = temp_file("fallback", b"first-token\n");
        let file = TokenFile::open(path.clone()).unwrap();
        std::fs::write(&path, "").unwrap();
        assert_eq!(file.token().secret(), "first-token");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(file.token().secret(), "first-token");
        std::fs::write(&path, "second-token").unwrap();
        assert_eq!(file.token().secret(), "second-token");
        std::fs::write(&path, " \n").unwrap();
        assert_eq!(file.token().secret(), "second-token");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn without_a_last_good_token_a_bad_file_is_an_error_without_its_path() {
        let missing = std::env::temp_dir().join("itwin-progress-SECRETTOK123");
        let error = TokenFile::open(missing).unwrap_err();
        assert!(error.starts_with("cannot read the file given to --token-file: "));
        assert!(!error.contains("SECRETTOK123"), "{error}");

        let empty = temp_file("empty", b" \n");
        let error = TokenFile::open(empty.clone()).unwrap_err();
        assert_eq!(error, "the file given to --token-file is empty");
        std::fs::remove_file(empty).unwrap();
    }

    #[test]
    fn a_file_over_64_kib_is_refused_and_one_at_the_limit_is_read() {
        let limit = usize::try_from(MAX_LEN).unwrap();
        let at_limit = temp_file("at-limit", vec![b'a'; limit]);
        assert_eq!(
            TokenFile::open(at_limit.clone())
                .unwrap()
                .token()
                .secret()
                .len(),
            limit
        );
        std::fs::write(&at_limit, vec![b'a'; limit + 1]).unwrap();
        let error = TokenFile::open(at_limit.clone()).unwrap_err();
        assert!(error.contains("too large to be a token"), "{error}");
        std::fs::remove_file(at_limit).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_refused_without_reading_it_all() {
        let error = TokenFile::open("/dev/zero".into()).unwrap_err();
        assert!(error.contains("too large to be a token"), "{error}");
    }
}
