//! A live set of async watches ([`Client::watches`]): a [`Watches`] handle
//! that inserts and removes jobs from any task, and one stream of their
//! events, merged. What an insert or a removal means is the model's
//! [`LiveSet`]; this file carries the answers to the stream and runs the
//! watches inside it (no task, no thread each), as `watch_many` always did.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::future::{Either, select};
use futures_util::stream::{SelectAll, StreamExt};
use futures_util::task::AtomicWaker;
use progress_model::{Event, Insertion, LiveSet, WatchOptions};

use crate::client::Client;
use crate::events::{EventStream, WatchLoop};

/// A live set of watches on one client: insert jobs while it runs, remove
/// one (its watch alone ends, with a `Finished(Err(Cancelled))` event), and
/// read every watch's events, merged, from the [`EventStream`] that
/// [`Client::watches`] returns beside it.
///
/// `Clone + Send + Sync`: the part of a service that submits jobs and the
/// part that reads events can be different tasks. The stream does not end
/// while the set is open, even empty: it ends once
/// [`close`](Watches::close) was called (or every clone of this handle was
/// dropped) and every watch has finished.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn run() -> Result<(), progress_reqwest::Error> {
/// let client = progress_reqwest::Client::builder().token("tok").build()?;
/// let (watches, mut events) = client.watches();
/// assert!(watches.insert("job-1").started());
/// watches.insert("job-2");
/// watches.remove("job-2"); // job-2 ends Cancelled; job-1 goes on
/// watches.close(); // the stream ends once job-1 has
/// while let Some(event) = events.next().await {
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

/// What the handle and the stream share.
#[derive(Debug, Default)]
struct Shared {
    inbox: Mutex<Inbox>,
    /// The stream's task, woken by an insert, a removal or a close.
    reader: AtomicWaker,
}

#[derive(Debug, Default)]
struct Inbox {
    set: LiveSet,
    messages: Vec<Message>,
}

enum Message {
    /// Boxed: a watch's state is large beside a job id.
    Insert(String, Box<WatchLoop>),
    Remove(String),
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Insert(job, _) => f.debug_tuple("Insert").field(job).finish(),
            Message::Remove(job) => f.debug_tuple("Remove").field(job).finish(),
        }
    }
}

impl Shared {
    fn inbox(&self) -> MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn close(&self) {
        self.inbox().set.close();
        self.reader.wake();
    }
}

impl Watches {
    /// Starts watching `job_id`, unless the set watches it already (then
    /// its one watch goes on as it was: [`Insertion::AlreadyWatched`]) or
    /// is closed or its stream dropped ([`Insertion::Closed`]). A deadline
    /// counts from this call.
    pub fn insert(&self, job_id: impl AsRef<str>) -> Insertion {
        self.insert_with(job_id, WatchOptions::new())
    }

