//! Refuses, before anything is built, a size this machine cannot run: the
//! message names the limit, so the user knows what to raise or lower.

use super::plan::Plan;

/// File descriptors a bench process needs besides its sockets.
const SPARE_FILES: usize = 256;
/// Generous bounds on memory, either side (P2 measures the real figures): a
/// waiting watch, and a kept-alive connection with its buffers. A run holds at
/// most one connection per watch of a batch, or per watch started at once.
const BYTES_PER_WATCH_BOUND: usize = 16 * 1024;
const BYTES_PER_CONNECTION_BOUND: usize = 64 * 1024;

pub fn check(plan: &Plan) -> Result<(), String> {
    if let Some(zero) = plan.p2_sizes.iter().find(|size| **size == 0) {
        return Err(format!(
            "--sizes: every size must be at least 1, got {zero}"
        ));
    }
    if plan.p2_sizes.is_empty() {
        return Err("--sizes: give at least one size".to_owned());
    }
    if plan.b1_watches == 0 {
        return Err("--burst: the number of watches must be at least 1".to_owned());
    }
    let files_needed = plan.most_sockets() + SPARE_FILES;
    if let Some(limit) = open_files_limit()
        && files_needed as u64 > limit
    {
        return Err(format!(
            "this run needs about {files_needed} open files per process ({} sockets at once), \
                 but the open-file limit (`ulimit -n`) is {limit}: raise it, or lower --burst",
            plan.most_sockets()
        ));
    }
    let largest = plan
        .p2_sizes
        .iter()
        .chain([&plan.b1_watches, &plan.p2l_watches, &plan.r1_watches])
        .max();
    let bytes_needed = largest
        .copied()
        .unwrap_or(0)
        .saturating_mul(BYTES_PER_WATCH_BOUND);
    if let Some(available) = memory_available()
        && bytes_needed as u64 > available / 2
    {
        return Err(format!(
            "{} watches may need up to {} MiB ({} KiB a watch, {} KiB a connection), more than \
             half of the memory available ({} MiB, MemAvailable): lower --sizes",
            largest.copied().unwrap_or(0),
            bytes_needed >> 20,
            BYTES_PER_WATCH_BOUND >> 10,
            BYTES_PER_CONNECTION_BOUND >> 10,
            available >> 20
        ));
    }
    Ok(())
}

/// The soft limit on open files (children inherit it); `None` if unknown.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Bytes of memory available without swapping; `None` if unknown.
fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::plan::Options;

    fn plan(sizes: Vec<usize>, burst: usize) -> Plan {
        Plan::new(&Options {
            quick: true,
            sizes: Some(sizes),
            burst: Some(burst),
            update_docs: false,
        })
    }

    #[test]
    fn quick_sizes_fit_this_machine() {
        assert_eq!(check(&plan(vec![100, 1_000], 500)), Ok(()));
    }

    #[test]
    fn a_size_of_zero_is_refused() {
        let error = check(&plan(vec![100, 0], 500)).unwrap_err();
        assert!(error.contains("at least 1"), "{error}");
    }

    #[test]
    fn a_burst_past_the_open_file_limit_names_the_limit() {
        let Some(limit) = open_files_limit() else {
            return; // Not Linux: nothing to compare against.
        };
        let error = check(&plan(vec![100], limit as usize + 1)).unwrap_err();
        assert!(error.contains("ulimit -n"), "{error}");
        assert!(error.contains(&limit.to_string()), "{error}");
    }

    #[test]
    fn a_size_past_the_memory_names_the_memory() {
        if memory_available().is_none() {
            return;
        }
        let error = check(&plan(vec![1 << 40], 500)).unwrap_err();
        assert!(error.contains("MemAvailable"), "{error}");
    }
}
