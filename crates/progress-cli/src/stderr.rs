//! Best-effort writes to stderr.
//!
//! `eprintln!` panics when stderr cannot be written (a closed pipe, `2>&-`),
//! and a panic exits 101, hiding the exit code scripts rely on. Every message
//! of the program goes through here instead, and a failed write is dropped:
//! there is nowhere left to report it anyway.

use std::io::Write;

/// Writes `text` to stderr in one piece (so a line is not split by another
/// writer, such as the progress bar), ignoring any failure.
pub fn write_str(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `eprintln!` that cannot panic: see [`write_str`].
macro_rules! stderr_line {
    ($($arg:tt)*) => {
        $crate::stderr::write_str(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use stderr_line;
