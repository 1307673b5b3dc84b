//! Lines prefixed with the job: observations on stdout, retries and errors
//! on stderr (stdout keeps only observations, for programs reading it).

use std::io::{self, Write};

use progress_model::{Event, EventKind};

use super::EventRenderer;
use crate::report;
use crate::stderr::{self, stderr_line};

/// `job-1: 56% active (Prepare_Production)`, one line per observation.
#[derive(Debug)]
pub struct PlainLines<W> {
    out: W,
}

impl<W: Write> PlainLines<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> EventRenderer for PlainLines<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        match &event.kind {
            EventKind::Observed(progress) => {
                writeln!(self.out, "{}: {progress}", event.job)?;
                self.out.flush()
            }
            EventKind::Retrying { .. } => {
                // `job-1: retrying in 2.7 s (gives up after about 6 min of failures): ...`
                if let Some(retry) = event.retry() {
                    stderr_line!("{}: {retry}", event.job);
                }
                Ok(())
            }
            EventKind::Finished(Err(error)) => {
                stderr::write_str(&report::describe(error));
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use progress_model::{JobState, Progress};

    use super::*;

    #[test]
    fn prefixes_each_observation_with_its_job() {
        let mut plain = PlainLines::new(Vec::new());
        let mut progress = Progress::new(JobState::Active);
        progress.percentage = Some(56.0);
        for job in ["job-1", "job-2"] {
            let event = Event::new(job, EventKind::Observed(progress.clone()));
            plain.event(&event).unwrap();
        }
        assert_eq!(
            String::from_utf8(plain.out).unwrap(),
            "job-1: 56% active\njob-2: 56% active\n"
        );
    }
}
