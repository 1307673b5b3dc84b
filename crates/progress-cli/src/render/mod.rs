//! The three ways to show a watch: a progress bar for people, plain lines for
//! logs, JSON lines for programs. All behind one small trait, chosen once.

mod bar;
mod json;
pub mod many;
mod plain;
mod term;

use std::io::{self, IsTerminal};

use progress_model::Progress;
use progress_model::internal::RetryListener;

pub use bar::Bar;
pub use json::Json;
pub use plain::Plain;

/// A progress as `--json` writes it: whole percentages as integers.
pub fn progress_json(progress: &Progress) -> serde_json::Result<serde_json::Value> {
    json::to_json(progress)
}

use crate::args::Output;
use crate::exit::Ending;

/// Shows the observations of a watch as they come.
pub trait Renderer {
    /// Shows one observation (the terminal one included).
    fn observe(&mut self, progress: &Progress) -> io::Result<()>;

    /// Takes the display down before the program's last words: the bar is
    /// cleared (and the final state printed in its place); lines need nothing.
    fn finish(&mut self, _ending: &Ending) -> io::Result<()> {
        Ok(())
    }

    /// What to do when the watch is about to retry a failure: by default a
    /// line on stderr (stdout keeps only observations, for programs reading it).
    fn retry_listener(&self) -> RetryListener {
        std::sync::Arc::new(|retry| crate::stderr_line!("{retry}"))
    }
}

/// The renderer for a watch: JSON lines when asked, a bar when a person is
/// watching stderr, plain lines otherwise (a log, a CI job, a pipe).
pub fn for_watch(output: Output) -> Box<dyn Renderer> {
    if output.json {
        Box::new(Json::new(io::stdout()))
    } else if io::stderr().is_terminal() {
        Box::new(Bar::new(io::stdout()))
    } else {
        Box::new(Plain::new(io::stdout()))
    }
}

/// The renderer for a single answer: one JSON object or one plain line on stdout.
pub fn for_get(output: Output) -> Box<dyn Renderer> {
    if output.json {
        Box::new(Json::new(io::stdout()))
    } else {
        Box::new(Plain::new(io::stdout()))
    }
}
