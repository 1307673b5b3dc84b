//! Bars for many jobs on stderr, for a person: at most a screenful of job
//! rows (the jobs that changed last) above one summary line for every job,
//! drawn on one target at a bounded rate; each job's final state on stdout
//! once the bars are cleared.
//!
//! A row is a bar made when a job first has something to show, or the
//! least recently changed row handed to that job once the screen is full
//! (finished jobs' rows first): hundreds of jobs draw a screenful, not
//! hundreds of bars, and no bar has a thread of its own.

use std::io::{self, Write};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use progress_model::internal::{escape_controls, human_duration};
use progress_model::{Event, EventKind, JobId, Progress};

use super::EventRenderer;
use super::summary::Summary;
use crate::render::term::Stderr;
use crate::report;
use crate::stderr;

/// The job (at most 24 characters shown), the bar, the percentage, the state.
const TEMPLATE: &str = "{prefix:24!} [{bar:30.cyan/blue}] {pos:>3}% {msg}";

/// Redraws a second at most, whatever the number of jobs and events.
const REDRAWS_PER_SECOND: u8 = 10;

/// The most job rows, however tall the terminal: enough to see what moves,
/// few enough that a redraw stays a couple of kilobytes.
const MOST_ROWS: usize = 20;

/// Errors told in full once the bars are gone; the rest are counted (each
/// job's line on stdout still names its error).
const ERRORS_IN_FULL: usize = 20;

#[derive(Debug)]
pub struct Bars<W> {
    bars: MultiProgress,
    /// The rows, the least recently changed first.
    rows: Vec<Row>,
    /// The most rows shown: the screen's height less the summary line (and
    /// the line the cursor rests on), at most [`MOST_ROWS`].
    max_rows: usize,
    /// The line under the rows.
    summary_bar: ProgressBar,
    summary: Summary,
    /// Each job's last line, kept to be printed when the bars are cleared
    /// if stdout is the bars' terminal; `None`: written as each job ends.
    finals: Option<Vec<(String, String)>>,
    /// Errors to report once the bars are gone (not drawn over them), the
    /// first [`ERRORS_IN_FULL`]; and how many more there were.
    errors: Vec<progress_model::Error>,
    more_errors: usize,
    out: W,
}

/// One job's row.
#[derive(Debug)]
struct Row {
    job: String,
    bar: ProgressBar,
    finished: bool,
}

impl<W: Write> Bars<W> {
    /// Bars on stderr; each job's final line on `out`, at once unless `out`
    /// is a terminal (`out_is_terminal`), where it would cross the bars.
    pub fn new(out: W, out_is_terminal: bool) -> Self {
        let stderr = Stderr::new();
        let height = indicatif::TermLike::height(&stderr) as usize;
        // A terminal that does not tell its height reports 0.
        let max_rows = match height {
            0 => MOST_ROWS,
            height => height.saturating_sub(2).clamp(1, MOST_ROWS),
        };
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(stderr), REDRAWS_PER_SECOND);
        let mut bars = Self::with_target(out, target, max_rows);
        if !out_is_terminal {
            bars.finals = None;
        }
        bars
    }

    fn with_target(out: W, target: ProgressDrawTarget, max_rows: usize) -> Self {
        let bars = MultiProgress::with_draw_target(target);
        let summary_bar = bars.add(ProgressBar::hidden());
        // The templates are constants: an error here is a bug caught by the tests.
        summary_bar.set_style(ProgressStyle::with_template("{msg}").expect("a valid template"));
        Self {
            bars,
            rows: Vec::new(),
            max_rows,
            summary_bar,
            summary: Summary::default(),
            finals: Some(Vec::new()),
            errors: Vec::new(),
            more_errors: 0,
            out,
        }
    }

    /// The row of `job`, now the most recently changed: its own, a new one
    /// while the screen has room, else the least recently changed one
    /// (a finished job's first).
    fn row(&mut self, job: &str) -> &mut Row {
        let position = match self.rows.iter().position(|row| row.job == job) {
            Some(position) => position,
            None if self.rows.len() < self.max_rows => {
                let bar = self
                    .bars
                    .insert_before(&self.summary_bar, ProgressBar::hidden());
                bar.set_length(100);
                bar.set_style(row_style());
                self.rows.push(Row {
                    job: String::new(),
                    bar,
                    finished: false,
                });
                self.rows.len() - 1
            }
            None => self.rows.iter().position(|row| row.finished).unwrap_or(0),
        };
        let mut row = self.rows.remove(position);
        if row.job != job {
            row.job = job.to_owned();
            row.finished = false;
            row.bar.set_prefix(escape_controls(job));
            row.bar.set_position(0);
        }
        self.rows.push(row);
        self.rows.last_mut().expect("a row was just pushed")
    }

    fn show_summary(&self) {
        self.summary_bar.set_message(self.summary.to_string());
    }
}

/// A row's look (made once per row: a screenful at most).
fn row_style() -> ProgressStyle {
    ProgressStyle::with_template(TEMPLATE)
        .expect("the bar template is valid")
        .progress_chars("=> ")
}

