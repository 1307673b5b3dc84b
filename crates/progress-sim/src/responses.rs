//! Turning a decision into the bytes the service would send.

use axum::body::Body;
use axum::response::Response;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE,
};
use http::{HeaderName, StatusCode};
use serde_json::json;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fault_injector::RetryAfter;
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
    /// 429 with `Retry-After`, from a rate limit.
    RateLimited { retry_after_seconds: u64 },
    /// 429 from an injected storm, `Retry-After` as the storm says.
    Storm(RetryAfter),
    /// A gateway's HTML error page.
    HtmlGateway(StatusCode),
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
            Answer::Storm(_) | Answer::HtmlGateway(_) | Answer::DropConnection => AnswerKind::Fault,
        }
    }

    pub(crate) fn into_response(self, correlation_id: &str) -> Response {
        let (status, body) = match self {
            Answer::Progress(body) => (StatusCode::OK, body),
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
                return too_many_requests(RetryAfter::Seconds(retry_after_seconds), correlation_id);
            }
            Answer::Storm(retry_after) => return too_many_requests(retry_after, correlation_id),
            Answer::HtmlGateway(status) => return gateway_page(status),
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

pub(crate) fn json_response(status: StatusCode, body: String, correlation_id: &str) -> Response {
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

fn too_many_requests(retry_after: RetryAfter, correlation_id: &str) -> Response {
    let mut response = Answer::error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "The client sent more requests than allowed by this API for the current tier of the client.",
    )
    .into_response(correlation_id);
    let value = match retry_after {
        RetryAfter::Seconds(seconds) => Some(HeaderValue::from(seconds)),
        RetryAfter::HttpDate(seconds) => HeaderValue::from_str(&http_date_in(seconds)).ok(),
        RetryAfter::Absent => None,
    };
    if let Some(value) = value {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// The real wall clock `seconds` from now, rounded up to the whole second an
/// HTTP-date can say, so waiting until then is never too early.
fn http_date_in(seconds: u64) -> String {
    let then = SystemTime::now() + Duration::from_secs(seconds);
    let since_epoch = then.duration_since(UNIX_EPOCH).unwrap_or_default();
    let whole = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(whole))
}

/// What a load balancer in front of the service answers when the service
/// does not: HTML, and no correlation id (the service never saw the request).
fn gateway_page(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn error_body(code: &str, message: &str) -> String {
    json!({ "error": { "code": code, "message": message } }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
