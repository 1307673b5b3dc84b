//! The handle of a live set of blocking watches ([`Client::watches`]): any
//! thread inserts and removes jobs while another reads the merged events
//! from the set's [`ManyWatch`]. What an insert or a removal means is the
//! model's [`LiveSet`]; this file only carries the answers to the reader.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use progress_model::{Insertion, LiveSet, Watch, WatchOptions};

use crate::cancel::WakeAll;
use crate::client::Client;
use crate::many::{Message, Started};

/// A live set of watches on one client: insert jobs while it runs, remove
/// one (its watch alone ends, with a `Finished(Err(Cancelled))` event), and
/// read every watch's events, merged, from the [`ManyWatch`](crate::ManyWatch) that
/// [`Client::watches`] returns beside it.
///
/// `Clone + Send + Sync`: the part of a service that submits jobs and the
/// part that reads events can hold it on different threads. The events do
/// not end while the set is open, even empty: they end once
/// [`close`](Watches::close) was called (or every clone of this handle was
/// dropped) and every watch has finished.
///
/// ```no_run
/// # fn main() -> Result<(), progress_ureq::Error> {
/// let client = progress_ureq::Client::builder().token("tok").build()?;
/// let (watches, events) = client.watches();
/// let submitter = watches.clone();
/// std::thread::spawn(move || {
///     assert!(submitter.insert("job-1").started());
///     submitter.insert("job-2");
///     submitter.remove("job-2"); // job-2 ends Cancelled; job-1 goes on
///     submitter.close(); // the events end once job-1 has
/// });
/// for event in events {
///     println!("{}: {:?}", event.job, event.kind);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Watches {
    owner: Arc<Owner>,
}

/// Closes the set when the last clone of the handle goes.
#[derive(Debug)]
struct Owner {
    shared: Arc<Shared>,
    client: Client,
}

/// What the handle and the reader share: the set's bookkeeping, and the
/// channel on which the reader learns what to start or cancel.
#[derive(Debug)]
pub(crate) struct Shared {
    set: Mutex<LiveSet>,
    to_reader: Sender<Message>,
}

impl Shared {
    pub(crate) fn new(to_reader: Sender<Message>) -> Self {
        Self {
            set: Mutex::new(LiveSet::new()),
            to_reader,
        }
    }

    /// A sender for a worker's hand-backs.
    pub(crate) fn sender(&self) -> Sender<Message> {
        self.to_reader.clone()
    }

    pub(crate) fn set(&self) -> MutexGuard<'_, LiveSet> {
        self.set.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the set and wakes the reader to look at it.
    pub(crate) fn close(&self) {
        let mut set = self.set();
        set.close();
        let _ = self.to_reader.send(Message::Changed);
    }
}

/// A cancel of the whole set (its [`CancelHandle`](crate::CancelHandle)) closes it too.
impl WakeAll for Shared {
    fn wake_all(&self) {
        self.close();
    }
}

impl Watches {
    pub(crate) fn new(client: Client, shared: Arc<Shared>) -> Self {
        Self {
            owner: Arc::new(Owner { shared, client }),
        }
    }

    /// Starts watching `job_id`, unless the set watches it already (then
    /// its one watch goes on as it was: [`Insertion::AlreadyWatched`]) or
    /// is closed ([`Insertion::Closed`]). A deadline counts from this call.
    pub fn insert(&self, job_id: impl AsRef<str>) -> Insertion {
        self.insert_with(job_id, WatchOptions::new())
    }

    /// [`Watches::insert`] with this watch's own deadline or ladder.
    pub fn insert_with(&self, job_id: impl AsRef<str>, options: WatchOptions) -> Insertion {
        let Owner { shared, client } = &*self.owner;
        let job = job_id.as_ref();
        let options = options.started_at_unless_set(client.parts.clock.now());
        let mut set = shared.set();
        let insertion = set.insert(job);
        if insertion.started() {
            let can_refresh = client.parts.token.can_refresh();
            let machine: Watch = client.parts.watch(job, can_refresh, &options);
            let started = Started {
                job: job.to_owned(),
                machine,
            };
            // Sent under the lock: a removal that follows reaches the reader after it.
            if shared.to_reader.send(Message::Insert(started)).is_err() {
                set.close();
                set.finished(job);
                return Insertion::Closed;
            }
        }
        insertion
    }

    /// Cancels the watch of `job_id` alone: it ends with a
    /// `Finished(Err(Cancelled))` event (or as it had already ended, if its
    /// end was on its way). `false` when the set does not hold the job or
    /// it was removed already.
    pub fn remove(&self, job_id: impl AsRef<str>) -> bool {
        let shared = &self.owner.shared;
        let job = job_id.as_ref();
        let mut set = shared.set();
        let removed = set.remove(job);
        if removed {
            let _ = shared.to_reader.send(Message::Remove(job.to_owned()));
        }
        removed
    }

    /// No more insertions: the events end once every watch of the set has
    /// finished. Dropping every clone of the handle does the same.
    pub fn close(&self) {
        self.owner.shared.close();
    }

    /// How many watches the set holds: from insertion until the reader is
    /// handed their `Finished` event (removed ones still ending included).
    pub fn len(&self) -> usize {
        self.owner.shared.set().len()
    }

    /// Whether the set holds no watch.
    pub fn is_empty(&self) -> bool {
        self.owner.shared.set().is_empty()
    }

    /// Whether the set watches `job_id` (inserted, not removed, not finished).
    pub fn contains(&self, job_id: impl AsRef<str>) -> bool {
        self.owner.shared.set().contains(job_id.as_ref())
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.close();
    }
}
