//! The token a provider holds, when it needs a new one, and sharing one
//! request's answer among everyone who waited for it.

use std::time::{Duration, Instant};

use super::{IssuedToken, OAuthError};
use crate::{AccessToken, trace};

/// A new token is fetched when less than this much of the last one's lifetime is left.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The cached token and the refresh decision, for a provider to keep behind
/// its lock (an async mutex, or a mutex and a condition variable).
///
/// Single flight: a caller takes a [`TokenTicket`] before it waits for the
/// lock. If someone else's request finished while it waited, [`TokenCache::answer`]
/// hands it that answer (token or error) instead of sending another request.
///
/// ```
/// # use progress_model::{AccessToken, oauth::{IssuedToken, TokenCache}};
/// # use std::time::{Duration, Instant};
/// let mut cache = TokenCache::default();
/// let now = Instant::now();
/// let (first, second) = (cache.ticket(false), cache.ticket(false));
/// assert!(cache.answer(now, &first).is_none()); // the first caller asks
/// let issued = IssuedToken { token: AccessToken::new("t"), expires_in: Some(Duration::from_secs(3600)) };
/// cache.record(now, &first, Ok(issued)).unwrap();
/// // The second waited meanwhile: it gets the same token, no second request.
/// assert_eq!(cache.answer(now, &second).unwrap().unwrap().secret(), "t");
/// // Fifty-six minutes later, less than the five-minute margin is left.
/// let later = now + Duration::from_secs(56 * 60);
/// assert!(cache.answer(later, &cache.ticket(false)).is_none());
/// ```
#[derive(Debug, Clone)]
pub struct TokenCache {
    margin: Duration,
    current: Option<Cached>,
    last_answer: Option<Result<AccessToken, OAuthError>>,
    /// How many requests have finished: tickets from before the last one share its answer.
    answers: u64,
}

#[derive(Debug, Clone)]
struct Cached {
    token: AccessToken,
    /// When to fetch a new one; `None` when the lifetime is unknown (kept until a 401).
    refresh_at: Option<Instant>,
    /// When it stops working, if known.
    expires_at: Option<Instant>,
}

/// What a caller knew when it asked: see [`TokenCache::ticket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTicket {
    answers: u64,
    fresh: bool,
}

impl TokenCache {
    /// An empty cache that refreshes when less than `margin` of a token's
    /// lifetime is left (half its lifetime, for tokens living less than twice
    /// the margin).
    pub fn new(margin: Duration) -> Self {
        Self {
            margin,
            current: None,
            last_answer: None,
            answers: 0,
        }
    }

    /// Taken before waiting for the provider's lock. `fresh` after the API
    /// refused the cached token (a 401): the cached one is not good enough.
    pub fn ticket(&self, fresh: bool) -> TokenTicket {
        TokenTicket {
            answers: self.answers,
            fresh,
        }
    }

    /// Taken like [`ticket`](Self::ticket) after the API refused `refused`
    /// (a 401): fresh only while the cached token is still that one. A 401
    /// that comes back late, for a token another caller's refresh already
    /// replaced, is answered with the current token, with no new request.
    pub fn ticket_replacing(&self, refused: &AccessToken) -> TokenTicket {
        let replaced = self
            .current
            .as_ref()
            .is_some_and(|cached| cached.token != *refused);
        self.ticket(!replaced)
    }

    /// The answer for a caller holding `ticket`, or `None` when it must ask
    /// the identity service (and then [`record`](Self::record) the answer).
    pub fn answer(
        &self,
        now: Instant,
        ticket: &TokenTicket,
    ) -> Option<Result<AccessToken, OAuthError>> {
        if self.answers > ticket.answers {
            // A request finished while this caller waited: its answer is as
            // fresh as this caller's would be.
            return self.last_answer.clone();
        }
        if ticket.fresh {
            return None;
        }
        let cached = self.current.as_ref()?;
        cached
            .refresh_at
            .is_none_or(|at| now < at)
            .then(|| Ok(cached.token.clone()))
    }

    /// Keeps the answer to the request a caller with `ticket` sent, and
    /// returns what that caller gets. When the identity service fails for now
    /// but the cached token has not expired yet (it is only within the margin)
    /// and the API has not refused it, the cached token is still used.
    pub fn record(
        &mut self,
        now: Instant,
        ticket: &TokenTicket,
        result: Result<IssuedToken, OAuthError>,
    ) -> Result<AccessToken, OAuthError> {
        self.answers += 1;
        let answer = match result {
            Ok(issued) => {
                let lifetime = issued.expires_in;
                trace::token_issued(lifetime);
                self.current = Some(Cached {
                    token: issued.token.clone(),
                    refresh_at: lifetime.and_then(|life| now.checked_add(self.refresh_after(life))),
                    expires_at: lifetime.and_then(|life| now.checked_add(life)),
                });
                Ok(issued.token)
            }
            Err(error) => {
                trace::token_refused(&error);
                if ticket.fresh {
                    self.current = None;
                }
                match &self.current {
                    Some(cached)
                        if error.is_transient() && cached.expires_at.is_none_or(|at| now < at) =>
                    {
                        Ok(cached.token.clone())
                    }
                    _ => Err(error),
                }
            }
        };
        self.last_answer = Some(answer.clone());
        answer
    }

