//! The process's resident memory, read from `/proc/self/statm`.

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
/// last task, and their stacks would read as memory the run kept.
pub fn settle(before: Option<usize>, bound: std::time::Duration) {
    let (Some(before), started) = (before, std::time::Instant::now()) else {
        return;
    };
    while threads().is_some_and(|now| now > before) && started.elapsed() < bound {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Resident bytes, or `None` where `/proc` is not there (not Linux).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size is 4 KiB on every Linux this runs on (x86-64, aarch64 by default).
    Some(pages * 4096)
}

/// glibc keeps freed memory for reuse: a freed 8 MiB body raises its
/// threshold for returning big blocks to the system, each thread's arena
/// holds on to what it had, and the stacks of ended threads (the blocking
/// client's, a thread per watch) are cached with their touched pages.
/// Resident memory would then read as growth that nothing live holds. With
/// these tunables (read at process start, hence a fresh process) big blocks
/// go back at once, arenas are few and no stack is cached, so what stays
/// resident is what is still in use.
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
