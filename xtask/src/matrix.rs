//! Turning libtest-style output (`test {adapter}::{vector} ... ok`) into a
//! vector x adapter matrix. Pure: no I/O, so it is unit-tested directly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How one trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored,
}

/// One `test ... <outcome>` line, its name split into adapter and vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    pub adapter: String,
    pub vector: String,
    pub outcome: Outcome,
}

/// Parses one line of libtest / libtest-mimic "pretty" output.
///
/// Accepts `test NAME ... ok|FAILED|ignored[ reason]`, where NAME may be
/// preceded by a `[kind] ` tag and padded with spaces (libtest-mimic aligns
/// the `...` column). Anything else, including benchmarks, is `None`.
pub fn parse_line(line: &str) -> Option<Trial> {
    let rest = line.trim_end().strip_prefix("test ")?;
    let (name, status) = rest.split_once(" ... ")?;
    let outcome = match status.trim() {
        "ok" => Outcome::Passed,
        "FAILED" => Outcome::Failed,
        // libtest writes `ignored, reason`, libtest-mimic `ignored (reason)`.
        s if s.starts_with("ignored") => Outcome::Ignored,
        _ => return None,
    };
    let name = strip_kind(name.trim());
    // Trials are named `{adapter}::{vector}`; a vector name may itself
    // contain `::`, an adapter name never does.
    let (adapter, vector) = match name.split_once("::") {
        Some((adapter, vector)) => (adapter, vector),
        // Not named by the convention: still shown (a failure must never be
        // hidden), under a column that makes the oddity visible.
        None => ("(unnamed)", name),
    };
    Some(Trial {
        adapter: adapter.to_owned(),
        vector: vector.to_owned(),
        outcome,
    })
}

/// `[kind] name` -> `name`; libtest-mimic prints a kind tag when one is set.
fn strip_kind(name: &str) -> &str {
    name.strip_prefix('[')
        .and_then(|rest| rest.split_once("] "))
        .map_or(name, |(_, name)| name.trim_start())
}

/// Every trial line in `output`, in order; other lines are ignored.
pub fn parse(output: &str) -> Vec<Trial> {
    output.lines().filter_map(parse_line).collect()
}

/// Counts of trials by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
}

/// Trials laid out as rows of vectors and columns of adapters.
#[derive(Debug, Default)]
pub struct Matrix {
    /// In order of first appearance, as the brief for the report asks.
    adapters: Vec<String>,
    /// vector -> (adapter index -> outcome). Sorted, because parallel trials
    /// finish in no fixed order and a stable report is easier to compare.
    rows: BTreeMap<String, BTreeMap<usize, Outcome>>,
}

impl Matrix {
    pub fn new(trials: &[Trial]) -> Self {
        let mut matrix = Self::default();
        for trial in trials {
            let column = match matrix.adapters.iter().position(|a| *a == trial.adapter) {
                Some(column) => column,
                None => {
                    matrix.adapters.push(trial.adapter.clone());
                    matrix.adapters.len() - 1
                }
            };
            let cell = matrix
                .rows
                .entry(trial.vector.clone())
                .or_default()
                .entry(column)
                .or_insert(trial.outcome);
            // A name reported twice counts as failed if either run failed.
            if trial.outcome == Outcome::Failed {
                *cell = Outcome::Failed;
            }
        }
        matrix
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for outcome in self.rows.values().flat_map(BTreeMap::values) {
            match outcome {
                Outcome::Passed => counts.passed += 1,
                Outcome::Failed => counts.failed += 1,
                Outcome::Ignored => counts.ignored += 1,
            }
        }
        counts
    }

