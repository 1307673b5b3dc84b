//! One measured figure, as a JSON line on stdout for the driver to collect.

use serde::{Deserialize, Serialize};

/// A figure: ours against its baseline (if it has one), with the target it is judged by.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Short id, e.g. `P1 async`.
    pub id: String,
    /// What is measured, in words.
    pub what: String,
    /// The unit of `ours` and `baseline`.
    pub unit: String,
    /// Our value.
    pub ours: f64,
    /// The baseline's value, if the figure has a baseline.
    pub baseline: Option<f64>,
    /// The target, in words (`<= 1.05x`, `p99 <= 10 ms`, `report`).
    pub target: String,
    /// Whether the target is met; `None` when the figure is only reported.
    pub pass: Option<bool>,
    /// Anything a reader needs to read the figure right.
    #[serde(default)]
    pub note: String,
    /// Series for a chart, if the figure draws one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<Series>,
}

/// A named line on a chart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    /// The legend.
    pub name: String,
    /// The points, x then y.
    pub points: Vec<(f64, f64)>,
}

impl Figure {
    /// A figure with a baseline and nothing judged yet.
    pub fn new(id: &str, what: &str, unit: &str, ours: f64, baseline: Option<f64>) -> Self {
        Self {
            id: id.to_owned(),
            what: what.to_owned(),
            unit: unit.to_owned(),
            ours,
            baseline,
            target: "report".to_owned(),
            pass: None,
            note: String::new(),
            series: Vec::new(),
        }
    }

    /// Ours divided by the baseline.
    pub fn ratio(&self) -> Option<f64> {
        self.baseline
            .filter(|baseline| *baseline != 0.0)
            .map(|baseline| self.ours / baseline)
    }

    /// Judges the figure by a target on the ratio.
    pub fn ratio_at_most(mut self, limit: f64) -> Self {
        self.target = format!("<= {limit}x");
        self.pass = self.ratio().map(|ratio| ratio <= limit);
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// Prints the figure as one JSON line on stdout.
    pub fn emit(&self) -> Result<(), String> {
        let line = serde_json::to_string(self).map_err(|error| error.to_string())?;
        println!("{line}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_target_judges_ours_over_the_baseline() {
        let met = Figure::new("x", "x", "µs", 10.0, Some(10.0)).ratio_at_most(1.05);
        assert_eq!((met.ratio(), met.pass), (Some(1.0), Some(true)));
        let missed = Figure::new("x", "x", "µs", 12.0, Some(10.0)).ratio_at_most(1.05);
        assert_eq!(missed.pass, Some(false));
        let alone = Figure::new("x", "x", "ms", 1.0, None).ratio_at_most(1.05);
        assert_eq!(alone.pass, None);
    }
}
