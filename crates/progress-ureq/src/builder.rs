//! `Client::builder()`: every setting, checked once at `build()`.

use std::fmt;
use std::sync::Arc;

use progress_model::{
    AccessToken, Clock, Error, Settings, StaticToken, SystemClock, TokenProvider,
};

use crate::sleeper::{Sleeper, ThreadSleeper};
use crate::{Client, transport};

/// Builds a [`Client`]. Start with [`Client::builder`].
pub struct ClientBuilder {
    settings: Settings,
    token: Option<Arc<dyn TokenProvider>>,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<dyn Clock>,
    agent: Option<ureq::Agent>,
}

impl ClientBuilder {
    pub(crate) fn new() -> Self {
        Self {
            settings: Settings::default(),
            token: None,
            sleeper: Arc::new(ThreadSleeper),
            clock: Arc::new(SystemClock),
            agent: None,
        }
    }

    progress_model::settings_builder_methods!();

    /// A fixed token (a leading `Bearer ` is accepted and not doubled). A 401 is final.
    pub fn token(mut self, token: impl Into<AccessToken>) -> Self {
        self.token = Some(Arc::new(StaticToken::new(token)));
        self
    }

    /// A token provider: a closure called before each request, or your own
    /// [`TokenProvider`] that can refresh after a 401.
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.token = Some(Arc::new(provider));
        self
    }

    /// How to wait between polls (default: [`std::thread::sleep`]).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Where to read time (default: the system clocks).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// An existing agent to reuse (its connection pool, proxy and TLS settings).
    /// Redirects stay off and timeouts are set per request, whatever its config.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let settings = self.settings.check()?;
        let token = self.token.ok_or_else(|| {
            Error::Config("no token: call .token(...) or .token_provider(...)".into())
        })?;
        let agent = self
            .agent
            .unwrap_or_else(|| transport::default_agent(&settings));
        Ok(Client::from_parts(
            Arc::new(settings),
            token,
            self.sleeper,
            self.clock,
            agent,
        ))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("settings", &self.settings)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
