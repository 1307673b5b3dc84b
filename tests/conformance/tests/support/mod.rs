//! Jobs on a simulator whose clock the test moves, shared by the tests
//! of many watches on one client.

use std::collections::BTreeMap;

use progress_sim::{ManualSimClock, Scenario, Simulator, TokenRateLimit};

/// `count` jobs, active at 10% from the start and successful from 100 s on.
fn scenario(count: usize) -> Scenario {
    let jobs: BTreeMap<String, serde_json::Value> = (0..count)
        .map(|index| {
            let timeline = serde_json::json!({"points": [
                {"at_seconds": 0, "state": "Active", "percentage": 10},
                {"at_seconds": 100, "state": "Success", "percentage": 100}
            ]});
            (job(index), timeline)
        })
        .collect();
    Scenario::from_json(&serde_json::json!({ "jobs": jobs }).to_string()).unwrap()
}

pub fn job(index: usize) -> String {
    format!("job-{index:04}")
}

pub fn simulator(jobs: usize, limit: Option<TokenRateLimit>) -> (Simulator, ManualSimClock) {
    let clock = ManualSimClock::new();
    let mut builder = Simulator::builder(scenario(jobs)).clock(clock.clone());
    if let Some(limit) = limit {
        builder = builder.token_rate_limit(limit);
    }
    (builder.start_blocking().unwrap(), clock)
}
