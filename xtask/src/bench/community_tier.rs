//! C3: many watches on one client against the Community tier's windows
//! (500 a minute, 5,000 an hour), time-scaled; ours with the tier's budgets
//! against a client that only reacts to 429s. The measuring program runs
//! both simulators itself (with the same jobs, a window count each).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::bounded;
use super::plan::Plan;

/// The time bound of one C3 run: its simulated hours at its scale, twice,
/// plus the simulators' and the clients' start.
pub fn time_bound(plan: &Plan) -> Duration {
    let real = plan.c3_hours * 3600.0 / plan.c3_scale;
    Duration::from_secs_f64(2.0 * real + 30.0)
}

/// Runs C3; the figures' lines.
pub fn measure(bench: &Path, plan: &Plan) -> Result<String, String> {
    let limit = time_bound(plan);
    let mut command = Command::new(bench);
    command.args([
        "c3",
        "--jobs",
        &plan.c3_jobs.to_string(),
        "--scale",
        &plan.c3_scale.to_string(),
        "--hours",
        &plan.c3_hours.to_string(),
        "--limit-seconds",
        &(limit.as_secs() - 5).to_string(),
    ]);
    bounded::output("C3", &mut command, limit)
}
