//! How big and how fast a run is: the full matrix or the quick one CI runs.
//!
//! Every job runs on a time-scaled timeline: the simulator's seconds pass
//! `time_scale` times faster than real ones, and the clients poll on a ladder
//! scaled the same way (15, 30, 60, 120 simulated seconds), so a watch of
//! ten-odd polls takes about a real second.

use std::time::Duration;

/// The sizes and timings of one soak.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `quick` or `full`, for the report.
    pub mode: &'static str,
    /// Watches per cell (fault kind x adapter).
    pub jobs: usize,
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// When finite jobs reach their terminal state, in simulated seconds.
    pub finish_between: (u32, u32),
    /// The deadline of a watch of a job that never ends: it must end with
    /// the deadline error.
    pub endless_deadline: Duration,
    /// The deadline of a watch of a job that ends: never reached unless
    /// something hangs.
    pub finite_deadline: Duration,
    /// The clients' request timeout; stalls last longer, trickles shorter.
    pub request_timeout: Duration,
    /// Consecutive transient failures a watch retries.
    pub max_retries: u32,
    /// The seed of the timelines and of the simulator's faults.
    pub seed: u64,
    /// Run the adapters of a row side by side (memory is then measured per row).
    pub parallel: bool,
    /// Only the rows whose fault kind's name contains this.
    pub only: Option<String>,
}

impl Plan {
    pub fn new(quick: bool, jobs: Option<usize>, seed: u64) -> Self {
        if quick {
            Self {
                mode: "quick",
                jobs: jobs.unwrap_or(4),
                time_scale: 4000.0,
                finish_between: (300, 800),
                endless_deadline: Duration::from_millis(500),
                finite_deadline: Duration::from_secs(10),
                request_timeout: Duration::from_millis(300),
                max_retries: 5,
                seed,
                parallel: true,
                only: None,
            }
        } else {
            Self {
                mode: "full",
                jobs: jobs.unwrap_or(200),
                time_scale: 1000.0,
                finish_between: (600, 1500),
                endless_deadline: Duration::from_secs(2),
                finite_deadline: Duration::from_secs(20),
                request_timeout: Duration::from_millis(500),
                max_retries: 5,
                seed,
                parallel: false,
                only: None,
            }
        }
    }

    /// The poll ladder in real time: 15, 30, 60, 120 simulated seconds.
    pub fn intervals(&self) -> Vec<Duration> {
        [15.0, 30.0, 60.0, 120.0]
            .iter()
            .map(|seconds| Duration::from_secs_f64(seconds / self.time_scale))
            .collect()
    }

    /// The safety net of the webhook rows' completion-only watches, in
    /// real time: 600 simulated seconds.
    pub fn safety_net(&self) -> Duration {
        Duration::from_secs_f64(600.0 / self.time_scale)
    }

    /// Real milliseconds as a whole number, for the simulator's fault fields.
    pub fn millis(&self, of: Duration) -> u64 {
        of.as_millis() as u64
    }
}
