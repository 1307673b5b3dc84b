//! The events of a live set of blocking watches ([`Client::watches`], and
//! `watch_many`, which is a closed set of the jobs it was given): watches
//! sent concurrently from a bounded set of worker threads, their events
//! handed on, in the order they happen, on the caller's thread.
//!
//! The caller's thread keeps every watch between steps and decides which
//! are due: it sleeps (with the client's sleeper) only while no request is
//! in flight, so a test's manual clock moves from one thread, as before.
//! The caller's thread also takes each due watch's step, in the order the
//! watches are due, since a step is where the client's rate is handed out.
//! A worker takes a watch whose step asked for a fetch and runs it to its
//! next event or wait ([`run_from`]: a slot of `max_in_flight`, a request,
//! the answer), then hands it back. Workers start as watches need them, up to
//! `max_in_flight`, and end whenever the set holds no watch.
//!
//! Everything the caller's thread learns comes on one channel: watches
//! handed back by workers, and what the [`Watches`] handle inserted,
//! removed or closed; so a wait for any of them is one `recv`.

use std::collections::HashMap;
use std::iter::FusedIterator;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};
use std::thread::JoinHandle;
use std::time::Instant;

use progress_model::{Event, Step, Watch};

use crate::cancel::{CancelHandle, WakeAll};
use crate::client::Client;
use crate::events::run_from;
use crate::watches::{Shared, Watches};

/// The events of a set of watches, merged; see [`Client::watches`] and
/// [`Client::watch_many`]. Ends once the set is closed and every watch has
/// finished. Dropping it cancels every watch and ends its worker threads.
#[derive(Debug)]
pub struct ManyWatch {
    client: Client,
    shared: Arc<Shared>,
    inbox: Receiver<Message>,
    /// The watches between steps, not on a worker.
    waiting: Vec<Entry>,
    /// Watches on a worker now.
    running: usize,
    /// The cancel handle of every watch not finished, by job: a removal
    /// cancels one.
    cancels: HashMap<String, CancelHandle>,
    /// The next watch's place in the order of insertion.
    next_order: usize,
    /// Started when a watch first needs a worker; `None` while none runs.
    pool: Option<Pool>,
    cancel: CancelHandle,
    /// Handed to every watch of the set (see [`Nudge`]).
    waker: Waker,
}

/// What the caller's thread learns, on its one channel.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // Watches travel in it; a box would add an allocation a step.
pub(crate) enum Message {
    /// The handle started a watch.
    Insert(Started),
    /// The handle removed the job: cancel its watch.
    Remove(String),
    /// The set was closed or cancelled: look again.
    Changed,
    /// A worker hands a watch back.
    Stepped(Done),
    /// A worker ended (it panicked) holding this job's watch.
    Lost(String),
}

/// A watch the handle started, on its way to the caller's thread.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) job: String,
    pub(crate) machine: Watch,
}

/// One watch between steps.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Its place in the order of insertion: ties between watches due
    /// together go to the first inserted.
    order: usize,
    /// The job as inserted: the set's key.
    job: String,
    machine: Watch,
    /// When it next has something to do; `None`: now.
    due: Option<Instant>,
    /// Ends this watch alone; a child of the set's handle.
    cancel: CancelHandle,
}

impl Entry {
    /// When it is due: now once it is cancelled (its step ends it), and
    /// as a wake may have moved its wait.
    fn due(&self) -> Option<Instant> {
        let due = self.due.filter(|_| !self.cancel.is_cancelled())?;
        Some(
            self.machine
                .waiting_until()
                .map_or(due, |moved| moved.min(due)),
        )
    }
}

/// A set's watches' waker: a wake that moved a watch's wait ends the
/// caller's wait, whether it waits on the channel or in the sleeper.
struct Nudge {
    to_reader: Sender<Message>,
    sleep: Waker,
}

impl Wake for Nudge {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let _ = self.to_reader.send(Message::Changed);
        self.sleep.wake_by_ref();
    }
}

/// A due watch handed to a worker, with the fetch its step asked for.
#[derive(Debug)]
struct Assignment {
    entry: Entry,
    fetch: Step,
}

/// A watch back from a worker, with what its step gave.
#[derive(Debug)]
pub(crate) struct Done {
    entry: Entry,
    result: Result<Event, Instant>,
}

