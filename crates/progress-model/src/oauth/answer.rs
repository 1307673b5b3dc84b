//! Reading the identity service's answer: a token, or why there is none.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use super::OAuthError;
use crate::excerpt::excerpt;
use crate::redact::redact_all;
use crate::retry_after::retry_after;
use crate::{AccessToken, DEFAULT_BODY_CAP, Error, HttpResponse};

/// The longest lifetime taken from `expires_in`: a year. A larger value is
/// taken as a year, so that adding it to a clock can never overflow.
const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A token the identity service issued.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The bearer token.
    pub token: AccessToken,
    /// How long it lives (`expires_in`), when the identity service said.
    pub expires_in: Option<Duration>,
}

/// The successful answer (RFC 6749 §5.1); unknown fields are ignored.
#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<Value>,
}

/// The error answer (RFC 6749 §5.2).
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
}

/// Reads what came back from a token request: the response, or the transport
/// error the adapter met. `wall_now` resolves a `Retry-After` date.
///
/// ```
/// # use progress_model::{HttpResponse, oauth::read_token_answer};
/// # use std::time::{Duration, SystemTime};
/// let body = br#"{"access_token":"eyJ0","token_type":"Bearer","expires_in":3599}"#.to_vec();
/// let answer = Ok(HttpResponse::new(200, Default::default(), body));
/// let issued = read_token_answer(answer, SystemTime::now()).unwrap();
/// assert_eq!(issued.expires_in, Some(Duration::from_secs(3599)));
/// ```
///
/// It hides credentials a page may echo by their look (`Authorization: ...`,
/// `Basic ...`); [`ClientCredentialsGrant::read_answer`](super::ClientCredentialsGrant::read_answer)
/// also hides the secret in every form the grant sent it.
pub fn read_token_answer(
    answer: Result<HttpResponse, Error>,
    wall_now: SystemTime,
) -> Result<IssuedToken, OAuthError> {
    read_answer_hiding(answer, wall_now, &[])
}

/// [`read_token_answer`], with every copy of `hidden` (the forms in which the
/// secret was sent) replaced in what the error quotes, before any excerpt is
/// cut: neither a JSON escape nor the excerpt's end can let part of it through.
pub(crate) fn read_answer_hiding(
    answer: Result<HttpResponse, Error>,
    wall_now: SystemTime,
    hidden: &[&str],
) -> Result<IssuedToken, OAuthError> {
    let response = answer.map_err(|error| OAuthError::Unreachable(Box::new(error)))?;
    let status = response.status;
    match status {
        200..=299 => read_token(&response.body).map_err(|reason| OAuthError::InvalidAnswer {
            status,
            reason: reason.into(),
        }),
        _ => Err(read_refusal(&response, wall_now, hidden)),
    }
}

fn read_token(body: &[u8]) -> Result<IssuedToken, &'static str> {
    if body.len() > DEFAULT_BODY_CAP {
        return Err("the body is larger than the cap");
    }
    // The body may hold a token: no excerpt of it ever goes into an error.
    let parsed: TokenBody = serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    let token = parsed
        .access_token
        .filter(|token| !token.trim().is_empty())
        .ok_or("there is no access_token")?;
    if parsed
        .token_type
        .is_some_and(|kind| !kind.eq_ignore_ascii_case("bearer"))
    {
        return Err("the token_type is not Bearer");
    }
    Ok(IssuedToken {
        token: AccessToken::new(token),
        expires_in: parsed.expires_in.as_ref().and_then(lifetime),
    })
}

/// `expires_in` as seconds, sent as a number or a numeric string; anything
/// else is unknown (the token is then kept until the API refuses it).
fn lifetime(value: &Value) -> Option<Duration> {
    let seconds = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(MAX_LIFETIME.as_secs_f64())))
}

