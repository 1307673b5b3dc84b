//! `itwin-progress demo`: the whole experience with no account and no network.
//!
//! The simulator (`progress-sim`) serves `Scenario::demo()` on a free loopback
//! port in this process: a job with several steps whose few simulated minutes
//! run in about ten real seconds, with one 429 on the way. The watch polls it
//! on the documented 15/30/60/120 s ladder, shrunk by the same time scale, so
//! the demo polls exactly as a real watch would, only faster.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use progress_model::{DEFAULT_INTERVALS, Error, ErrorKind, JobId, StaticToken};
use progress_sim::{Scenario, Simulator};
use progress_ureq::Client;

use crate::args::Output;
use crate::exit::{self, Ending};
use crate::interrupt::Interrupt;
use crate::stderr::stderr_line;
use crate::{render, report, watch};

/// The simulator accepts any non-empty token; this one is not a secret.
const DEMO_TOKEN: &str = "demo-token";

/// Runs the demo and returns the exit code, as `watch` would.
pub fn run(output: Output, interrupt: &Interrupt) -> u8 {
    let scenario = Scenario::demo();
    // The demo scenario has one job; its name comes from it.
    let Some(job) = scenario.jobs.keys().next().cloned() else {
        stderr_line!("error: the demo scenario has no job");
        return exit::ERROR;
    };
    let rate_limited = Arc::new(AtomicUsize::new(0));
    let intervals = compressed_ladder(scenario.time_scale);

    let simulator = match Simulator::builder(scenario).start_blocking() {
        Ok(simulator) => simulator,
        Err(error) => {
            stderr_line!("error: cannot start the simulator: {error}");
            return exit::ERROR;
        }
    };
    stderr_line!(
        "demo: watching the simulated job `{job}` at {} (polls every {})",
        simulator.base_url(),
        describe_ladder(&intervals),
    );

    let started = Instant::now();
    let ending = match watch_demo(
        &simulator,
        &job,
        intervals,
        output,
        interrupt,
        rate_limited.clone(),
    ) {
        Ok(ending) => ending,
        Err(error) => {
            report::error(&error);
            return exit::ERROR;
        }
    };
    let code = exit::for_ending(&ending);
    match &ending {
        Ending::Finished(progress) => {
            let requests = simulator.requests_for(&job);
            let throttled = rate_limited.load(Ordering::SeqCst);
            stderr_line!(
                "demo: the job ended `{}` after {requests} requests ({throttled} answered 429 and waited out) in {:.1} s",
                progress.state,
                started.elapsed().as_secs_f64(),
            );
        }
        other => report::ending(other),
    }
    code
}

/// The client for the simulator, and the watch; `rate_limited` counts the 429s
/// the watch waited out.
fn watch_demo(
    simulator: &Simulator,
    job: &str,
    intervals: Vec<Duration>,
    output: Output,
    interrupt: &Interrupt,
    rate_limited: Arc<AtomicUsize>,
) -> Result<Ending, Error> {
    let job = JobId::new(job)?;
    let mut renderer = render::for_watch(output);
    let show_retry = renderer.retry_listener();
    let on_retry = move |retry: &progress_model::Retry| {
        if retry.error.kind() == ErrorKind::RateLimited {
            rate_limited.fetch_add(1, Ordering::SeqCst);
        }
        show_retry(retry);
    };
    let client = Client::builder()
        .base_url(simulator.base_url())
        .intervals(intervals)
        .token_provider(interrupt.gate(StaticToken::new(DEMO_TOKEN)))
        .sleeper(interrupt.clone())
        .on_retry(move |retry| on_retry(retry))
        .build()?;
    Ok(watch::run(&client, &job, renderer.as_mut(), interrupt))
}

/// The documented ladder, each rung divided by the simulator's time scale.
fn compressed_ladder(time_scale: f64) -> Vec<Duration> {
    DEFAULT_INTERVALS
        .iter()
        .map(|rung| rung.div_f64(time_scale))
        .collect()
}

/// `625ms, 1.25s, 2.5s, 5s`.
fn describe_ladder(intervals: &[Duration]) -> String {
    let rungs: Vec<String> = intervals.iter().map(|rung| format!("{rung:?}")).collect();
    rungs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_is_compressed_by_the_time_scale() {
        let ladder = compressed_ladder(24.0);
        assert_eq!(
            ladder,
            [625, 1250, 2500, 5000].map(Duration::from_millis).to_vec()
        );
        assert_eq!(describe_ladder(&ladder), "625ms, 1.25s, 2.5s, 5s");
    }
}
