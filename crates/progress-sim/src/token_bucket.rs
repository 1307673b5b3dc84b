//! The per-token rate limit: a token bucket for each bearer token, in requests per second.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// How many requests per second one bearer token may send, over all jobs.
///
/// Each token has a bucket of `burst` requests that refills at
/// `requests_per_second` (in **real** seconds, what a client's sleep
/// measures; with a [`ManualSimClock`](crate::ManualSimClock), simulated
/// seconds divided by `time_scale`). A request that finds the bucket empty is
/// answered 429 `TooManyRequests` with `Retry-After` set to the whole seconds
/// until the bucket holds a request again (at least 1). Rejected requests take
/// nothing from the bucket, so a client that honours `Retry-After` gets through.
///
/// This is how the API limits "the client" for its tier: every watch sharing
/// a token shares the bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRateLimit {
    /// The refill rate: requests per real second. Finite and positive.
    pub requests_per_second: f64,
    /// How many requests a token may send at once after a quiet spell; at
    /// least 1. Defaults to `requests_per_second` rounded up (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

impl TokenRateLimit {
    /// `requests_per_second` with the default burst.
    pub fn per_second(requests_per_second: f64) -> Self {
        TokenRateLimit {
            requests_per_second,
            burst: None,
        }
    }

    /// The bucket's size.
    pub fn effective_burst(&self) -> u32 {
        self.burst.unwrap_or_else(|| {
            // Saturating float-to-int cast; validation keeps the rate finite.
            (self.requests_per_second.ceil() as u32).max(1)
        })
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.requests_per_second.is_finite() && self.requests_per_second > 0.0) {
            return Err(format!(
                "token_rate_limit.requests_per_second must be finite and positive, got {}",
                self.requests_per_second
            ));
        }
        if self.burst == Some(0) {
            return Err("token_rate_limit.burst must be at least 1".into());
        }
        Ok(())
    }
}

/// One bucket per token: what is left, and when it was last filled.
#[derive(Debug)]
pub(crate) struct TokenBuckets {
    limit: TokenRateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    available: f64,
    filled_at: f64,
}

impl TokenBuckets {
    pub(crate) fn new(limit: TokenRateLimit) -> Self {
        TokenBuckets {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` and takes one request from the token's bucket; otherwise the
    /// `Retry-After` seconds to answer with.
    pub(crate) fn admit(&self, token: &str, real_seconds: f64) -> Result<(), u64> {
        let burst = f64::from(self.limit.effective_burst());
        let rate = self.limit.requests_per_second;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(token.to_owned()).or_insert(Bucket {
            available: burst,
            filled_at: real_seconds,
        });
        let elapsed = (real_seconds - bucket.filled_at).max(0.0);
        bucket.available = (bucket.available + elapsed * rate).min(burst);
        bucket.filled_at = real_seconds;
        if bucket.available >= 1.0 {
            bucket.available -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.available) / rate;
        // Whole seconds, rounded up: a client that waits them finds a request in the bucket.
        Err((wait.ceil() as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_request_per_refill() {
        let buckets = TokenBuckets::new(TokenRateLimit {
            requests_per_second: 0.5,
            burst: Some(2),
        });
        assert_eq!(buckets.admit("a", 0.0), Ok(()));
        assert_eq!(buckets.admit("a", 0.0), Ok(()));
        assert_eq!(buckets.admit("a", 0.0), Err(2));
        assert_eq!(buckets.admit("a", 1.0), Err(1), "half a request refilled");
        assert_eq!(
            buckets.admit("b", 1.0),
            Ok(()),
            "each token has its own bucket"
        );
        assert_eq!(buckets.admit("a", 2.0), Ok(()));
        assert_eq!(buckets.admit("a", 2.0), Err(2));
    }

    #[test]
    fn the_default_burst_is_the_rate_rounded_up() {
        assert_eq!(TokenRateLimit::per_second(2.5).effective_burst(), 3);
        assert_eq!(TokenRateLimit::per_second(0.1).effective_burst(), 1);
    }

    #[test]
    fn validation_rejects_rates_that_cannot_refill() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                TokenRateLimit::per_second(rate).validate().is_err(),
                "{rate}"
            );
        }
        let empty = TokenRateLimit {
            requests_per_second: 1.0,
            burst: Some(0),
        };
        assert!(empty.validate().is_err());
    }
}
