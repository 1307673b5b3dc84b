//! One human-readable line per observation: `56% active (Prepare_Production)`.

use std::io::{self, Write};

use progress_model::Progress;

use super::Renderer;

/// Writes each observation as a line, in `Progress`'s own `Display` format.
#[derive(Debug)]
pub struct Plain<W> {
    /// Where the lines go.
    out: W,
}

impl<W: Write> Plain<W> {
    /// Lines go to `out` (stdout in the command).
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> Renderer for Plain<W> {
    fn observe(&mut self, progress: &Progress) -> io::Result<()> {
        writeln!(self.out, "{progress}")?;
        // A reader at the other end of a pipe sees each line as it happens.
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use crate::exit::Ending;

    use super::*;

    #[test]
    fn writes_one_line_per_observation() {
        let mut plain = Plain::new(Vec::new());
        let progress = {
            let mut progress = Progress::new(JobState::Active);
            progress.percentage = Some(56.0);
            progress.step = Some("Prepare_Production".into());
            progress
        };
        plain.observe(&progress).unwrap();
        plain.observe(&Progress::new(JobState::Queued)).unwrap();
        plain.finish(&Ending::Finished(progress)).unwrap();
        assert_eq!(
            String::from_utf8(plain.out).unwrap(),
            "56% active (Prepare_Production)\nqueued\n"
        );
    }
}