fn message(progress: &Progress) -> String {
    match &progress.step {
        Some(step) => format!("{} · {}", progress.state, escape_controls(step)),
        None => progress.state.to_string(),
    }
}

impl<W: Write> EventRenderer for Bars<W> {
    fn started(&mut self, _job: &JobId) {
        self.summary.started();
        self.show_summary();
    }

    fn event(&mut self, event: &Event) -> io::Result<()> {
        match &event.kind {
            EventKind::Observed(progress) => {
                let row = self.row(&event.job);
                if let Some(fraction) = progress.fraction() {
                    row.bar.set_position((fraction * 100.0).round() as u64);
                }
                row.bar.set_message(message(progress));
            }
            EventKind::Retrying { error, wait, .. } => {
                let text = format!("retrying in {} ({})", human_duration(*wait), error.kind());
                self.row(&event.job).bar.set_message(text);
            }
            EventKind::Finished(outcome) => {
                let last = match outcome {
                    Ok(progress) => progress.to_string(),
                    Err(error) => {
                        if self.errors.len() < ERRORS_IN_FULL {
                            self.errors.push(error.clone());
                        } else {
                            self.more_errors += 1;
                        }
                        format!("error: {}", error.kind())
                    }
                };
                self.summary.finished(outcome);
                self.show_summary();
                let row = self.row(&event.job);
                row.finished = true;
                row.bar.set_message(last.clone());
                match &mut self.finals {
                    Some(finals) => finals.push((event.job.clone(), last)),
                    None => {
                        writeln!(self.out, "{}: {last}", event.job)?;
                        self.out.flush()?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn warn(&mut self, text: &str) {
        // Above the bars, not through them.
        self.bars
            .suspend(|| stderr::write_str(&format!("warning: {text}\n")));
    }

    fn finish(&mut self) -> io::Result<()> {
        self.bars.clear()?;
        // The summary stays: the one line that tells how every job ended.
        stderr::write_str(&format!("{}\n", self.summary));
        for (job, last) in self.finals.iter().flatten() {
            writeln!(self.out, "{job}: {last}")?;
        }
        self.out.flush()?;
        for error in &self.errors {
            stderr::write_str(&report::describe(error));
        }
        if self.more_errors > 0 {
            stderr::write_str(&format!(
                "... and {} more jobs ended with an error (each named on stdout)\n",
                self.more_errors
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    fn active(percentage: f64) -> Progress {
        let mut progress = Progress::new(JobState::Active);
        progress.percentage = Some(percentage);
        progress
    }

    #[test]
    fn each_job_has_its_row_and_its_final_line() {
        let mut bars = Bars::with_target(Vec::new(), ProgressDrawTarget::hidden(), 10);
        bars.started(&JobId::new("a").unwrap());
        bars.started(&JobId::new("b").unwrap());
        bars.event(&Event::new("b", EventKind::Observed(active(40.0))))
            .unwrap();
        assert_eq!(bars.rows.len(), 1, "no row before a job's first event");
        assert_eq!(bars.rows[0].bar.position(), 40);
        let mut done = Progress::new(JobState::Success);
        done.percentage = Some(100.0);
        bars.event(&Event::new("b", EventKind::Finished(Ok(done))))
            .unwrap();
        let cancelled = progress_model::Error::cancelled();
        bars.event(&Event::new("a", EventKind::Finished(Err(cancelled))))
            .unwrap();
        assert_eq!(
            bars.summary_bar.message(),
            "2 jobs: 0 active, 1 success, 0 failed, 0 cancelled, 1 error"
        );
        bars.finish().unwrap();
        assert_eq!(
            String::from_utf8(bars.out).unwrap(),
            "b: 100% success\na: error: cancelled\n"
        );
    }

    #[test]
    fn a_full_screen_hands_the_oldest_row_to_the_next_job_finished_ones_first() {
        let mut bars = Bars::with_target(Vec::new(), ProgressDrawTarget::hidden(), 3);
        for (job, percentage) in [("a", 10.0), ("b", 20.0), ("c", 30.0)] {
            bars.event(&Event::new(job, EventKind::Observed(active(percentage))))
                .unwrap();
        }
        bars.event(&Event::new("b", EventKind::Finished(Ok(active(20.0)))))
            .unwrap();
        bars.event(&Event::new("d", EventKind::Observed(active(40.0))))
            .unwrap();
        let shown: Vec<&str> = bars.rows.iter().map(|row| row.job.as_str()).collect();
        assert_eq!(shown, ["a", "c", "d"], "b's finished row went to d");
        bars.event(&Event::new("e", EventKind::Observed(active(50.0))))
            .unwrap();
        let shown: Vec<&str> = bars.rows.iter().map(|row| row.job.as_str()).collect();
        assert_eq!(shown, ["c", "d", "e"], "then the least recently changed");
        assert_eq!(bars.rows[2].bar.position(), 50);
    }
}
