//! One cell of the matrix: a fault kind against an adapter, with its own
//! simulator, and what its watches came to.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use progress_sim::{Scenario, Simulator};

use crate::adapters::Adapter;
use crate::check::{Verdict, check};
use crate::jobs::{jobs, scenario};
use crate::kinds::FaultKind;
use crate::memory::{resident_bytes, settle, threads};
use crate::plan::Plan;

/// How much more resident memory a run may leave behind than it found.
const MEMORY_GROWTH_ALLOWED: f64 = 0.10;
/// How long a run's idle runtime threads get to end before memory is read.
pub const SETTLE_BOUND: Duration = Duration::from_secs(3);

/// A cell's figures and broken invariants.
#[derive(Debug)]
pub struct Cell {
    pub kind: &'static str,
    pub adapter: &'static str,
    pub jobs: usize,
    /// Terminal states observed, by state.
    pub terminal: BTreeMap<String, usize>,
    /// Typed errors the watches ended with, by kind.
    pub errors: BTreeMap<&'static str, usize>,
    /// Requests the server answered (or dropped).
    pub requests: u64,
    /// Of those, answers an injected fault changed.
    pub faults: u64,
    pub max_lateness: Duration,
    /// Resident memory before and after the run, in bytes.
    pub memory: Option<(u64, u64)>,
    pub took: Duration,
    /// `job: what broke`, for every broken invariant.
    pub broken: Vec<String>,
}

impl Cell {
    pub fn passed(&self) -> bool {
        self.broken.is_empty()
    }
}

/// Runs one cell. With `measure_memory`, the cell runs alone and checks
/// that it leaves the process's memory as it found it; cells that run side
/// by side are measured together by their caller ([`check_memory`]).
pub fn run(
    plan: &Plan,
    kind: &FaultKind,
    adapter: Adapter,
    number: u64,
    measure_memory: bool,
) -> Result<Cell, String> {
    let (jobs, timelines) = jobs(plan, number);
    let scenario = Scenario::from_json(&scenario(plan, kind, number, timelines))
        .map_err(|error| format!("the scenario of {}: {error}", kind.name))?;
    let threads_before = threads();
    let before = resident_bytes();
    let started = Instant::now();
    let bound = plan.finite_deadline + Duration::from_secs(30);
    let watchdog = watchdog(kind.name, adapter.name(), bound);
    let mut cell = {
        let sim = Simulator::start_blocking(scenario)
            .map_err(|error| format!("cannot start the simulator: {error}"))?;
        let records = adapter.run(plan, &sim.base_url(), &jobs);
        let served = sim.served();
        let mut cell = Cell {
            kind: kind.name,
            adapter: adapter.name(),
            jobs: jobs.len(),
            terminal: BTreeMap::new(),
            errors: BTreeMap::new(),
            requests: served.total(),
            faults: served.faults,
            max_lateness: Duration::ZERO,
            memory: None,
            took: Duration::ZERO,
            broken: Vec::new(),
        };
        for record in &records {
            let job = &jobs[record.job];
            let verdict = check(plan, kind, job, record, sim.served_for(&job.id));
            cell.add(&job.id, verdict);
        }
        // Too few requests can miss a rare kind by chance; enough cannot.
        let expected_faults = served.total() as f64 * kind.counted_rate();
        if expected_faults >= 8.0 && served.faults == 0 {
            cell.broken
                .push("cell: the simulator served no fault of this kind".to_owned());
        }
        cell
        // The simulator stops here, before the memory is read again.
    };
    drop(watchdog);
    cell.took = started.elapsed();
    if measure_memory {
        settle(threads_before, SETTLE_BOUND);
        check_memory(before, std::slice::from_mut(&mut cell));
    }
    Ok(cell)
}

/// Resident memory now against `before` (read before `cells` ran): past
/// the allowed growth, every cell of the run says so.
pub fn check_memory(before: Option<u64>, cells: &mut [Cell]) {
    let (Some(before), Some(after)) = (before, resident_bytes()) else {
        return;
    };
    for cell in cells {
        cell.memory = Some((before, after));
        if after as f64 > before as f64 * (1.0 + MEMORY_GROWTH_ALLOWED) {
            cell.broken.push(format!(
                "run: resident memory grew from {} to {} KiB over the run",
                before / 1024,
                after / 1024
            ));
        }
    }
}

impl Cell {
    fn add(&mut self, job: &str, verdict: Verdict) {
        if let Some(state) = verdict.terminal {
            *self.terminal.entry(state).or_default() += 1;
        }
        if let Some(error) = verdict.error {
            *self.errors.entry(error.as_str()).or_default() += 1;
        }
        self.max_lateness = self.max_lateness.max(verdict.lateness);
        self.broken.extend(
            verdict
                .broken
                .into_iter()
                .map(|broken| format!("{job}: {broken}")),
        );
    }
}

/// Ends the process if a cell runs past `bound`: a hang is a failure of its
/// own, reported as such, and nothing must be left running.
fn watchdog(kind: &'static str, adapter: &'static str, bound: Duration) -> mpsc::Sender<()> {
    let (done, finished) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(bound) {
            eprintln!(
                "soak: the cell {kind} x {adapter} did not finish within {} s: a watch hangs",
                bound.as_secs()
            );
            std::process::exit(3);
        }
    });
    done
}
