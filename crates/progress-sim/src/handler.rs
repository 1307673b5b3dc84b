//! What the service answers to one request, in the order a real one decides.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Method, StatusCode, Uri};

use crate::faults::Fault;
use crate::oauth::TokenProblem;
use crate::responses::Answer;
use crate::route::JobRoute;
use crate::state::SharedState;

/// The one handler: every path and method lands here, so every answer,
/// errors included, goes through the same rendering.
pub(crate) async fn handle_request(
    State(state): State<Arc<SharedState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let correlation_id = state.next_correlation_id();
    let route = JobRoute::parse(uri.path());
    let ordinal = route
        .as_ref()
        .map(|route| state.count_request(&route.job_id));
    // Faults come first: a flaky gateway fails before the service looks at
    // the request, and drawing for every request keeps the sequence seeded.
    let fate = state.next_fate();
    if let Some(delay) = fate.delay {
        tokio::time::sleep(delay).await;
    }
    let job_id = route.as_ref().map(|route| route.job_id.clone());
    let answer = match fate.fault {
        Some(Fault::DropConnection) => Answer::DropConnection,
        Some(Fault::ServerError(status)) => server_error(status),
        Some(Fault::MalformedBody) => match decide(&state, &method, route, ordinal, &headers) {
            Answer::Progress(body) => Answer::Truncated(body),
            other => other,
        },
        None => decide(&state, &method, route, ordinal, &headers),
    };
    state.count_served(job_id.as_deref(), answer.kind());
    answer.into_response(&correlation_id)
}

fn decide(
    state: &SharedState,
    method: &Method,
    route: Option<JobRoute>,
    ordinal: Option<u64>,
    headers: &HeaderMap,
) -> Answer {
    let (Some(route), Some(ordinal)) = (route, ordinal) else {
        return Answer::error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The requested resource was not found.",
        );
    };
    if method != Method::GET {
        return Answer::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "Only GET is allowed on job progress.",
        );
    }
    let token = match bearer_token(state, headers) {
        Ok(token) => token,
        Err(answer) => return answer,
    };
    // The API limits the client, whatever it asks for: the bucket comes
    // before the job is looked up.
    if let Some(buckets) = &state.token_buckets
        && let Err(retry_after_seconds) = buckets.admit(token, state.real_seconds())
    {
        return Answer::RateLimited {
            retry_after_seconds,
        };
    }
    let Some(job) = state
        .scenario
        .jobs
        .get(&route.job_id)
        .filter(|job| job.serves(&route.service))
    else {
        return Answer::error(
            StatusCode::NOT_FOUND,
            "ProgressNotFound",
            "Requested progress is not available.",
        );
    };
    if job.rate_limited_requests.contains(&ordinal) {
        return Answer::RateLimited {
            retry_after_seconds: 1,
        };
    }
    if let Some(limiter) = &state.rate_limiter
        && let Err(retry_after_seconds) = limiter.admit(token, &route.job_id, state.real_seconds())
    {
        return Answer::RateLimited {
            retry_after_seconds,
        };
    }
    Answer::Progress(job.body_at(state.simulated_seconds()))
}

/// The bearer token, or the 401 the service would send instead.
fn bearer_token<'h>(state: &SharedState, headers: &'h HeaderMap) -> Result<&'h str, Answer> {
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

pub(crate) fn server_error(status: StatusCode) -> Answer {
    let (code, message) = match status {
        StatusCode::BAD_GATEWAY => ("BadGateway", "Simulated bad gateway."),
        StatusCode::SERVICE_UNAVAILABLE => ("ServiceUnavailable", "Simulated outage."),
        StatusCode::GATEWAY_TIMEOUT => ("GatewayTimeout", "Simulated gateway timeout."),
        _ => ("InternalServerError", "Simulated server error."),
    };
    Answer::error(status, code, message)
}
