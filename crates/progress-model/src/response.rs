//! From what the service answered to progress or a typed error.

use std::time::SystemTime;

use http::HeaderMap;
use serde_json::Value;

use crate::excerpt::excerpt;
use crate::retry_after::retry_after;
use crate::{AccessToken, ApiError, Error, HttpFailure, JobState, Progress};

/// What came back from the service: the status, the headers and the body.
///
/// Adapters read at most `body_cap + 1` bytes, so an oversized body is seen as
/// such without being held in full.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as read (at most the cap plus one byte).
    pub body: Vec<u8>,
    /// The token the request went out with (its `Debug` hides it): after a
    /// 401, a watch asks for a token other than this one.
    pub(crate) sent_with: Option<AccessToken>,
}

impl HttpResponse {
    /// What an adapter read: the status, the headers and the (capped) body.
    pub fn new(status: u16, headers: HeaderMap, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            sent_with: None,
        }
    }
}

/// Reads a response as the API documents it, leniently.
///
/// `wall_now` resolves a `Retry-After` given as an HTTP-date.
pub fn interpret(
    response: &HttpResponse,
    body_cap: usize,
    wall_now: SystemTime,
) -> Result<Progress, Error> {
    let status = response.status;
    let correlation_id = correlation_id(&response.headers);
    let invalid = |reason: String| {
        Error::invalid_response(
            status,
            reason,
            excerpt(&response.body),
            correlation_id.clone(),
        )
    };
    match status {
        // Past the cap a progress body is refused; an error keeps its status
        // (and its Retry-After), whatever its body.
        200..=299 if response.body.len() > body_cap => Err(Error::invalid_response(
            status,
            format!("the body is larger than the {body_cap}-byte cap"),
            None,
            correlation_id,
        )),
        200..=299 => parse_progress(&response.body).map_err(invalid),
        300..=399 => Err(Error::redirect(
            status,
            header_text(&response.headers, "location"),
            correlation_id,
        )),
        _ => Err(failure_error(HttpFailure {
            status,
            api: ApiError::from_body(&response.body),
            excerpt: excerpt(&response.body),
            correlation_id,
            retry_after: retry_after(&response.headers, wall_now),
            job: None,
        })),
    }
}

fn failure_error(mut failure: HttpFailure) -> Error {
    if failure.api.is_some() {
        failure.excerpt = None;
    }
    let failure = Box::new(failure);
    match failure.status {
        401 => Error::Unauthorized(failure),
        403 => Error::Forbidden(failure),
        404 => Error::NotFound(failure),
        429 => Error::RateLimited(failure),
        408 | 500 | 502 | 503 | 504 => Error::Unavailable(failure),
        _ => Error::Status(failure),
    }
}

/// `{"progress": {...}}` or `{"jobProgress": {...}}`; a string state is required.
fn parse_progress(body: &[u8]) -> Result<Progress, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("the body is not JSON ({error})"))?;
    let fields = ["progress", "jobProgress"]
        .iter()
        .find_map(|key| value.get(key))
        .and_then(Value::as_object)
        .ok_or("the body has no `progress` object")?;
    let state = match fields.get("state") {
        Some(Value::String(state)) => JobState::parse(state),
        Some(_) => return Err("`state` is not a string".into()),
        None => return Err("`state` is missing".into()),
    };
    let percentage = fields.get("percentage").and_then(percentage);
    let step = match fields.get("step") {
        None | Some(Value::Null) => None,
        Some(Value::String(step)) => Some(step.clone()),
        Some(other) => Some(other.to_string()),
    };
    Ok(Progress {
        percentage,
        state,
        step,
    })
}

/// A number, or a string holding one (`"56"`, `"56.5"`: some services send
/// that); anything else is no percentage, which keeps the rest of the answer.
fn percentage(value: &Value) -> Option<f64> {
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    number.filter(|number| number.is_finite())
}

