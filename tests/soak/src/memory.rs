//! What the process holds: the bytes live on its heap, counted by the global
//! allocator (what the run is checked on), and its threads and resident
//! memory, read from `/proc` (reported beside it).

use std::alloc::System;

use cap::Cap;

/// The system allocator, counting what is allocated and not yet freed.
#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

/// The process's memory at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Bytes allocated and not freed, by anything in the process: what the
    /// program still holds.
    pub heap: u64,
    /// Threads running (`None` where `/proc` is not there): each holds a
    /// stack, which the heap does not count.
    pub threads: Option<usize>,
    /// Resident bytes (`None` where `/proc` is not there): the heap, the
    /// stacks and the code, and also what the allocator keeps for reuse
    /// after it was freed (see [`ALLOCATOR_SETTINGS`]).
    pub resident: Option<u64>,
}

/// The process's memory now.
pub fn usage() -> Usage {
    Usage {
        heap: HEAP.allocated() as u64,
        threads: threads(),
        resident: resident_bytes(),
    }
}

/// Threads of this process, or `None` where `/proc` is not there.
pub fn threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

/// Waits (at most `bound`) until no more threads run than `before`: the
/// runtimes' idle worker and blocking-pool threads end a while after their
/// last task, and would read as threads the run left behind.
pub fn settle(before: Option<usize>, bound: std::time::Duration) {
    let (Some(before), started) = (before, std::time::Instant::now()) else {
        return;
    };
    while threads().is_some_and(|now| now > before) && started.elapsed() < bound {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Resident bytes, or `None` where `/proc` is not there (not Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size is 4 KiB on every Linux this runs on (x86-64, aarch64 by default).
    Some(pages * 4096)
}

/// glibc keeps freed memory for reuse: a freed 8 MiB body raises its
/// threshold for returning big blocks to the system, each thread's arena
/// holds on to what it had, and the stacks of ended threads (the blocking
/// client's, a thread per watch) are cached with their touched pages. With
/// these tunables (read at process start, hence a fresh process) big blocks
/// go back at once, arenas are few and no stack is cached, so resident
/// memory stays near what is in use.
///
/// Near, not at: a page freed inside an arena, below a block still in use,
/// stays resident until `malloc_trim` (which safe Rust cannot call), and a
/// later run reuses it rather than growing. Resident memory so climbs to a
/// plateau over the first runs, by whatever their peaks left fragmented (a
/// `blocking` cell of 200 threads most), and a run on the way up reads as
/// growth that nothing holds. That is why runs are checked on the heap
/// bytes, and resident memory is only reported.
const ALLOCATOR_SETTINGS: (&str, &str) = (
    "GLIBC_TUNABLES",
    "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2:glibc.pthread.stack_cache_size=0",
);

/// Runs this program again with [`ALLOCATOR_SETTINGS`] unless they are
/// set: `Some(exit code)` of that run, or `None` when this process has
/// them and should go on.
pub fn rerun_with_allocator_settings() -> Option<std::process::ExitCode> {
    if std::env::var_os(ALLOCATOR_SETTINGS.0).is_some() {
        return None;
    }
    let program = std::env::current_exe().ok()?;
    let status = std::process::Command::new(program)
        .args(std::env::args_os().skip(1))
        .env(ALLOCATOR_SETTINGS.0, ALLOCATOR_SETTINGS.1)
        .status()
        .ok()?;
    let code = status
        .code()
        .and_then(|code| u8::try_from(code).ok())
        .unwrap_or(1);
    Some(std::process::ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_count_rises_by_what_is_held_and_falls_when_it_is_freed() {
        let before = usage().heap;
        let held = vec![7u8; 4 << 20];
        let during = usage().heap;
        drop(held);
        let after = usage().heap;
        // Other tests' threads allocate too: a MiB of slack either way.
        assert!(during >= before + (3 << 20), "{before} -> {during}");
        assert!(after + (3 << 20) <= during, "{during} -> {after}");
    }
}
