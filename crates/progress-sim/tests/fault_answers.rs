//! Faults that answer instead of the service: 5xx bursts, 429 storms,
//! gateway pages, resets and stalls. One test per kind.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

use common::raw::raw_get;
use common::{Reply, get, poll, start_manual};
use progress_sim::Simulator;

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

/// A simulator whose only faults are `faults` (JSON members, seed included).
fn with_faults(faults: &str) -> Simulator {
    let (sim, _clock) = start_manual(&format!(
        r#"{{
            "faults": {{ {faults} }},
            "jobs": {{ "job-1": {{ "points": [ {{ "at_seconds": 0, "state": "active", "percentage": 5 }} ] }} }}
        }}"#
    ));
    sim
}

/// The statuses of `count` requests to the job.
fn statuses(sim: &Simulator, count: usize) -> Vec<u16> {
    (0..count).map(|_| poll(sim, JOB).status).collect()
}

/// A GET of the job by a client that gives up after `timeout`.
fn get_giving_up_after(
    sim: &Simulator,
    timeout: Duration,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into();
    agent
        .get(format!("{}{JOB}", sim.base_url()))
        .header("Authorization", "Bearer token")
        .call()
}

#[test]
fn a_server_error_burst_serves_several_5xx_in_a_row() {
    let sim = with_faults(
        r#""seed": 11, "server_error_burst_rate": 0.1, "server_error_burst_length": 4"#,
    );
    let seen = statuses(&sim, 60);
    let start = seen
        .iter()
        .position(|&status| status >= 500)
        .expect("a burst in 60 requests");
    assert!(
        seen[start..start + 4].iter().all(|&status| status >= 500),
        "{seen:?}"
    );
    assert!(seen.iter().all(|&status| status == 200 || status >= 500));
    assert_eq!(
        sim.served().faults,
        seen.iter().filter(|&&s| s >= 500).count() as u64
    );
}

#[test]
fn a_429_storm_with_retry_after_in_seconds() {
    let sim = with_faults(
        r#""seed": 1, "storm_seconds_rate": 1.0, "storm_length": 3, "storm_retry_after_seconds": 7"#,
    );
    let reply = poll(&sim, JOB);
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "TooManyRequests");
    assert_eq!(reply.header("retry-after"), Some("7"));
    // A storm is a fault, not the rate limit at work.
    assert_eq!(sim.served().faults, 1);
    assert_eq!(sim.rate_limited_for("job-1"), 0);
}

#[test]
fn a_429_storm_lasts_storm_length_requests_of_its_job() {
    let sim = with_faults(r#""seed": 3, "storm_seconds_rate": 0.1, "storm_length": 5"#);
    let seen = statuses(&sim, 80);
    let start = seen
        .iter()
        .position(|&status| status == 429)
        .expect("a storm in 80 requests");
    assert_eq!(seen[start..start + 5], [429; 5], "{seen:?}");
}

#[test]
fn a_429_storm_with_retry_after_as_an_http_date() {
    let sim =
        with_faults(r#""seed": 1, "storm_http_date_rate": 1.0, "storm_retry_after_seconds": 30"#);
    let before = SystemTime::now();
    let reply = poll(&sim, JOB);
    assert_eq!(reply.status, 429);
    let date = reply.header("retry-after").expect("a Retry-After");
    let when =
        httpdate::parse_http_date(date).unwrap_or_else(|_| panic!("{date:?} is an HTTP-date"));
    let wait = when.duration_since(before).expect("in the future");
    assert!(
        (Duration::from_secs(29)..=Duration::from_secs(32)).contains(&wait),
        "{wait:?}"
    );
}

#[test]
fn a_429_storm_without_retry_after() {
    let sim = with_faults(r#""seed": 1, "storm_without_retry_after_rate": 1.0"#);
    let reply = poll(&sim, JOB);
    assert_eq!(reply.status, 429);
    assert_eq!(reply.error_code(), "TooManyRequests");
    assert_eq!(reply.header("retry-after"), None);
}

#[test]
fn a_gateway_answers_an_html_page_with_502_503_or_504() {
    let sim = with_faults(r#""seed": 2, "html_gateway_rate": 1.0"#);
    let replies: Vec<Reply> = (0..12).map(|_| poll(&sim, JOB)).collect();
    for reply in &replies {
        assert!([502, 503, 504].contains(&reply.status), "{}", reply.status);
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(reply.body.starts_with("<html>"), "{}", reply.body);
        assert!(reply.body.contains(&reply.status.to_string()));
        assert_eq!(
            reply.header("x-correlation-id"),
            None,
            "the service never saw it"
        );
    }
    let distinct: std::collections::HashSet<u16> = replies.iter().map(|r| r.status).collect();
    assert!(distinct.len() > 1, "{distinct:?}");
}

#[test]
fn a_reset_before_the_answer_is_a_connection_reset_with_no_byte() {
    let sim = with_faults(r#""seed": 1, "reset_rate": 1.0"#);
    let reply = raw_get(&sim, JOB, &[]);
    assert!(
        reply.bytes.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&reply.bytes)
    );
    assert_eq!(reply.error, Some(ErrorKind::ConnectionReset));
    assert_eq!(sim.served().faults, 1);
}

#[test]
fn a_dropped_connection_ends_cleanly_with_no_byte() {
    let sim = with_faults(r#""seed": 1, "drop_rate": 1.0"#);
    let reply = raw_get(&sim, JOB, &[]);
    assert!(reply.bytes.is_empty());
    assert_eq!(reply.error, None, "a FIN, not a reset");
}

#[test]
fn a_stall_outlasts_the_clients_timeout_then_closes_without_an_answer() {
    let sim = with_faults(r#""seed": 1, "stall_rate": 1.0, "stall_ms": 600"#);
    let timed_out = get_giving_up_after(&sim, Duration::from_millis(150));
    assert!(
        matches!(timed_out, Err(ureq::Error::Timeout(_))),
        "{timed_out:?}"
    );

    let reply = raw_get(&sim, JOB, &[]);
    assert!(reply.bytes.is_empty());
    assert!(
        reply.elapsed >= Duration::from_millis(550),
        "{:?}",
        reply.elapsed
    );
}

/// Found by `cargo xtask soak`: a client that gave up on a stall (as every
/// client with a timeout does) closed the connection before the stall was
/// counted, so `served_for` missed it.
#[test]
fn a_stall_the_client_gives_up_on_is_counted_as_a_fault() {
    let sim = with_faults(r#""seed": 1, "stall_rate": 1.0, "stall_ms": 5000"#);
    for _ in 0..3 {
        let timed_out = get_giving_up_after(&sim, Duration::from_millis(100));
        assert!(
            matches!(timed_out, Err(ureq::Error::Timeout(_))),
            "{timed_out:?}"
        );
    }
    assert_eq!(sim.served_for("job-1").faults, 3);
    assert_eq!(sim.served().total(), 3);
}

#[test]
fn server_errors_are_500_502_503_504_with_json_bodies() {
    let sim = with_faults(r#""seed": 4, "server_error_rate": 1.0"#);
    for _ in 0..8 {
        let reply = get(&sim, JOB, Some("token")).unwrap();
        let expected = match reply.status {
            500 => "InternalServerError",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            other => panic!("{other} is not a simulated server error"),
        };
        assert_eq!(reply.error_code(), expected);
        assert!(reply.header("x-correlation-id").is_some());
    }
}
