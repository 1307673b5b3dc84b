//! The state every watch of one client shares, consulted before each attempt.
//!
//! Like the AWS SDK's client rate limiter: one small object behind a lock,
//! shared by every operation of a client; its rules are plain functions of the
//! time passed in, so they are tested without sleeping. Two rules live here:
//!
//! - **A 429 limits the client, not the job.** After a 429 with `Retry-After`,
//!   no watch of the client sends before that instant. Watches already
//!   sleeping are not woken: each wakes at its own instant, finds the pause,
//!   and waits out what is left of it, so none waits longer than it would
//!   have alone plus the pause. Then each goes on with its own ladder.
//! - **The client-side rate**, when set: a token bucket shared by the
//!   watches; a watch that finds it empty is given the instant of its send.
//!
//! The third bound, `max_in_flight`, needs a waiting primitive (an async
//! semaphore, a condvar) that only the adapters can own: the number is
//! decided here, the waiting is theirs.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::jitter::Jitter;
use crate::rate::RateBucket;
use crate::{ClientLimits, Error};

/// What the watches of one client share. Cheap to clone; clones share the
/// same state (across threads too).
#[derive(Clone)]
pub struct ClientState {
    inner: Arc<Mutex<Shared>>,
    max_in_flight: usize,
}

#[derive(Debug)]
struct Shared {
    /// No watch sends before this instant (the last 429's `Retry-After`).
    paused_until: Option<Instant>,
    bucket: Option<RateBucket>,
    jitter: Jitter,
}

/// What a watch may do about its next request, as [`ClientState::admit`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send now.
    Now,
    /// Come back at this instant and ask again.
    NotBefore(Instant),
}

impl ClientState {
    /// The shared state for a client with these limits (checked).
    pub fn new(limits: &ClientLimits) -> Result<Self, Error> {
        limits.check()?;
        let shared = Shared {
            paused_until: None,
            bucket: limits.max_requests_per_second.map(RateBucket::new),
            jitter: Jitter::new(limits.jitter, limits.jitter_seed),
        };
        Ok(Self {
            inner: Arc::new(Mutex::new(shared)),
            max_in_flight: limits.max_in_flight,
        })
    }

    /// How many requests the client may have in flight at once: the size of
    /// the adapter's semaphore.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// The instant before which no watch of this client sends, while a 429's
    /// pause lasts at `now`.
    pub fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.lock().paused_until.filter(|until| *until > now)
    }

    /// Whether a watch may send at `now`. `reservation` is the watch's own
    /// slot of the rate bucket, reserved earlier: spent once its instant has come.
    pub(crate) fn admit(&self, now: Instant, reservation: &mut Option<Instant>) -> Admission {
        let mut shared = self.lock();
        if let Some(until) = shared.paused_until.filter(|until| *until > now) {
            // The bucket is not touched during a pause: nothing is sent in it.
            return Admission::NotBefore(until);
        }
        if let Some(at) = *reservation {
            if at > now {
                return Admission::NotBefore(at);
            }
            *reservation = None;
            return Admission::Now;
        }
        match shared.bucket.as_mut().map(|bucket| bucket.reserve(now)) {
            Some(at) if at > now => {
                *reservation = Some(at);
                Admission::NotBefore(at)
            }
            _ => Admission::Now,
        }
    }

    /// A 429 asked the client to come back at `until`: no watch sends before.
    /// A later 429 can lengthen the pause, never shorten it.
    pub(crate) fn pause_until(&self, until: Instant) {
        let mut shared = self.lock();
        shared.paused_until = Some(shared.paused_until.map_or(until, |old| old.max(until)));
    }

    /// `wait` with the client's jitter, never past `limit`.
    pub(crate) fn jittered(&self, wait: Duration, limit: Option<Duration>) -> Duration {
        self.lock().jitter.lengthen(wait, limit)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Every update leaves the state whole, so a panic elsewhere cannot corrupt it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("max_in_flight", &self.max_in_flight)
            .field("paused_until", &self.lock().paused_until)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(rate: Option<f64>) -> ClientState {
        ClientState::new(&ClientLimits {
            max_requests_per_second: rate,
            jitter: 0.0,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn a_pause_holds_every_watch_until_its_end_and_only_grows() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(None);
        assert_eq!(client.admit(at(0), &mut None), Admission::Now);
        client.pause_until(at(30));
        client.pause_until(at(20)); // an older 429 answered late shortens nothing
        assert_eq!(
            client.admit(at(10), &mut None),
            Admission::NotBefore(at(30))
        );
        assert_eq!(client.paused_until(at(29)), Some(at(30)));
        assert_eq!(client.admit(at(30), &mut None), Admission::Now);
        assert_eq!(client.paused_until(at(30)), None);
    }

    #[test]
    fn the_rate_reserves_each_waiting_watch_its_own_send() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(Some(1.0));
        let (mut a, mut b, mut c) = (None, None, None);
        assert_eq!(client.admit(at(0), &mut a), Admission::Now);
        assert_eq!(client.admit(at(0), &mut b), Admission::NotBefore(at(1)));
        assert_eq!(client.admit(at(0), &mut c), Admission::NotBefore(at(2)));
        // b comes back on time: its reserved send, without taking another.
        assert_eq!(client.admit(at(1), &mut b), Admission::Now);
        // c comes back early (woken for another reason): still its own instant.
        assert_eq!(client.admit(at(1), &mut c), Admission::NotBefore(at(2)));
        assert_eq!(client.admit(at(2), &mut c), Admission::Now);
        assert_eq!((a, b, c), (None, None, None));
    }

    #[test]
    fn a_pause_takes_nothing_from_the_bucket() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(Some(1.0));
        client.pause_until(at(10));
        for _ in 0..5 {
            assert_eq!(client.admit(at(5), &mut None), Admission::NotBefore(at(10)));
        }
        assert_eq!(client.admit(at(10), &mut None), Admission::Now);
    }

    #[test]
    fn clones_share_the_state_across_threads() {
        let start = Instant::now();
        let client = state(None);
        let other = client.clone();
        std::thread::spawn(move || other.pause_until(start + Duration::from_secs(5)))
            .join()
            .unwrap();
        assert_eq!(
            client.paused_until(start),
            Some(start + Duration::from_secs(5))
        );
    }
}
