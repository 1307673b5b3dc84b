//! One observation of a job: percentage, state and step.

use crate::JobState;

/// Where a job stood when the service was asked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Progress {
    /// The percentage as the service sent it, or `None` when it sent none.
    /// Servers have sent values outside 0..=100; they are kept as sent.
    pub percentage: Option<f64>,
    /// The state of the job.
    pub state: JobState,
    /// The step the job is in, when the service tells it (v1 services do, v2 don't).
    pub step: Option<String>,
}

impl Progress {
    /// The percentage as a fraction clamped to `0.0..=1.0`, for progress bars.
    ///
    /// ```
    /// # use progress_model::{JobState, Progress};
    /// let p = Progress { percentage: Some(140.0), state: JobState::Active, step: None };
    /// assert_eq!(p.fraction(), Some(1.0));
    /// ```
    pub fn fraction(&self) -> Option<f64> {
        self.percentage.map(|p| (p / 100.0).clamp(0.0, 1.0))
    }

    /// Whether the job has ended (see [`JobState::is_terminal`]).
    pub fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }
}

/// `56% active (Prepare_Production)`; the percentage and the step only when sent.
impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(percentage) = self.percentage {
            write!(f, "{percentage}% ")?;
        }
        f.write_str(self.state.as_str())?;
        if let Some(step) = &self.step {
            write!(f, " ({step})")?;
        }
        Ok(())
    }
}
