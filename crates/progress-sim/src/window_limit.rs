//! The platform's limits per window: at most `requests` from one bearer
//! token in any `window_seconds` (500 a minute and 5,000 an hour on the
//! Community tier), counted over a sliding window of the requests let
//! through.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// At most `requests` from one token in any `window_seconds` (**real**
/// seconds, like [`TokenRateLimit`](crate::TokenRateLimit); with a
/// [`ManualSimClock`](crate::ManualSimClock), simulated seconds divided by
/// `time_scale`). A request over it is answered 429 with `Retry-After`: the
/// whole seconds until the oldest request of the window leaves it (at
/// least 1). Rejected requests are not counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowLimit {
    /// Requests allowed in any window; at least 1.
    pub requests: u32,
    /// The window, in real seconds; finite and positive.
    pub window_seconds: f64,
}

impl WindowLimit {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.requests == 0 || !(self.window_seconds.is_finite() && self.window_seconds > 0.0) {
            return Err(format!(
                "token_window_limits: requests must be at least 1 and window_seconds finite and positive, got {} in {}",
                self.requests, self.window_seconds
            ));
        }
        Ok(())
    }
}

/// The requests each token got through, in the longest window.
#[derive(Debug)]
pub(crate) struct WindowLimiter {
    limits: Vec<WindowLimit>,
    admitted: Mutex<HashMap<String, VecDeque<f64>>>,
}

impl WindowLimiter {
    pub(crate) fn new(limits: Vec<WindowLimit>) -> Option<Self> {
        (!limits.is_empty()).then(|| WindowLimiter {
            limits,
            admitted: Mutex::new(HashMap::new()),
        })
    }

    /// `Ok` and counts the request if every window has room; otherwise the
    /// `Retry-After` seconds to answer with.
    pub(crate) fn admit(&self, token: &str, real_seconds: f64) -> Result<(), u64> {
        let mut admitted = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = admitted.entry(token.to_owned()).or_default();
        let longest = self
            .limits
            .iter()
            .map(|limit| limit.window_seconds)
            .fold(0.0, f64::max);
        while sent.front().is_some_and(|at| *at <= real_seconds - longest) {
            sent.pop_front();
        }
        let mut wait: f64 = 0.0;
        for limit in &self.limits {
            let start = real_seconds - limit.window_seconds;
            let first = sent.partition_point(|at| *at <= start);
            if sent.len() - first >= limit.requests as usize {
                // The request `requests` back must leave the window.
                let leaving = sent[sent.len() - limit.requests as usize];
                wait = wait.max(leaving + limit.window_seconds - real_seconds);
            }
        }
        if wait > 0.0 {
            return Err((wait.ceil() as u64).max(1));
        }
        sent.push_back(real_seconds);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_count_per_window_and_is_told_when_to_come_back() {
        let limiter = WindowLimiter::new(vec![
            WindowLimit {
                requests: 2,
                window_seconds: 10.0,
            },
            WindowLimit {
                requests: 3,
                window_seconds: 100.0,
            },
        ])
        .unwrap();
        assert_eq!(limiter.admit("a", 0.0), Ok(()));
        assert_eq!(limiter.admit("a", 1.0), Ok(()));
        assert_eq!(limiter.admit("a", 2.0), Err(8));
        assert_eq!(limiter.admit("b", 2.0), Ok(()), "each token its own");
        assert_eq!(limiter.admit("a", 10.5), Ok(()));
        // Three in the hundred seconds: the next when the first leaves them.
        assert_eq!(limiter.admit("a", 30.0), Err(70));
        assert_eq!(limiter.admit("a", 100.5), Ok(()));
    }
}