    /// The table, one line per vector: `pass`, `FAIL` (capitals, to stand
    /// out), or `-` for ignored or not run.
    pub fn render(&self) -> String {
        const HEADER: &str = "vector";
        let first_width = self
            .rows
            .keys()
            .map(|v| v.chars().count())
            .chain([HEADER.len()])
            .max()
            .unwrap_or_default();
        let widths: Vec<usize> = self
            .adapters
            .iter()
            .map(|a| a.chars().count().max("pass".len()))
            .collect();

        let mut out = String::new();
        let mut line = format!("{HEADER:<first_width$}");
        for (adapter, width) in self.adapters.iter().zip(&widths) {
            let _ = write!(line, "  {adapter:<width$}");
        }
        out.push_str(line.trim_end());
        out.push('\n');

        for (vector, cells) in &self.rows {
            let mut line = format!("{vector:<first_width$}");
            for (column, width) in widths.iter().enumerate() {
                let cell = match cells.get(&column) {
                    Some(Outcome::Passed) => "pass",
                    Some(Outcome::Failed) => "FAIL",
                    Some(Outcome::Ignored) | None => "-",
                };
                let _ = write!(line, "  {cell:<width$}");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// One line: totals and the matrix's size.
    pub fn summary(&self) -> String {
        let Counts {
            passed,
            failed,
            ignored,
        } = self.counts();
        format!(
            "conformance: {passed} passed, {failed} failed, {ignored} ignored ({} x {})",
            plural(self.adapters.len(), "adapter"),
            plural(self.rows.len(), "vector"),
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{count} {noun}{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(adapter: &str, vector: &str, outcome: Outcome) -> Trial {
        Trial {
            adapter: adapter.to_owned(),
            vector: vector.to_owned(),
            outcome,
        }
    }

    #[test]
    fn parses_each_outcome() {
        assert_eq!(
            parse_line("test ureq::basic ... ok"),
            Some(trial("ureq", "basic", Outcome::Passed))
        );
        assert_eq!(
            parse_line("test ureq::basic ... FAILED"),
            Some(trial("ureq", "basic", Outcome::Failed))
        );
        assert_eq!(
            parse_line("test ureq::basic ... ignored"),
            Some(trial("ureq", "basic", Outcome::Ignored))
        );
    }

    #[test]
    fn parses_libtest_mimic_padding_kind_and_reasons() {
        assert_eq!(
            parse_line("test reqwest-tokio::retry_after_429      ... ok"),
            Some(trial("reqwest-tokio", "retry_after_429", Outcome::Passed))
        );
        assert_eq!(
            parse_line("test [vector] smol::deadline   ... ignored (needs network)"),
            Some(trial("smol", "deadline", Outcome::Ignored))
        );
        assert_eq!(
            parse_line("test ureq::x ... ignored, not yet\r"),
            Some(trial("ureq", "x", Outcome::Ignored))
        );
    }

    #[test]
    fn vector_names_may_contain_separators() {
        assert_eq!(
            parse_line("test ureq::auth::refresh ... ok"),
            Some(trial("ureq", "auth::refresh", Outcome::Passed))
        );
    }

    #[test]
    fn names_without_adapter_are_kept() {
        assert_eq!(
            parse_line("test lonely ... FAILED"),
            Some(trial("(unnamed)", "lonely", Outcome::Failed))
        );
    }

    #[test]
    fn ignores_everything_else() {
        for line in [
            "",
            "running 3 tests",
            "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "failures:",
            "    ureq::basic",
            "---- ureq::basic stdout ----",
            "test ureq::bench ... bench:         100 ns/iter (+/- 3)",
            "test ureq::basic ... ",
            "   Compiling xtask v0.1.0",
        ] {
            assert_eq!(parse_line(line), None, "{line:?}");
        }
    }

    #[test]
    fn parses_a_whole_run() {
        let output = "\nrunning 3 tests\ntest a::v1 ... ok\ntest b::v1 ... FAILED\n\
                      test a::v2 ... ignored\n\nfailures:\n    b::v1\n\n\
                      test result: FAILED. 1 passed; 1 failed; 1 ignored;\n";
        assert_eq!(
            parse(output),
            vec![
                trial("a", "v1", Outcome::Passed),
                trial("b", "v1", Outcome::Failed),
                trial("a", "v2", Outcome::Ignored),
            ]
        );
    }

    #[test]
    fn renders_columns_in_order_of_appearance_and_rows_sorted() {
        let matrix = Matrix::new(&[
            trial("ureq", "b-vector", Outcome::Passed),
            trial("reqwest-tokio", "b-vector", Outcome::Failed),
            trial("ureq", "a", Outcome::Ignored),
            trial("reqwest-tokio", "c", Outcome::Passed),
        ]);
        let expected = "\
vector    ureq  reqwest-tokio
a         -     -
b-vector  pass  FAIL
c         -     pass
";
        assert_eq!(matrix.render(), expected);
        assert_eq!(
            matrix.counts(),
            Counts {
                passed: 2,
                failed: 1,
                ignored: 1
            }
        );
        assert_eq!(
            matrix.summary(),
            "conformance: 2 passed, 1 failed, 1 ignored (2 adapters x 3 vectors)"
        );
    }

    #[test]
    fn a_failure_reported_twice_stays_failed() {
        let matrix = Matrix::new(&[
            trial("ureq", "v", Outcome::Failed),
            trial("ureq", "v", Outcome::Passed),
        ]);
        assert_eq!(matrix.counts().failed, 1);
        assert_eq!(
            matrix.summary(),
            "conformance: 0 passed, 1 failed, 0 ignored (1 adapter x 1 vector)"
        );
    }

    #[test]
    fn empty_output_is_an_empty_matrix() {
        assert!(Matrix::new(&parse("running 0 tests\n")).is_empty());
    }
}
