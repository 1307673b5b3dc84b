//! The error answers: status, error code, and the headers support relies on.

mod common;

use std::collections::HashSet;

use common::{get, poll, start_manual};

const SCENARIO: &str = r#"{
    "accepted_tokens": ["good-token"],
    "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active", "percentage": 1 } ] } }
}"#;

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

#[test]
fn no_authorization_header_is_401_header_not_found() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = get(&sim, JOB, None).unwrap();
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code(), "HeaderNotFound");
}

#[test]
fn a_token_outside_the_accepted_ones_is_401_invalid_token() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = get(&sim, JOB, Some("stolen-token")).unwrap();
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code(), "InvalidToken");
    let reply = get(&sim, JOB, Some("good-token")).unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn an_unknown_job_is_404_progress_not_found_with_the_services_message() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = get(
        &sim,
        "/reality-modeling/jobs/nope/progress",
        Some("good-token"),
    )
    .unwrap();
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json(),
        serde_json::json!({"error": {"code": "ProgressNotFound", "message": "Requested progress is not available."}})
    );
}

#[test]
fn a_path_that_is_not_a_progress_route_is_404_resource_not_found() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = get(&sim, "/reality-modeling/jobs/job-1", Some("good-token")).unwrap();
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "ResourceNotFound");
}

#[test]
fn every_answer_is_json_with_its_own_correlation_id() {
    let (sim, _clock) = start_manual(SCENARIO);
    let replies = [
        get(&sim, JOB, Some("good-token")).unwrap(),
        get(&sim, JOB, None).unwrap(),
        get(&sim, JOB, Some("bad")).unwrap(),
        get(&sim, "/svc/jobs/other/progress", Some("good-token")).unwrap(),
        poll(&sim, "/not/a/route"),
    ];
    let mut ids = HashSet::new();
    for reply in &replies {
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let id = reply.header("x-correlation-id").expect("x-correlation-id");
        assert!(id.starts_with("sim-"), "{id}");
        assert!(ids.insert(id.to_owned()), "correlation id {id} repeated");
    }
}
