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
use crate::memory::{Usage, settle, usage};
use crate::plan::Plan;
use crate::webhooks::{self, Receiving};

/// How many more heap bytes a run may leave held than it found.
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
    /// The process's memory before and after the run.
    pub memory: Option<(Usage, Usage)>,
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
    // Read before the cell's jobs and scenario exist, and again once they
    // are gone: they are the run's too.
    let before = usage();
    let started = Instant::now();
    let bound = plan.finite_deadline + Duration::from_secs(30);
    let watchdog = watchdog(kind.name, adapter.name(), bound);
    let mut cell = {
        let (jobs, timelines) = jobs(plan, number);
        let scenario = Scenario::from_json(&scenario(plan, kind, number, timelines))
            .map_err(|error| format!("the scenario of {}: {error}", kind.name))?;
        let sim = Simulator::start_blocking(scenario)
            .map_err(|error| format!("cannot start the simulator: {error}"))?;
        let receiving = match kind.webhook() {
            true => Some(Receiving::start(&sim)?),
            false => None,
        };
        let hub = receiving.as_ref().map(|receiving| &receiving.hub);
        let records = adapter.run(plan, &sim.base_url(), &jobs, hub);
        if hub.is_some() {
            webhooks::settle(&sim);
        }
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
            let mut verdict = check(plan, kind, job, record, sim.served_for(&job.id));
            if let Some(hub) = hub {
                verdict.broken.extend(webhooks::check(&sim, hub, &job.id));
            }
            cell.add(&job.id, verdict);
        }
        if let Some(hub) = hub {
            cell.broken.extend(webhooks::check_cell(&sim, hub));
        }
        // Too few requests can miss a rare kind by chance; enough cannot.
        let expected_faults = served.total() as f64 * kind.counted_rate();
        if expected_faults >= 8.0 && served.faults == 0 {
            cell.broken
                .push("cell: the simulator served no fault of this kind".to_owned());
        }
        cell
        // The simulator stops here, and the jobs go, before the memory is read again.
    };
    drop(watchdog);
    cell.took = started.elapsed();
    if measure_memory {
        settle(before.threads, SETTLE_BOUND);
        check_memory(before, std::slice::from_mut(&mut cell));
    }
    Ok(cell)
}

/// The process's memory now against `before` (read before `cells` ran):
/// whatever the run left behind, every cell of the run says so.
pub fn check_memory(before: Usage, cells: &mut [Cell]) {
    let (after, broken) = settled_usage(before);
    for cell in cells {
        cell.memory = Some((before, after));
        cell.broken.extend(broken.iter().cloned());
    }
}

/// The memory once what the run left to end on its own has ended, read
/// again (at most for [`SETTLE_BOUND`]) while it is past what is allowed.
/// Connections the clients dropped are closed by tasks of their own, and
/// on async-std's and smol's global executors, whose threads never end,
/// such a task (still holding a body's buffers) can outlive the run by a
/// few milliseconds: the heap held then reads high once and then comes
/// back. Held memory that is really kept never comes back. Returns that
/// reading and what it finds left behind.
fn settled_usage(before: Usage) -> (Usage, Vec<String>) {
    let started = std::time::Instant::now();
    loop {
        let after = usage();
        let broken = left_behind(before, after);
        if broken.is_empty() || started.elapsed() >= SETTLE_BOUND {
            return (after, broken);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What a run left held, past what is allowed: heap bytes (what the program
/// still holds, whoever allocated them) and threads (each holds a stack the
/// heap does not count). Resident memory is not checked: it also counts what
/// glibc keeps for reuse after it was freed, which rises to a plateau over
/// the first runs whatever they hold (see `memory::ALLOCATOR_SETTINGS`).
fn left_behind(before: Usage, after: Usage) -> Vec<String> {
    let mut broken = Vec::new();
    if after.heap as f64 > before.heap as f64 * (1.0 + MEMORY_GROWTH_ALLOWED) {
        broken.push(format!(
            "run: the heap grew from {} to {} bytes held over the run",
            before.heap, after.heap
        ));
    }
    if let (Some(before), Some(after)) = (before.threads, after.threads)
        && after > before
    {
        broken.push(format!(
            "run: {after} threads still run after the run, {before} before it"
        ));
    }
    broken
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

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(heap: u64, threads: usize, resident_kib: u64) -> Usage {
        Usage {
            heap,
            threads: Some(threads),
            resident: Some(resident_kib << 10),
        }
    }

    #[test]
    fn a_run_that_frees_what_it_held_passes_however_much_stays_resident() {
        // The first `blocking` cell of a full run: 1 KiB more held (its
        // own record), 11% more resident (freed pages glibc kept).
        let before = usage(150 << 10, 4, 16_896);
        let after = usage(151 << 10, 4, 18_739);
        assert!(left_behind(before, after).is_empty());
    }

    #[test]
    fn a_run_that_keeps_a_tenth_more_heap_is_caught() {
        let before = usage(200_000, 4, 20_480);
        assert!(left_behind(before, usage(220_000, 4, 20_480)).is_empty());
        let broken = left_behind(before, usage(220_001, 4, 20_480));
        assert_eq!(
            broken,
            ["run: the heap grew from 200000 to 220001 bytes held over the run"]
        );
    }

    #[test]
    fn a_thread_left_running_is_caught_though_its_stack_is_not_on_the_heap() {
        let broken = left_behind(usage(200_000, 4, 20_480), usage(200_000, 5, 20_480));
        assert_eq!(
            broken,
            ["run: 5 threads still run after the run, 4 before it"]
        );
    }
}
