//! Who may ask: the bearer token, checked against `accepted_tokens`, the
//! tokens the token endpoint issued, and the tokens a fault revoked.

use http::header::AUTHORIZATION;
use http::{HeaderMap, StatusCode};

use crate::oauth::TokenProblem;
use crate::responses::Answer;
use crate::state::SharedState;

/// The bearer token, or the 401 the service would send instead.
pub(crate) fn bearer_token<'h>(
    state: &SharedState,
    headers: &'h HeaderMap,
) -> Result<&'h str, Answer> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(Answer::error(
            StatusCode::UNAUTHORIZED,
            "HeaderNotFound",
            "Header Authorization was not found in the request. Access denied.",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(Answer::error(
            StatusCode::UNAUTHORIZED,
            "InvalidToken",
            "Header Authorization must be 'Bearer <token>'. Access denied.",
        ));
    };
    match token_problem(state, token) {
        None => Ok(token),
        Some(TokenProblem::Expired) => Err(Answer::error(
            StatusCode::UNAUTHORIZED,
            "InvalidToken",
            "Access token has expired. Access denied.",
        )),
        Some(TokenProblem::Unknown) => Err(Answer::error(
            StatusCode::UNAUTHORIZED,
            "InvalidToken",
            "Access token is not valid. Access denied.",
        )),
    }
}

/// Why the token is refused, if it is: not among `accepted_tokens` (when
/// set), and, with `oauth`, not issued or no longer alive.
fn token_problem(state: &SharedState, token: &str) -> Option<TokenProblem> {
    let listed = state
        .scenario
        .accepted_tokens
        .as_ref()
        .map(|accepted| accepted.iter().any(|known| known == token));
    match (&state.scenario.oauth, listed) {
        (_, Some(true)) | (None, None) => None,
        (None, Some(false)) => Some(TokenProblem::Unknown),
        (Some(_), _) => state
            .issued_tokens
            .check(token, state.simulated_seconds())
            .err(),
    }
}

/// The 401 for a token a `revoke_token_rate` fault took away.
pub(crate) fn revoked() -> Answer {
    Answer::error(
        StatusCode::UNAUTHORIZED,
        "InvalidToken",
        "Access token has been revoked. Access denied.",
    )
}
