//! Faults in a 200's body: truncated, huge, short, reset half-way,
//! trickled, gzip, and progress in other dialects. One test per kind.

mod common;

use std::io::{ErrorKind, Read};
use std::time::Duration;

use common::raw::raw_get;
use common::{poll, start_manual};
use progress_sim::Simulator;

const JOB: &str = "/reality-modeling/jobs/job-1/progress";
const BODY: &str = r#"{"progress":{"percentage":5,"state":"active","step":"Tiling"}}"#;

fn with_faults(faults: &str, state: &str) -> Simulator {
    let (sim, _clock) = start_manual(&format!(
        r#"{{
            "faults": {{ "seed": 1, {faults} }},
            "jobs": {{ "job-1": {{ "points": [ {{ "at_seconds": 0, "state": "{state}", "percentage": 5, "step": "Tiling" }} ] }} }}
        }}"#
    ));
    sim
}

#[test]
fn truncated_json_is_the_first_half_of_the_body() {
    let sim = with_faults(r#""malformed_rate": 1.0"#, "active");
    let reply = poll(&sim, JOB);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, BODY[..BODY.len() / 2]);
    assert!(serde_json::from_str::<serde_json::Value>(&reply.body).is_err());
}

#[test]
fn a_huge_body_is_valid_json_of_exactly_8_mib() {
    let sim = with_faults(r#""huge_body_rate": 1.0"#, "active");
    let reply = raw_get(&sim, JOB, &[]);
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.content_length(), 8 * 1024 * 1024);
    assert_eq!(reply.body().len(), 8 * 1024 * 1024);
    let value: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
    assert_eq!(value["progress"]["state"], "active");
}

#[test]
fn a_short_body_announces_16_bytes_more_than_it_sends_then_closes() {
    let sim = with_faults(r#""short_body_rate": 1.0"#, "active");
    let reply = raw_get(&sim, JOB, &[]);
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.body(), BODY.as_bytes());
    assert_eq!(reply.content_length(), BODY.len() + 16);
    assert_ne!(
        reply.error,
        Some(ErrorKind::TimedOut),
        "closed, not left hanging"
    );
}

#[test]
fn a_reset_mid_body_sends_the_head_and_half_the_body_then_resets() {
    let sim = with_faults(r#""reset_mid_body_rate": 1.0"#, "active");
    let reply = raw_get(&sim, JOB, &[]);
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.content_length(), BODY.len());
    assert_eq!(reply.body(), &BODY.as_bytes()[..BODY.len() / 2]);
    assert_eq!(reply.error, Some(ErrorKind::ConnectionReset));
}

#[test]
fn a_trickled_body_arrives_a_byte_at_a_time_over_trickle_ms() {
    let sim = with_faults(r#""trickle_rate": 1.0, "trickle_ms": 600"#, "active");
    let reply = raw_get(&sim, JOB, &[]);
    assert_eq!(reply.body(), BODY.as_bytes(), "all of it, in the end");
    assert!(
        reply.elapsed >= Duration::from_millis(550),
        "{:?}",
        reply.elapsed
    );
    // About one read per byte; a loaded machine may let a few pile up.
    assert!(reply.reads > 5, "{} reads", reply.reads);
}

#[test]
fn gzip_bodies_go_only_to_requests_that_accept_gzip() {
    let sim = with_faults(r#""gzip_rate": 1.0"#, "active");
    let compressed = raw_get(&sim, JOB, &["Accept-Encoding: gzip, deflate"]);
    assert_eq!(
        compressed.header("content-encoding").as_deref(),
        Some("gzip")
    );
    assert_eq!(compressed.content_length(), compressed.body().len());
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(compressed.body())
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, BODY);

    let refused = raw_get(&sim, JOB, &["Accept-Encoding: gzip;q=0, identity"]);
    let plain = raw_get(&sim, JOB, &[]);
    for reply in [refused, plain] {
        assert_eq!(reply.header("content-encoding"), None);
        assert_eq!(reply.body(), BODY.as_bytes());
    }
    assert_eq!(sim.served().faults, 0, "gzip when asked is no fault");
}

#[test]
fn unknown_states_are_ones_no_dialect_has() {
    let sim = with_faults(r#""unknown_state_rate": 1.0"#, "active");
    for _ in 0..6 {
        let state = poll(&sim, JOB).json()["progress"]["state"].clone();
        assert!(
            ["Suspended", "Paused", "WaitingForResources"].contains(&state.as_str().unwrap()),
            "{state}"
        );
    }
    assert_eq!(sim.served().faults, 6);
}

#[test]
fn the_job_progress_wrapper_dialect() {
    let sim = with_faults(r#""job_progress_wrapper_rate": 1.0"#, "active");
    assert_eq!(
        poll(&sim, JOB).body,
        r#"{"jobProgress":{"percentage":5,"state":"active","step":"Tiling"}}"#
    );
}

#[test]
fn the_capitalised_states_dialect() {
    let sim = with_faults(r#""capitalised_state_rate": 1.0"#, "success");
    assert_eq!(poll(&sim, JOB).json()["progress"]["state"], "Success");
}

#[test]
fn the_v2_states_dialect() {
    for (scripted, sent) in [
        ("unsubmitted", "Queued"),
        ("active", "Active"),
        ("failed", "TerminatingOnFailure"),
        ("cancelled", "TerminatingOnCancel"),
    ] {
        let sim = with_faults(r#""v2_state_rate": 1.0"#, scripted);
        assert_eq!(
            poll(&sim, JOB).json()["progress"]["state"],
            sent,
            "{scripted}"
        );
    }
}

#[test]
fn body_faults_leave_error_answers_alone() {
    let sim = with_faults(r#""malformed_rate": 0.5, "v2_state_rate": 0.5"#, "active");
    for _ in 0..10 {
        let reply = poll(&sim, "/reality-modeling/jobs/unknown/progress");
        assert_eq!(
            (reply.status, reply.error_code().as_str()),
            (404, "ProgressNotFound")
        );
    }
    assert_eq!(sim.served().faults, 0);
}