    /// [`Watches::insert`] with this watch's own deadline or ladder.
    pub fn insert_with(&self, job_id: impl AsRef<str>, options: WatchOptions) -> Insertion {
        let Owner { shared, client } = &*self.owner;
        let job = job_id.as_ref();
        let options = options.started_at_unless_set(client.inner.parts.clock.now());
        let mut inbox = shared.inbox();
        let insertion = inbox.set.insert(job);
        if insertion.started() {
            let watch = client.watch_loop(job, &options);
            inbox
                .messages
                .push(Message::Insert(job.to_owned(), Box::new(watch)));
            drop(inbox);
            shared.reader.wake();
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
        let mut inbox = shared.inbox();
        let removed = inbox.set.remove(job);
        if removed {
            inbox.messages.push(Message::Remove(job.to_owned()));
            drop(inbox);
            shared.reader.wake();
        }
        removed
    }

    /// No more insertions: the stream ends once every watch of the set has
    /// finished. Dropping every clone of the handle does the same.
    pub fn close(&self) {
        self.owner.shared.close();
    }

    /// How many watches the set holds: from insertion until the stream
    /// yields their `Finished` event (removed ones still ending included).
    pub fn len(&self) -> usize {
        self.owner.shared.inbox().set.len()
    }

    /// Whether the set holds no watch.
    pub fn is_empty(&self) -> bool {
        self.owner.shared.inbox().set.is_empty()
    }

    /// Whether the set watches `job_id` (inserted, not removed, not finished).
    pub fn contains(&self, job_id: impl AsRef<str>) -> bool {
        self.owner.shared.inbox().set.contains(job_id.as_ref())
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// A removal on its way to one watch: wakes it from whatever it awaits.
#[derive(Debug, Default)]
struct Removal {
    removed: AtomicBool,
    waker: AtomicWaker,
}

impl Removal {
    fn remove(&self) {
        self.removed.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Acquire)
    }

    async fn removed(&self) {
        std::future::poll_fn(|cx| {
            self.waker.register(cx.waker());
            if self.is_removed() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

type Tagged = Pin<Box<dyn Stream<Item = (String, Event)> + Send>>;

/// One watch of the set between its events: the job as inserted, the
/// watch, and where its removal is told.
type Running = (String, WatchLoop, Arc<Removal>);

/// One watch's events, each tagged with the job as inserted; a removal ends
/// whatever the watch awaits (a wait, a slot, a request) and its next event
/// is its `Finished(Err(Cancelled))`.
fn removable(job: String, watch: WatchLoop, removal: Arc<Removal>) -> Tagged {
    // The state is borrowed across each wait, not moved out of it, and no
    // event is held across an `.await`: what this future holds is in every
    // waiting watch of the set.
    Box::pin(futures_util::stream::unfold(
        Some((job, watch, removal)),
        |mut state| async move {
            let (_, watch, removal) = state.as_mut()?;
            if removal.is_removed() {
                watch.cancel();
            }
            let next = Box::pin(watch.next_event());
            if let Some(event) = event_first(select(next, Box::pin(removal.removed())).await) {
                return tagged(state, event);
            }
            // Removed: what the watch awaited (a wait, a slot, a request) is dropped.
            watch.cancel();
            let event = watch.next_event().await;
            tagged(state, event)
        },
    ))
}

/// The event, if the watch had one before it was removed; whichever
/// future lost is dropped here.
fn event_first<L, R>(either: Either<(Event, L), ((), R)>) -> Option<Event> {
    match either {
        Either::Left((event, _)) => Some(event),
        Either::Right(_) => None,
    }
}

/// `event` tagged with its job, and the state to go on from unless it was the last.
fn tagged(state: Option<Running>, event: Event) -> Option<((String, Event), Option<Running>)> {
    let state = state?;
    let job = state.0.clone();
    let next_state = (!event.is_final()).then_some(state);
    Some(((job, event), next_state))
}

/// The stream of a set: runs its watches, takes in what the handle sent.
struct LiveEvents {
    shared: Arc<Shared>,
    running: SelectAll<Tagged>,
    removals: HashMap<String, Arc<Removal>>,
}

impl LiveEvents {
    fn take_messages(&mut self) {
        let messages = std::mem::take(&mut self.shared.inbox().messages);
        for message in messages {
            match message {
                Message::Insert(job, watch) => {
                    let removal = Arc::new(Removal::default());
                    self.removals.insert(job.clone(), removal.clone());
                    self.running.push(removable(job, *watch, removal));
                }
                Message::Remove(job) => {
                    if let Some(removal) = self.removals.get(&job) {
                        removal.remove();
                    }
                }
            }
        }
    }
}

impl Stream for LiveEvents {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = &mut *self;
        // Registered before the inbox is read: a message after the read wakes us.
        this.shared.reader.register(cx.waker());
        this.take_messages();
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(Some((job, event))) => {
                if event.is_final() {
                    this.removals.remove(&job);
                    this.shared.inbox().set.finished(&job);
                }
                Poll::Ready(Some(event))
            }
            Poll::Ready(None) if this.shared.inbox().set.is_over() => Poll::Ready(None),
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for LiveEvents {
    /// No one reads the events any more: the set takes no more jobs.
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl Client {
    /// A live set of watches: a [`Watches`] handle that inserts and removes
    /// jobs while the set runs (from any task), and the [`EventStream`] of
    /// their events, merged as in [`Client::watch_many`]. The stream waits
    /// while the set is open and empty, and ends once it is closed and
    /// every watch has finished. Dropping the stream cancels every watch.
    pub fn watches(&self) -> (Watches, EventStream) {
        let shared = Arc::new(Shared::default());
        let events = LiveEvents {
            shared: shared.clone(),
            running: SelectAll::new(),
            removals: HashMap::new(),
        };
        let owner = Owner {
            shared,
            client: self.clone(),
        };
        let handle = Watches {
            owner: Arc::new(owner),
        };
        (handle, EventStream::new(events))
    }
}
