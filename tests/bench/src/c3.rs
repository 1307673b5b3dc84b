//! C3: many watches on one client against the platform's Community tier
//! (500 requests a minute and 5,000 an hour per OAuth client), time-scaled:
//! the simulator counts both windows per token, in real seconds divided by
//! the scale, and the clients' ladders are scaled the same way.
//!
//! Ours is given the tier's budgets (scaled) and stretches waits to stay
//! within them; today's client only reacts to the 429s. Both run at once,
//! each against a simulator of its own with the same jobs, which end at
//! seeded random times. Figures: the 429s per minute window once the first
//! hour window has passed (target: at most one), and the delay from a job's
//! end to its observation, mean and p99, in simulated seconds.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use itwin_job_progress::{Client, ErrorKind, EventKind};
use progress_sim::{Scenario, Simulator};

use crate::args::Args;
use crate::figure::Figure;
use crate::watchdog;

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
/// The clients' default ladder, in simulated seconds.
const LADDER: [f64; 4] = [15.0, 30.0, 60.0, 120.0];

pub fn run(args: &Args) -> Result<(), String> {
    watchdog::arm(args.number("limit-seconds")?, "C3");
    let jobs = args.count("jobs")?;
    let scale: f64 = args.number("scale")?;
    let hours: f64 = args.number("hours")?;
    let ends = job_ends(jobs, hours);
    let scenario = scenario(&ends, scale)?;
    let start = |scenario: &Scenario| {
        Simulator::builder(scenario.clone())
            .start_blocking()
            .map_err(|error| error.to_string())
    };
    let (ours_sim, today_sim) = (start(&scenario)?, start(&scenario)?);
    let runtime = crate::runtime::two_workers()?;
    let (ours, today) = runtime.block_on(async {
        let ours = client(&ours_sim, scale, true)?;
        let today = client(&today_sim, scale, false)?;
        let (ours, today) = futures_util::future::join(
            watch(ours, &ours_sim, &ends, Instant::now()),
            watch(today, &today_sim, &ends, Instant::now()),
        )
        .await;
        Ok::<_, String>((ours, today))
    })?;
    let steady = |side: &Side| side.steady_429s_per_window(scale);
    let note = format!(
        "{jobs} jobs ending at random over {hours} simulated hours, time scale {scale}; \
         the simulator's Community windows (500 a minute, 5,000 an hour per token); \
         ours: the tier's budgets, today's: only 429s. 429s: ours {} ({:.2} per minute window \
         after the first hour), today's {} ({:.2}); ends seen: ours {}/{jobs}, today's {}/{jobs}; \
         delay from a job's end to its observation: ours mean {:.0} s p99 {:.0} s, today's \
         mean {:.0} s p99 {:.0} s (simulated)",
        ours.rate_limited.len(),
        steady(&ours),
        today.rate_limited.len(),
        steady(&today),
        ours.seen,
        today.seen,
        ours.mean_delay(),
        ours.p99_delay(),
        today.mean_delay(),
        today.p99_delay(),
    );
    let all_seen = ours.seen == jobs;
    let mut limited = Figure::new(
        "C3 429s",
        &format!(
            "429s per minute window after the first hour, {jobs} watches on the Community tier"
        ),
        "429s",
        steady(&ours),
        Some(steady(&today)),
    );
    limited.target = "<= 1 per window, every end seen".to_owned();
    limited.pass = Some(all_seen && steady(&ours) <= 1.0);
    limited.note(note.clone()).emit()?;
    let mut delay = Figure::new(
        "C3 delay",
        "p99 delay from a job's end to its observation (simulated s), vs a client that only reacts to 429s",
        "s",
        ours.p99_delay(),
        Some(today.p99_delay()),
    );
    delay.target = "report".to_owned();
    delay.note(note).emit()
}

/// Each job's end, in simulated seconds: seeded, between a quarter of an
/// hour and a quarter of an hour before the run's end.
fn job_ends(jobs: usize, hours: f64) -> Vec<f64> {
    let mut random = fastrand::Rng::with_seed(3);
    let (first, last) = (HOUR / 4.0, hours * HOUR - HOUR / 4.0);
    (0..jobs)
        .map(|_| first + random.f64() * (last - first))
        .collect()
}

