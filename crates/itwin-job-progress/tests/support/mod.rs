//! Setup the facade's tests share: the simulated service on a clock the
//! test moves, so a job of minutes or days runs at once.

// Each test binary compiles this module and uses only its own part of it.
#![allow(dead_code)]

use std::time::Duration;

use itwin_job_progress::ManualClock;
use progress_sim::{ManualSimClock, Scenario, Simulator};

/// A simulator of `scenario` (its JSON) on a clock the client's sleeper moves.
pub fn simulator_of(scenario: &str) -> (Simulator, ManualSimClock) {
    simulator_for(Scenario::from_json(scenario).unwrap())
}

/// A simulator of `scenario` on a clock the client's sleeper moves.
pub fn simulator_for(scenario: Scenario) -> (Simulator, ManualSimClock) {
    Simulator::start_manual(scenario).unwrap()
}

/// `job` is answered 429 on its second request and succeeds at 40 s.
pub fn rate_limited_once(job: &str) -> String {
    format!(
        r#"{{ "jobs": {{ "{job}": {{ "rate_limited_requests": [2], "points": [
            {{ "at_seconds": 0, "state": "active", "percentage": 5 }},
            {{ "at_seconds": 40, "state": "success", "percentage": 100 }}
        ] }} }} }}"#
    )
}

/// Moves both clocks, the simulator's and the client's, by a wait: the client
/// fixes each wait as an instant on its clock, so with a clock that did not
/// move it would see real time pass and ask for a little less.
pub fn advance(sim_clock: &ManualSimClock, client_clock: &ManualClock, wait: Duration) {
    sim_clock.advance(wait.as_secs_f64());
    client_clock.advance(wait);
}
