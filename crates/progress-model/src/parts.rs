//! What every client holds besides its HTTP library, and the builder for it:
//! written once so the blocking and async clients differ only in their I/O.

use std::fmt;
use std::sync::Arc;

use crate::request::RequestTemplate;
use crate::{
    AccessToken, ClientState, Clock, Error, Event, PollPolicy, Retry, Settings, StaticToken,
    SystemClock, Watch, WatchOptions,
};

/// A listener for retries: told of each failure a watch waits out before retrying.
pub type RetryListener = Arc<dyn Fn(&Retry) + Send + Sync>;

/// A client's settings, token provider, sleeper, clock and retry listener. `T` and `S` are the
/// adapter's provider and sleeper traits (blocking or async).
pub struct ClientParts<T: ?Sized, S: ?Sized> {
    /// The checked settings.
    pub settings: Arc<Settings>,
    /// Where tokens come from.
    pub token: Arc<T>,
    /// How to wait between polls.
    pub sleeper: Arc<S>,
    /// Where to read time.
    pub clock: Arc<dyn Clock>,
    /// Who hears of retries, if anyone.
    pub on_retry: Option<RetryListener>,
    /// What every watch of the client shares (the 429 pause, the rate, the
    /// jitter); clones of the client share it too.
    pub shared: ClientState,
    /// The parts of every request rendered once.
    pub(crate) template: RequestTemplate,
    /// The settings' policy, saturated: one for every watch that does not
    /// override it.
    pub(crate) policy: Arc<PollPolicy>,
}

impl<T: ?Sized, S: ?Sized> ClientParts<T, S> {
    /// The machine for one watch of this client: the client's settings with
    /// `options`' overrides, sharing the client's state.
    /// `options` may resume a saved state: its instants are rebuilt on this
    /// client's clock.
    pub fn watch(&self, job_id: &str, can_refresh: bool, options: &WatchOptions) -> Watch {
        let watch = match options.resumed_state() {
            Some(state) => {
                let now = (self.clock.now(), self.clock.wall());
                let (settings, policy) = (&self.settings, &self.policy);
                Watch::resumed_under(settings, policy, job_id, can_refresh, options, state, now)
            }
            None => {
                Watch::for_job_under(&self.settings, &self.policy, job_id, can_refresh, options)
            }
        };
        watch.sharing(self.shared.clone())
    }

    /// An event `watch` handed on, on its way to the caller: the retry
    /// listener, if any, hears of a retry, and the event carries the
    /// watch's state now.
    pub fn hand_on(&self, watch: &Watch, event: Event) -> Event {
        if let (Some(listener), Some(retry)) = (&self.on_retry, event.retry()) {
            listener(&retry);
        }
        watch.stamp(event, &self.settings, self.clock.now(), self.clock.wall())
    }
}

impl<T: ?Sized, S: ?Sized> Clone for ClientParts<T, S> {
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            token: self.token.clone(),
            sleeper: self.sleeper.clone(),
            clock: self.clock.clone(),
            on_retry: self.on_retry.clone(),
            shared: self.shared.clone(),
            template: self.template.clone(),
            policy: self.policy.clone(),
        }
    }
}

impl<T: ?Sized, S: ?Sized> fmt::Debug for ClientParts<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientParts")
            .field("settings", &self.settings)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Collects [`ClientParts`] in a client builder; see [`crate::settings_builder_methods`].
pub struct PartsBuilder<T: ?Sized, S: ?Sized> {
    /// The settings so far (checked by [`PartsBuilder::build`]).
    pub settings: Settings,
    /// The token provider, once given.
    pub token: Option<Arc<T>>,
    /// The sleeper, once given.
    pub sleeper: Option<Arc<S>>,
    /// The clock (default: the system's).
    pub clock: Arc<dyn Clock>,
    /// The retry listener, once given.
    pub on_retry: Option<RetryListener>,
    /// Why the static token given cannot be sent (empty, say), reported by `build()`.
    unusable_token: Option<Error>,
}

impl<T: ?Sized, S: ?Sized> Default for PartsBuilder<T, S> {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            token: None,
            sleeper: None,
            clock: Arc::new(SystemClock),
            on_retry: None,
            unusable_token: None,
        }
    }
}

impl<T: ?Sized, S: ?Sized> PartsBuilder<T, S> {
    /// Checks the settings and requires a token; without a sleeper,
    /// `default_sleeper` gives one (or says why there is none).
    pub fn build(
        self,
        default_sleeper: impl FnOnce() -> Result<Arc<S>, Error>,
    ) -> Result<ClientParts<T, S>, Error> {
        let settings = self.settings.check()?;
        if let Some(problem) = self.unusable_token {
            return Err(problem);
        }
        let token = self.token.ok_or_else(|| {
            Error::Config("no token: call .token(...) or .token_provider(...)".into())
        })?;
        let sleeper = match self.sleeper {
            Some(sleeper) => sleeper,
            None => default_sleeper()?,
        };
        Ok(ClientParts {
            shared: ClientState::new(&settings.limits)?.named(settings.name.as_deref()),
            template: RequestTemplate::new(&settings)?,
            policy: Arc::new(settings.policy.clone().saturated()),
            settings: Arc::new(settings),
            token,
            sleeper,
            clock: self.clock,
            on_retry: self.on_retry,
        })
    }
}

impl<T: ?Sized, S: ?Sized> PartsBuilder<T, S> {
    /// A static token, checked now so that one that can never be sent (an
    /// empty `ITWIN_ACCESS_TOKEN`, say) fails `build()` rather than the first
    /// request. The adapter stores the returned provider its own way.
    pub fn static_token(&mut self, token: impl Into<AccessToken>) -> StaticToken {
        let token = token.into();
        self.unusable_token = token.header_value().err();
        StaticToken::new(token)
    }

    /// Any token provider: whatever an earlier static token lacked no longer counts.
    pub fn provider(&mut self, provider: Arc<T>) {
        self.unusable_token = None;
        self.token = Some(provider);
    }
}

impl<T: ?Sized, S: ?Sized> fmt::Debug for PartsBuilder<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartsBuilder")
            .field("settings", &self.settings)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