pub(crate) fn correlation_id(headers: &HeaderMap) -> Option<String> {
    header_text(headers, "x-correlation-id").or_else(|| header_text(headers, "request-id"))
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    crate::excerpt::sanitize(&text)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn respond(
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
    ) -> Result<Progress, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        let response = HttpResponse {
            status,
            headers: map,
            body: body.as_bytes().to_vec(),
            sent_with: None,
        };
        interpret(&response, 1024, SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn reads_the_documented_body_and_the_dialects() {
        let cases = [
            (
                r#"{"progress":{"percentage":56,"state":"active","step":"Prepare_Production"}}"#,
                Some(56.0),
                JobState::Active,
                Some("Prepare_Production"),
            ),
            (
                r#"{"jobProgress":{"percentage":12.5,"state":"Active","step":"Reconstruction"}}"#,
                Some(12.5),
                JobState::Active,
                Some("Reconstruction"),
            ),
            (
                r#"{"progress":{"percentage":0,"state":"Queued"}}"#,
                Some(0.0),
                JobState::Queued,
                None,
            ),
            (
                r#"{"progress":{"state":"Over","extra":1}}"#,
                None,
                JobState::Over,
                None,
            ),
            (
                r#"{"progress":{"percentage":140,"state":"TerminatingOnFailure"}}"#,
                Some(140.0),
                JobState::TerminatingOnFailure,
                None,
            ),
        ];
        for (body, percentage, state, step) in cases {
            let progress = respond(200, &[], body).unwrap();
            assert_eq!(progress.percentage, percentage, "{body}");
            assert_eq!(progress.state, state, "{body}");
            assert_eq!(progress.step.as_deref(), step, "{body}");
        }
    }

    #[test]
    fn bodies_that_are_not_progress_are_invalid_responses_with_an_excerpt() {
        for body in [
            "",
            "not json",
            "<html><body>502 Bad Gateway</body></html>",
            r#"{"progress":{"percentage":5}}"#,
            r#"{"progress":{"state":5}}"#,
            r#"{"other":{}}"#,
        ] {
            let error = respond(200, &[("x-correlation-id", "c-1")], body).unwrap_err();
            assert_eq!(error.kind(), crate::ErrorKind::InvalidResponse, "{body}");
            assert_eq!(error.correlation_id(), Some("c-1"));
            assert!(error.is_transient());
        }
    }

    #[test]
    fn a_percentage_sent_as_a_numeric_string_is_a_number_and_any_other_is_absent() {
        let cases = [
            (r#""56""#, Some(56.0)),
            (r#""56.5""#, Some(56.5)),
            (r#"" 7 ""#, Some(7.0)),
            (r#""abc""#, None),
            (r#""""#, None),
            (r#""NaN""#, None),
            (r#""inf""#, None),
            ("true", None),
            ("[5]", None),
            (r#"{"value":5}"#, None),
        ];
        for (percentage, expected) in cases {
            let body = format!(r#"{{"progress":{{"state":"active","percentage":{percentage}}}}}"#);
            let progress =
                respond(200, &[], &body).unwrap_or_else(|error| panic!("{body}: {error}"));
            assert_eq!(progress.percentage, expected, "{body}");
            assert_eq!(progress.state, JobState::Active);
        }
    }

    #[test]
    fn each_status_maps_to_its_error() {
        use crate::ErrorKind::*;
        let cases = [
            (401, Unauthorized, false),
            (403, Forbidden, false),
            (404, NotFound, false),
            (429, RateLimited, true),
            (408, Unavailable, true),
            (500, Unavailable, true),
            (502, Unavailable, true),
            (503, Unavailable, true),
            (504, Unavailable, true),
            (400, Status, false),
            (409, Status, false),
            (501, Status, false),
            (302, Redirect, false),
        ];
        for (status, kind, transient) in cases {
            let error = respond(status, &[("request-id", "r-9")], "{}").unwrap_err();
            assert_eq!(error.kind(), kind, "{status}");
            assert_eq!(error.is_transient(), transient, "{status}");
            assert_eq!(error.status(), Some(status));
            assert_eq!(error.correlation_id(), Some("r-9"));
        }
    }

    #[test]
    fn error_bodies_are_parsed_leniently() {
        let error = respond(
            404,
            &[],
            r#"{"error":{"code":"ProgressNotFound","message":"gone"}}"#,
        )
        .unwrap_err();
        assert_eq!(error.code(), Some("ProgressNotFound"));
        assert_eq!(error.message(), Some("gone"));
        assert!(error.to_string().contains("ProgressNotFound"));

        let error = respond(502, &[], "<html>\n<h1>Bad   Gateway</h1></html>").unwrap_err();
        assert_eq!(error.api_error(), None);
        assert!(
            error
                .to_string()
                .contains("<html> <h1>Bad Gateway</h1></html>")
        );
    }

    #[test]
    fn redirects_name_the_location() {
        let error = respond(307, &[("location", "https://elsewhere.example/x")], "").unwrap_err();
        assert!(error.to_string().contains("https://elsewhere.example/x"));
    }

    #[test]
    fn an_error_past_the_cap_keeps_its_status_and_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        let response = HttpResponse {
            status: 429,
            headers,
            body: vec![b'x'; 2000],
            sent_with: None,
        };
        let error = interpret(&response, 1024, SystemTime::UNIX_EPOCH).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::RateLimited);
        assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn a_body_past_the_cap_is_invalid() {
        let error = respond(200, &[], &" ".repeat(1025)).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidResponse);
        assert!(error.to_string().contains("cap"));
        assert!(
            respond(
                200,
                &[],
                &format!("{:<1024}", r#"{"progress":{"state":"active"}}"#)
            )
            .is_ok()
        );
    }

    #[test]
    fn rate_limits_carry_retry_after() {
        let error = respond(429, &[("retry-after", "42")], "").unwrap_err();
        assert_eq!(error.retry_after(), Some(Duration::from_secs(42)));
    }
}
