//! `POST /connect/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4).
//!
//! Client authentication follows §2.3.1: HTTP Basic with the form-encoded id
//! and secret, or `client_id` and `client_secret` in the form body (never
//! both). Errors are the JSON of §5.2.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::connection::ConnectionControl;
use crate::fated::Fated;
use crate::oauth::OAuth;
use crate::responses::Answer;
use crate::state::SharedState;

pub(crate) async fn handle_token_request(
    State(state): State<Arc<SharedState>>,
    Extension(connection): Extension<ConnectionControl>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let correlation_id = state.next_correlation_id();
    state.count_token_request();
    // Faults first, as on the progress endpoint; the kinds that change
    // progress bodies, jobs or tokens do not apply here.
    let fate = state.next_token_fate();
    let count = |kind| state.count_token_endpoint(kind);
    let (fated, replaced) = Fated::start(fate, &connection, count).await;
    let faulted = replaced.is_some();
    let answer = replaced.unwrap_or_else(|| decide(&state, &method, &headers, &body));
    fated
        .finish(answer, faulted, &headers, &correlation_id)
        .await
}

fn decide(state: &SharedState, method: &Method, headers: &HeaderMap, body: &[u8]) -> Answer {
    let Some(oauth) = &state.scenario.oauth else {
        // The route exists only with an `oauth` section; this is a guard.
        return Answer::error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The requested resource was not found.",
        );
    };
    match grant(oauth, method, headers, body) {
        Ok(scope) => {
            let lifetime = oauth.token_lifetime_seconds;
            // Whole simulated seconds fit an f64 exactly far beyond any scenario.
            let expires_at = state.simulated_seconds() + lifetime as f64;
            let token = state.issued_tokens.issue(expires_at);
            Answer::Token(
                serde_json::json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": lifetime,
                    "scope": scope,
                })
                .to_string(),
            )
        }
        Err(error) => error,
    }
}

/// The scope granted, or the error answer.
fn grant(
    oauth: &OAuth,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Answer> {
    if method != Method::POST {
        return Err(oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "The token endpoint takes POST.",
        ));
    }
    let form_encoded = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Err(invalid_request(
            "The body must be application/x-www-form-urlencoded.",
        ));
    }
    let form = parse_form(body)?;
    let (client_id, secret) = client_credentials(headers, &form)?;
    let client = oauth
        .clients
        .get(&client_id)
        .filter(|client| client.secret == secret)
        .ok_or_else(|| {
            oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed.",
            )
        })?;
    match form.get("grant_type").map(String::as_str) {
        None => return Err(invalid_request("grant_type is missing.")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only the client_credentials grant is supported.",
            ));
        }
    }
    let requested: Vec<&str> = form
        .get("scope")
        .map(|scope| scope.split(' ').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if requested.is_empty() {
        return Ok(client.scopes.join(" "));
    }
    if requested
        .iter()
        .any(|scope| !client.scopes.iter().any(|allowed| allowed == scope))
    {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The requested scope is invalid, unknown, or not allowed for this client.",
        ));
    }
    Ok(requested.join(" "))
}

/// The form's parameters; a parameter sent twice is an error (§3.2).
fn parse_form(body: &[u8]) -> Result<BTreeMap<String, String>, Answer> {
    let mut form = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if form.insert(name.into_owned(), value.into_owned()).is_some() {
            return Err(invalid_request("A parameter is repeated."));
        }
    }
    Ok(form)
}

/// The client id and secret, from HTTP Basic or from the form, never both (§2.3).
fn client_credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> Result<(String, String), Answer> {
    let unauthenticated = || {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        )
    };
    let Some(authorization) = headers.get(AUTHORIZATION) else {
        return match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(unauthenticated()),
        };
    };
    if form.contains_key("client_secret") {
        return Err(invalid_request(
            "Use one client authentication method, not two.",
        ));
    }
    let (id, secret) = authorization
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            Some((form_decode(id)?, form_decode(secret)?))
        })
        .ok_or_else(unauthenticated)?;
    if form.get("client_id").is_some_and(|form_id| *form_id != id) {
        return Err(invalid_request(
            "client_id differs from the authenticated client.",
        ));
    }
    Ok((id, secret))
}

/// `application/x-www-form-urlencoded` decoding, as §2.3.1 asks of Basic credentials.
fn form_decode(encoded: &str) -> Option<String> {
    percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

fn invalid_request(description: &'static str) -> Answer {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn oauth_error(status: StatusCode, error: &'static str, description: &'static str) -> Answer {
    Answer::OAuthError {
        status,
        error,
        description,
    }
}
