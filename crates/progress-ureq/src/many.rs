//! `watch_many` of the blocking client: many watches sent concurrently from
//! a bounded set of worker threads, their events handed on, in the order
//! they happen, on the caller's thread.
//!
//! The caller's thread keeps every watch between steps and decides which
//! are due: it sleeps (with the client's sleeper) only while no request is
//! in flight, so a test's manual clock moves from one thread, as before.
//! A worker takes one due watch at a time and runs it to its next event or
//! wait ([`run_step`]: a slot of `max_in_flight`, a request, the answer),
//! then hands it back.

use std::iter::FusedIterator;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use progress_model::{Event, Watch};

use crate::cancel::CancelHandle;
use crate::client::Client;
use crate::events::run_step;

/// How often the caller's thread looks at the cancel handle while requests
/// are in flight and the next watch is not yet due.
const CANCEL_CHECK: Duration = Duration::from_millis(20);

/// The events of many watches, merged; see [`Client::watch_many`]. Ends
/// when every watch has finished. Dropping it cancels every watch and ends
/// its worker threads.
#[derive(Debug)]
pub struct ManyWatch {
    client: Client,
    /// The watches between steps, not on a worker.
    waiting: Vec<Entry>,
    /// Watches on a worker now.
    running: usize,
    /// How many workers to start: `max_in_flight`, or fewer for fewer jobs.
    workers: usize,
    /// Started at the first `next()`; `None` until then and after the end.
    pool: Option<Pool>,
    cancel: CancelHandle,
}

/// One watch between steps.
#[derive(Debug)]
struct Entry {
    /// Its place in the call's order: ties between watches due together go
    /// to the first named.
    order: usize,
    machine: Watch,
    /// When it next has something to do; `None`: now.
    due: Option<Instant>,
}

impl Entry {
    /// When it next has something to do, as a wake may have moved its wait.
    fn due(&self) -> Option<Instant> {
        let due = self.due?;
        Some(
            self.machine
                .waiting_until()
                .map_or(due, |moved| moved.min(due)),
        )
    }
}

/// A watch back from a worker, with what its step gave.
#[derive(Debug)]
struct Done {
    entry: Entry,
    result: Result<Event, Instant>,
}

/// The worker threads, the queue they take watches from, and the channel
/// they hand them back on.
#[derive(Debug)]
struct Pool {
    /// Dropped to end the workers.
    to_workers: Option<Sender<Entry>>,
    from_workers: Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
}

impl ManyWatch {
    pub(crate) fn new(client: Client, machines: impl IntoIterator<Item = Watch>) -> Self {
        let cancel = CancelHandle::default();
        let waker = cancel.waker();
        let waiting: Vec<Entry> = machines
            .into_iter()
            .enumerate()
            .map(|(order, machine)| {
                // A wake that moves a watch's wait ends the caller's sleep.
                machine.set_waker(&waker);
                Entry {
                    order,
                    machine,
                    due: None,
                }
            })
            .collect();
        let workers = client.parts.shared.max_in_flight().min(waiting.len());
        Self {
            client,
            waiting,
            running: 0,
            workers,
            pool: None,
            cancel,
        }
    }

    /// A handle that ends every watch of this iterator from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// The waiting watch due first (ties in the call's order), with when.
    /// After a cancel every watch is due at once: its step ends it.
    fn first_due(&self) -> Option<(usize, Option<Instant>)> {
        let cancelled = self.cancel.is_cancelled();
        self.waiting
            .iter()
            .enumerate()
            .map(|(position, entry)| (position, entry.due().filter(|_| !cancelled), entry.order))
            .min_by_key(|(_, due, order)| (*due, *order))
            .map(|(position, due, _)| (position, due))
    }

