//! The bookkeeping of a live set of watches, shared by both clients' `watches()`:
//! which jobs the set holds, what inserting or removing one means, and when
//! the merged events end. No I/O: an adapter asks, then starts or cancels the
//! watch the answer names.
//!
//! A job belongs to the set from its insertion until its watch's `Finished`
//! event is handed to the reader (a removed job too: it is still ending,
//! and its `Finished(Err(Cancelled))` has yet to come). While it belongs,
//! inserting it again starts nothing. The events end once the set is closed
//! and holds no job; an open, empty set waits for its next job.

use std::collections::HashMap;

/// What [`LiveSet::insert`] did, and what a set's `insert` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "an insert may be refused: the set is closed, or the job already watched"]
pub enum Insertion {
    /// The job was not in the set: its watch starts now.
    Started,
    /// The job is in the set already (running, or removed and still ending):
    /// nothing new starts, and its one watch goes on as it was.
    AlreadyWatched,
    /// The set is closed (or its events were dropped): nothing starts.
    Closed,
}

impl Insertion {
    /// Whether a watch started.
    pub fn started(self) -> bool {
        self == Insertion::Started
    }
}

/// How a job of the set stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    Running,
    /// Removed: its watch is being cancelled; its last event has not come yet.
    Ending,
}

/// The jobs of a live set and whether it is open. A job belongs from its
/// insertion until its watch's `Finished` event reaches the reader (a removed
/// job too, while it ends); inserting it again meanwhile starts nothing. The
/// events end once the set is closed and holds no job.
#[derive(Debug, Default)]
pub struct LiveSet {
    jobs: HashMap<String, Membership>,
    closed: bool,
}

impl LiveSet {
    /// An open, empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `job` unless it is in the set already or the set is closed.
    pub fn insert(&mut self, job: &str) -> Insertion {
        if self.closed {
            return Insertion::Closed;
        }
        if self.jobs.contains_key(job) {
            return Insertion::AlreadyWatched;
        }
        self.jobs.insert(job.to_owned(), Membership::Running);
        Insertion::Started
    }

    /// Marks `job` as ending. `true`: the adapter cancels its watch now;
    /// `false`: the job is not in the set, or was removed already.
    pub fn remove(&mut self, job: &str) -> bool {
        match self.jobs.get_mut(job) {
            Some(membership @ Membership::Running) => {
                *membership = Membership::Ending;
                true
            }
            _ => false,
        }
    }

    /// The watch of `job` handed out its `Finished` event: the job leaves the set.
    pub fn finished(&mut self, job: &str) {
        self.jobs.remove(job);
    }

    /// No more insertions; the events end once every job has finished.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Whether [`LiveSet::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// How many jobs the set holds, removed ones still ending included.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether the set holds no job.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Whether `job` is in the set and not removed.
    pub fn contains(&self, job: &str) -> bool {
        self.jobs.get(job) == Some(&Membership::Running)
    }

    /// Whether the merged events are over: closed, and every job finished.
    pub fn is_over(&self) -> bool {
        self.closed && self.jobs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_watched_once_until_its_last_event_is_handed_out() {
        let mut set = LiveSet::new();
        assert_eq!(set.insert("job-1"), Insertion::Started);
        assert_eq!(set.insert("job-1"), Insertion::AlreadyWatched);
        assert!(set.remove("job-1"));
        // Removed but still ending: not contained, not startable again yet.
        assert!(!set.contains("job-1"));
        assert!(!set.remove("job-1"));
        assert_eq!(set.insert("job-1"), Insertion::AlreadyWatched);
        assert_eq!(set.len(), 1);
        set.finished("job-1");
        assert_eq!(set.insert("job-1"), Insertion::Started);
        assert!(set.contains("job-1"));
    }

    #[test]
    fn an_open_empty_set_is_not_over_and_a_closed_one_ends_after_its_last_job() {
        let mut set = LiveSet::new();
        assert!(!set.is_over());
        assert!(set.insert("job-1").started());
        set.close();
        assert_eq!(set.insert("job-2"), Insertion::Closed);
        assert!(!set.is_over());
        set.finished("job-1");
        assert!(set.is_over());
    }

    #[test]
    fn removing_a_job_never_inserted_does_nothing() {
        let mut set = LiveSet::new();
        assert!(!set.remove("job-9"));
        assert!(set.is_empty());
    }
}