fn read_refusal(response: &HttpResponse, wall_now: SystemTime, hidden: &[&str]) -> OAuthError {
    let status = response.status;
    let quote = |text: &[u8]| match redact_all(text, hidden) {
        Some(clean) => excerpt(&clean),
        None => excerpt(text),
    };
    let parsed = serde_json::from_slice::<ErrorBody>(&response.body).ok();
    let code = parsed
        .as_ref()
        .and_then(|body| body.error.as_deref())
        .and_then(|code| quote(code.as_bytes()));
    let description = match parsed
        .as_ref()
        .and_then(|body| body.error_description.as_deref())
    {
        Some(description) => quote(description.as_bytes()),
        None if code.is_none() => quote(&response.body),
        None => None,
    };
    let correlation_id = ["x-correlation-id", "request-id"]
        .iter()
        .find_map(|name| response.headers.get(*name)?.to_str().ok())
        .and_then(|id| quote(id.as_bytes()));
    match status {
        408 | 429 | 500..=599 => OAuthError::Unavailable {
            status,
            code,
            description,
            correlation_id,
            retry_after: retry_after(&response.headers, wall_now),
        },
        _ => OAuthError::Refused {
            status,
            code,
            description,
            correlation_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<IssuedToken, OAuthError> {
        let response = HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            ..Default::default()
        };
        read_token_answer(Ok(response), SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn reads_the_standard_answer_and_its_variants() {
        let issued = answer(
            200,
            r#"{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":"itwin-platform"}"#,
        )
        .unwrap();
        assert_eq!(issued.token.secret(), "tok-1");
        assert_eq!(issued.expires_in, Some(Duration::from_secs(3600)));
        let lenient = answer(
            200,
            r#"{"access_token":"tok-2","token_type":"bearer","expires_in":"60"}"#,
        );
        assert_eq!(lenient.unwrap().expires_in, Some(Duration::from_secs(60)));
        let no_lifetime = answer(200, r#"{"access_token":"tok-3"}"#).unwrap();
        assert_eq!(no_lifetime.expires_in, None);
        let huge = answer(200, r#"{"access_token":"t","expires_in":1e300}"#).unwrap();
        assert_eq!(huge.expires_in, Some(MAX_LIFETIME));
    }

    #[test]
    fn answers_that_are_not_bearer_tokens_are_invalid_and_never_quoted() {
        for body in [
            "<html>proxy</html>",
            r#"{"token_type":"Bearer"}"#,
            r#"{"access_token":"tok-secret","token_type":"mac"}"#,
        ] {
            let error = answer(200, body).unwrap_err();
            assert!(matches!(error, OAuthError::InvalidAnswer { .. }), "{body}");
            assert!(error.is_transient());
            assert!(!error.to_string().contains("tok-secret"));
        }
    }

    #[test]
    fn oauth_errors_name_their_code_and_description() {
        for (status, code) in [
            (400, "invalid_client"),
            (401, "invalid_client"),
            (400, "unauthorized_client"),
            (400, "invalid_scope"),
        ] {
            let body = format!(r#"{{"error":"{code}","error_description":"why\nnot"}}"#);
            let error = answer(status, &body).unwrap_err();
            assert!(!error.is_transient(), "{status} {code}");
            assert_eq!(error.code(), Some(code));
            assert_eq!(error.description(), Some("why not"));
            assert!(error.to_string().contains(code));
        }
    }

    #[test]
    fn busy_and_failing_services_are_transient() {
        for status in [408, 429, 500, 502, 503, 504] {
            let error = answer(status, "<html>busy</html>").unwrap_err();
            assert!(error.is_transient(), "{status}");
            assert_eq!(error.description(), Some("<html>busy</html>"));
        }
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "12".parse().unwrap());
        let response = HttpResponse {
            status: 429,
            headers,
            body: Vec::new(),
            sent_with: None,
        };
        let error = read_token_answer(Ok(response), SystemTime::UNIX_EPOCH).unwrap_err();
        assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
        let other = answer(418, "").unwrap_err();
        assert!(!other.is_transient());
    }

    #[test]
    fn transport_failures_keep_their_kind() {
        let lost =
            read_token_answer(Err(Error::timeout("30s")), SystemTime::UNIX_EPOCH).unwrap_err();
        assert!(lost.is_transient());
        assert!(lost.to_string().contains("timed out"));
    }
}
