//! The settings a request runs with: the agent's own when they are what the
//! request needs, so that the usual poll carries no configuration of its own.
//!
//! Configuring a ureq request copies the agent's whole configuration into the
//! request (about a thousand instructions at every poll), so a request gets
//! its own only when it needs other settings than the agent has: a timeout
//! cut to a deadline or by a slow token call, a proxy, or a caller's agent
//! that would follow a redirect or turn a status into an error.

use std::time::Duration;

use progress_model::Settings;
use ureq::config::Config;

use crate::transport::Http;

/// What one request must run with.
pub(crate) struct Wanted {
    /// How long it may take; connecting is cut to it as well.
    pub(crate) timeout: Duration,
    /// The proxy to set, or `None` to keep the agent's (a caller's agent
    /// sending to an encrypted address).
    pub(crate) proxy: Option<Option<ureq::Proxy>>,
}

impl Wanted {
    /// For a request through `http`: ours goes exactly through the proxy the
    /// model picked for its address (`through`), or none; a caller's agent
    /// keeps its own, but never sends in clear text through one (it may
    /// honour `HTTP(S)_PROXY` even for loopback).
    pub(crate) fn new(http: &Http, settings: &Settings, timeout: Duration, through: bool) -> Self {
        let proxy = if settings.base_url.is_cleartext() {
            Some(None)
        } else if http.is_ours() {
            Some(http.proxy().filter(|_| through).cloned())
        } else {
            None
        };
        Self { timeout, proxy }
    }

    /// Whether an agent configured as `config` already runs the request as
    /// wanted: statuses left to the model, no redirect followed, the same
    /// timeouts and the same proxy.
    pub(crate) fn fits(&self, config: &Config, settings: &Settings) -> bool {
        let timeouts = config.timeouts();
        !config.http_status_as_error()
            && config.max_redirects() == 0
            && !config.max_redirects_will_error()
            && timeouts.global == Some(self.timeout)
            && timeouts.connect == Some(connect_timeout(settings, self.timeout))
            && match &self.proxy {
                None => true,
                Some(None) => config.proxy().is_none(),
                // ureq's proxies cannot be compared: a proxy is set per request.
                Some(Some(_)) => false,
            }
    }

    /// `request` configured to run as wanted, on `agent`.
    pub(crate) fn configure<S: ureq::AsSendBody>(
        self,
        agent: &ureq::Agent,
        settings: &Settings,
        request: http::Request<S>,
    ) -> http::Request<S> {
        // So that an agent the caller brought cannot follow a redirect (and
        // hand the token to another host) or turn statuses into errors.
        let config = agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(connect_timeout(settings, self.timeout)))
            .timeout_global(Some(self.timeout));
        match self.proxy {
            Some(proxy) => config.proxy(proxy),
            None => config,
        }
        .build()
    }
}

/// Connecting takes at most the configured connect timeout, and never
/// longer than the whole request may.
pub(crate) fn connect_timeout(settings: &Settings, timeout: Duration) -> Duration {
    settings.connect_timeout.min(timeout)
}
