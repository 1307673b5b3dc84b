//! `watch --state PATH`: one file holding the state of every job's watch,
//! rewritten after each of their events, so that the command started again
//! with it goes on where it stopped, even after `kill -9`.
//!
//! The file is replaced, never written in place: a temporary file beside
//! it is written and `fsync`ed, then renamed over it (and the directory
//! `fsync`ed), so a kill at any point leaves the old file or the new one,
//! whole. A temporary file a kill left behind is removed by a later write
//! once it is a minute old. A file that is not a state file of this version
//! is never touched: the command refuses it before anything is sent.

mod leftovers;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use progress_model::{JobId, WatchState};

/// The format of the file around the watches' states (each has its own).
const FORMAT: u64 = 1;

/// The state file, as read and as last written.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    /// Every job's latest state, in the order the jobs came.
    watches: Vec<WatchState>,
    /// Where each job's state is in `watches`.
    index: HashMap<String, usize>,
    /// A state was kept that the file does not hold yet.
    writes_owed: bool,
    /// When the temporary files a kill left were last looked for.
    swept_at: Option<Instant>,
}

impl StateFile {
    /// Reads `path`; a missing or empty file holds no watch yet. Anything
    /// else that is not a state file of this version is refused with a
    /// message naming the file.
    pub fn open(path: &Path) -> Result<Self, String> {
        let refused = |why: &dyn std::fmt::Display| {
            format!(
                "{} is not a state file of this version of itwin-progress ({why}); it was left as it is",
                path.display()
            )
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => String::new(),
            Err(error) => {
                return Err(format!(
                    "cannot read the state file {}: {error}",
                    path.display()
                ));
            }
        };
        let mut file = Self {
            path: path.to_owned(),
            watches: Vec::new(),
            index: HashMap::new(),
            writes_owed: false,
            swept_at: None,
        };
        if text.trim().is_empty() {
            return Ok(file);
        }
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| refused(&error))?;
        match document.get("format").and_then(serde_json::Value::as_u64) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(refused(&format_args!(
                    "its format is {other}, this version reads {FORMAT}"
                )));
            }
            None => return Err(refused(&"it has no format number")),
        }
        let watches = document
            .get("watches")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| refused(&"it has no list of watches"))?;
        for watch in watches {
            let state =
                WatchState::from_json(&watch.to_string()).map_err(|error| refused(&error))?;
            file.keep(state);
        }
        Ok(file)
    }

    /// The saved state of `job`, if any.
    pub fn get(&self, job: &JobId) -> Option<&WatchState> {
        self.index.get(job.as_str()).map(|at| &self.watches[*at])
    }

    /// The saved watches whose job has not ended: resumed at the start,
    /// named on the command line or not.
    pub fn unfinished(&self) -> Vec<WatchState> {
        self.watches
            .iter()
            .filter(|state| state.final_observation().is_none())
            .cloned()
            .collect()
    }

    /// Keeps each of `states` as its job's latest and replaces the file
    /// with every job's (once for them all; not at all for none).
    pub fn record_all<'a>(
        &mut self,
        states: impl IntoIterator<Item = &'a WatchState>,
    ) -> io::Result<()> {
        for state in states {
            self.keep(state.clone());
            self.writes_owed = true;
        }
        if !self.writes_owed {
            return Ok(());
        }
        let written = self.write();
        // A failed write is tried again with the next events.
        self.writes_owed = written.is_err();
        written
    }

    /// [`StateFile::record_all`] for one state.
    #[cfg(test)]
    pub fn record(&mut self, state: &WatchState) -> io::Result<()> {
        self.record_all([state])
    }

    fn keep(&mut self, state: WatchState) {
        match self.index.get(state.job.as_str()) {
            Some(at) => self.watches[*at] = state,
            None => {
                self.index
                    .insert(state.job.as_str().to_owned(), self.watches.len());
                self.watches.push(state);
            }
        }
    }

    /// Writes a temporary file beside the state file, syncs it, renames it
    /// over the state file and syncs the directory: after a crash, the old
    /// file or the new one, never a part.
    /// Before it, at most once a [`leftovers::STALE_AFTER`], the temporary
    /// files an earlier kill left are removed.
    fn write(&mut self) -> io::Result<()> {
        let document = serde_json::json!({ "format": FORMAT, "watches": self.watches });
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = self.path.file_name().unwrap_or_default();
        if self
            .swept_at
            .is_none_or(|at| at.elapsed() >= leftovers::STALE_AFTER)
        {
            leftovers::remove_stale(dir, name, SystemTime::now());
            self.swept_at = Some(Instant::now());
        }
        let mut temporary = tempfile::Builder::new()
            .prefix(&leftovers::prefix(name))
            .tempfile_in(dir)?;
        serde_json::to_writer(&mut temporary, &document)?;
        temporary.write_all(b"\n")?;
        temporary.as_file().sync_all()?;
        temporary.persist(&self.path).map_err(|error| error.error)?;
        sync_dir(dir)
    }
}

