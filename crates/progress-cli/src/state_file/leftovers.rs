//! The temporary files a write of the state file leaves when the command is
//! killed between creating one and renaming it over the state file: found
//! by name and age, and removed, so they do not pile up beside it.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What every temporary file of a state file starts with.
const PREFIX: &str = ".itwin-progress-state";

/// A temporary file older than this is nobody's: a write takes
/// milliseconds, a slow disk's `fsync` seconds.
pub(super) const STALE_AFTER: Duration = Duration::from_secs(60);

/// The prefix of the temporary files of the state file named `name`:
/// `.itwin-progress-state.{name}.` (the name cut to 64 characters, so the
/// temporary name stays within the system's limit).
pub(super) fn prefix(name: &std::ffi::OsStr) -> OsString {
    let name: String = name.to_string_lossy().chars().take(64).collect();
    format!("{PREFIX}.{name}.").into()
}

/// Removes from `dir` the temporary files of the state file `name` older
/// than [`STALE_AFTER`] at `now`, and those of versions that named them
/// `.itwin-progress-state` and six random characters (whose state file is
/// unknown; at that age they are no write's). Best effort: what cannot be
/// read or removed is left.
pub(super) fn remove_stale(dir: &Path, name: &std::ffi::OsStr, now: SystemTime) {
    let ours = prefix(name).to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if !(file_name.starts_with(&ours) || is_old_style(&file_name)) {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|metadata| metadata.modified().ok())
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `.itwin-progress-state` and six letters or digits: an earlier version's
/// temporary file.
fn is_old_style(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}
