//! The parts of an error's message a person reads in one line: the job it is
//! about (a long id shortened), and the cause an HTTP library buried under
//! its own layers (`client error (Connect): tcp connect error: ...`).

use std::fmt;

use crate::JobId;

/// How much of a long job id (or path segment) a message shows.
const SHOWN: usize = 64;

/// What a TLS client reads when the server answers in clear text: its
/// first bytes are not a TLS record.
pub(crate) const CLEAR_TEXT: &str =
    "the server answered in clear text; is the base URL's scheme right?";

/// Names the job an error is about, before the message: ``job `j-1`: ``; an
/// id longer than 64 characters shows its first 64 and its length.
pub(crate) struct ForJob<'a>(pub(crate) &'a Option<JobId>);

impl fmt::Display for ForJob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(job) => write!(f, "job {}: ", Shortened(job.as_str())),
            None => Ok(()),
        }
    }
}

/// An id in backticks, control characters escaped, shortened past 64
/// characters: ``` `first-64…` (10000 characters) ```.
pub(crate) struct Shortened<'a>(pub(crate) &'a str);

impl fmt::Display for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Quoted(&self.0.escape_debug().to_string()))
    }
}

/// Text already escaped, in backticks, shortened past 64 characters.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let length = self.0.chars().count();
        if length <= SHOWN {
            return write!(f, "`{}`", self.0);
        }
        let shown: String = self.0.chars().take(SHOWN).collect();
        write!(f, "`{shown}…` ({length} characters)")
    }
}

/// A message naming a URL, its long path segments (a long job id,
/// percent-encoded: no spaces) shortened the same way.
pub(crate) struct ShortSegments<'a>(pub(crate) &'a str);

impl fmt::Display for ShortSegments<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, segment) in self.0.split('/').enumerate() {
            if index > 0 {
                f.write_str("/")?;
            }
            let length = segment.chars().count();
            // Words (advice after the URL) are not a path segment.
            if length <= SHOWN || segment.contains(' ') {
                f.write_str(segment)?;
            } else {
                let shown: String = segment.chars().take(SHOWN).collect();
                write!(f, "{shown}…({length} characters)")?;
            }
        }
        Ok(())
    }
}

/// `: ` and the cause at the bottom of an HTTP library's error, in words:
/// an operating system's error by its kind (`connection refused`), a TLS
/// handshake that met clear text by what to check, anything else as it
/// says itself, on one line.
pub(crate) struct Because<'a>(pub(crate) Option<&'a (dyn std::error::Error + 'static)>);

impl fmt::Display for Because<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(cause) => write!(f, ": {}", one_line(&root_cause(cause))),
            None => Ok(()),
        }
    }
}

fn root_cause(cause: &(dyn std::error::Error + 'static)) -> String {
    let mut current = cause;
    loop {
        if answered_in_clear_text(current) {
            return CLEAR_TEXT.to_owned();
        }
        // An io error's `source()` skips the error it wraps (a TLS error, say).
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.get_ref() {
                Some(inner) => current = inner,
                None if io.raw_os_error().is_some() => return io.kind().to_string(),
                None => return io.to_string(),
            }
            continue;
        }
        match current.source() {
            Some(next) => current = next,
            None => return current.to_string(),
        }
    }
}

/// Whether a TLS client met a server that speaks plain HTTP.
fn answered_in_clear_text(error: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(feature = "_rustls")]
    if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) =
        error.downcast_ref::<rustls::Error>()
    {
        return true;
    }
    // OpenSSL's words for the same (native-tls on Linux).
    error.source().is_none() && error.to_string().contains("wrong version number")
}

fn one_line(text: &str) -> String {
    text.split(char::is_control)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_id_shows_its_first_64_characters_and_its_length() {
        let id = JobId::new("j".repeat(10_000)).unwrap();
        let text = ForJob(&Some(id)).to_string();
        assert_eq!(
            text,
            format!("job `{}…` (10000 characters): ", "j".repeat(64))
        );
        let short = JobId::new("j".repeat(64)).unwrap();
        assert_eq!(
            ForJob(&Some(short)).to_string(),
            format!("job `{}`: ", "j".repeat(64))
        );
    }

    #[test]
    fn a_long_path_segment_of_a_url_is_shortened() {
        let url = format!("http://127.0.0.1:9/s/jobs/{}/progress", "a".repeat(500));
        assert_eq!(
            ShortSegments(&url).to_string(),
            format!(
                "http://127.0.0.1:9/s/jobs/{}…(500 characters)/progress",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn an_os_error_is_told_by_its_kind_under_any_wrapper() {
        #[derive(Debug)]
        struct Wrapper(std::io::Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let refused = Wrapper(std::io::Error::from_raw_os_error(111));
        let text = Because(Some(&refused)).to_string();
        assert_eq!(text, format!(": {}", std::io::ErrorKind::ConnectionRefused));
    }

    #[test]
    fn a_cause_on_many_lines_is_told_on_one() {
        let error = std::io::Error::other("first\nsecond\r\nthird");
        assert_eq!(Because(Some(&error)).to_string(), ": first second third");
    }
}