/// Makes the rename itself durable (POSIX keeps it in the directory).
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Elsewhere the rename is as durable as the system makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"{"format":1,"service":"reality-modeling","api_version":"v2",
        "base_url":"https://api.bentley.com","job":"JOB",
        "last":{"state":"STATE","percentage":40.0,"step":null,"at":"2026-01-01T00:00:00Z"},
        "percentage_changed_at":null,"rung":1,"next_poll_at":"2026-01-01T00:00:15Z",
        "retry_after_until":null,"consecutive_failures":0,"started_at":"2026-01-01T00:00:00Z",
        "deadline_at":null,"saved_at":"2026-01-01T00:00:00Z"}"#;

    fn state(job: &str, state: &str) -> WatchState {
        WatchState::from_json(&STATE.replace("JOB", job).replace("STATE", state)).unwrap()
    }

    #[test]
    fn what_is_recorded_reads_back_one_state_per_job() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut file = StateFile::open(&path).unwrap();
        file.record(&state("a", "active")).unwrap();
        file.record(&state("b", "active")).unwrap();
        file.record(&state("a", "success")).unwrap();
        let again = StateFile::open(&path).unwrap();
        let a = again.get(&JobId::new("a").unwrap()).unwrap();
        assert!(a.final_observation().is_some());
        let unfinished: Vec<_> = again.unfinished().into_iter().map(|s| s.job).collect();
        assert_eq!(unfinished, [JobId::new("b").unwrap()]);
        // Only the state file is left: the temporary ones were renamed over it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temporary_files_a_kill_left_are_removed_once_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let leftover = |name: &str, age: u64| {
            let file = dir.path().join(name);
            let written = std::fs::File::create(&file).unwrap();
            let at = SystemTime::now() - std::time::Duration::from_secs(age);
            written.set_modified(at).unwrap();
            file
        };
        let stale = leftover(".itwin-progress-state.state.json.a1b2c3", 120);
        let old_style = leftover(".itwin-progress-state9xYz01", 3600);
        let fresh = leftover(".itwin-progress-state.state.json.d4e5f6", 0);
        let other_file = leftover(".itwin-progress-state.other.json.a1b2c3", 3600);
        let not_ours = leftover(".itwin-progress-state-notes", 3600);
        let mut file = StateFile::open(&path).unwrap();
        for round in 0..3 {
            file.record(&state("a", if round == 2 { "success" } else { "active" }))
                .unwrap();
        }
        assert!(!stale.exists() && !old_style.exists());
        // A write under way may own it; another state file's is its own.
        assert!(fresh.exists() && other_file.exists() && not_ours.exists());
        // The writes left no file of their own.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    }

    #[test]
    fn a_file_that_is_no_state_file_is_refused_by_name_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.json");
        let garbled = format!(
            r#"{{"format":1,"watches":[{}]}}"#,
            STATE.replace("\"rung\":1,", "")
        );
        let newer = r#"{"format":2,"watches":[]}"#;
        let other_state = format!(
            r#"{{"format":1,"watches":[{}]}}"#,
            STATE.replace(r#""format":1"#, r#""format":9"#)
        );
        for text in [
            "not json",
            "[]",
            r#"{"watches":[]}"#,
            newer,
            &garbled,
            &other_state,
        ] {
            std::fs::write(&path, text).unwrap();
            let error = StateFile::open(&path).unwrap_err();
            assert!(error.contains("mine.json"), "{text}: {error}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
    }

    #[test]
    fn a_missing_or_empty_file_holds_no_watch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(StateFile::open(&path).unwrap().unfinished().is_empty());
        std::fs::write(&path, "\n").unwrap();
        assert!(StateFile::open(&path).unwrap().unfinished().is_empty());
    }
}
