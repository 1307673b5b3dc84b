//! One JSON object per observation, one per line: for `jq` and other programs.

use std::io::{self, Write};

use progress_model::Progress;

use super::Renderer;

/// Writes each observation as `{"percentage":56.0,"state":"active","step":"..."}`.
/// An absent percentage or step is `null`, never invented.
#[derive(Debug)]
pub struct Json<W> {
    /// Where the lines go.
    out: W,
}

impl<W: Write> Json<W> {
    /// Lines go to `out` (stdout in the command).
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write> Renderer for Json<W> {
    fn observe(&mut self, progress: &Progress) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, progress)?;
        self.out.write_all(b"\n")?;
        // A reader at the other end of a pipe sees each object as it happens.
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    #[test]
    fn writes_one_object_per_line() {
        let mut json = Json::new(Vec::new());
        json.observe(&Progress {
            percentage: Some(56.0),
            state: JobState::Active,
            step: Some("Prepare_Production".into()),
        })
        .unwrap();
        json.observe(&Progress {
            percentage: None,
            state: JobState::Queued,
            step: None,
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(json.out).unwrap(),
            "{\"percentage\":56.0,\"state\":\"active\",\"step\":\"Prepare_Production\"}\n\
             {\"percentage\":null,\"state\":\"queued\",\"step\":null}\n"
        );
    }
}
