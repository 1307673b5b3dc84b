//! P3: requests and detection delay over a simulated 8-hour job, the model's
//! poll machine (the ladder every client follows) against fixed loops and a
//! capped exponential backoff.
//!
//! Computed with the machine and a manual clock, not over sockets: the machine
//! is the whole of the "when to poll" decision, and a clock that jumps makes
//! eight simulated hours take microseconds and repeat exactly per seed.
//!
//! Each trial (seeded): the job ends at an instant drawn between 6 h and 8 h,
//! and its percentage changes 40 times at instants drawn before that.

use std::time::{Duration, Instant, SystemTime};

use itwin_job_progress::core::{Event, EventKind, HttpResponse, Settings, Step, Watch};

use crate::args::Args;
use crate::figure::{Figure, Series};

const HOUR: f64 = 3600.0;
const CHANGES: usize = 40;

/// One simulated job: when its percentage changes, and when it ends.
struct Timeline {
    changes: Vec<f64>,
    end: f64,
}

impl Timeline {
    fn seeded(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let end = 6.0 * HOUR + rng.f64() * 2.0 * HOUR;
        let mut changes: Vec<f64> = (0..CHANGES).map(|_| rng.f64() * end).collect();
        changes.sort_by(f64::total_cmp);
        Self { changes, end }
    }

