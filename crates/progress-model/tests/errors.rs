//! What a user reads from an error: each fact once, and the service's details
//! whichever error carries them.

use std::time::{Duration, SystemTime};

use progress_model::{Error, HttpResponse, interpret};

/// Every message of an error chain, as a report printing `source()` in turn shows it.
fn chain(error: &Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    messages
}

#[test]
fn a_token_providers_failure_is_told_once_in_the_chain() {
    let error = Error::token(std::io::Error::other("the vault is sealed"));
    let printed = chain(&error).join(": ");
    assert_eq!(
        printed.matches("the vault is sealed").count(),
        1,
        "{printed}"
    );
    assert!(error.to_string().contains("the vault is sealed"), "{error}");
}

#[test]
fn a_token_providers_own_causes_are_kept_in_the_message() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the identity service failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let error = Error::token(Outer(std::io::Error::other("connection reset")));
    let printed = chain(&error).join(": ");
    assert_eq!(printed.matches("connection reset").count(), 1, "{printed}");
    assert_eq!(printed.matches("identity service").count(), 1, "{printed}");
}

fn unavailable() -> Error {
    let mut response = HttpResponse::new(
        503,
        http::HeaderMap::new(),
        br#"{"error":{"code":"ServiceBusy","message":"later"}}"#.to_vec(),
    );
    response
        .headers
        .insert("x-correlation-id", "corr-7".parse().unwrap());
    response
        .headers
        .insert("retry-after", "20".parse().unwrap());
    interpret(&response, 1024, SystemTime::UNIX_EPOCH).unwrap_err()
}

#[test]
fn a_deadline_reached_during_failures_shows_the_failures_details() {
    let error = Error::deadline(Duration::from_secs(60), None, Some(unavailable()));
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some("ServiceBusy"));
    assert_eq!(error.message(), Some("later"));
    assert_eq!(error.correlation_id(), Some("corr-7"));
}

#[test]
fn exhausted_retries_show_the_last_failures_details() {
    let error = Error::retries_exhausted(6, unavailable());
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some("ServiceBusy"));
    assert_eq!(error.correlation_id(), Some("corr-7"));
}
