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
//!   have alone plus the pause. Then each goes on with its own ladder. The
//!   client-wide pause is capped by `max_client_pause` (the watch that got
//!   the 429 waits its own `Retry-After` in full); a 429 without one pauses
//!   the client for the rung its watch waits.
//! - **After a 429, one request at a time.** Up to `max_in_flight` requests
//!   may be on the wire when the first 429 comes back, and each of them earns
//!   one; when the pause ends, the waiting watches would race into a bucket
//!   that refilled only in part and earn as many again. So from the 429 until
//!   one more pause-length has passed without another, the client sends one
//!   request at a time (the adapters hold a second, single slot): when the
//!   server's limit runs out again, one request learns it, not a burst. The
//!   watches still send as soon as they are due; they only queue, as for any
//!   slot, while another request is on the wire.
//! - **The client-side rate**, when set: a token bucket shared by the
//!   watches; a watch that finds it empty is given the instant of its send.
//!
//! The third bound, `max_in_flight`, needs a waiting primitive (an async
//! semaphore, a condvar) that only the adapters can own: the number is
//! decided here, the waiting is theirs.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::budget::Buckets;
use crate::herd::Herd;
use crate::jitter::Jitter;
use crate::metrics::Meter;
use crate::stretch::{Demand, HEADROOM, Need};
use crate::wake::{Running, SharedRunning, wake_job};
use crate::{ClientLimits, Error, JobId, Service};

/// What the watches of one client share. Cheap to clone; clones share the
/// same state (across threads too).
#[derive(Clone)]
pub struct ClientState {
    inner: Arc<Mutex<Shared>>,
    /// Behind one pointer: every watch holds a clone (two, with a
    /// reservation), and a waiting watch's size is a service's memory bill.
    fixed: Arc<Fixed>,
}

/// What never changes after the client is built.
#[derive(Debug)]
struct Fixed {
    /// The running watches by job, for wakes (behind a lock of their own:
    /// a wake need not wait for the watches' sends).
    running: SharedRunning,
    max_in_flight: usize,
    max_pause: Duration,
    meter: Meter,
}

#[derive(Debug)]
struct Shared {
    /// No watch sends before this instant (the last 429's `Retry-After`).
    paused_until: Option<Instant>,
    /// Until this instant the client sends one request at a time.
    one_at_a_time_until: Option<Instant>,
    /// The budgets (and `max_requests_per_second`), each a bucket.
    bucket: Option<Buckets>,
    /// What the watches need next, to stretch their waits to the budgets.
    demand: Demand,
    jitter: Jitter,
    herd: Herd,
}

/// What a watch may do about its next request, as [`ClientState::admit`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send now; alone (holding the single slot too) until `alone_until`
    /// while the client recovers from a 429.
    Now { alone_until: Option<Instant> },
    /// Come back at this instant and ask again.
    NotBefore(Instant),
}

impl Shared {
    fn paused_at(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|until| *until > now)
    }

    fn one_at_a_time_at(&self, now: Instant) -> bool {
        self.alone_until_at(now).is_some()
    }

    /// When the client stops sending one request at a time, while it does at `now`.
    fn alone_until_at(&self, now: Instant) -> Option<Instant> {
        self.one_at_a_time_until.filter(|until| *until > now)
    }
}

impl ClientState {
    /// The shared state for a client with these limits (checked).
    pub fn new(limits: &ClientLimits) -> Result<Self, Error> {
        limits.check()?;
        let shared = Shared {
            paused_until: None,
            one_at_a_time_until: None,
            bucket: Buckets::new(limits),
            demand: Demand::default(),
            jitter: Jitter::new(limits.jitter, limits.jitter_seed),
            herd: Herd::default(),
        };
        Ok(Self {
            inner: Arc::new(Mutex::new(shared)),
            fixed: Arc::new(Fixed {
                running: SharedRunning::default(),
                max_in_flight: limits.max_in_flight,
                max_pause: limits.max_client_pause,
                meter: Meter::default(),
            }),
        })
    }

