//! The watch as a stream of events: the adapter loop of the design, with
//! `.await`, around [`Watch::step`]. Observations, `watch_many` and `wait`
//! are all built on it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_core::Stream;
use futures_core::stream::FusedStream;
use progress_model::{Error, Event, Fetch, Progress, Step, Watch};

use crate::client::Client;

/// What a step asks for, once the step itself is gone.
enum Next {
    Fetch(Box<Fetch>),
    Wait(Instant),
}

/// One watch between steps: the client and the machine.
pub(crate) struct WatchLoop {
    client: Client,
    machine: Watch,
}

impl WatchLoop {
    pub(crate) fn new(client: Client, machine: Watch) -> Self {
        Self { client, machine }
    }

    /// Runs the watch until its next event; tells the retry listener of retries.
    ///
    /// What this future holds while the watch waits is in every waiting
    /// watch, so it keeps little: the step is taken apart before any
    /// `.await` (a `Step` held across one would stay in the future), and a
    /// fetch runs in a box of its own, alive only while it is out.
    pub(crate) async fn next_event(&mut self) -> Event {
        loop {
            let now = self.client.inner.parts.clock.now();
            let next = match self.machine.step(now) {
                Step::Event(event) => {
                    return self.client.inner.parts.hand_on(&self.machine, event);
                }
                Step::Fetch(fetch) => Next::Fetch(Box::new(fetch)),
                Step::Wait(until) => Next::Wait(until),
            };
            match next {
                Next::Fetch(fetch) => Box::pin(self.fetch(fetch)).await,
                Next::Wait(until) => self.sleep_until(until).await,
            }
        }
    }

    /// Sends the fetch the machine asked for and hands it the outcome.
    async fn fetch(&mut self, fetch: Box<Fetch>) {
        let client = &self.client;
        let clock = &client.inner.parts.clock;
        // The token before the slot: a slow identity service holds none.
        // The token's, the slot's and the request's futures are boxed while
        // they run: inline, a watch queued for a slot would hold the
        // request's room too.
        let token = Box::pin(client.token(&fetch)).await;
        let asked = clock.now();
        let sleeper = client.inner.parts.sleeper.as_ref();
        let slots = &client.inner.slots;
        let (alone, until) = (fetch.one_at_a_time, fetch.queue_until);
        let slot = Box::pin(slots.take(alone, until, clock.as_ref(), sleeper)).await;
        let Some(slot) = slot else {
            self.machine.on_no_slot(clock.now());
            return;
        };
        if !self.machine.on_slot(clock.now()) {
            return; // paused while queued: the slot goes back
        }
        let waited = clock.now().saturating_duration_since(asked);
        let fetch = (*fetch).after_waiting(waited);
        let result = Box::pin(client.send(&fetch, token)).await;
        drop(slot);
        self.machine.on_response(clock.now(), clock.wall(), result);
    }

    /// Sleeps until `until`, or until a wake moves the wait.
    async fn sleep_until(&self, until: Instant) {
        let parts = &self.client.inner.parts;
        // Read the clock now: the caller's time since the last item counts.
        let left = until.saturating_duration_since(parts.clock.now());
        let sleep = parts.sleeper.sleep(left);
        let machine = &self.machine;
        crate::wake::SleepOut { machine, sleep }.await;
    }

    /// Ends the watch: its next event is its `Finished(Err(Cancelled))`.
    pub(crate) fn cancel(&mut self) {
        self.machine.cancel();
    }

    /// How the watch ended. The loop is captured, not moved into the
    /// future's body: an `async fn` taking `self` would hold it twice.
    pub(crate) fn outcome(self) -> impl Future<Output = Result<Progress, Error>> + Send + 'static {
        let mut watch = self;
        async move {
            loop {
                let event = watch.next_event().await;
                if let progress_model::EventKind::Finished(outcome) = event.kind {
                    return outcome;
                }
            }
        }
    }

    pub(crate) fn into_events(self) -> EventStream {
        // The state is borrowed across the wait, not moved out of it: a
        // moved-out copy would sit beside the captured one in the future.
        EventStream::new(futures_util::stream::unfold(
            Some(self),
            |mut state| async move {
                let event = state.as_mut()?.next_event().await;
                let next_state = if event.is_final() { None } else { state };
                Some((event, next_state))
            },
        ))
    }
}

/// The events of one watch ([`Client::watch_events`]) or of many merged
/// ([`Client::watch_many`]), each naming its job. Ends after the last
/// watch's `Finished`; `Send`, so it can be spawned; dropping it cancels
/// every watch in it.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = Event> + Send>>,
    ended: bool,
}

impl EventStream {
    pub(crate) fn new(inner: impl Stream<Item = Event> + Send + 'static) -> Self {
        Self {
            inner: Box::pin(inner),
            ended: false,
        }
    }
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let next = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(None) = next {
            self.ended = true;
        }
        next
    }
}

impl FusedStream for EventStream {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// The observations of one watch; see [`Client::watch`]: each progress, then
/// the error that ended the watch if any. `Send`, so it can be spawned;
/// dropping it cancels the watch.
#[derive(Debug)]
pub struct ProgressStream {
    events: EventStream,
}

impl ProgressStream {
    pub(crate) fn new(events: EventStream) -> Self {
        Self { events }
    }
}

impl Stream for ProgressStream {
    type Item = Result<Progress, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.events).poll_next(cx) {
                Poll::Ready(Some(event)) => {
                    if let Some(item) = event.into_observation() {
                        return Poll::Ready(Some(item));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl FusedStream for ProgressStream {
    fn is_terminated(&self) -> bool {
        self.events.is_terminated()
    }
}
