//! The one line that stands for every job under the bars:
//! `312 jobs: 280 active, 20 success, 7 failed, 5 cancelled`.

use std::fmt;

use progress_model::{Error, JobState, Progress};

/// How many jobs are watched, and how the finished ones ended.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Every job whose watch began.
    jobs: usize,
    success: usize,
    failed: usize,
    cancelled: usize,
    /// Ended `over` (ContextCapture): shown only when there are some.
    over: usize,
    /// Watches that ended with an error: shown only when there are some.
    errors: usize,
}

impl Summary {
    /// A job's watch began.
    pub fn started(&mut self) {
        self.jobs += 1;
    }

    /// A job's watch ended so.
    pub fn finished(&mut self, outcome: &Result<Progress, Error>) {
        let count = match outcome {
            Ok(progress) => match progress.state {
                JobState::Success => &mut self.success,
                JobState::Failed => &mut self.failed,
                JobState::Cancelled => &mut self.cancelled,
                JobState::Over => &mut self.over,
                _ => &mut self.errors,
            },
            Err(_) => &mut self.errors,
        };
        *count += 1;
    }

    /// The jobs not finished yet.
    fn active(&self) -> usize {
        let ended = self.success + self.failed + self.cancelled + self.over + self.errors;
        self.jobs.saturating_sub(ended)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.jobs == 1 { "job" } else { "jobs" };
        write!(
            f,
            "{} {noun}: {} active, {} success, {} failed, {} cancelled",
            self.jobs,
            self.active(),
            self.success,
            self.failed,
            self.cancelled
        )?;
        if self.over > 0 {
            write!(f, ", {} over", self.over)?;
        }
        if self.errors > 0 {
            let noun = if self.errors == 1 { "error" } else { "errors" };
            write!(f, ", {} {noun}", self.errors)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_job_once_and_the_rest_only_when_there_are_some() {
        let mut summary = Summary::default();
        for _ in 0..5 {
            summary.started();
        }
        summary.finished(&Ok(Progress::new(JobState::Success)));
        summary.finished(&Ok(Progress::new(JobState::Failed)));
        assert_eq!(
            summary.to_string(),
            "5 jobs: 3 active, 1 success, 1 failed, 0 cancelled"
        );
        summary.finished(&Err(Error::cancelled()));
        assert_eq!(
            summary.to_string(),
            "5 jobs: 2 active, 1 success, 1 failed, 0 cancelled, 1 error"
        );
    }
}