    /// The client's name in its metrics (`client` label; `default` without one).
    pub fn named(mut self, name: Option<&str>) -> Self {
        self.fixed = Arc::new(Fixed {
            running: self.fixed.running.clone(),
            meter: Meter::named(name),
            ..*self.fixed
        });
        self
    }

    /// Where the client's watches and requests record their metrics.
    pub(crate) fn meter(&self) -> &Meter {
        &self.fixed.meter
    }

    /// How many requests the client may have in flight at once: the size of
    /// the adapter's semaphore.
    pub fn max_in_flight(&self) -> usize {
        self.fixed.max_in_flight
    }

    /// The instant before which no watch of this client sends, while a 429's
    /// pause lasts at `now`.
    pub fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.lock().paused_at(now)
    }

    /// Whether a watch may send at `now`. `reservation` is the watch's own
    /// slot of the rate bucket, reserved earlier: spent once its instant has come.
    pub(crate) fn admit(&self, now: Instant, reservation: &mut Reservation) -> Admission {
        let mut shared = self.lock();
        let paused = shared.paused_at(now);
        let left = paused.map(|until| until.saturating_duration_since(now));
        self.fixed.meter.client_pause(left.unwrap_or_default());
        if let Some(until) = paused {
            // The bucket is not touched during a pause: nothing is sent in it.
            return Admission::NotBefore(until);
        }
        let now_alone = Admission::Now {
            alone_until: shared.alone_until_at(now),
        };
        if let Some(at) = reservation.at() {
            if at > now {
                return Admission::NotBefore(at);
            }
            // Spent, not given back (and dropped without the lock's second turn).
            reservation.0 = None;
            return now_alone;
        }
        let reserved = shared.bucket.as_mut().map(|bucket| bucket.reserve(now));
        for (window, left) in shared.bucket.iter().flat_map(|bucket| bucket.left(now)) {
            self.fixed.meter.budget_left(window, left);
        }
        match reserved {
            Some(at) if at > now => {
                reservation.0 = Some((self.clone(), at));
                Admission::NotBefore(at)
            }
            _ => now_alone,
        }
    }

    /// A send reserved for `at` will not be made: the next watch may have it.
    fn give_back(&self, at: Instant) {
        if let Some(bucket) = self.lock().bucket.as_mut() {
            bucket.give_back(at);
        }
    }

    /// Whether a fetch admitted earlier (alone or not, as `one_at_a_time`
    /// says) may still go out at `now`, once its driver got a slot: not if a
    /// 429 paused the client meanwhile, or made it send one request at a time
    /// when the fetch was not sent alone. (A fetch sent alone after the
    /// window ended goes: alone is only more careful.)
    pub(crate) fn still_admits(&self, now: Instant, one_at_a_time: bool) -> bool {
        let shared = self.lock();
        shared.paused_at(now).is_none() && (one_at_a_time || !shared.one_at_a_time_at(now))
    }

    /// Whether the client sends one request at a time at `now`: after a 429,
    /// until one more pause-length has passed after the pause.
    pub fn one_at_a_time(&self, now: Instant) -> bool {
        self.lock().one_at_a_time_at(now)
    }

    /// A 429 answered at `now` asks the client to wait `pause` (its
    /// `Retry-After`, or the rung the watch waits when it has none): no
    /// watch sends before then, at most `max_client_pause` (a day's
    /// `Retry-After` must not park every watch for a day; the watch that
    /// got it still waits it all). The client then sends one request at a
    /// time for as long again (at least [`RECOVERY_FLOOR`]). A later 429
    /// can lengthen either, never shorten it.
    pub(crate) fn pause_for(&self, now: Instant, pause: Duration) {
        let pause = pause.min(self.fixed.max_pause);
        let until = crate::clock::instant_after(now, pause);
        let recovered = crate::clock::instant_after(until, pause.max(RECOVERY_FLOOR));
        let mut shared = self.lock();
        shared.paused_until = Some(later(shared.paused_until, until));
        shared.one_at_a_time_until = Some(later(shared.one_at_a_time_until, recovered));
    }

    /// A watch joins the client's demand, needing `need`; it leaves when
    /// the returned registration drops.
    pub(crate) fn join(&self, need: Need) -> Registration {
        let watch = self.lock().demand.join(need);
        Registration(Some((self.clone(), watch)))
    }

    /// The wait of a watch that needs `need` next: its rung, stretched when
    /// the client's watches together need more than its budgets sustain.
    pub(crate) fn stretched(&self, registration: &Registration, need: Need) -> Duration {
        let Some((_, watch)) = &registration.0 else {
            return need.rung;
        };
        let mut shared = self.lock();
        let sustained = shared
            .bucket
            .as_ref()
            .map_or(f64::INFINITY, |limits| limits.sustained() * HEADROOM);
        shared.demand.wait(*watch, need, sustained)
    }

    /// Something pushed (a webhook delivery) says that `job_id` of `service`
    /// completed, at `now`: every running watch of it on this client polls
    /// at once, whatever its rung (still behind the client's 429 pause and
    /// rate, and a `Retry-After` its service gave it). Whether there was
    /// one; without, nothing happens. The rules are [`Watch::wake`]'s.
    ///
    /// [`Watch::wake`]: crate::Watch::wake
    pub fn notify_completed(&self, service: &Service, job_id: &JobId, now: Instant) -> bool {
        wake_job(&self.fixed.running, service, job_id, now)
    }

    /// Where the watches that join this client are listed for wakes.
    pub(crate) fn running(&self) -> &Mutex<Running> {
        &self.fixed.running
    }

    /// `wait` with the client's jitter, never past `limit`.
    pub(crate) fn jittered(&self, wait: Duration, limit: Option<Duration>) -> Duration {
        self.lock().jitter.lengthen(wait, limit)
    }

    /// How long a resumed watch whose poll is overdue waits first, so that
    /// many resumed together do not send at once (see `herd.rs`).
    pub(crate) fn herd_offset(&self, now: Instant, first_rung: Duration) -> Duration {
        let mut shared = self.lock();
        let share = shared.jitter.share();
        shared
            .herd
            .offset(now, first_rung, self.fixed.max_in_flight, share)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Every update leaves the state whole, so a panic elsewhere cannot corrupt it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The send the client's rate reserved for one watch, until it is spent.
/// Given back when dropped unspent: a watch cancelled, dropped or ended by
/// its deadline leaves no hole in the rate for the others to wait out. A
/// clone of a watch owns no reservation (the send is the original's).
#[derive(Debug, Default)]
pub(crate) struct Reservation(Option<(ClientState, Instant)>);

impl Reservation {
    fn at(&self) -> Option<Instant> {
        self.0.as_ref().map(|(_, at)| *at)
    }
}

impl Clone for Reservation {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some((client, at)) = self.0.take() {
            client.give_back(at);
        }
    }
}