    /// Hands every due watch to a free worker; without workers (none could
    /// be started), runs one step on this thread and returns its result.
    fn dispatch(&mut self, now: Instant) -> Option<Done> {
        while self.running < self.workers {
            let (position, due) = self.first_due()?;
            if due.is_some_and(|due| due > now) {
                return None;
            }
            let mut entry = self.waiting.remove(position);
            let pool = self
                .pool
                .get_or_insert_with(|| Pool::start(&self.client, &self.cancel, self.workers));
            match pool
                .to_workers
                .as_ref()
                .filter(|_| !pool.threads.is_empty())
            {
                Some(workers) => match workers.send(entry) {
                    Ok(()) => self.running += 1,
                    Err(returned) => {
                        self.waiting.push(returned.0);
                        return None;
                    }
                },
                None => {
                    let result = run_step(&self.client, &mut entry.machine, &self.cancel);
                    return Some(Done { entry, result });
                }
            }
        }
        None
    }

    /// Waits for a worker to hand a watch back: at most until the next
    /// waiting watch is due when a worker is free for it and the client
    /// sleeps on the cancel handle (the system's time); otherwise until one
    /// comes back (a sleeper of the caller's may move a clock of its own).
    fn wait_for_a_worker(&mut self, now: Instant) -> Option<Done> {
        let due = self
            .first_due()
            .map(|(_, due)| due.map_or(Duration::ZERO, |due| due.saturating_duration_since(now)));
        let pool = self.pool.as_ref()?;
        let free = self.running < self.workers;
        let received = match due.filter(|_| free && self.client.sleeps_on_cancel) {
            Some(wait) => pool.from_workers.recv_timeout(wait.min(CANCEL_CHECK)),
            None => pool
                .from_workers
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(done) => {
                self.running -= 1;
                Some(done)
            }
            Err(RecvTimeoutError::Timeout) => None,
            // Every worker is gone (one panicked): the watches it held cannot end.
            Err(RecvTimeoutError::Disconnected) => {
                self.running = 0;
                None
            }
        }
    }

    /// Keeps a watch back from its step; returns its event, if it had one.
    fn take_back(&mut self, done: Done) -> Option<Event> {
        let Done { mut entry, result } = done;
        match result {
            Ok(event) => {
                if !event.is_final() {
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
}

impl Pool {
    /// Up to `count` workers for `client`'s steps; fewer (even none) when the
    /// system refuses threads: the caller's thread then runs the steps.
    fn start(client: &Client, cancel: &CancelHandle, count: usize) -> Self {
        let (to_workers, queue) = mpsc::channel::<Entry>();
        let (done, from_workers) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..count)
            .map_while(|index| {
                let (client, cancel) = (client.clone(), cancel.clone());
                let (queue, done) = (queue.clone(), done.clone());
                std::thread::Builder::new()
                    .name(format!("watch_many-{index}"))
                    .spawn(move || work(&client, &cancel, &queue, &done))
                    .ok()
            })
            .collect();
        Self {
            to_workers: Some(to_workers),
            from_workers,
            threads,
        }
    }
}

/// A worker: runs the step of each watch it is handed, until the queue closes.
fn work(
    client: &Client,
    cancel: &CancelHandle,
    queue: &Mutex<Receiver<Entry>>,
    done: &Sender<Done>,
) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(mut entry) = next else { return };
        let result = run_step(client, &mut entry.machine, cancel);
        if done.send(Done { entry, result }).is_err() {
            return;
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
            let now = self.client.parts.clock.now();
            let done = match self.dispatch(now) {
                Some(done) => Some(done),
                None if self.running > 0 => self.wait_for_a_worker(now),
                None => {
                    let (_, due) = self.first_due().or_else(|| {
                        // Every watch has ended: so do the workers.
                        self.pool = None;
                        None
                    })?;
                    if let Some(due) = due.filter(|due| *due > now) {
                        self.client.sleep(due - now, &self.cancel);
                    }
                    None
                }
            };
            if let Some(event) = done.and_then(|done| self.take_back(done)) {
                return Some(event);
            }
        }
    }
}

impl FusedIterator for ManyWatch {}
