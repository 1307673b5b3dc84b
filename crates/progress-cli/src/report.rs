//! The program's last words on stderr: what went wrong, and what support needs.

use progress_model::{Error, JobState};

use crate::exit::Ending;
use crate::stderr::{self, stderr_line};

/// The error, then the status, the API error code and the correlation id on
/// lines of their own when known, so they can be copied into a support ticket.
/// Nothing here can hold the token: no [`Error`] does.
pub fn describe(error: &Error) -> String {
    // The causes too: a deadline or exhausted retries say why through them.
    let mut text = format!("error: {}\n", error.chain());
    if let Some(status) = error.status() {
        text.push_str(&format!("  status: {status}\n"));
    }
    if let Some(code) = error.code() {
        text.push_str(&format!("  code: {code}\n"));
    }
    if let Some(id) = error.correlation_id() {
        text.push_str(&format!("  correlation id: {id}\n"));
    }
    text
}

/// Prints [`describe`] on stderr.
pub fn error(error: &Error) {
    stderr::write_str(&describe(error));
}

/// The last words of a watch: what went wrong when it did not reach a final
/// state (a finished job's state is already on stdout), and what `over`, the
/// one final state that does not say how the job ended, means for exit code 6.
pub fn ending(ending: &Ending) {
    match ending {
        Ending::Finished(progress) if progress.state == JobState::Over => stderr_line!(
            "note: the job ended `over`; the progress answer does not say how (exit code 6): ask the service for the job itself"
        ),
        Ending::Finished(_) => {}
        Ending::Failed(failure) => error(failure),
        // A closed stdout ends the command without a word, as `cat` and `rg` do.
        Ending::Output(failure) if failure.kind() == std::io::ErrorKind::BrokenPipe => {}
        Ending::Output(failure) => stderr_line!("error: cannot write the output: {failure}"),
        Ending::Interrupted(signal) => stderr_line!("interrupted by {signal}"),
    }
}

#[cfg(test)]
mod tests {
    use progress_model::{ApiError, HttpFailure};

    use super::*;

    #[test]
    fn names_status_code_and_correlation_id() {
        let mut api = ApiError::default();
        api.code = Some("ProgressNotFound".into());
        api.message = Some("Requested progress is not available.".into());
        let mut failure = HttpFailure::new(404);
        failure.api = Some(api);
        failure.correlation_id = Some("abc-123".into());
        let error = Error::NotFound(Box::new(failure));
        let text = describe(&error);
        assert!(text.starts_with("error: job progress not found (HTTP 404 ProgressNotFound"));
        assert!(
            text.contains("\n  status: 404\n  code: ProgressNotFound\n  correlation id: abc-123\n")
        );
    }

    #[test]
    fn leaves_out_what_is_unknown() {
        let text = describe(&Error::connect("https://api.bentley.com/x"));
        assert_eq!(
            text,
            "error: connection failed: https://api.bentley.com/x\n"
        );
    }

    #[test]
    fn tells_the_causes_after_the_error() {
        let refused = std::io::Error::other("connection refused");
        let error = Error::retries_exhausted(6, Error::connect("https://h/x").caused_by(refused));
        let text = describe(&error);
        assert!(
            text.starts_with(
                "error: gave up after 6 failed attempts in a row: connection failed: https://h/x: connection refused\n"
            ),
            "{text}"
        );
    }
}
