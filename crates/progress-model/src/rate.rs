//! The client-side rate: a token bucket (GCRA) shared by a client's watches.
//!
//! Written here rather than taken from `governor`: governor reads time from a
//! clock object of its own at each check and answers "not now", while the poll
//! machine is handed `now` as an argument and wants to *reserve* a later slot
//! (a watch told to come back at `t` owns the send at `t`, so a thousand
//! waiting watches wake once each, in order, instead of racing for every slot).
//! The arithmetic is a few lines; bridging governor's clock would be more.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A bucket of `burst` sends, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub(crate) struct RateBucket {
    /// Time between two sends at the steady rate.
    emission: Duration,
    /// How far ahead of the steady rate a burst may run.
    tolerance: Duration,
    /// The theoretical arrival time of the next send at the steady rate.
    next_free: Option<Instant>,
    /// Sends reserved and then given back (their watch ended first), with
    /// how many at each instant: handed out again before the steady rate's
    /// next one, so a cancelled watch leaves no hole for the others to wait out.
    returned: BTreeMap<Instant, usize>,
}

impl RateBucket {
    /// A bucket for `rate` requests per second (positive and finite), with a
    /// burst of one second's worth (at least one): the budget of
    /// `max(floor(rate), 1)` requests in the time they take at `rate`.
    pub(crate) fn new(rate: f64) -> Self {
        let burst = rate.floor().max(1.0);
        // A rate so small (or so large) that a duration cannot hold the
        // window saturates: no extreme setting may panic.
        let window = Duration::try_from_secs_f64(burst / rate).unwrap_or(Duration::MAX);
        Self::spaced(burst, window)
    }

    fn spaced(burst: f64, window: Duration) -> Self {
        let emission =
            Duration::try_from_secs_f64(window.as_secs_f64() / burst).unwrap_or(Duration::MAX);
        let tolerance = Duration::try_from_secs_f64(emission.as_secs_f64() * (burst - 1.0))
            .unwrap_or(Duration::MAX);
        Self {
            emission,
            tolerance,
            next_free: None,
            returned: BTreeMap::new(),
        }
    }

    /// How many sends the bucket would let out at once at `now` (reserved
    /// ones taken), at most its burst.
    pub(crate) fn left(&self, now: Instant) -> u64 {
        let ahead = self
            .next_free
            .map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
        let room = self
            .tolerance
            .saturating_add(self.emission)
            .saturating_sub(ahead);
        // Whole sends, in nanoseconds, forgiving the rounding of the
        // emission and tolerance to durations (a microsecond).
        let emission = self.emission.as_nanos();
        if emission == 0 {
            return u64::MAX;
        }
        let sends = (room.as_nanos() + 1_000) / emission;
        u64::try_from(sends).unwrap_or(u64::MAX)
    }

    /// The requests per second the bucket sustains.
    pub(crate) fn per_second(&self) -> f64 {
        1.0 / self.emission.as_secs_f64()
    }

    /// The instant [`RateBucket::reserve`] would give at `now`, taking nothing.
    pub(crate) fn earliest(&self, now: Instant) -> Instant {
        let tat = self.next_free.map_or(now, |tat| tat.max(now));
        let allowed = tat.checked_sub(self.tolerance).unwrap_or(now).max(now);
        match self.returned.range(now..).next() {
            Some((&at, _)) if at <= allowed => at,
            _ => allowed,
        }
    }

    /// Takes the next send: `now` when the bucket holds one, else the instant
    /// the caller may send, reserved for it.
    pub(crate) fn reserve(&mut self, now: Instant) -> Instant {
        let tat = self.next_free.map_or(now, |tat| tat.max(now));
        let allowed = tat.checked_sub(self.tolerance).unwrap_or(now).max(now);
        // A send given back and not yet past comes first, when it is sooner.
        self.returned = self.returned.split_off(&now);
        if let Some(mut entry) = self.returned.first_entry()
            && *entry.key() <= allowed
        {
            let at = *entry.key();
            *entry.get_mut() -= 1;
            if *entry.get() == 0 {
                entry.remove();
            }
            return at;
        }
        // Past what an `Instant` can hold, the next send is a century away:
        // a rate that small means "hardly ever", never "no limit".
        const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
        let next = tat
            .checked_add(self.emission)
            .or_else(|| tat.checked_add(self.emission.min(CENTURY)))
            .unwrap_or(tat);
        self.next_free = Some(next);
        allowed
    }

