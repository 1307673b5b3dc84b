//! What the service answers to one request, in the order a real one decides.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, Method, StatusCode, Uri};

use crate::authorization::{bearer_token, revoked};
use crate::connection::ConnectionControl;
use crate::dialects;
use crate::fated::Fated;
use crate::fault_injector::Fault;
use crate::responses::Answer;
use crate::route::JobRoute;
use crate::state::SharedState;

/// The one handler of the progress API: every path and method but the token
/// endpoint lands here, so every answer, errors included, goes through the
/// same rendering.
pub(crate) async fn handle_request(
    State(state): State<Arc<SharedState>>,
    Extension(connection): Extension<ConnectionControl>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    // Until the answer is built (any delay included), or the client leaves.
    let _answering = state.in_flight.start();
    let correlation_id = state.next_correlation_id();
    let route = JobRoute::parse(uri.path());
    let ordinal = route
        .as_ref()
        .map(|route| state.count_request(&route.job_id));
    let job_id = route.as_ref().map(|route| route.job_id.clone());
    // Faults come first: a flaky gateway fails before the service looks at
    // the request, and drawing for every request keeps the sequence seeded.
    // Bursts and storms follow the job (or the path, for other paths).
    let fate = state.next_fate(job_id.as_deref().unwrap_or(uri.path()));
    let count = |kind| state.count_served(job_id.as_deref(), kind);
    let (fated, replaced) = Fated::start(fate, &connection, count).await;
    let (answer, faulted) = match replaced {
        Some(answer) => (answer, true),
        None => decide(&state, &method, route, ordinal, &headers, fated.fault()),
    };
    fated
        .finish(answer, faulted, &headers, &correlation_id)
        .await
}

/// The service's answer, and whether a fault changed it (a job that
/// vanished, a revoked token, a progress body in another dialect).
fn decide(
    state: &SharedState,
    method: &Method,
    route: Option<JobRoute>,
    ordinal: Option<u64>,
    headers: &HeaderMap,
    fault: Option<Fault>,
) -> (Answer, bool) {
    let (Some(route), Some(ordinal)) = (route, ordinal) else {
        return (
            Answer::error(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "The requested resource was not found.",
            ),
            false,
        );
    };
    if method != Method::GET {
        return (
            Answer::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "Only GET is allowed on job progress.",
            ),
            false,
        );
    }
    let token = match bearer_token(state, headers) {
        Ok(token) => token,
        Err(answer) => return (answer, false),
    };
    // "Mid-watch": a job's first request is never the one that loses it.
    let mid_watch = ordinal > 1;
    if mid_watch && fault == Some(Fault::RevokeToken) {
        state.revoke(token);
    }
    if state.is_revoked(token) {
        return (revoked(), true);
    }
    // The API limits the client, whatever it asks for: the bucket comes
    // before the job is looked up.
    let by_window =
        |limiter: &crate::window_limit::WindowLimiter| limiter.admit(token, state.real_seconds());
    if let Some(Err(retry_after_seconds)) = state.window_limiter.as_ref().map(by_window) {
        return (
            Answer::RateLimited {
                retry_after_seconds,
            },
            false,
        );
    }
    if let Some(buckets) = &state.token_buckets
        && let Err(retry_after_seconds) = buckets.admit(token, state.real_seconds())
    {
        return (
            Answer::RateLimited {
                retry_after_seconds,
            },
            false,
        );
    }
    let Some(job) = state
        .scenario
        .jobs
        .get(&route.job_id)
        .filter(|job| job.serves(&route.service))
    else {
        return (progress_not_found(), false);
    };
    if mid_watch && fault == Some(Fault::Disappear) {
        state.vanish(&route.job_id);
    }
    if state.has_vanished(&route.job_id) {
        return (progress_not_found(), true);
    }
    if job.rate_limited_requests.contains(&ordinal) {
        return (
            Answer::RateLimited {
                retry_after_seconds: 1,
            },
            false,
        );
    }
    if let Some(limiter) = &state.rate_limiter
        && let Err(retry_after_seconds) = limiter.admit(token, &route.job_id, state.real_seconds())
    {
        return (
            Answer::RateLimited {
                retry_after_seconds,
            },
            false,
        );
    }
    let body = job.body_at(state.simulated_seconds());
    match fault.and_then(|fault| dialects::rewrite(&body, fault)) {
        Some(rewritten) => (Answer::Progress(rewritten), true),
        None => (Answer::Progress(body), false),
    }
}

fn progress_not_found() -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        "ProgressNotFound",
        "Requested progress is not available.",
    )
}
