//! Jitter: each wait is lengthened by a random share, so that watches started
//! together drift apart instead of polling in lockstep forever.

use std::time::Duration;

/// A source of random shares in `[0, 1)`, seeded so that tests are exact.
#[derive(Debug, Clone)]
pub(crate) struct Jitter {
    fraction: f64,
    rng: fastrand::Rng,
}

impl Jitter {
    /// Jitter of up to `fraction` of each wait (0 turns it off); a random
    /// seed when none is given.
    pub(crate) fn new(fraction: f64, seed: Option<u64>) -> Self {
        let rng = seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Self { fraction, rng }
    }

    /// `wait`, lengthened by a fresh random share, never past `limit`.
    pub(crate) fn lengthen(&mut self, wait: Duration, limit: Option<Duration>) -> Duration {
        if self.fraction == 0.0 {
            return wait;
        }
        lengthened(wait, self.fraction * self.rng.f64(), limit)
    }

    /// A random share in `[0, 1)` from the same seeded source, whatever the
    /// fraction: for spreading resumed watches (see `herd.rs`).
    pub(crate) fn share(&mut self) -> f64 {
        self.rng.f64()
    }
}

/// `wait` lengthened by `share` of itself, but no further than `limit` (the
/// time left before a deadline), and never shorter than `wait`: the service
/// asks for at least its documented intervals.
pub(crate) fn lengthened(wait: Duration, share: f64, limit: Option<Duration>) -> Duration {
    // `mul_f64` would panic where the product rounds past `Duration::MAX`.
    let extra = Duration::try_from_secs_f64(wait.as_secs_f64() * share.clamp(0.0, 1.0))
        .unwrap_or(Duration::ZERO);
    let longer = wait.saturating_add(extra);
    match limit {
        Some(limit) => longer.min(limit.max(wait)),
        None => longer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_share_lengthens_the_wait_but_never_past_the_limit_nor_below_the_wait() {
        let cases = [
            (secs(15), 0.0, None, secs(15)),
            (secs(15), 0.1, None, Duration::from_millis(16_500)),
            (secs(120), 0.05, None, secs(126)),
            // The deadline leaves 16 s: the jitter stops there.
            (secs(15), 0.1, Some(secs(16)), secs(16)),
            // The wait ends exactly on the deadline: no jitter at all.
            (secs(15), 0.1, Some(secs(15)), secs(15)),
            // A limit below the wait never shortens it (the caller decides
            // whether the wait fits at all).
            (secs(15), 0.1, Some(secs(10)), secs(15)),
            // The longest wait there is stays as it is, without a panic.
            (Duration::MAX, 1.0, None, Duration::MAX),
        ];
        for (wait, share, limit, expected) in cases {
            assert_eq!(
                lengthened(wait, share, limit),
                expected,
                "{wait:?} {share} {limit:?}"
            );
        }
    }

    #[test]
    fn a_seed_gives_the_same_waits_and_every_wait_stays_within_the_fraction() {
        let waits = |seed| {
            let mut jitter = Jitter::new(0.1, Some(seed));
            (0..100)
                .map(|_| jitter.lengthen(secs(30), None))
                .collect::<Vec<_>>()
        };
        assert_eq!(waits(7), waits(7));
        assert_ne!(waits(7), waits(8));
        for wait in waits(7) {
            assert!(wait >= secs(30) && wait < secs(33), "{wait:?}");
        }
        assert_eq!(Jitter::new(0.0, None).lengthen(secs(30), None), secs(30));
    }
}
