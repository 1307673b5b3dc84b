//! Request budgets per window, as the platform counts them per OAuth client
//! (the developer portal's "Rate limits": 500 a minute and 5,000 an hour on
//! the Community tier, 5,000 a minute on the others), and the presets.
//!
//! Each budget is a log of its window's sends ([`WindowLog`]), and
//! `max_requests_per_second` a token bucket ([`RateBucket`]): a send goes
//! out at the first instant every one allows, and is reserved in each at
//! that instant. Keeping the watches' demand under the budgets, so that they
//! rarely queue in these buckets at all, is [`crate::stretch`]'s part.

use std::time::{Duration, Instant};

use crate::Error;
use crate::rate::RateBucket;
use crate::window_log::WindowLog;

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

/// One limit of a client: a window's budget, or the per-second rate.
#[derive(Debug, Clone)]
pub(crate) enum Limit {
    Window(WindowLog),
    Rate(RateBucket),
}

impl Limit {
    fn earliest(&self, now: Instant) -> Instant {
        match self {
            Limit::Window(log) => log.earliest(now),
            Limit::Rate(bucket) => bucket.earliest(now),
        }
    }

    fn reserve(&mut self, at: Instant) -> Instant {
        match self {
            Limit::Window(log) => log.reserve(at),
            Limit::Rate(bucket) => bucket.reserve(at),
        }
    }

    fn give_back(&mut self, at: Instant) {
        match self {
            Limit::Window(log) => log.give_back(at),
            Limit::Rate(bucket) => bucket.give_back(at),
        }
    }

    fn left(&self, now: Instant) -> u64 {
        match self {
            Limit::Window(log) => log.left(now),
            Limit::Rate(bucket) => bucket.left(now),
        }
    }

    fn per_second(&self) -> f64 {
        match self {
            Limit::Window(log) => log.per_second(),
            Limit::Rate(bucket) => bucket.per_second(),
        }
    }
}

/// Every limit of a client, with its window for the metrics.
#[derive(Debug, Clone)]
pub(crate) struct Buckets(Vec<(Limit, Duration)>);

/// How many rounds [`Buckets::reserve`] looks for an instant all limits
/// allow: each round can only move it later, and two budgets settle in two.
const ROUNDS: usize = 8;

impl Buckets {
    /// The limits of `limits`; `None` without any.
    pub(crate) fn new(limits: &crate::ClientLimits) -> Option<Self> {
        let rate = limits
            .max_requests_per_second
            .map(|rate| (Limit::Rate(RateBucket::new(rate)), Duration::from_secs(1)));
        let windows = limits.budgets.iter().map(|budget| {
            let log = WindowLog::new(budget.count, budget.window);
            (Limit::Window(log), budget.window)
        });
        let all: Vec<_> = rate.into_iter().chain(windows).collect();
        (!all.is_empty()).then_some(Self(all))
    }

    /// The first instant from `now` that every limit allows, reserved in each.
    pub(crate) fn reserve(&mut self, now: Instant) -> Instant {
        let mut at = now;
        for _ in 0..ROUNDS {
            let latest = self
                .0
                .iter()
                .map(|(limit, _)| limit.earliest(at))
                .max()
                .unwrap_or(at);
            if latest == at {
                break;
            }
            at = latest;
        }
        for (limit, _) in &mut self.0 {
            limit.reserve(at);
        }
        at
    }

    /// A send reserved for `at` will not be made.
    pub(crate) fn give_back(&mut self, at: Instant) {
        for (limit, _) in &mut self.0 {
            limit.give_back(at);
        }
    }

    /// Each window and what its limit has left at `now`.
    pub(crate) fn left(&self, now: Instant) -> impl Iterator<Item = (Duration, u64)> + '_ {
        self.0
            .iter()
            .map(move |(limit, window)| (*window, limit.left(now)))
    }

    /// The requests per second every limit together sustains: the least.
    pub(crate) fn sustained(&self) -> f64 {
        self.0
            .iter()
            .map(|(limit, _)| limit.per_second())
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
        // 2 a minute and 3 an hour: two at once, the third a minute later,
        // the fourth when the first leaves the hour.
        let limits = crate::ClientLimits {
            budgets: vec![
                Budget::new(2, Duration::from_secs(60)),
                Budget::new(3, Duration::from_secs(3600)),
            ],
            ..Default::default()
        };
        let mut buckets = Buckets::new(&limits).unwrap();
        let sends: Vec<_> = (0..4).map(|_| buckets.reserve(at(0))).collect();
        assert_eq!(sends, [at(0), at(0), at(60), at(3600)]);
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