/// The worker threads and the queue they take watches from.
#[derive(Debug)]
struct Pool {
    /// Dropped to end the workers.
    to_workers: Option<Sender<Assignment>>,
    queue: Arc<Mutex<Receiver<Assignment>>>,
    threads: Vec<JoinHandle<()>>,
}

impl ManyWatch {
    /// An empty, open set: its handle and its events.
    pub(crate) fn open(client: Client) -> (Watches, ManyWatch) {
        let (to_reader, inbox) = mpsc::channel();
        let shared = Arc::new(Shared::new(to_reader));
        let cancel = CancelHandle::default();
        let closer: Arc<dyn WakeAll> = shared.clone();
        cancel.wakes(Arc::downgrade(&closer));
        // A wake that moves a watch's wait ends the caller's wait, on the
        // channel or in the sleeper.
        let waker = Waker::from(Arc::new(Nudge {
            to_reader: shared.sender(),
            sleep: cancel.waker(),
        }));
        let events = ManyWatch {
            client: client.clone(),
            shared: shared.clone(),
            inbox,
            waiting: Vec::new(),
            waker,
            running: 0,
            cancels: HashMap::new(),
            next_order: 0,
            pool: None,
            cancel,
        };
        (Watches::new(client, shared), events)
    }

    /// A handle that ends every watch of this iterator from another thread
    /// (and closes the set).
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Takes in one message; returns the event it brought, if any.
    fn apply(&mut self, message: Message) -> Option<Event> {
        match message {
            Message::Insert(Started { job, machine }) => {
                machine.set_waker(&self.waker);
                let cancel = self.cancel.child();
                self.cancels.insert(job.clone(), cancel.clone());
                self.waiting.push(Entry {
                    order: self.next_order,
                    job,
                    machine,
                    due: None,
                    cancel,
                });
                self.next_order += 1;
                None
            }
            Message::Remove(job) => {
                if let Some(cancel) = self.cancels.get(&job) {
                    cancel.cancel();
                }
                None
            }
            Message::Changed => None,
            Message::Stepped(done) => {
                self.running -= 1;
                self.take_back(done)
            }
            Message::Lost(job) => {
                self.running -= 1;
                self.forget(&job);
                None
            }
        }
    }

    /// The waiting watch due first (ties in the order of insertion), with when.
    fn first_due(&self) -> Option<(usize, Option<Instant>)> {
        self.waiting
            .iter()
            .enumerate()
            .min_by_key(|(_, entry)| (entry.due(), entry.order))
            .map(|(position, entry)| (position, entry.due()))
    }

    /// Hands every due watch to a worker; without workers (none could be
    /// started), runs one step on this thread and returns its result.
    fn dispatch(&mut self, now: Instant) -> Option<Done> {
        let max_workers = self.client.parts.shared.max_in_flight().max(1);
        while self.running < max_workers {
            let (position, due) = self.first_due()?;
            if due.is_some_and(|due| due > now) {
                return None;
            }
            let mut entry = self.waiting.remove(position);
            // The step here, in the order the watches are due: it is
            // where the client's rate is handed out.
            if entry.cancel.is_cancelled() {
                entry.machine.cancel();
            }
            let fetch = match entry.machine.step(self.client.parts.clock.now()) {
                fetch @ Step::Fetch(_) => fetch,
                Step::Wait(until) => {
                    entry.due = Some(until);
                    self.waiting.push(entry);
                    continue;
                }
                Step::Event(event) => {
                    let result = Ok(self.client.parts.hand_on(&entry.machine, event));
                    return Some(Done { entry, result });
                }
            };
            let pool = self.pool.get_or_insert_with(Pool::new);
            if pool.threads.len() <= self.running {
                pool.grow(&self.client, &self.shared);
            }
            let assignment = Assignment { entry, fetch };
            let unsent = match &pool.to_workers {
                Some(workers) if !pool.threads.is_empty() => {
                    workers.send(assignment).err().map(|unsent| unsent.0)
                }
                _ => Some(assignment),
            };
            if let Some(Assignment { mut entry, fetch }) = unsent {
                // No worker to take it: the step's fetch is sent here.
                let (machine, cancel) = (&mut entry.machine, &entry.cancel);
                let result = run_from(&self.client, machine, cancel, Some(fetch));
                return Some(Done { entry, result });
            }
            self.running += 1;
        }
        None
    }

