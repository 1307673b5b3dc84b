//! The settings that bind every watch of one client together: how many
//! requests may be in flight, how fast the client may send, and how much
//! jitter spreads the waits.

use std::time::Duration;

use crate::{Budget, Error};

/// Requests one client may have in flight at once, unless told otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;
/// The share by which a client lengthens each wait at most, unless told
/// otherwise: watches started together drift apart instead of polling in lockstep.
pub const DEFAULT_JITTER: f64 = 0.1;
/// The longest a 429 pauses every watch of a client, unless told otherwise:
/// one `Retry-After` of a day must not park a whole client for a day.
pub const DEFAULT_MAX_CLIENT_PAUSE: Duration = Duration::from_secs(15 * 60);

/// What the watches of one client share: the bounds on the client as a whole.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientLimits {
    /// Requests in flight at once, across every watch of the client. The
    /// adapters hold a slot (an async semaphore, a condvar) while sending.
    pub max_in_flight: usize,
    /// A client-side rate shared by the client's watches, in requests per
    /// second (off when `None`): one more budget, of `max(floor(rate), 1)`
    /// requests in the time they take at that rate.
    pub max_requests_per_second: Option<f64>,
    /// Budgets of requests per window, every one of them kept (none by
    /// default): see [`Budget`] and [`Tier`](crate::Tier). When the watches
    /// would need more, the client stretches the waits of those whose
    /// percentage changed least recently.
    pub budgets: Vec<Budget>,
    /// Each wait is lengthened by a uniform random share between 0 and this
    /// fraction (0 turns jitter off).
    pub jitter: f64,
    /// The seed of the jitter's random numbers, so that tests are exact; a
    /// random seed when `None`.
    pub jitter_seed: Option<u64>,
    /// The longest a 429 pauses the client as a whole; the watch that got
    /// it still waits its whole `Retry-After` (up to a day).
    pub max_client_pause: Duration,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self {
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_requests_per_second: None,
            budgets: Vec::new(),
            jitter: DEFAULT_JITTER,
            jitter_seed: None,
            max_client_pause: DEFAULT_MAX_CLIENT_PAUSE,
        }
    }
}

impl ClientLimits {
    /// Refuses limits no client can live with: no slot at all, a rate that is
    /// not a positive finite number, a jitter outside `0..=1`.
    pub fn check(&self) -> Result<(), Error> {
        if self.max_in_flight == 0 {
            return Err(Error::Config(
                "max_in_flight must be at least 1, or no request could ever be sent".into(),
            ));
        }
        if let Some(rate) = self.max_requests_per_second
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(Error::Config(
                "max_requests_per_second must be a positive number".into(),
            ));
        }
        for budget in &self.budgets {
            budget.check()?;
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(Error::Config(
                "jitter must be a fraction between 0 and 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_impossible_limits_are_refused_with_a_reason() {
        assert!(ClientLimits::default().check().is_ok());
        let cases = [
            (
                ClientLimits {
                    max_in_flight: 0,
                    ..Default::default()
                },
                "max_in_flight",
            ),
            (
                ClientLimits {
                    max_requests_per_second: Some(0.0),
                    ..Default::default()
                },
                "max_requests_per_second",
            ),
            (
                ClientLimits {
                    max_requests_per_second: Some(f64::NAN),
                    ..Default::default()
                },
                "max_requests_per_second",
            ),
            (
                ClientLimits {
                    max_requests_per_second: Some(-1.0),
                    ..Default::default()
                },
                "max_requests_per_second",
            ),
            (
                ClientLimits {
                    jitter: 1.5,
                    ..Default::default()
                },
                "jitter",
            ),
            (
                ClientLimits {
                    jitter: -0.1,
                    ..Default::default()
                },
                "jitter",
            ),
            (
                ClientLimits {
                    jitter: f64::NAN,
                    ..Default::default()
                },
                "jitter",
            ),
        ];
        for (limits, named) in cases {
            let error = limits.check().unwrap_err();
            assert!(error.to_string().contains(named), "{limits:?}: {error}");
        }
    }
}
