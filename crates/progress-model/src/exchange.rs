//! One request of a client, minus the I/O: every step both clients take
//! around sending it, in the order they must happen, so no adapter can forget
//! one. An adapter asks the token provider within [`Fetch::token_timeout`]
//! (`TokenProvider::token_within`), hands the token and the time the call
//! took to [`ClientParts::prepare`], sends the [`Outgoing`] request with its
//! HTTP library, and gives what came back to [`Receipt::finish`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Clock;
use crate::internal::ClientParts;
use crate::metrics::InFlight;
use crate::redact::SecretForms;
use crate::{
    AccessToken, Error, Fetch, HttpResponse, JobId, Progress, TokenError, TokenProvider, interpret,
};

/// The request to send and how long it may take.
#[derive(Debug)]
pub struct Outgoing {
    /// The progress request, with its headers (the token among them).
    pub request: http::Request<()>,
    /// The request's timeout: the configured one, cut to the deadline.
    pub timeout: Duration,
}

/// What finishing a request needs: the token to scrub from the answer and the
/// job to name in its errors.
#[must_use = "the response must go through Receipt::finish"]
pub struct Receipt {
    token: AccessToken,
    /// The token's forms, built once per token: what is scrubbed.
    forms: Arc<SecretForms>,
    job: JobId,
    /// Counts the request in flight until it is finished or dropped.
    in_flight: InFlight,
    /// The client's clock, and when the request left: its duration.
    clock: Arc<dyn Clock>,
    sent_at: Instant,
}

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receipt")
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

impl Fetch {
    /// Asks for the token this request needs: `fresh` after a 401, `current`
    /// otherwise. Only the one chosen is called.
    pub fn token<R>(&self, current: impl FnOnce() -> R, fresh: impl FnOnce() -> R) -> R {
        if self.fresh_token { fresh() } else { current() }
    }

    /// Asks `provider` for the token this request needs: after a 401, a
    /// token other than the refused one ([`TokenProvider::replace_within`]),
    /// else the current one; within `bound` ([`Fetch::token_timeout`]).
    pub fn ask_token(
        &self,
        provider: &(impl TokenProvider + ?Sized),
        bound: Duration,
    ) -> Result<AccessToken, TokenError> {
        match self.refused_token() {
            Some(refused) => provider.replace_within(refused, bound),
            None => provider.token_within(self.fresh_token, bound),
        }
    }

    /// The most the token call may take: the request timeout, cut to the time
    /// left before the deadline. A provider that hangs must not hold a watch
    /// past either.
    pub fn token_timeout(&self, request_timeout: Duration) -> Duration {
        self.timeout(request_timeout)
    }
}

impl<T: ?Sized, S: ?Sized> ClientParts<T, S> {
    /// The request `fetch` asks for, signed with the token the provider gave
    /// (or the provider's failure, as an [`Error::Token`], or an
    /// [`Error::TokenUnavailable`] worth a retry, naming the job). The token
    /// call and the request share one bound: the request gets what the token
    /// call (which took `token_took`) left of it, at least a second.
    pub fn prepare(
        &self,
        fetch: &Fetch,
        token: Result<AccessToken, TokenError>,
        token_took: Duration,
    ) -> Result<(Outgoing, Receipt), Error> {
        let job = &fetch.job;
        let meter = self.shared.meter();
        let token = token.map_err(|failure| Error::token(failure).for_job(job));
        meter.token(token.as_ref().map(|_| ()));
        let token = token?;
        let (request, forms) = self.template.request(job, &token)?;
        let outgoing = Outgoing {
            request,
            timeout: fetch
                .request_timeout_after_token(self.settings.request_timeout, counted(token_took)),
        };
        let receipt = Receipt {
            token,
            forms,
            job: job.clone(),
            in_flight: meter.request_sent(),
            clock: self.clock.clone(),
            sent_at: self.clock.now(),
        };
        Ok((outgoing, receipt))
    }
}

/// A token call quicker than this is not taken off the request's timeout.
///
/// A provider that hands out a token it keeps answers in microseconds; the
/// request then keeps the configured timeout, which the HTTP client is built
/// with, so the usual poll needs no timeout of its own (configuring a ureq
/// request copies the agent's whole configuration, about a thousand
/// instructions). The bound is no looser than it was: the time from the
/// token to the request leaving (building it, a wait for a slot) was never
/// counted either.
const UNCOUNTED_TOKEN_CALL: Duration = Duration::from_millis(1);

/// What a token call that took `took` counts against the request's timeout.
fn counted(took: Duration) -> Duration {
    if took < UNCOUNTED_TOKEN_CALL {
        Duration::ZERO
    } else {
        took
    }
}

impl<T: ?Sized, S: ?Sized> ClientParts<T, S> {
    /// The answer to a single `progress()` call: every non-2xx answer is an
    /// error naming the job, and nothing is retried.
    pub fn single_answer(&self, fetch: &Fetch, response: HttpResponse) -> Result<Progress, Error> {
        interpret(&response, self.settings.body_cap, self.clock.wall())
            .map_err(|error| error.for_job(&fetch.job))
    }
}

impl Receipt {
    /// What came back, with the token scrubbed from it (a gateway may echo the
    /// request) and the job named in a transport failure.
    pub fn finish(self, sent: Result<HttpResponse, Error>) -> Result<HttpResponse, Error> {
        let took = self.clock.now().saturating_duration_since(self.sent_at);
        self.in_flight.meter().request_answered(&sent, took);
        drop(self.in_flight);
        let mut response = sent.map_err(|error| error.for_job(&self.job))?;
        response.redact(&self.forms);
        response.sent_with = Some(self.token);
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internal::PartsBuilder;
    use crate::{JobId, StaticToken};

    fn timeout_after(fetch: &Fetch, token_took: Duration) -> Duration {
        let mut builder = PartsBuilder::<StaticToken, ()>::default();
        builder.settings.request_timeout = Duration::from_secs(30);
        builder.provider(Arc::new(StaticToken::new("a-token-of-some-length")));
        let parts = builder.build(|| Ok(Arc::new(()))).unwrap();
        let token = Ok(AccessToken::new("a-token-of-some-length"));
        let (outgoing, receipt) = parts.prepare(fetch, token, token_took).unwrap();
        drop(receipt);
        outgoing.timeout
    }

    /// The usual poll keeps the configured timeout, which the HTTP client
    /// already has; a token call that took time still shortens it.
    #[test]
    fn only_a_token_call_of_a_millisecond_or_more_shortens_the_request() {
        let fetch = Fetch::once(JobId::new("job-1").unwrap());
        let thirty = Duration::from_secs(30);
        assert_eq!(timeout_after(&fetch, Duration::ZERO), thirty);
        assert_eq!(timeout_after(&fetch, Duration::from_micros(999)), thirty);
        assert_eq!(
            timeout_after(&fetch, Duration::from_millis(1)),
            thirty - Duration::from_millis(1)
        );
        assert_eq!(
            timeout_after(&fetch, Duration::from_secs(3)),
            Duration::from_secs(27)
        );
    }
}