    /// Gives back a send reserved for `at` that will not be made: the next
    /// caller gets it, if it has not passed by then.
    pub(crate) fn give_back(&mut self, at: Instant) {
        *self.returned.entry(at).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each send's offset from the start, in milliseconds, for sends asked at
    /// the given offsets.
    fn schedule(rate: f64, asked_at_ms: &[u64]) -> Vec<u64> {
        let start = Instant::now();
        let mut bucket = RateBucket::new(rate);
        asked_at_ms
            .iter()
            .map(|&at| {
                let sent = bucket.reserve(start + Duration::from_millis(at));
                (sent - start).as_millis() as u64
            })
            .collect()
    }

    #[test]
    fn what_is_left_counts_down_and_refills() {
        let start = Instant::now();
        // Three a second: a burst of three, one more every third of a second.
        let mut bucket = RateBucket::new(3.0);
        assert_eq!(bucket.left(start), 3);
        bucket.reserve(start);
        bucket.reserve(start);
        assert_eq!(bucket.left(start), 1);
        assert_eq!(bucket.left(start + Duration::from_millis(340)), 2);
        assert_eq!(bucket.left(start + Duration::from_secs(60)), 3);
    }

    #[test]
    fn extreme_rates_never_panic() {
        let now = Instant::now();
        for rate in [f64::MIN_POSITIVE, 1e-300, 1e-9, 1e9, 1e300, f64::MAX] {
            let mut bucket = RateBucket::new(rate);
            for _ in 0..3 {
                assert!(bucket.reserve(now) >= now, "{rate}");
            }
        }
        // A vanishing rate is "hardly ever", not "no limit".
        let mut bucket = RateBucket::new(1e-300);
        assert_eq!(bucket.reserve(now), now);
        assert!(bucket.reserve(now) > now + Duration::from_secs(365 * 24 * 3600));
    }

    #[test]
    fn a_send_given_back_goes_to_the_next_caller_unless_it_has_passed() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut bucket = RateBucket::new(1.0);
        let reserved: Vec<_> = (0..5).map(|_| bucket.reserve(at(0))).collect();
        assert_eq!(reserved, [at(0), at(1), at(2), at(3), at(4)]);
        bucket.give_back(at(3));
        bucket.give_back(at(1));
        assert_eq!(bucket.reserve(at(0)), at(1));
        assert_eq!(bucket.reserve(at(0)), at(3));
        assert_eq!(bucket.reserve(at(0)), at(5));
        // A send given back whose instant has passed is gone: it would
        // make a burst.
        bucket.give_back(at(2));
        assert_eq!(bucket.reserve(at(3)), at(6));
    }

    #[test]
    fn sends_are_spaced_at_the_rate_after_the_burst() {
        let cases: [(f64, &[u64], &[u64]); 5] = [
            // One a second: no burst, each one a second after the last.
            (1.0, &[0, 0, 0], &[0, 1000, 2000]),
            // Two a second: a burst of two, then one every half second.
            (2.0, &[0, 0, 0, 0], &[0, 0, 500, 1000]),
            // Half a request per second: a send every two seconds.
            (0.5, &[0, 0, 0], &[0, 2000, 4000]),
            // Asked slowly enough, nobody waits.
            (1.0, &[0, 1000, 5000], &[0, 1000, 5000]),
            // A quiet spell refills the bucket, up to its burst only.
            (2.0, &[0, 0, 3000, 3000, 3000], &[0, 0, 3000, 3000, 3500]),
        ];
        for (rate, asked, sent) in cases {
            assert_eq!(
                schedule(rate, asked),
                sent,
                "rate {rate}, asked at {asked:?}"
            );
        }
    }
}
