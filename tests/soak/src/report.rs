//! The matrix, on the terminal and in `report.md`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::cell::Cell;
use crate::plan::Plan;

/// The matrix as a Markdown table (readable as plain text too).
pub fn matrix(cells: &[Cell]) -> String {
    let mut table = String::from(
        "| fault kind | adapter | jobs | terminal states seen | typed errors | requests | faults served | max lateness | heap held before → after (KiB) | resident before → after (MiB) | result |\n\
         |---|---|---:|---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for cell in cells {
        let (heap, resident) = memory_columns(cell);
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} ms | {} | {} | {} |",
            cell.kind,
            cell.adapter,
            cell.jobs,
            counts(&cell.terminal),
            counts(&cell.errors),
            cell.requests,
            cell.faults,
            cell.max_lateness.as_millis(),
            heap,
            resident,
            if cell.passed() { "pass" } else { "FAIL" },
        );
    }
    table
}

/// The heap held (KiB) and resident memory (MiB), before → after the run.
fn memory_columns(cell: &Cell) -> (String, String) {
    let Some((before, after)) = cell.memory else {
        return ("n/a".to_owned(), "n/a".to_owned());
    };
    let heap = format!("{} → {}", before.heap / 1024, after.heap / 1024);
    let resident = match (before.resident, after.resident) {
        (Some(before), Some(after)) => {
            let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
            format!("{:.1} → {:.1}", mib(before), mib(after))
        }
        _ => "n/a".to_owned(),
    };
    (heap, resident)
}

fn counts<K: std::fmt::Display>(counts: &BTreeMap<K, usize>) -> String {
    if counts.is_empty() {
        return "-".to_owned();
    }
    counts
        .iter()
        .map(|(key, count)| format!("{key} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole report: what was run, the matrix, and every broken invariant.
pub fn report(plan: &Plan, cells: &[Cell], took: Duration, panics: usize) -> String {
    let watches: usize = cells.iter().map(|cell| cell.jobs).sum();
    let requests: u64 = cells.iter().map(|cell| cell.requests).sum();
    let failed: Vec<&Cell> = cells.iter().filter(|cell| !cell.passed()).collect();
    let mut text = format!(
        "# Soak report ({} run)\n\n\
         {} cells (fault kind x adapter), {} watches, {} requests, in {:.0} s; \
         seed {}; time scale {}x; ladder {:?}; request timeout {:?}; max_retries {}.\n\n\
         Invariants per watch: a terminal state is the outcome whenever the server's job ends \
         and no failure the contract names ended it first; otherwise the error is the one the \
         server's answers explain (deadline for jobs that never end, not found after a \
         disappearance, unauthorized after a revocation and one fresh-token retry, retries \
         exhausted only after max_retries + 1 failures in a row, every failed answer among them \
         one the server served as a fault (a timeout or a refused connection may be the load of \
         the cell's watches starting at once)); no watch outlives its deadline by more \
         than 1 s; no request sooner than its rung or Retry-After (except the fresh-token retry \
         after a 401); no panic; after each run (a cell, or with --quick a row run side by side) \
         the heap bytes held within 10% of before and no more threads running. Resident memory \
         is reported, not checked: it also counts what the allocator keeps for reuse once freed.\n\n\
         Panics: {panics}. Cells failed: {}.\n\n",
        plan.mode,
        cells.len(),
        watches,
        requests,
        took.as_secs_f64(),
        plan.seed,
        plan.time_scale,
        plan.intervals(),
        plan.request_timeout,
        plan.max_retries,
        failed.len(),
    );
    text.push_str(&matrix(cells));
    if !failed.is_empty() {
        text.push_str("\n## Broken invariants\n\n");
        for cell in failed {
            let _ = writeln!(text, "### {} x {}\n", cell.kind, cell.adapter);
            for broken in cell.broken.iter().take(20) {
                let _ = writeln!(text, "- {broken}");
            }
            if cell.broken.len() > 20 {
                let _ = writeln!(text, "- ... and {} more", cell.broken.len() - 20);
            }
            text.push('\n');
        }
    }
    text
}
