//! Showing the watches of many jobs: a bar per job for people, lines
//! prefixed with the job for logs, one JSON object per event for programs.

mod bars;
mod json;
mod plain;
mod summary;

use std::io::{self, IsTerminal};

use progress_model::{Event, JobId};

pub use bars::Bars;
pub use json::JsonEvents;
pub use plain::PlainLines;

use crate::args::Output;

/// Shows the events of many watches as they come.
pub trait EventRenderer {
    /// Shows one event (an observation, a retry, a refreshed token, an end).
    fn event(&mut self, event: &Event) -> io::Result<()>;

    /// A job's watch began (the bars count it; lines need nothing).
    fn started(&mut self, _job: &JobId) {}

    /// Tells of something the user should know that is no event of a job
    /// (a line of stdin skipped): a line on stderr.
    fn warn(&mut self, text: &str) {
        crate::stderr::stderr_line!("warning: {text}");
    }

    /// Takes the display down once every watch has ended.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// JSON lines when asked, bars when a person watches stderr, lines otherwise.
pub fn for_many(output: Output) -> Box<dyn EventRenderer> {
    if output.json {
        Box::new(JsonEvents::new(io::stdout()))
    } else if io::stderr().is_terminal() {
        Box::new(Bars::new(io::stdout(), io::stdout().is_terminal()))
    } else {
        Box::new(PlainLines::new(io::stdout()))
    }
}
