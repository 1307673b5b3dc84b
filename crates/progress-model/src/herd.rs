//! No herd after a restart: when many resumed watches find their saved poll
//! already due, they do not all send at once.
//!
//! A service restarting with thousands of watches would otherwise send
//! thousands of requests in the same instant. Within one burst (the first
//! rung of the ladder from the first overdue resume), the first
//! `max_in_flight` go at once, as many as the client sends at once anyway;
//! each one after them waits a random share of the first rung. The client's
//! pause, rate and slots still apply after that wait, like for any poll.

use std::time::{Duration, Instant};

/// The overdue resumes of one client's current burst.
#[derive(Debug, Default)]
pub(crate) struct Herd {
    /// When the current burst ends; `None` before the first.
    burst_until: Option<Instant>,
    /// How many of the burst went at once.
    at_once: usize,
}

impl Herd {
    /// How long an overdue resumed watch waits before its poll, at `now`:
    /// nothing for the first `at_once` of a burst, `share` of `first_rung`
    /// for the others.
    pub(crate) fn offset(
        &mut self,
        now: Instant,
        first_rung: Duration,
        at_once: usize,
        share: f64,
    ) -> Duration {
        if self.burst_until.is_none_or(|until| now >= until) {
            self.burst_until = Some(crate::clock::instant_after(now, first_rung));
            self.at_once = 0;
        }
        if self.at_once < at_once {
            self.at_once += 1;
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(first_rung.as_secs_f64() * share.clamp(0.0, 1.0))
            .unwrap_or_default()
            .min(first_rung)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNG: Duration = Duration::from_secs(15);

    #[test]
    fn the_first_of_a_burst_go_at_once_and_the_others_over_the_first_rung() {
        let start = Instant::now();
        let mut herd = Herd::default();
        let offsets: Vec<_> = [0.5, 0.5, 0.5, 0.2, 0.9]
            .into_iter()
            .map(|share| herd.offset(start, RUNG, 2, share))
            .collect();
        let secs = Duration::from_secs_f64;
        assert_eq!(
            offsets,
            [
                Duration::ZERO,
                Duration::ZERO,
                secs(7.5),
                secs(3.0),
                secs(13.5)
            ]
        );
        // A rung later the burst is over: the next goes at once again.
        assert_eq!(herd.offset(start + RUNG, RUNG, 2, 0.5), Duration::ZERO);
    }

    #[test]
    fn a_share_out_of_range_never_waits_past_the_first_rung() {
        let mut herd = Herd::default();
        let now = Instant::now();
        for share in [f64::NAN, -1.0, 2.0, f64::INFINITY] {
            assert!(herd.offset(now, RUNG, 0, share) <= RUNG, "{share}");
        }
    }
}
