//! One observation of a job: percentage, state and step.

use crate::state::{JobState, write_escaped};

/// Where a job stood when the service was asked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
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
    /// A job in `state`, with no percentage or step (add them with
    /// [`Progress::with_percentage`] and [`Progress::with_step`]): for tests
    /// and simulations of your own.
    ///
    /// ```
    /// # use progress_model::{JobState, Progress};
    /// let p = Progress::new(JobState::Active).with_percentage(56.0).with_step("Tiling");
    /// assert_eq!(p.to_string(), "56% active (Tiling)");
    /// ```
    pub fn new(state: JobState) -> Self {
        Self {
            percentage: None,
            state,
            step: None,
        }
    }

    /// The same progress at `percentage`.
    pub fn with_percentage(mut self, percentage: f64) -> Self {
        self.percentage = Some(percentage);
        self
    }

    /// The same progress in `step`.
    pub fn with_step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// The percentage as a fraction clamped to `0.0..=1.0`, for progress bars.
    ///
    /// ```
    /// # use progress_model::{JobState, Progress};
    /// let p = Progress::new(JobState::Active).with_percentage(140.0);
    /// assert_eq!(p.fraction(), Some(1.0));
    /// ```
    pub fn fraction(&self) -> Option<f64> {
        self.percentage.map(|p| (p / 100.0).clamp(0.0, 1.0))
    }

    /// Whether the job has ended (see [`JobState::is_terminal`]).
    pub fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }

    /// Whether the job ended well: `success`. (`over`, which ContextCapture
    /// sends, ends a job without saying how, so it is neither a success nor a
    /// failure.)
    pub fn is_success(&self) -> bool {
        self.state == JobState::Success
    }

    /// Whether the job ended without its result: `failed` or `cancelled`.
    /// Checking this rather than `state == Failed` keeps a cancelled job from
    /// passing for a finished one.
    ///
    /// ```
    /// # use progress_model::{JobState, Progress};
    /// let cancelled = Progress::new(JobState::Cancelled);
    /// assert!(cancelled.is_failure() && !cancelled.is_success());
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self.state, JobState::Failed | JobState::Cancelled)
    }
}

/// `56% active (Prepare_Production)`; the percentage and the step only when
/// sent. Control characters in the state or step are escaped (`\n`, `\u{1b}`):
/// the text comes from a server and must not move a terminal's cursor or fake
/// a second line in a log.
impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(percentage) = self.percentage {
            write!(f, "{percentage}% ")?;
        }
        write_escaped(f, self.state.as_str())?;
        if let Some(step) = &self.step {
            f.write_str(" (")?;
            write_escaped(f, step)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`) and everything
/// else as is: for showing text a server sent on a terminal or in a log line.
pub fn escape_controls(text: &str) -> String {
    struct Escaped<'a>(&'a str);
    impl std::fmt::Display for Escaped<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write_escaped(f, self.0)
        }
    }
    Escaped(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_escapes_control_characters_from_the_server() {
        let progress = Progress {
            percentage: Some(5.0),
            state: JobState::parse("act\u{1b}[2Jive"),
            step: Some("x)\n100% success (Export".into()),
        };
        let shown = progress.to_string();
        assert!(
            !shown.contains('\n') && !shown.contains('\u{1b}'),
            "{shown}"
        );
        assert_eq!(shown, "5% act\\u{1b}[2Jive (x)\\n100% success (Export)");
    }

    #[test]
    fn success_and_failure_cover_the_terminal_states() {
        let ended = |raw| Progress {
            percentage: None,
            state: JobState::parse(raw),
            step: None,
        };
        assert!(ended("success").is_success() && !ended("success").is_failure());
        for raw in ["failed", "cancelled"] {
            assert!(ended(raw).is_failure() && !ended(raw).is_success(), "{raw}");
        }
        for raw in ["over", "active", "terminatingonfailure"] {
            assert!(
                !ended(raw).is_failure() && !ended(raw).is_success(),
                "{raw}"
            );
        }
    }

    #[test]
    fn deserializes_what_it_serializes() {
        let progress = Progress {
            percentage: Some(56.5),
            state: JobState::parse("Prepare"),
            step: Some("Export".into()),
        };
        let json = serde_json::to_string(&progress).unwrap();
        assert_eq!(serde_json::from_str::<Progress>(&json).unwrap(), progress);
    }

    #[test]
    fn fraction_is_clamped_and_absent_without_a_percentage() {
        let at = |percentage| Progress {
            percentage,
            state: JobState::Active,
            step: None,
        };
        assert_eq!(at(Some(-5.0)).fraction(), Some(0.0));
        assert_eq!(at(Some(56.0)).fraction(), Some(0.56));
        assert_eq!(at(None).fraction(), None);
    }
}
