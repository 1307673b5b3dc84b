//! A job walks through its timeline as simulated time passes.

mod common;

use common::{poll, start_manual};
use serde_json::json;

const SCENARIO: &str = r#"{
    "jobs": {
        "job-1": { "points": [
            { "at_seconds": 5,  "state": "queued" },
            { "at_seconds": 10, "state": "active", "percentage": 0, "step": "Prepare_Production" },
            { "at_seconds": 20, "state": "active", "percentage": 56.5, "step": "Reconstruction" },
            { "at_seconds": 30, "state": "success", "percentage": 100, "step": "Export" }
        ] },
        "cc-job": { "service": "contextcapture", "wrapper": "jobProgress", "points": [
            { "at_seconds": 0, "state": "Active", "percentage": 12, "step": "Reconstruction" }
        ] },
        "a/b c": { "points": [ { "at_seconds": 0, "state": "Over" } ] }
    }
}"#;

#[test]
fn reports_the_point_in_force_at_each_simulated_time() {
    let (sim, clock) = start_manual(SCENARIO);
    let path = "/reality-modeling/jobs/job-1/progress";
    let mut seen = Vec::new();
    for advance in [0.0, 9.9, 0.1, 15.0, 4.9, 0.1, 1000.0] {
        clock.advance(advance);
        let reply = poll(&sim, path);
        assert_eq!(reply.status, 200, "{}", reply.body);
        seen.push((clock.now_seconds(), reply.json()));
    }
    let expected = [
        (0.0, json!({"progress": {"state": "queued"}})),
        (9.9, json!({"progress": {"state": "queued"}})),
        (
            10.0,
            json!({"progress": {"percentage": 0, "state": "active", "step": "Prepare_Production"}}),
        ),
        (
            25.0,
            json!({"progress": {"percentage": 56.5, "state": "active", "step": "Reconstruction"}}),
        ),
        (
            29.9,
            json!({"progress": {"percentage": 56.5, "state": "active", "step": "Reconstruction"}}),
        ),
        (
            30.0,
            json!({"progress": {"percentage": 100, "state": "success", "step": "Export"}}),
        ),
        (
            1030.0,
            json!({"progress": {"percentage": 100, "state": "success", "step": "Export"}}),
        ),
    ];
    for ((at, body), (expected_at, expected_body)) in seen.iter().zip(expected) {
        assert!((at - expected_at).abs() < 1e-9, "{at} vs {expected_at}");
        assert_eq!(body, &expected_body, "at {at} s");
    }
}

#[test]
fn whole_percentages_are_sent_as_integers_like_the_service() {
    let (sim, clock) = start_manual(SCENARIO);
    clock.advance(30.0);
    let reply = poll(&sim, "/reality-modeling/jobs/job-1/progress");
    assert_eq!(
        reply.body,
        r#"{"progress":{"percentage":100,"state":"success","step":"Export"}}"#
    );
}

#[test]
fn the_job_progress_wrapper_is_used_where_the_job_asks_for_it() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = poll(&sim, "/contextcapture/jobs/cc-job/progress");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"jobProgress": {"percentage": 12, "state": "Active", "step": "Reconstruction"}})
    );
}

#[test]
fn a_job_bound_to_a_service_is_not_found_under_another() {
    let (sim, _clock) = start_manual(SCENARIO);
    let reply = poll(&sim, "/reality-modeling/jobs/cc-job/progress");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "ProgressNotFound");
}

#[test]
fn any_service_path_reaches_a_job_without_one_and_the_id_is_percent_decoded() {
    let (sim, _clock) = start_manual(SCENARIO);
    for service in [
        "reality-modeling",
        "custom/deeper/path",
        "realityconversion",
    ] {
        let reply = poll(&sim, &format!("/{service}/jobs/a%2Fb%20c/progress"));
        assert_eq!(reply.status, 200, "{service}: {}", reply.body);
        assert_eq!(reply.json(), json!({"progress": {"state": "Over"}}));
    }
    assert_eq!(sim.requests_for("a/b c"), 3);
}
