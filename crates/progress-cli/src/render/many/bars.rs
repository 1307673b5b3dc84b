//! One bar per job (indicatif's `MultiProgress`) on stderr, for a person;
//! each job's final state on stdout once the bars are cleared.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use progress_model::internal::escape_controls;
use progress_model::{Event, EventKind, Progress};

use super::EventRenderer;
use crate::render::term::Stderr;
use crate::report;
use crate::stderr;

/// The job (at most 24 characters shown), the bar, the percentage, the state.
const TEMPLATE: &str = "{prefix:24!} [{bar:30.cyan/blue}] {pos:>3}% {msg}";

/// How often the bars are redrawn while nothing changes.
const TICK: Duration = Duration::from_millis(120);

#[derive(Debug)]
pub struct Bars<W> {
    bars: MultiProgress,
    by_job: BTreeMap<String, ProgressBar>,
    /// Each job's last line, printed on stdout when the bars are cleared.
    finals: Vec<(String, String)>,
    /// Errors to report once the bars are gone (not drawn over them).
    errors: Vec<progress_model::Error>,
    out: W,
}

impl<W: Write> Bars<W> {
    pub fn new(out: W) -> Self {
        let target = ProgressDrawTarget::term_like(Box::new(Stderr::new()));
        Self::with_target(out, target)
    }

    fn with_target(out: W, target: ProgressDrawTarget) -> Self {
        Self {
            bars: MultiProgress::with_draw_target(target),
            by_job: BTreeMap::new(),
            finals: Vec::new(),
            errors: Vec::new(),
            out,
        }
    }

    /// The bar of `job`, made on its first event.
    fn bar(&mut self, job: &str) -> &ProgressBar {
        self.by_job.entry(job.to_owned()).or_insert_with(|| {
            let style = ProgressStyle::with_template(TEMPLATE)
                .expect("the bar template is valid")
                .progress_chars("=> ");
            let bar = self.bars.add(ProgressBar::new(100));
            bar.set_style(style);
            bar.set_prefix(escape_controls(job));
            bar.enable_steady_tick(TICK);
            bar
        })
    }
}

fn message(progress: &Progress) -> String {
    match &progress.step {
        Some(step) => format!("{} · {}", progress.state, escape_controls(step)),
        None => progress.state.to_string(),
    }
}

impl<W: Write> EventRenderer for Bars<W> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        let bar = self.bar(&event.job).clone();
        match &event.kind {
            EventKind::Observed(progress) => {
                if let Some(fraction) = progress.fraction() {
                    bar.set_position((fraction * 100.0).round() as u64);
                }
                bar.set_message(message(progress));
            }
            EventKind::Retrying { error, wait } => {
                bar.set_message(format!("retrying in {wait:?} ({})", error.kind()));
            }
            EventKind::Finished(outcome) => {
                bar.finish();
                let last = match outcome {
                    Ok(progress) => progress.to_string(),
                    Err(error) => {
                        self.errors.push(error.clone());
                        format!("error: {}", error.kind())
                    }
                };
                bar.set_message(last.clone());
                self.finals.push((event.job.clone(), last));
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.bars.clear()?;
        for (job, last) in &self.finals {
            writeln!(self.out, "{job}: {last}")?;
        }
        self.out.flush()?;
        for error in &self.errors {
            stderr::write_str(&report::describe(error));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    #[test]
    fn each_job_has_its_bar_and_its_final_line() {
        let mut bars = Bars::with_target(Vec::new(), ProgressDrawTarget::hidden());
        let mut active = Progress::new(JobState::Active);
        active.percentage = Some(40.0);
        bars.event(&Event::new("b", EventKind::Observed(active)))
            .unwrap();
        assert_eq!(bars.by_job["b"].position(), 40);
        assert!(
            !bars.by_job.contains_key("a"),
            "no bar before its job's first event"
        );
        let mut done = Progress::new(JobState::Success);
        done.percentage = Some(100.0);
        bars.event(&Event::new("b", EventKind::Finished(Ok(done))))
            .unwrap();
        let cancelled = progress_model::Error::cancelled();
        bars.event(&Event::new("a", EventKind::Finished(Err(cancelled))))
            .unwrap();
        bars.finish().unwrap();
        assert_eq!(
            String::from_utf8(bars.out).unwrap(),
            "b: 100% success\na: error: cancelled\n"
        );
    }
}