    fn refresh_after(&self, lifetime: Duration) -> Duration {
        if lifetime > self.margin.saturating_mul(2) {
            lifetime - self.margin
        } else {
            lifetime / 2
        }
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(DEFAULT_REFRESH_MARGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn issued(token: &str, seconds: u64) -> Result<IssuedToken, OAuthError> {
        Ok(IssuedToken {
            token: AccessToken::new(token),
            expires_in: Some(Duration::from_secs(seconds)),
        })
    }

    fn unavailable() -> Result<IssuedToken, OAuthError> {
        Err(OAuthError::Unreachable(Box::new(Error::timeout("slow"))))
    }

    fn secret(answer: Option<Result<AccessToken, OAuthError>>) -> Option<String> {
        answer.map(|answer| answer.unwrap().secret().to_owned())
    }

    #[test]
    fn a_token_is_used_until_less_than_the_margin_is_left() {
        let start = Instant::now();
        let mut cache = TokenCache::default();
        let ticket = cache.ticket(false);
        assert!(cache.answer(start, &ticket).is_none());
        cache.record(start, &ticket, issued("one", 3600)).unwrap();
        let at = |minutes: u64| start + Duration::from_secs(minutes * 60);
        let ask = |cache: &TokenCache, minutes: u64| {
            secret(cache.answer(at(minutes), &cache.ticket(false)))
        };
        assert_eq!(ask(&cache, 54).as_deref(), Some("one"));
        assert_eq!(ask(&cache, 55), None);
    }

    #[test]
    fn short_lived_tokens_are_renewed_at_half_their_life() {
        let start = Instant::now();
        let mut cache = TokenCache::new(Duration::from_secs(300));
        let ticket = cache.ticket(false);
        cache.record(start, &ticket, issued("short", 120)).unwrap();
        let ask =
            |seconds| cache.answer(start + Duration::from_secs(seconds), &cache.ticket(false));
        assert!(ask(59).is_some());
        assert!(ask(60).is_none());
    }

    #[test]
    fn after_a_401_the_cached_token_is_not_good_enough() {
        let start = Instant::now();
        let mut cache = TokenCache::default();
        let ticket = cache.ticket(false);
        cache.record(start, &ticket, issued("old", 3600)).unwrap();
        let fresh = cache.ticket(true);
        assert!(cache.answer(start, &fresh).is_none());
        // A transient failure does not bring back the refused token.
        assert!(cache.record(start, &fresh, unavailable()).is_err());
    }

    #[test]
    fn a_late_401_for_a_token_already_replaced_gets_the_current_one() {
        let start = Instant::now();
        let mut cache = TokenCache::default();
        let ticket = cache.ticket(false);
        cache.record(start, &ticket, issued("one", 3600)).unwrap();
        // Another caller's 401 for "one": a fresh token, "two".
        let fresh = cache.ticket_replacing(&AccessToken::new("one"));
        assert!(cache.answer(start, &fresh).is_none());
        cache.record(start, &fresh, issued("two", 3600)).unwrap();
        // A 401 for "one" that comes back late: "two" it is, no request.
        let late = cache.ticket_replacing(&AccessToken::new("one"));
        assert_eq!(secret(cache.answer(start, &late)).as_deref(), Some("two"));
        // A 401 for "two" itself asks for a new one.
        let refused = cache.ticket_replacing(&AccessToken::new("two"));
        assert!(cache.answer(start, &refused).is_none());
    }

    #[test]
    fn waiters_share_the_answer_of_the_request_that_finished_while_they_waited() {
        let start = Instant::now();
        let mut cache = TokenCache::default();
        let tickets: Vec<_> = (0..3).map(|_| cache.ticket(true)).collect();
        assert!(cache.answer(start, &tickets[0]).is_none());
        assert!(cache.record(start, &tickets[0], unavailable()).is_err());
        for ticket in &tickets[1..] {
            assert!(matches!(cache.answer(start, ticket), Some(Err(_))));
        }
        // A caller that comes after that failure asks again.
        assert!(cache.answer(start, &cache.ticket(false)).is_none());
    }

    #[test]
    fn a_failing_identity_service_leaves_an_unexpired_token_in_use() {
        let start = Instant::now();
        let mut cache = TokenCache::default();
        let ticket = cache.ticket(false);
        cache
            .record(start, &ticket, issued("still-good", 3600))
            .unwrap();
        let within_margin = start + Duration::from_secs(3500);
        let ticket = cache.ticket(false);
        assert!(cache.answer(within_margin, &ticket).is_none());
        let kept = cache.record(within_margin, &ticket, unavailable()).unwrap();
        assert_eq!(kept.secret(), "still-good");
        let expired = start + Duration::from_secs(3600);
        let ticket = cache.ticket(false);
        assert!(cache.record(expired, &ticket, unavailable()).is_err());
    }
}
