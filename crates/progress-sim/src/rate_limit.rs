//! The per-token, per-job rate limit.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// How fast one token may poll one job.
///
/// A request that comes less than `min_interval_seconds` after the last
/// request that got through (same token, same job) is answered 429 with
/// `Retry-After: retry_after_seconds`. Rejected requests do not restart the
/// interval, so a client that honours `Retry-After` (when it is at least the
/// interval) gets through next time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The shortest allowed gap between two requests, in **real** seconds
    /// (what a client's sleep measures), not simulated ones. With a
    /// [`ManualSimClock`](crate::ManualSimClock), real seconds are simulated
    /// seconds divided by `time_scale`.
    pub min_interval_seconds: f64,
    /// The `Retry-After` value sent with the 429, in seconds.
    pub retry_after_seconds: u64,
}

impl RateLimit {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.min_interval_seconds.is_finite() && self.min_interval_seconds >= 0.0 {
            Ok(())
        } else {
            Err(format!(
                "rate_limit.min_interval_seconds must be finite and non-negative, got {}",
                self.min_interval_seconds
            ))
        }
    }
}

/// Remembers when each (token, job) pair last got through.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    last_admitted: Mutex<HashMap<(String, String), f64>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            last_admitted: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` and remembers the time if the request may go through; otherwise
    /// the `Retry-After` seconds to answer with.
    pub(crate) fn admit(&self, token: &str, job_id: &str, real_seconds: f64) -> Result<(), u64> {
        let mut last_admitted = self
            .last_admitted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let key = (token.to_owned(), job_id.to_owned());
        if let Some(&last) = last_admitted.get(&key)
            && real_seconds - last < self.limit.min_interval_seconds
        {
            return Err(self.limit.retry_after_seconds);
        }
        last_admitted.insert(key, real_seconds);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_token_and_job_separately() {
        let limiter = RateLimiter::new(RateLimit {
            min_interval_seconds: 2.0,
            retry_after_seconds: 3,
        });
        assert_eq!(limiter.admit("a", "job", 0.0), Ok(()));
        assert_eq!(limiter.admit("a", "job", 1.0), Err(3));
        assert_eq!(limiter.admit("b", "job", 1.0), Ok(()));
        assert_eq!(limiter.admit("a", "other", 1.0), Ok(()));
        // The rejected request at 1.0 did not restart the interval.
        assert_eq!(limiter.admit("a", "job", 2.0), Ok(()));
    }
}
