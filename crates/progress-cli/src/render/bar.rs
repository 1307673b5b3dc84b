//! A progress bar on stderr, for a person at a terminal: elapsed time, the
//! percentage, the state and the step, redrawn in place.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use progress_model::Progress;
use progress_model::internal::{RetryListener, escape_controls, human_duration};

use super::Renderer;
use super::term::Stderr;
use crate::exit::Ending;

/// `⠋ 00:01:12 [=========>          ]  51% active · Reconstruction`
const TEMPLATE: &str = "{spinner:.green} {elapsed_precise} [{bar:30.cyan/blue}] {pos:>3}% {msg}";

/// How often the spinner and the elapsed time move while the watch sleeps.
const TICK: Duration = Duration::from_millis(120);

/// The bar, plus where the final state is printed once the bar is gone.
#[derive(Debug)]
pub struct Bar<W> {
    /// indicatif's bar, which draws itself on stderr.
    bar: ProgressBar,
    /// Where the final state goes once the bar is cleared.
    out: W,
}

impl<W: Write> Bar<W> {
    /// A bar drawn on stderr (which must be a terminal); `out` (stdout in the
    /// command) gets the final state.
    pub fn new(out: W) -> Self {
        Self::with_target(out, ProgressDrawTarget::term_like(Box::new(Stderr::new())))
    }

    /// A bar drawn on `target` (hidden in unit tests).
    fn with_target(out: W, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(100), target);
        // The template is a constant: an error here is a bug caught by the tests.
        let style = ProgressStyle::with_template(TEMPLATE)
            .expect("the bar template is valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message("waiting for the first answer");
        // Ticks on a thread of indicatif's, so the time moves during long waits.
        bar.enable_steady_tick(TICK);
        Self { bar, out }
    }
}

/// `active · Prepare_Production`, or just the state when no step is sent.
/// The step is escaped: it comes from a server and must not move the cursor.
fn message(progress: &Progress) -> String {
    match &progress.step {
        Some(step) => format!("{} · {}", progress.state, escape_controls(step)),
        None => progress.state.to_string(),
    }
}

/// `retrying in 30s (rate_limited)`: short enough for the bar's line; the next
/// observation replaces it.
fn retry_message(wait: Duration, kind: progress_model::ErrorKind) -> String {
    format!("retrying in {} ({kind})", human_duration(wait))
}

impl<W: Write> Renderer for Bar<W> {
    fn observe(&mut self, progress: &Progress) -> io::Result<()> {
        // An absent percentage leaves the bar where it was rather than invent one;
        // values outside 0..100 are clamped for drawing only.
        if let Some(fraction) = progress.fraction() {
            self.bar.set_position((fraction * 100.0).round() as u64);
        }
        self.bar.set_message(message(progress));
        Ok(())
    }

    fn retry_listener(&self) -> RetryListener {
        // A clone of the bar draws on the same line, from the watch's thread.
        let bar = self.bar.clone();
        std::sync::Arc::new(move |retry| {
            bar.set_message(retry_message(retry.wait, retry.error.kind()));
        })
    }

    fn finish(&mut self, ending: &Ending) -> io::Result<()> {
        self.bar.finish_and_clear();
        // The bar leaves no trace, so the outcome is written where a plain run
        // would have written it; errors and interruptions are reported by the caller.
        if let Ending::Finished(progress) = ending {
            writeln!(self.out, "{progress}")?;
            self.out.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    #[test]
    fn follows_the_percentage_and_prints_the_final_state() {
        let mut bar = Bar::with_target(Vec::new(), ProgressDrawTarget::hidden());
        let active = {
            let mut progress = Progress::new(JobState::Active);
            progress.percentage = Some(51.4);
            progress.step = Some("Reconstruction".into());
            progress
        };
        bar.observe(&active).unwrap();
        assert_eq!(bar.bar.position(), 51);
        assert_eq!(bar.bar.message(), "active · Reconstruction");
        bar.observe(&Progress::new(JobState::TerminatingOnCancel))
            .unwrap();
        assert_eq!(bar.bar.position(), 51, "no percentage: the bar stays");
        let done = {
            let mut progress = Progress::new(JobState::Success);
            progress.percentage = Some(140.0);
            progress
        };
        bar.observe(&done).unwrap();
        assert_eq!(bar.bar.position(), 100);
        bar.finish(&Ending::Finished(done)).unwrap();
        assert!(bar.bar.is_finished());
        assert_eq!(String::from_utf8(bar.out).unwrap(), "140% success\n");
    }
}
