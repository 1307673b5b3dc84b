//! Turning a decision into the bytes the service would send.

use axum::body::Body;
use axum::response::Response;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE,
};
use http::{HeaderName, StatusCode};
use serde_json::json;

use crate::served::AnswerKind;

/// The header support asks for; every answer carries one.
pub(crate) const CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");

/// What the service decided to answer, before it is rendered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// 200 with this body.
    Progress(String),
    /// 200 with a token endpoint answer (`access_token`, `token_type`, ...).
    Token(String),
    /// 200 with the first half of this body: a body that is not JSON.
    Truncated(String),
    /// An OAuth2 error (RFC 6749 §5.2): `{"error":..., "error_description":...}`.
    OAuthError {
        status: StatusCode,
        error: &'static str,
        description: &'static str,
    },
    /// An error status with the service's error body.
    Error {
        status: StatusCode,
        code: &'static str,
        message: &'static str,
    },
    /// 429 with `Retry-After`.
    RateLimited { retry_after_seconds: u64 },
    /// No response at all: the connection is closed.
    DropConnection,
}

/// Marks a response that must not be sent; the connection layer sees it and
/// closes the socket instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

impl Answer {
    pub(crate) fn error(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Answer::Error {
            status,
            code,
            message,
        }
    }

    /// Which [`Served`](crate::Served) counter this answer goes to.
    pub(crate) fn kind(&self) -> AnswerKind {
        match self {
            Answer::Progress(_) | Answer::Token(_) => AnswerKind::Ok,
            Answer::OAuthError { .. } => AnswerKind::Rejected,
            Answer::RateLimited { .. } => AnswerKind::RateLimited,
            // The service itself never fails: every 5xx is an injected fault.
            Answer::Error { status, .. } if status.is_server_error() => AnswerKind::Fault,
            Answer::Error { .. } => AnswerKind::Rejected,
            Answer::Truncated(_) | Answer::DropConnection => AnswerKind::Fault,
        }
    }

    pub(crate) fn into_response(self, correlation_id: &str) -> Response {
        let (status, body) = match self {
            Answer::Progress(body) => (StatusCode::OK, body),
            Answer::Truncated(body) => (StatusCode::OK, first_half(&body).to_owned()),
            Answer::Token(body) => {
                let mut response = json_response(StatusCode::OK, body, correlation_id);
                forbid_caching(response.headers_mut());
                return response;
            }
            Answer::OAuthError {
                status,
                error,
                description,
            } => {
                let body = json!({ "error": error, "error_description": description });
                let mut response = json_response(status, body.to_string(), correlation_id);
                let headers = response.headers_mut();
                forbid_caching(headers);
                if status == StatusCode::UNAUTHORIZED {
                    headers.insert(
                        WWW_AUTHENTICATE,
                        HeaderValue::from_static(r#"Basic realm="progress-sim""#),
                    );
                }
                if status == StatusCode::METHOD_NOT_ALLOWED {
                    headers.insert(ALLOW, HeaderValue::from_static("POST"));
                }
                return response;
            }
            Answer::Error {
                status,
                code,
                message,
            } => (status, error_body(code, message)),
            Answer::RateLimited {
                retry_after_seconds,
            } => {
                let mut response = Answer::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "The client sent more requests than allowed by this API for the current tier of the client.",
                )
                .into_response(correlation_id);
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(retry_after_seconds));
                return response;
            }
            Answer::DropConnection => {
                let mut response = Response::new(Body::empty());
                response.extensions_mut().insert(DropConnection);
                return response;
            }
        };
        let mut response = json_response(status, body, correlation_id);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET"));
        }
        response
    }
}

fn json_response(status: StatusCode, body: String, correlation_id: &str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(correlation_id) {
        headers.insert(CORRELATION_ID, value);
    }
    response
}

/// RFC 6749 §5.1: answers carrying tokens (and their errors) are not cached.
fn forbid_caching(headers: &mut http::HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

fn error_body(code: &str, message: &str) -> String {
    json!({ "error": { "code": code, "message": message } }).to_string()
}

/// Cut mid-way, on a character boundary: `{"progress":{"state":"x"}}` becomes `{"progress":{`.
fn first_half(body: &str) -> &str {
    let middle = (0..=body.len() / 2)
        .rev()
        .find(|&index| body.is_char_boundary(index))
        .unwrap_or(0);
    &body[..middle]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(first_half("ééé"), "é");
        assert_eq!(first_half(""), "");
        let body = r#"{"progress":{"state":"active"}}"#;
        assert!(serde_json::from_str::<serde_json::Value>(first_half(body)).is_err());
    }

    #[test]
    fn every_rendered_answer_carries_json_and_the_correlation_id() {
        let answers = [
            Answer::Progress("{}".into()),
            Answer::error(StatusCode::NOT_FOUND, "ProgressNotFound", "gone"),
            Answer::RateLimited {
                retry_after_seconds: 2,
            },
        ];
        for answer in answers {
            let response = answer.into_response("sim-7");
            assert_eq!(response.headers()[CORRELATION_ID], "sim-7");
            assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        }
    }
}