fn job(index: usize) -> String {
    format!("job-{index:04}")
}

/// Every job active from the start, half done half-way to its end, then done.
fn scenario(ends: &[f64], scale: f64) -> Result<Scenario, String> {
    let jobs: Vec<String> = ends
        .iter()
        .enumerate()
        .map(|(index, end)| {
            format!(
                r#""{}": {{ "points": [
                    {{ "at_seconds": 0, "state": "Active", "percentage": 10 }},
                    {{ "at_seconds": {half}, "state": "Active", "percentage": 50 }},
                    {{ "at_seconds": {end}, "state": "Success", "percentage": 100 }} ] }}"#,
                job(index),
                half = end / 2.0,
            )
        })
        .collect();
    let json = format!(
        r#"{{ "time_scale": {scale},
              "token_window_limits": [
                {{ "requests": 500, "window_seconds": {minute} }},
                {{ "requests": 5000, "window_seconds": {hour} }} ],
              "jobs": {{ {} }} }}"#,
        jobs.join(","),
        minute = MINUTE / scale,
        hour = HOUR / scale,
    );
    Scenario::from_json(&json).map_err(|error| error.to_string())
}

/// A client of the simulator with the ladder scaled; ours with the tier's
/// budgets, scaled the same way.
fn client(sim: &Simulator, scale: f64, budgets: bool) -> Result<Client, String> {
    let scaled = |seconds: f64| Duration::from_secs_f64(seconds / scale);
    let mut builder = Client::builder()
        .base_url(sim.base_url())
        .token(if budgets { "c3-ours" } else { "c3-today" })
        .intervals(LADDER.map(scaled));
    if budgets {
        builder = builder
            .max_requests_per(500, scaled(MINUTE))
            .max_requests_per(5_000, scaled(HOUR));
    }
    builder.build().map_err(|error| error.to_string())
}

/// What one side saw.
#[derive(Debug, Default)]
struct Side {
    /// When each 429 came back, in real seconds from the start.
    rate_limited: Vec<f64>,
    /// Each job's delay from its end to its observation, simulated seconds.
    delays: Vec<f64>,
    seen: usize,
    elapsed: f64,
}

impl Side {
    /// 429s per minute window, after the first hour window.
    fn steady_429s_per_window(&self, scale: f64) -> f64 {
        let (hour, minute) = (HOUR / scale, MINUTE / scale);
        let after = self.rate_limited.iter().filter(|at| **at > hour).count();
        let windows = ((self.elapsed - hour) / minute).max(1.0);
        after as f64 / windows
    }

    fn mean_delay(&self) -> f64 {
        self.delays.iter().sum::<f64>() / self.delays.len().max(1) as f64
    }

    fn p99_delay(&self) -> f64 {
        let mut delays = self.delays.clone();
        delays.sort_by(f64::total_cmp);
        let index = ((delays.len() as f64 * 0.99).ceil() as usize).saturating_sub(1);
        delays.get(index).copied().unwrap_or(0.0)
    }
}

async fn watch(client: Client, sim: &Simulator, ends: &[f64], started: Instant) -> Side {
    let mut side = Side::default();
    let mut events = client.watch_many((0..ends.len()).map(job));
    while let Some(event) = events.next().await {
        let now = started.elapsed().as_secs_f64();
        match &event.kind {
            EventKind::Retrying { error, .. } if error.kind() == ErrorKind::RateLimited => {
                side.rate_limited.push(now);
            }
            EventKind::Finished(Ok(progress)) if progress.is_success() => {
                let index: usize = event.job["job-".len()..].parse().unwrap_or(0);
                side.delays
                    .push((sim.simulated_seconds() - ends[index]).max(0.0));
                side.seen += 1;
            }
            _ => {}
        }
    }
    side.elapsed = started.elapsed().as_secs_f64();
    side
}
