//! 429s: from the per-token rate limit, and forced on chosen requests.

mod common;

use common::{get, poll, start_manual};

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

#[test]
fn polling_faster_than_the_limit_is_429_with_retry_after() {
    let (sim, clock) = start_manual(
        r#"{
            "time_scale": 10,
            "rate_limit": { "min_interval_seconds": 2, "retry_after_seconds": 3 },
            "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } }
        }"#,
    );
    assert_eq!(poll(&sim, JOB).status, 200);

    // 19 simulated seconds at time scale 10 is 1.9 real seconds: too soon.
    clock.advance(19.0);
    let limited = poll(&sim, JOB);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("3"));
    assert_eq!(limited.error_code(), "TooManyRequests");

    // Another token has its own allowance.
    assert_eq!(get(&sim, JOB, Some("other")).unwrap().status, 200);

    // 2 real seconds after the last admitted request: allowed again.
    clock.advance(1.0);
    assert_eq!(poll(&sim, JOB).status, 200);
}

#[test]
fn the_chosen_requests_of_a_job_are_429_with_retry_after_one() {
    let (sim, _clock) = start_manual(
        r#"{ "jobs": { "job-1": {
            "rate_limited_requests": [2, 4],
            "points": [ { "at_seconds": 0, "state": "active" } ]
        } } }"#,
    );
    let replies: Vec<_> = (0..5).map(|_| poll(&sim, JOB)).collect();
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [200, 429, 200, 429, 200]);
    for limited in [&replies[1], &replies[3]] {
        assert_eq!(limited.header("retry-after"), Some("1"));
        assert_eq!(limited.error_code(), "TooManyRequests");
    }
}

#[test]
fn the_demo_has_one_429_on_the_way() {
    let sim = progress_sim::Simulator::builder(progress_sim::Scenario::demo())
        .clock(progress_sim::ManualSimClock::new())
        .start_blocking()
        .unwrap();
    let path = "/reality-modeling/jobs/demo-job/progress";
    let replies: Vec<_> = (0..4).map(|_| poll(&sim, path)).collect();
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [200, 200, 429, 200]);
    assert_eq!(replies[2].header("retry-after"), Some("1"));
    assert_eq!(sim.requests_for("demo-job"), 4);
}