/// A watch counted in its client's demand until dropped. A clone of a
/// watch is not counted again (it is the same watch).
#[derive(Debug, Default)]
pub(crate) struct Registration(Option<(ClientState, u64)>);

impl Clone for Registration {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some((client, watch)) = self.0.take() {
            client.lock().demand.leave(watch);
        }
    }
}

/// The least time a client sends one request at a time after a pause: a
/// `Retry-After: 0` still says the limit is near.
pub const RECOVERY_FLOOR: Duration = Duration::from_secs(1);

fn later(old: Option<Instant>, new: Instant) -> Instant {
    old.map_or(new, |old| old.max(new))
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One guard for both fields: a second `lock()` in the same statement
        // would wait on the first forever.
        let shared = self.lock();
        f.debug_struct("ClientState")
            .field("max_in_flight", &self.fixed.max_in_flight)
            .field("max_pause", &self.fixed.max_pause)
            .field("paused_until", &shared.paused_until)
            .field("one_at_a_time_until", &shared.one_at_a_time_until)
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
        assert_eq!(
            client.admit(at(0), &mut Reservation::default()),
            Admission::Now { alone_until: None }
        );
        client.pause_for(at(0), Duration::from_secs(30));
        client.pause_for(at(0), Duration::from_secs(20)); // an older 429 answered late shortens nothing
        assert_eq!(
            client.admit(at(10), &mut Reservation::default()),
            Admission::NotBefore(at(30))
        );
        assert_eq!(client.paused_until(at(29)), Some(at(30)));
        // Sent alone: the client recovers from the 429 for 30 s more.
        assert_eq!(
            client.admit(at(30), &mut Reservation::default()),
            Admission::Now {
                alone_until: Some(at(60))
            }
        );
        assert_eq!(client.paused_until(at(30)), None);
    }

    #[test]
    fn after_a_429_the_client_sends_one_at_a_time_for_one_more_pause_length() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(None);
        assert!(!client.one_at_a_time(at(0)), "not before any 429");
        client.pause_for(at(10), Duration::from_secs(30));
        assert!(client.one_at_a_time(at(10)));
        assert!(
            client.one_at_a_time(at(69)),
            "30 s of pause, then 30 s more"
        );
        assert!(!client.one_at_a_time(at(70)));
        // A 429 with `Retry-After: 0` still narrows the client for a second.
        client.pause_for(at(100), Duration::from_secs(0));
        assert!(client.one_at_a_time(at(100)));
        assert!(!client.one_at_a_time(at(101)));
        // An earlier, shorter 429 answered late does not cut a longer one short.
        client.pause_for(at(200), Duration::from_secs(60));
        client.pause_for(at(201), Duration::from_secs(1));
        assert!(client.one_at_a_time(at(319)));
    }

    #[test]
    fn the_rate_reserves_each_waiting_watch_its_own_send() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(Some(1.0));
        let [mut a, mut b, mut c] = [(); 3].map(|()| Reservation::default());
        assert_eq!(
            client.admit(at(0), &mut a),
            Admission::Now { alone_until: None }
        );
        assert_eq!(client.admit(at(0), &mut b), Admission::NotBefore(at(1)));
        assert_eq!(client.admit(at(0), &mut c), Admission::NotBefore(at(2)));
        // b comes back on time: its reserved send, without taking another.
        assert_eq!(
            client.admit(at(1), &mut b),
            Admission::Now { alone_until: None }
        );
        // c comes back early (woken for another reason): still its own instant.
        assert_eq!(client.admit(at(1), &mut c), Admission::NotBefore(at(2)));
        assert_eq!(
            client.admit(at(2), &mut c),
            Admission::Now { alone_until: None }
        );
        assert!([a, b, c].iter().all(|spent| spent.at().is_none()));
    }

    #[test]
    fn the_client_pauses_at_most_max_client_pause_and_recovers_as_long() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(None); // the default cap: 15 minutes
        client.pause_for(at(0), Duration::from_secs(24 * 3600));
        assert_eq!(client.paused_until(at(1)), Some(at(900)));
        assert!(client.one_at_a_time(at(1799)));
        assert!(!client.one_at_a_time(at(1800)));
    }

    #[test]
    fn a_pause_takes_nothing_from_the_bucket() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let client = state(Some(1.0));
        client.pause_for(at(0), Duration::from_secs(10));
        for _ in 0..5 {
            assert_eq!(
                client.admit(at(5), &mut Reservation::default()),
                Admission::NotBefore(at(10))
            );
        }
        assert_eq!(
            client.admit(at(10), &mut Reservation::default()),
            Admission::Now {
                alone_until: Some(at(20))
            }
        );
    }

    #[test]
    fn debug_shows_the_pause_and_the_one_at_a_time_time() {
        let start = Instant::now();
        let client = state(None);
        client.pause_for(start, Duration::from_secs(5));
        let shown = format!("{client:?}");
        assert!(shown.contains("paused_until: Some("), "{shown}");
        assert!(shown.contains("one_at_a_time_until: Some("), "{shown}");
    }

    #[test]
    fn clones_share_the_state_across_threads() {
        let start = Instant::now();
        let client = state(None);
        let other = client.clone();
        std::thread::spawn(move || other.pause_for(start, Duration::from_secs(5)))
            .join()
            .unwrap();
        assert_eq!(
            client.paused_until(start),
            Some(start + Duration::from_secs(5))
        );
    }
}
