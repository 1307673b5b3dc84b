//! Request budgets per window, as the platform counts them per OAuth client
//! (the developer portal's "Rate limits": 500 a minute and 5,000 an hour on
//! the Community tier, 5,000 a minute on the others), and the presets.
//!
//! Each budget is a bucket of its own ([`RateBucket`]): a send goes out at
//! the first instant every bucket allows, and is reserved in each at that
//! instant. Keeping the watches' demand under the budgets, so that they
//! rarely queue in these buckets at all, is [`crate::stretch`]'s part.

use std::time::{Duration, Instant};

use crate::Error;
use crate::rate::RateBucket;

/// At most `count` requests in any `window`: one budget of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed per window (at least 1).
    pub count: u32,
    /// The window (longer than zero).
    pub window: Duration,
}

impl Budget {
    /// `count` requests per `window`.
    pub const fn new(count: u32, window: Duration) -> Self {
        Self { count, window }
    }

    /// The requests per second this budget sustains.
    pub fn per_second(&self) -> f64 {
        f64::from(self.count) / self.window.as_secs_f64()
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.count == 0 || self.window.is_zero() {
            return Err(Error::Config(
                "max_requests_per needs a count of at least 1 and a window longer than zero".into(),
            ));
        }
        Ok(())
    }
}

/// The platform's rate-limit tiers, as budgets to give a client
/// (`ClientBuilder::tier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tier {
    /// 500 requests a minute and 5,000 an hour.
    Community,
    /// 5,000 requests a minute (every tier above Community).
    Standard,
}

impl Tier {
    /// The budgets of this tier.
    pub fn budgets(self) -> &'static [Budget] {
        const MINUTE: Duration = Duration::from_secs(60);
        const HOUR: Duration = Duration::from_secs(3600);
        const COMMUNITY: &[Budget] = &[Budget::new(500, MINUTE), Budget::new(5_000, HOUR)];
        const STANDARD: &[Budget] = &[Budget::new(5_000, MINUTE)];
        match self {
            Tier::Community => COMMUNITY,
            Tier::Standard => STANDARD,
        }
    }
}

/// Every budget of a client, each a bucket, with its window for the metrics.
#[derive(Debug, Clone)]
pub(crate) struct Buckets(Vec<RateBucket>, Vec<Duration>);

/// How many rounds [`Buckets::reserve`] looks for an instant all buckets
/// allow: each round can only move it later, and two budgets settle in two.
const ROUNDS: usize = 8;

impl Buckets {
    /// Buckets with their windows; `None` without any.
    pub(crate) fn new(buckets: Vec<(RateBucket, Duration)>) -> Option<Self> {
        let (buckets, windows) = buckets.into_iter().unzip();
        let buckets: Vec<RateBucket> = buckets;
        (!buckets.is_empty()).then_some(Self(buckets, windows))
    }

    /// Each window and what its bucket has left at `now`.
    pub(crate) fn left(&self, now: Instant) -> impl Iterator<Item = (Duration, u64)> + '_ {
        self.1
            .iter()
            .copied()
            .zip(self.0.iter().map(move |b| b.left(now)))
    }

    /// The first instant from `now` that every bucket allows, reserved in each.
    pub(crate) fn reserve(&mut self, now: Instant) -> Instant {
        let mut at = now;
        for _ in 0..ROUNDS {
            let latest = self
                .0
                .iter()
                .map(|bucket| bucket.clone().reserve(at))
                .max()
                .unwrap_or(at);
            if latest == at {
                break;
            }
            at = latest;
        }
        for bucket in &mut self.0 {
            bucket.reserve(at);
        }
        at
    }

    /// A send reserved for `at` will not be made.
    pub(crate) fn give_back(&mut self, at: Instant) {
        for bucket in &mut self.0 {
            bucket.give_back(at);
        }
    }

    /// The requests per second every budget together sustains: the least.
    pub(crate) fn sustained(&self) -> f64 {
        self.0
            .iter()
            .map(RateBucket::per_second)
            .fold(f64::INFINITY, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_waits_for_the_budget_that_allows_it_last() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        // 2 a minute and 3 an hour: two at once, the third at a minute,
        // the fourth when the hour's bucket has one again (20 min apart).
        let (minute, hour) = (Duration::from_secs(60), Duration::from_secs(3600));
        let mut buckets = Buckets::new(vec![
            (RateBucket::per(2, minute), minute),
            (RateBucket::per(3, hour), hour),
        ])
        .unwrap();
        let sends: Vec<_> = (0..4).map(|_| buckets.reserve(at(0))).collect();
        assert_eq!(sends, [at(0), at(0), at(30), at(1200)]);
    }

    #[test]
    fn the_tiers_are_the_platforms() {
        let community = Tier::Community.budgets();
        assert_eq!(community.len(), 2);
        assert!((community[1].per_second() - 5000.0 / 3600.0).abs() < 1e-9);
        assert_eq!(Tier::Standard.budgets()[0].count, 5000);
        assert!(Budget::new(0, Duration::from_secs(1)).check().is_err());
        assert!(Budget::new(1, Duration::ZERO).check().is_err());
    }
}