    /// Waits for the next message: at most until the next waiting watch is
    /// due when a worker is free for it and the client sleeps on system
    /// time; a sleeper of the caller's (which may move a clock of its own)
    /// sleeps while no request is in flight, and the messages are read after.
    fn wait(&mut self, now: Instant) -> Option<Message> {
        let max_workers = self.client.parts.shared.max_in_flight().max(1);
        let due = self
            .first_due()
            .filter(|_| self.running < max_workers)
            .map(|(_, due)| due.map_or(now, |due| due.max(now)));
        match due {
            Some(due) if self.client.sleeps_on_cancel => self.inbox.recv_timeout(due - now).ok(),
            Some(due) if self.running == 0 => {
                self.client.sleep(due - now, &self.cancel);
                None
            }
            // Nothing to wake for but a message: a worker's, or the handle's.
            _ => self.inbox.recv().ok(),
        }
    }

    /// Keeps a watch back from its step; returns its event, if it had one.
    fn take_back(&mut self, done: Done) -> Option<Event> {
        let Done { mut entry, result } = done;
        match result {
            Ok(event) => {
                if event.is_final() {
                    self.forget(&entry.job);
                } else {
                    entry.due = None;
                    self.waiting.push(entry);
                }
                Some(event)
            }
            Err(until) => {
                entry.due = Some(until);
                self.waiting.push(entry);
                None
            }
        }
    }

    /// The watch of `job` has ended: it leaves the set.
    fn forget(&mut self, job: &str) {
        self.cancels.remove(job);
        self.shared.set().finished(job);
    }

    /// Whether no watch is left and none can come.
    fn is_over(&mut self) -> bool {
        if !self.waiting.is_empty() || self.running > 0 {
            return false;
        }
        // No watch left: so no worker either, until one is inserted.
        self.pool = None;
        self.shared.set().is_over()
    }
}

impl Pool {
    fn new() -> Self {
        let (to_workers, queue) = mpsc::channel::<Assignment>();
        Self {
            to_workers: Some(to_workers),
            queue: Arc::new(Mutex::new(queue)),
            threads: Vec::new(),
        }
    }

    /// One more worker, unless the system refuses a thread.
    fn grow(&mut self, client: &Client, shared: &Arc<Shared>) {
        let (client, queue) = (client.clone(), self.queue.clone());
        let done = shared.sender();
        let spawned = std::thread::Builder::new()
            .name(format!("watch_many-{}", self.threads.len()))
            .spawn(move || work(&client, &queue, &done));
        if let Ok(thread) = spawned {
            self.threads.push(thread);
        }
    }
}

/// A worker: runs the step of each watch it is handed, until the queue closes.
fn work(client: &Client, queue: &Mutex<Receiver<Assignment>>, done: &Sender<Message>) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Assignment { mut entry, fetch }) = next else {
            return;
        };
        let lost = Lost {
            job: Some(entry.job.clone()),
            done,
        };
        let result = run_from(client, &mut entry.machine, &entry.cancel, Some(fetch));
        lost.disarm();
        if done.send(Message::Stepped(Done { entry, result })).is_err() {
            return;
        }
    }
}

/// Tells the caller's thread which watch a panicking worker took with it,
/// so that the set does not wait for it forever.
struct Lost<'a> {
    job: Option<String>,
    done: &'a Sender<Message>,
}

impl Lost<'_> {
    fn disarm(mut self) {
        self.job = None;
    }
}

impl Drop for Lost<'_> {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            let _ = self.done.send(Message::Lost(job));
        }
    }
}

impl Drop for Pool {
    /// Ends the workers: each finishes the request it is sending (the
    /// request timeout bounds it) and sees the queue closed.
    fn drop(&mut self) {
        self.to_workers.take();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for ManyWatch {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Iterator for ManyWatch {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            while let Ok(message) = self.inbox.try_recv() {
                if let Some(event) = self.apply(message) {
                    return Some(event);
                }
            }
            if self.is_over() {
                return None;
            }
            let now = self.client.parts.clock.now();
            if let Some(done) = self.dispatch(now) {
                match self.take_back(done) {
                    Some(event) => return Some(event),
                    None => continue,
                }
            }
            if let Some(message) = self.wait(now)
                && let Some(event) = self.apply(message)
            {
                return Some(event);
            }
        }
    }
}

impl FusedIterator for ManyWatch {}
