//! `progress-soak`: the fault matrix behind `cargo xtask soak`.
//!
//! Every fault kind of `progress-sim`, then all of them mixed, against every
//! adapter (blocking, tokio current-thread, tokio multi-thread, async-std,
//! smol). Each cell starts its own simulator in this process (so each
//! watch's invariants are read against what the server served that very
//! job), runs its watches at once on time-scaled timelines, checks every
//! watch, and stops the simulator. The matrix goes to stdout and to
//! `report.md` in `--out`; the exit code is 1 if any invariant broke.
//!
//! ```text
//! progress-soak [--quick] [--jobs N] [--seed N] [--only KIND] [--out DIR]
//! ```

mod adapters;
mod cell;
mod check;
mod jobs;
mod kinds;
mod memory;
mod plan;
mod record;
mod report;
mod webhooks;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use plan::Plan;

/// Panics anywhere in the process, the clients' own tasks included.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn main() -> ExitCode {
    if let Some(code) = memory::rerun_with_allocator_settings() {
        return code;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (plan, out) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!(
                "error: {message}\nusage: progress-soak [--quick] [--jobs N] [--seed N] [--only KIND] [--out DIR]"
            );
            return ExitCode::from(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    match run(&plan, &out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the matrix; whether every invariant held.
fn run(plan: &Plan, out: &std::path::Path) -> Result<bool, String> {
    let started = Instant::now();
    let rows = kinds::rows();
    let mut cells = Vec::new();
    println!(
        "soak ({}): {} fault kinds + mixed x {} adapters, {} jobs per cell",
        plan.mode,
        rows.len() - 1,
        adapters::ALL.len(),
        plan.jobs
    );
    // One unreported cell per adapter first: runtimes, thread pools and the
    // allocator's first arenas are set up once per process, not per run,
    // and would otherwise read as growth in the first cells.
    if let Some(first) = rows.iter().find(|kind| selected(plan, kind)) {
        run_row(plan, first, u64::MAX - 8)?;
    }
    for (row, kind) in rows.iter().enumerate() {
        if !selected(plan, kind) {
            continue;
        }
        for cell in run_row(plan, kind, (row * adapters::ALL.len()) as u64)? {
            println!(
                "{:<28} {:<22} {:>4} jobs {:>6} requests {:>5.1} s  {}",
                cell.kind,
                cell.adapter,
                cell.jobs,
                cell.requests,
                cell.took.as_secs_f64(),
                if cell.passed() { "pass" } else { "FAIL" }
            );
            for broken in cell.broken.iter().take(5) {
                println!("    {broken}");
            }
            cells.push(cell);
        }
    }
    let panics = PANICS.load(Ordering::SeqCst);
    let report = report::report(plan, &cells, started.elapsed(), panics);
    println!("\n{}", report::matrix(&cells));
    std::fs::create_dir_all(out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let path = out.join("report.md");
    std::fs::write(&path, report)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    let failed = cells.iter().filter(|cell| !cell.passed()).count();
    println!(
        "soak ({}): {} cells, {failed} failed, {panics} panics, in {:.0} s; report in {}",
        plan.mode,
        cells.len(),
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(failed == 0 && panics == 0)
}

/// One fault kind against every adapter: one after the other, or side by
/// side (each with its own simulator) with memory measured over the row.
fn run_row(plan: &Plan, kind: &kinds::FaultKind, first: u64) -> Result<Vec<cell::Cell>, String> {
    let numbered = adapters::ALL.iter().zip(first..);
    if !plan.parallel {
        return numbered
            .map(|(adapter, number)| cell::run(plan, kind, *adapter, number, true))
            .collect();
    }
    let before = memory::usage();
    let mut cells = std::thread::scope(|scope| {
        let runs: Vec<_> = numbered
            .map(|(adapter, number)| {
                scope.spawn(move || cell::run(plan, kind, *adapter, number, false))
            })
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|_| Err("a cell panicked".to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    memory::settle(before.threads, cell::SETTLE_BOUND);
    cell::check_memory(before, &mut cells);
    Ok(cells)
}

fn selected(plan: &Plan, kind: &kinds::FaultKind) -> bool {
    plan.only
        .as_ref()
        .is_none_or(|only| kind.name.contains(only.as_str()))
}

fn parse(args: &[String]) -> Result<(Plan, PathBuf), String> {
    let mut quick = false;
    let mut jobs = None;
    let mut seed = 12;
    let mut only = None;
    let mut out = PathBuf::from("target/soak");
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .cloned()
                .ok_or(format!("`{name}` needs a value"))
        };
        match arg.as_str() {
            "--quick" => quick = true,
            "--jobs" => {
                let text = value("--jobs")?;
                let count: usize = text
                    .parse()
                    .map_err(|_| format!("`--jobs` needs a whole number, got `{text}`"))?;
                if count == 0 {
                    return Err("`--jobs` needs at least 1".to_owned());
                }
                jobs = Some(count);
            }
            "--seed" => {
                let text = value("--seed")?;
                seed = text
                    .parse()
                    .map_err(|_| format!("`--seed` needs a whole number, got `{text}`"))?;
            }
            "--only" => only = Some(value("--only")?),
            "--out" => out = PathBuf::from(value("--out")?),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let mut plan = Plan::new(quick, jobs, seed);
    plan.only = only;
    Ok((plan, out))
}
