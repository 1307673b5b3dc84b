//! R1: N watches resumed together from saved states whose polls are all
//! long overdue, as after a restart of a service: how many requests the
//! client sends in the first second (against what it may have in flight
//! and its budget), how long until every watch has its first observation,
//! and the size of one state in JSON.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use itwin_job_progress::{EventKind, WatchState};

use crate::args::Args;
use crate::baseline::TOKEN;
use crate::figure::Figure;
use crate::watchdog;

/// The first rung the watches are spread over, as the default ladder's.
const FIRST_RUNG: f64 = 15.0;
/// The client's requests in flight, as by default.
const MAX_IN_FLIGHT: usize = 32;
/// The budget of the second run, in requests a second: below the spread's
/// own rate (n / first rung), so that the budget is what bounds it.
const BUDGET: f64 = 400.0;

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "R1");
    let n = args.count("n")?;
    let base = args.text("url")?;
    let job = args.text("job")?;
    let state = overdue_state(base, job)?;
    let size = state.to_json().len();

    let spread = resume_all(base, &state, n, None)?;
    let first_second = spread
        .iter()
        .filter(|at| **at < Duration::from_secs(1))
        .count();
    let all = spread.iter().max().copied().unwrap_or_default();
    // No budget: max_in_flight at once, the others over the first rung.
    let expected = MAX_IN_FLIGHT as f64 + (n - MAX_IN_FLIGHT.min(n)) as f64 / FIRST_RUNG;
    let mut figure = Figure::new(
        "R1",
        &format!("{n} overdue watches resumed at once: requests in the first second"),
        "requests",
        first_second as f64,
        None,
    )
    .note(format!(
        "max_in_flight {MAX_IN_FLIGHT}, no budget: {MAX_IN_FLIGHT} at once and the rest spread \
         over the {FIRST_RUNG} s first rung ({expected:.0} expected); every watch observed after \
         {:.2} s; one state is {size} bytes of JSON",
        all.as_secs_f64()
    ));
    figure.target = format!("<= 1.25x {expected:.0} (max_in_flight + n / first rung)");
    figure.pass = Some(first_second as f64 <= 1.25 * expected);
    figure.emit()?;

    let budgeted = resume_all(base, &state, n, Some(BUDGET))?;
    let first_second = budgeted
        .iter()
        .filter(|at| **at < Duration::from_secs(1))
        .count();
    let all = budgeted.iter().max().copied().unwrap_or_default();
    let mut figure = Figure::new(
        "R1 budget",
        &format!("{n} overdue watches resumed with a budget of {BUDGET} requests/s: requests in the first second"),
        "requests",
        first_second as f64,
        None,
    )
    .note(format!(
        "every watch observed after {:.2} s",
        all.as_secs_f64()
    ));
    // The bucket may start full: one second's worth at once, one more second's over it.
    figure.target = format!("<= 2x the budget ({})", 2.0 * BUDGET);
    figure.pass = Some(first_second as f64 <= 2.0 * BUDGET);
    figure.emit()?;
    std::process::exit(0);
}

/// A state of `job` saved long ago, its next poll long overdue.
fn overdue_state(base: &str, job: &str) -> Result<WatchState, String> {
    let json = serde_json::json!({
        "format": 1,
        "service": "reality-modeling",
        "api_version": "v2",
        "base_url": base,
        "job": job,
        "last": {"state": "active", "percentage": 50.0, "step": "Reconstruction", "at": "2026-01-01T00:00:00Z"},
        "percentage_changed_at": "2026-01-01T00:00:00Z",
        "rung": 1,
        "next_poll_at": "2026-01-01T00:00:15Z",
        "retry_after_until": null,
        "consecutive_failures": 0,
        "started_at": "2026-01-01T00:00:00Z",
        "deadline_at": null,
        "saved_at": "2026-01-01T00:00:00Z"
    });
    WatchState::from_json(&json.to_string()).map_err(|error| error.to_string())
}

/// Resumes `n` watches from `state` on one client (with `budget`, if any)
/// and returns, for each, when its first observation came.
fn resume_all(
    base: &str,
    state: &WatchState,
    n: usize,
    budget: Option<f64>,
) -> Result<Vec<Duration>, String> {
    let runtime = crate::runtime::two_workers()?;
    runtime.block_on(async {
        let mut builder = itwin_job_progress::Client::builder()
            .base_url(base)
            .token(TOKEN);
        if let Some(budget) = budget {
            builder = builder.max_requests_per_second(budget);
        }
        let client = builder.build().map_err(|error| error.to_string())?;
        let observed = Arc::new(Mutex::new(Vec::with_capacity(n)));
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let mut events = client.resume(state.clone());
            let observed = observed.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(event) = events.next().await {
                    match event.kind {
                        EventKind::Observed(_) => {
                            let at = start.elapsed();
                            observed.lock().unwrap_or_else(|e| e.into_inner()).push(at);
                            return Ok(());
                        }
                        EventKind::Finished(Err(error)) => return Err(error.to_string()),
                        _ => {}
                    }
                }
                Err("the watch ended without an observation".to_owned())
            }));
        }
        for task in tasks {
            task.await.map_err(|error| error.to_string())??;
        }
        let observed = observed.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(observed)
    })
}
