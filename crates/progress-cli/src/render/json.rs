//! One JSON object per observation, one per line: for `jq` and other programs.

use std::io::{self, Write};

use progress_model::Progress;
use serde_json::Value;

use super::Renderer;

/// Writes each observation as `{"percentage":56,"state":"active","step":"..."}`.
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
        serde_json::to_writer(&mut self.out, &to_json(progress)?)?;
        self.out.write_all(b"\n")?;
        // A reader at the other end of a pipe sees each object as it happens.
        self.out.flush()
    }
}

/// The observation as a JSON object, a whole percentage written as an integer.
///
/// The model keeps the percentage as an `f64`, which serde writes `56.0`; the
/// service sends `56`, and a program reading our output (`jq`, a typed
/// parser) should see what the service said. A fraction stays a fraction.
pub(crate) fn to_json(progress: &Progress) -> serde_json::Result<Value> {
    let mut value = serde_json::to_value(progress)?;
    if let (Some(whole), Value::Object(fields)) =
        (progress.percentage.and_then(whole_number), &mut value)
    {
        fields.insert("percentage".into(), whole.into());
    }
    Ok(value)
}

/// `percentage` as an integer when it is one that an `f64` holds exactly
/// (within ±2^53, where every integer is exact, so the one written is the one sent).
fn whole_number(percentage: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    // The cast is exact: the value is whole and in range.
    (percentage.fract() == 0.0 && percentage.abs() <= EXACT).then_some(percentage as i64)
}

#[cfg(test)]
mod tests {
    use progress_model::JobState;

    use super::*;

    #[test]
    fn writes_one_object_per_line() {
        let mut json = Json::new(Vec::new());
        json.observe(&{
            let mut progress = Progress::new(JobState::Active);
            progress.percentage = Some(56.0);
            progress.step = Some("Prepare_Production".into());
            progress
        })
        .unwrap();
        json.observe(&Progress::new(JobState::Queued)).unwrap();
        assert_eq!(
            String::from_utf8(json.out).unwrap(),
            "{\"percentage\":56,\"state\":\"active\",\"step\":\"Prepare_Production\"}\n\
             {\"percentage\":null,\"state\":\"queued\",\"step\":null}\n"
        );
    }

    #[test]
    fn whole_percentages_are_integers_and_fractions_stay() {
        let cases = [
            (0.0, Some(0)),
            (-0.0, Some(0)),
            (56.0, Some(56)),
            (-3.0, Some(-3)),
            (9_007_199_254_740_992.0, Some(9_007_199_254_740_992)),
            (12.5, None),
            (1e20, None),
        ];
        for (percentage, whole) in cases {
            assert_eq!(whole_number(percentage), whole, "{percentage}");
        }
    }
}
