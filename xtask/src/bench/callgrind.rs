//! P1i: instructions per blocking `progress()` call, ours against the
//! hand-written ureq call, counted by callgrind.
//!
//! Each side runs twice, with few and with more calls; the difference divided
//! by the extra calls is one call's instructions, with start-up cancelled out.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::bounded;
use super::figure_line::FigureLine;

/// A callgrind run is about 50 times slower than a native one.
const LIMIT: Duration = Duration::from_secs(240);

pub fn measure(
    bench: &Path,
    url: &str,
    job: &str,
    (few, more): (usize, usize),
    out: &Path,
) -> Result<String, String> {
    let installed = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        eprintln!("P1i skipped: valgrind is not installed");
        return Ok(FigureLine {
            id: "P1i",
            what: "instructions per blocking progress() call",
            unit: "instructions",
            ours: f64::NAN,
            baseline: None,
            target: "report",
            pass: None,
            note: "skipped: valgrind is not installed",
        }
        .to_json());
    }
    let mut per_call = [0.0; 2];
    for (slot, client) in per_call.iter_mut().zip(["ours", "baseline"]) {
        let count = |calls: usize| -> Result<u64, String> {
            let file = out.join(format!("callgrind.{client}.{calls}.out"));
            let mut command = Command::new("valgrind");
            command
                .args(["--tool=callgrind", "--quiet"])
                .arg(format!("--callgrind-out-file={}", file.display()))
                .arg(bench)
                .args(["calls", "--client", client, "--n", &calls.to_string()])
                .args(["--url", url, "--job", job]);
            bounded::output("P1i", &mut command, LIMIT)?;
            total_instructions(&file)
        };
        let (small, large) = (count(few)?, count(more)?);
        *slot = large.saturating_sub(small) as f64 / (more - few) as f64;
    }
    let note = format!(
        "callgrind Ir, ({more} calls - {few} calls) / {}; one process per count",
        more - few
    );
    Ok(FigureLine {
        id: "P1i",
        what: "instructions per blocking progress() call",
        unit: "instructions",
        ours: per_call[0],
        baseline: Some(per_call[1]),
        target: "report",
        pass: None,
        note: &note,
    }
    .to_json())
}

/// The `summary:` (or `totals:`) count of a callgrind output file.
fn total_instructions(file: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    text.lines()
        .filter_map(|line| {
            line.strip_prefix("summary:")
                .or(line.strip_prefix("totals:"))
        })
        .find_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no instruction total in {}", file.display()))
}
