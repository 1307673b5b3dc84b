//! Starting on a free port, counting requests, and stopping for good.

mod common;

use std::collections::BTreeMap;
use std::net::TcpStream;

use common::{get, poll, start_manual};
use progress_sim::{Scenario, Simulator};

const SCENARIO: &str =
    r#"{ "jobs": { "job-1": { "points": [ { "at_seconds": 0, "state": "active" } ] } } }"#;

#[test]
fn starts_on_a_free_loopback_port() {
    let (first, _) = start_manual(SCENARIO);
    let (second, _) = start_manual(SCENARIO);
    assert!(first.address().ip().is_loopback());
    assert_ne!(first.address().port(), 0);
    assert_ne!(first.address(), second.address());
    assert_eq!(
        first.base_url(),
        format!("http://127.0.0.1:{}", first.address().port())
    );
}

#[test]
fn counts_every_request_per_job_id() {
    let (sim, _clock) = start_manual(SCENARIO);
    poll(&sim, "/reality-modeling/jobs/job-1/progress");
    poll(&sim, "/reality-modeling/jobs/job-1/progress");
    get(&sim, "/reality-modeling/jobs/job-1/progress", None).unwrap(); // 401, still counted
    poll(&sim, "/reality-modeling/jobs/unknown/progress");
    poll(&sim, "/not/a/route");
    assert_eq!(sim.requests_for("job-1"), 3);
    assert_eq!(sim.requests_for("never-asked"), 0);
    assert_eq!(
        sim.request_counts(),
        BTreeMap::from([("job-1".to_owned(), 3), ("unknown".to_owned(), 1)])
    );
}

#[test]
fn a_dropped_blocking_simulator_refuses_connections() {
    let (sim, _clock) = start_manual(SCENARIO);
    let address = sim.address();
    assert_eq!(poll(&sim, "/svc/jobs/job-1/progress").status, 200);
    drop(sim);
    assert!(TcpStream::connect(address).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_simulator_refuses_connections_after_shutdown() {
    let sim = Simulator::start(Scenario::demo()).await.unwrap();
    let address = sim.address();
    assert!(tokio::net::TcpStream::connect(address).await.is_ok());
    sim.shutdown().await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}

#[test]
fn dropping_an_async_simulator_after_its_runtime_neither_panics_nor_blocks() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime
        .block_on(Simulator::start(Scenario::demo()))
        .unwrap();
    let address = sim.address();
    drop(runtime); // takes the server task, and its listener, with it
    drop(sim);
    assert!(TcpStream::connect(address).is_err());
}

#[test]
fn an_invalid_scenario_is_refused_before_binding() {
    let mut scenario = Scenario::demo();
    scenario.time_scale = -1.0;
    assert!(matches!(
        Simulator::start_blocking(scenario),
        Err(progress_sim::SimError::InvalidScenario(_))
    ));
}
