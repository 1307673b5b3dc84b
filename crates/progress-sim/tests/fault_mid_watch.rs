//! Faults that take something away for good, mid-watch: the job, or the token.

mod common;

use common::{get, start_manual};
use progress_sim::Simulator;

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

fn with_faults(faults: &str) -> Simulator {
    let (sim, _clock) = start_manual(&format!(
        r#"{{
            "faults": {{ {faults} }},
            "jobs": {{
                "job-1": {{ "points": [ {{ "at_seconds": 0, "state": "active" }} ] }},
                "job-2": {{ "points": [ {{ "at_seconds": 0, "state": "active" }} ] }},
                "job-3": {{ "points": [ {{ "at_seconds": 0, "state": "active" }} ] }}
            }}
        }}"#
    ));
    sim
}

fn status_and_code(sim: &Simulator, path: &str, token: &str) -> (u16, String) {
    let reply = get(sim, path, Some(token)).unwrap();
    let code = if reply.status == 200 {
        String::new()
    } else {
        reply.error_code()
    };
    (reply.status, code)
}

#[test]
fn a_job_that_disappears_mid_watch_is_404_from_then_on() {
    let sim = with_faults(r#""seed": 9, "disappear_rate": 0.2"#);
    assert_eq!(
        status_and_code(&sim, JOB, "t").0,
        200,
        "never on the first request"
    );
    let seen: Vec<(u16, String)> = (0..40).map(|_| status_and_code(&sim, JOB, "t")).collect();
    let gone = seen
        .iter()
        .position(|(status, _)| *status == 404)
        .expect("gone within 40");
    assert!(
        seen[gone..]
            .iter()
            .all(|(status, code)| *status == 404 && code == "ProgressNotFound"),
        "{seen:?}"
    );
    assert_eq!(sim.served_for("job-1").faults, (seen.len() - gone) as u64);
}

#[test]
fn a_token_that_stops_being_accepted_mid_watch_is_401_from_then_on() {
    let sim = with_faults(r#""seed": 9, "revoke_token_rate": 0.2"#);
    assert_eq!(
        status_and_code(&sim, JOB, "token-a").0,
        200,
        "never on the first request"
    );
    let seen: Vec<(u16, String)> = (0..40)
        .map(|_| status_and_code(&sim, JOB, "token-a"))
        .collect();
    let revoked = seen
        .iter()
        .position(|(status, _)| *status == 401)
        .expect("revoked within 40");
    assert!(
        seen[revoked..]
            .iter()
            .all(|(status, code)| *status == 401 && code == "InvalidToken"),
        "{seen:?}"
    );
    // The token is refused on every job; another token is not (a job's
    // first request never revokes, so this one cannot be the next victim).
    assert_eq!(
        status_and_code(&sim, "/reality-modeling/jobs/job-2/progress", "token-a").0,
        401
    );
    assert_eq!(
        status_and_code(&sim, "/reality-modeling/jobs/job-3/progress", "token-b").0,
        200
    );
}
