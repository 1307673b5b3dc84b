//! The jobs of one cell and the scenario the simulator serves them from.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::kinds::FaultKind;
use crate::plan::Plan;

/// One watched job: its own token (a revoked token ends only its watch) and
/// what the server will end it with.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub token: String,
    /// The terminal state the timeline ends in (`None`: it never ends).
    pub terminal: Option<&'static str>,
    pub deadline: Duration,
}

/// Every eighth job (the third of each eight) never ends: its watch must
/// end with the deadline error, on time.
fn never_ends(index: usize) -> bool {
    index % 8 == 2
}

pub fn jobs(plan: &Plan, cell: u64) -> (Vec<Job>, Value) {
    let mut rng = fastrand::Rng::with_seed(plan.seed ^ cell.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut jobs = Vec::with_capacity(plan.jobs);
    let mut timelines = Map::new();
    for index in 0..plan.jobs {
        let id = format!("soak-{cell}-{index}");
        let (terminal, points) = if never_ends(index) {
            let points = json!([
                { "at_seconds": 0, "state": "unsubmitted" },
                { "at_seconds": 20, "state": "active", "percentage": 5, "step": "Prepare_Production" },
            ]);
            (None, points)
        } else {
            let end = rng.u32(plan.finish_between.0..=plan.finish_between.1);
            let terminal = match rng.u8(0..10) {
                0..=5 => "success",
                6..=7 => "failed",
                _ => "cancelled",
            };
            let last = if terminal == "success" { 100 } else { 60 };
            let points = json!([
                { "at_seconds": 0, "state": "unsubmitted" },
                { "at_seconds": end / 8, "state": "active", "percentage": 10, "step": "Prepare_Production" },
                { "at_seconds": end / 3, "state": "active", "percentage": 40, "step": "Reconstruction" },
                { "at_seconds": end * 2 / 3, "state": "active", "percentage": 60, "step": "Tiling" },
                { "at_seconds": end, "state": terminal, "percentage": last },
            ]);
            (Some(terminal), points)
        };
        timelines.insert(id.clone(), json!({ "points": points }));
        let deadline = match terminal {
            Some(_) => plan.finite_deadline,
            None => plan.endless_deadline,
        };
        jobs.push(Job {
            token: format!("token-{cell}-{index}"),
            id,
            terminal,
            deadline,
        });
    }
    (jobs, Value::Object(timelines))
}

/// The simulator's scenario for a cell: the jobs and the row's faults.
pub fn scenario(plan: &Plan, kind: &FaultKind, cell: u64, timelines: Value) -> String {
    let seed = plan.seed.wrapping_add(cell);
    let mut scenario = json!({
        "time_scale": plan.time_scale,
        "faults": kind.faults(plan, seed),
        "jobs": timelines,
    });
    if let Some(deliveries) = kind.webhook_deliveries(plan, seed) {
        scenario["webhook_deliveries"] = deliveries;
    }
    scenario.to_string()
}
