//! The per-token rate limit (a token bucket) and the counts of what was served.

mod common;

use common::{get, poll, start_manual};
use progress_sim::{ManualSimClock, Scenario, Served, Simulator, TokenRateLimit};

const JOB_1: &str = "/reality-modeling/jobs/job-1/progress";
const JOB_2: &str = "/reality-modeling/jobs/job-2/progress";

const TWO_JOBS: &str = r#"{
    "time_scale": 10,
    "token_rate_limit": { "requests_per_second": 0.5, "burst": 2 },
    "jobs": {
        "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] },
        "job-2": { "points": [ { "at_seconds": 0, "state": "active" } ] }
    }
}"#;

#[test]
fn a_token_gets_its_burst_then_429_with_the_seconds_until_the_bucket_refills() {
    let (sim, clock) = start_manual(TWO_JOBS);
    // The bucket is shared by every job the token asks about.
    assert_eq!(poll(&sim, JOB_1).status, 200);
    assert_eq!(poll(&sim, JOB_2).status, 200);
    let limited = poll(&sim, JOB_1);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.error_code(), "TooManyRequests");
    // 0.5 requests per second: two seconds until the next one.
    assert_eq!(limited.header("retry-after"), Some("2"));

    // Another token has a bucket of its own.
    assert_eq!(get(&sim, JOB_1, Some("other")).unwrap().status, 200);

    // Waiting what Retry-After said (20 simulated seconds at time scale 10) is enough.
    clock.advance(20.0);
    assert_eq!(poll(&sim, JOB_1).status, 200);
    assert_eq!(poll(&sim, JOB_1).status, 429);
}

#[test]
fn served_counts_200s_and_429s_per_job_and_in_total() {
    let (sim, _clock) = start_manual(TWO_JOBS);
    for _ in 0..3 {
        poll(&sim, JOB_1);
    }
    poll(&sim, JOB_2);
    get(&sim, "/reality-modeling/jobs/nope/progress", Some("fresh")).unwrap();

    assert_eq!(sim.rate_limited_for("job-1"), 1);
    assert_eq!(sim.rate_limited_for("job-2"), 1);
    assert_eq!(sim.rate_limited_for("never-asked"), 0);
    let job_1 = sim.served_for("job-1");
    assert_eq!((job_1.ok, job_1.rate_limited, job_1.faults), (2, 1, 0));
    let total = sim.served();
    assert_eq!(total.ok, 2);
    assert_eq!(total.rate_limited, 2);
    assert_eq!(total.rejected, 1, "the unknown job's 404");
    assert_eq!(total.faults, 0);
    assert_eq!(total.total(), 5);
    assert_eq!(sim.served_for("never-asked"), Served::default());
}

#[test]
fn the_builder_sets_the_rate_over_the_scenarios() {
    let scenario = Scenario::from_json(
        r#"{ "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } } }"#,
    )
    .unwrap();
    let clock = ManualSimClock::new();
    let sim = Simulator::builder(scenario)
        .clock(clock.clone())
        .requests_per_second(3.0)
        .start_blocking()
        .unwrap();
    let statuses: Vec<u16> = (0..4).map(|_| poll(&sim, JOB_1).status).collect();
    assert_eq!(statuses, [200, 200, 200, 429], "a burst of three");
    clock.advance(1.0);
    assert_eq!(poll(&sim, JOB_1).status, 200);

    let invalid = Simulator::builder(Scenario::demo())
        .token_rate_limit(TokenRateLimit {
            requests_per_second: 1.0,
            burst: Some(0),
        })
        .start_blocking();
    assert!(matches!(
        invalid,
        Err(progress_sim::SimError::InvalidScenario(_))
    ));
}
