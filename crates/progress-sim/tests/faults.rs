//! Seeded faults: the same seed replays the same run.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{get, start_manual};

const JOB: &str = "/reality-modeling/jobs/job-1/progress";

fn scenario(seed: u64) -> String {
    format!(
        r#"{{
            "faults": {{ "seed": {seed}, "server_error_rate": 0.2, "drop_rate": 0.2, "malformed_rate": 0.2 }},
            "jobs": {{ "job-1": {{ "points": [ {{ "at_seconds": 0, "state": "active", "percentage": 5 }} ] }} }}
        }}"#
    )
}

/// What a client would make of each of `count` requests.
fn outcomes(seed: u64, count: usize) -> Vec<String> {
    let (sim, _clock) = start_manual(&scenario(seed));
    let outcomes: Vec<String> = (0..count)
        .map(|_| match get(&sim, JOB, Some("token")) {
            Err(_) => "dropped".to_owned(),
            Ok(reply) if reply.status == 200 => {
                match serde_json::from_str::<serde_json::Value>(&reply.body) {
                    Ok(_) => "200".to_owned(),
                    Err(_) => format!("200 malformed {}", reply.body),
                }
            }
            Ok(reply) => format!("{} {}", reply.status, reply.error_code()),
        })
        .collect();
    // Faulted requests are still requests, and counted as faults.
    assert_eq!(sim.requests_for("job-1"), count as u64);
    let faults = outcomes.iter().filter(|o: &&String| *o != "200").count();
    assert_eq!(sim.served_for("job-1").faults, faults as u64);
    assert_eq!(sim.served().ok, (count - faults) as u64);
    outcomes
}

#[test]
fn the_same_seed_gives_the_same_sequence_and_another_seed_another() {
    let first = outcomes(7, 40);
    assert_eq!(outcomes(7, 40), first);
    assert_ne!(outcomes(8, 40), first);
}

#[test]
fn every_kind_of_fault_shows_up_and_looks_like_the_real_thing() {
    let seen = outcomes(7, 40);
    assert!(seen.iter().any(|o| o == "200"), "{seen:?}");
    assert!(seen.iter().any(|o| o == "dropped"), "{seen:?}");
    assert!(
        seen.iter()
            .any(|o| o.starts_with(r#"200 malformed {"progress":"#)),
        "{seen:?}"
    );
    let server_errors = [
        "500 InternalServerError",
        "502 BadGateway",
        "503 ServiceUnavailable",
        "504 GatewayTimeout",
    ];
    assert!(
        seen.iter().any(|o| server_errors.contains(&o.as_str())),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|o| o == "200"
            || o == "dropped"
            || o.starts_with("200 malformed")
            || server_errors.contains(&o.as_str())),
        "{seen:?}"
    );
}

#[test]
fn slow_answers_take_at_least_the_configured_delay() {
    let (sim, _clock) = start_manual(
        r#"{
            "faults": { "seed": 1, "slow_rate": 1.0, "slow_ms": 150 },
            "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } }
        }"#,
    );
    let started = Instant::now();
    let reply = get(&sim, JOB, Some("token")).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(reply.status, 200, "a slow answer is still an answer");
}

#[test]
fn a_dropped_connection_closes_without_a_single_byte() {
    let (sim, _clock) = start_manual(
        r#"{
            "faults": { "seed": 1, "drop_rate": 1.0 },
            "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } }
        }"#,
    );
    let mut stream = TcpStream::connect(sim.address()).unwrap();
    write!(
        stream,
        "GET {JOB} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\n\r\n"
    )
    .unwrap();
    let mut received = Vec::new();
    // Ends with EOF or a reset, either way before any response.
    let _ = stream.read_to_end(&mut received);
    assert_eq!(String::from_utf8_lossy(&received), "");
    assert_eq!(sim.requests_for("job-1"), 1);
}