    /// The body the service would answer at `t` seconds.
    fn body_at(&self, t: f64) -> Vec<u8> {
        if t >= self.end {
            return br#"{"progress":{"percentage":100,"state":"success"}}"#.to_vec();
        }
        let changed = self.changes.iter().filter(|at| **at <= t).count();
        let percentage = changed * 100 / (CHANGES + 1);
        format!(r#"{{"progress":{{"percentage":{percentage},"state":"active"}}}}"#).into_bytes()
    }
}

/// The instants (seconds) at which a strategy sent its requests.
type Requests = Vec<f64>;

/// Our ladder, as the poll machine decides it.
fn ladder(timeline: &Timeline) -> Result<Requests, String> {
    let mut watch = Watch::for_job(&Settings::default(), "p3-job", false);
    let start = Instant::now();
    let mut t = Duration::ZERO;
    let mut requests = Vec::new();
    loop {
        match watch.step(start + t) {
            Step::Fetch(_) => {
                requests.push(t.as_secs_f64());
                let body = timeline.body_at(t.as_secs_f64());
                let response = HttpResponse::new(200, Default::default(), body);
                watch.on_response(start + t, SystemTime::UNIX_EPOCH + t, Ok(response));
            }
            Step::Wait(until) => t = until.saturating_duration_since(start),
            Step::Event(Event {
                kind: EventKind::Finished(outcome),
                ..
            }) => {
                outcome.map_err(|error| error.to_string())?;
                return Ok(requests);
            }
            Step::Event(_) => {}
        }
    }
}

/// A loop that polls until the job ends, waiting `wait(k)` after request k.
fn looped(timeline: &Timeline, wait: impl Fn(u32) -> f64) -> Requests {
    let mut t = 0.0;
    let mut requests = Vec::new();
    for k in 0.. {
        requests.push(t);
        if t >= timeline.end {
            break;
        }
        t += wait(k);
    }
    requests
}

fn backoff(k: u32) -> f64 {
    2f64.powi(k.min(7) as i32).min(120.0)
}

/// Mean requests and mean detection delay of one strategy over the trials.
#[derive(Default)]
struct Totals {
    requests: f64,
    delay: f64,
}

impl Totals {
    fn add(&mut self, requests: &Requests, timeline: &Timeline, trials: usize) {
        self.requests += requests.len() as f64 / trials as f64;
        let observed = requests.last().copied().unwrap_or(f64::NAN);
        self.delay += (observed - timeline.end) / trials as f64;
    }
}

pub fn run(args: &Args) -> Result<(), String> {
    let trials = args.count("trials")?;
    let seed: u64 = args.number("seed")?;
    let names = [
        "fixed 6 s loop",
        "fixed 10 s loop",
        "backoff 1 s doubling to 120 s",
    ];
    let ids = [
        "P3 requests vs 6 s",
        "P3 requests vs 10 s",
        "P3 requests vs backoff",
    ];
    let strategies: [&dyn Fn(u32) -> f64; 3] = [&|_| 6.0, &|_| 10.0, &backoff];
    let mut ours = Totals::default();
    let mut theirs: [Totals; 3] = Default::default();
    let mut series = Vec::new();
    for trial in 0..trials {
        let timeline = Timeline::seeded(seed + trial as u64);
        let requests = ladder(&timeline)?;
        ours.add(&requests, &timeline, trials);
        if trial == 0 {
            series.push(cumulative("ours (15/30/60/120 s ladder)", &requests));
        }
        for ((strategy, totals), name) in strategies.iter().zip(&mut theirs).zip(names) {
            let requests = looped(&timeline, strategy);
            totals.add(&requests, &timeline, trials);
            if trial == 0 {
                series.push(cumulative(name, &requests));
            }
        }
    }
    let setting = format!(
        "mean of {trials} seeded 6-8 h jobs, {CHANGES} changes each; poll machine + manual clock"
    );
    for (index, ((totals, name), id)) in theirs.iter().zip(names).zip(ids).enumerate() {
        let mut requests = Figure::new(
            id,
            &format!("requests per job, ours vs {name}"),
            "requests",
            ours.requests,
            Some(totals.requests),
        )
        .note(setting.clone());
        if index == 0 {
            requests.series = std::mem::take(&mut series);
        }
        requests.emit()?;
    }
    let mut delay = Figure::new(
        "P3 delay",
        "seconds from the terminal state to its observation",
        "s",
        ours.delay,
        Some(theirs[0].delay),
    );
    delay.note = format!(
        "baseline: fixed 6 s loop; 10 s loop {:.1} s, backoff {:.1} s; {setting}",
        theirs[1].delay, theirs[2].delay
    );
    delay.emit()
}

/// Requests so far against hours, for the chart: at most about 500 points a
/// line (a 6 s loop sends thousands), always with the last one.
fn cumulative(name: &str, requests: &Requests) -> Series {
    let step = requests.len().div_ceil(500).max(1);
    let last = requests.len().saturating_sub(1);
    Series {
        name: name.to_owned(),
        points: requests
            .iter()
            .enumerate()
            .filter(|(count, _)| count.is_multiple_of(step) || *count == last)
            .map(|(count, t)| (t / HOUR, (count + 1) as f64))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_job_every_time() {
        let (a, b) = (Timeline::seeded(7), Timeline::seeded(7));
        assert_eq!(a.end, b.end);
        assert_eq!(a.changes, b.changes);
        assert!((6.0 * HOUR..=8.0 * HOUR).contains(&a.end));
        assert!(a.changes.iter().all(|at| *at < a.end));
    }

    #[test]
    fn the_ladder_sees_the_end_within_a_top_rung_and_asks_far_less_than_a_6_s_loop() {
        let timeline = Timeline::seeded(1);
        let ladder = ladder(&timeline).unwrap();
        let fixed = looped(&timeline, |_| 6.0);
        let seen = *ladder.last().unwrap();
        assert!(
            seen >= timeline.end && seen - timeline.end <= 120.0,
            "{seen}"
        );
        assert!(
            ladder.len() * 5 < fixed.len(),
            "{} vs {}",
            ladder.len(),
            fixed.len()
        );
    }

    #[test]
    fn the_backoff_doubles_from_one_second_to_a_cap_of_120() {
        let waits: Vec<f64> = (0..10).map(backoff).collect();
        assert_eq!(
            waits,
            [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 120.0, 120.0, 120.0]
        );
    }
}
