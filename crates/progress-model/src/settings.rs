//! Every setting a client has that is not I/O: where to send, how to poll, what to accept.

use std::time::Duration;

use crate::{
    ApiVersion, BaseUrl, ClientLimits, Environment, Error, ProxyChoice, ProxyUrl, Roots, Service,
    Trust,
};

/// The default poll ladder: 15, 30, 60, then 120 seconds, repeated.
pub const DEFAULT_INTERVALS: [Duration; 4] = [
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
];
/// Consecutive transient failures a watch retries before giving up.
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// A progress (2xx) body larger than this is an invalid response (1 MiB);
/// an error answer keeps its status whatever its size.
pub const DEFAULT_BODY_CAP: usize = 1024 * 1024;
/// How long connecting may take.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest duration a builder keeps: a longer one (up to
/// `Duration::MAX`) is taken as this, a year, longer than any watch needs,
/// so that no clock, timer or HTTP library adding it to an instant can
/// overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `duration`, at most [`MAX_DURATION`].
pub(crate) fn saturate(duration: Duration) -> Duration {
    duration.min(MAX_DURATION)
}

/// How a watch polls: the ladder, the retries and the deadline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// The waits between polls; the last one repeats. Restarts when the percentage changes.
    pub intervals: Vec<Duration>,
    /// Consecutive transient failures retried; one more ends the watch.
    pub max_retries: u32,
    /// How long a watch may last; it never sleeps past it.
    pub deadline: Option<Duration>,
    /// Only the end matters: something pushed (webhook deliveries) wakes
    /// the watch when its job completes, so after each observation it
    /// waits this long, a safety net for a lost delivery, instead of the
    /// ladder; never less than the rung the ladder would wait. `None`:
    /// the ladder. See [`WatchOptions::completion_only`](crate::WatchOptions::completion_only).
    pub safety_net: Option<Duration>,
}

/// The safety net of a completion-only watch: ten minutes.
pub const DEFAULT_SAFETY_NET: Duration = Duration::from_secs(600);

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            intervals: DEFAULT_INTERVALS.to_vec(),
            max_retries: DEFAULT_MAX_RETRIES,
            deadline: None,
            safety_net: None,
        }
    }
}

impl PollPolicy {
    /// The policy with every duration at most [`MAX_DURATION`].
    pub(crate) fn saturated(mut self) -> Self {
        for interval in &mut self.intervals {
            *interval = saturate(*interval);
        }
        self.deadline = self.deadline.map(saturate);
        self.safety_net = self.safety_net.map(saturate);
        self
    }

    /// Refuses a ladder a watch cannot follow (no rung, or a rung of zero),
    /// and a deadline of zero: the command refuses `--deadline 0s` as a
    /// usage error, and the library keeps the same rule rather than read it
    /// as "already past".
    pub fn check(&self) -> Result<(), Error> {
        if self.deadline.is_some_and(|deadline| deadline.is_zero()) {
            return Err(Error::Config(
                "the deadline must be longer than zero (leave it out for no deadline)".into(),
            ));
        }
        if self.intervals.is_empty() {
            return Err(Error::Config("intervals must not be empty".into()));
        }
        if self.intervals.iter().any(Duration::is_zero) {
            return Err(Error::Config(
                "intervals must be longer than zero, or a watch would flood the service".into(),
            ));
        }
        Ok(())
    }
}

/// The settings both clients share. Build them through a client's builder.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The service whose jobs are watched.
    pub service: Service,
    /// Where the API lives.
    pub base_url: BaseUrl,
    /// The API version in `Accept`; `None` asks for the service's own
    /// ([`Service::api_version`]: v2 for the v2 services, v1 for the others).
    pub api_version: Option<ApiVersion>,
    /// Appended to the `User-Agent`, e.g. `my-app/1.2`.
    pub user_agent_suffix: Option<String>,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// How long a whole request may take.
    pub request_timeout: Duration,
    /// The largest body read; a larger progress (2xx) body is an invalid
    /// response, a larger error answer keeps its status.
    pub body_cap: usize,
    /// How a watch polls.
    pub policy: PollPolicy,
    /// The certificate authorities trusted (default: the platform's and the bundled roots).
    pub trust: Trust,
    /// Where the proxy for https requests comes from (default: the environment).
    pub proxy: ProxyChoice,
    /// What the client's watches share: in-flight bound, rate, jitter.
    pub limits: ClientLimits,
    /// The client's name in its metrics (the `client` label; `default` when `None`).
    pub name: Option<String>,
    /// The first invalid setting given to a builder, reported by [`Settings::check`].
    problem: Option<Error>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            service: Service::default(),
            base_url: BaseUrl::default(),
            api_version: None,
            user_agent_suffix: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            body_cap: DEFAULT_BODY_CAP,
            policy: PollPolicy::default(),
            trust: Trust::default(),
            proxy: ProxyChoice::default(),
            limits: ClientLimits::default(),
            name: None,
            problem: None,
        }
    }
}

impl Settings {
    /// Sets the base URL, keeping the first error for [`Settings::check`].
    pub fn set_base_url(&mut self, url: &str) {
        match BaseUrl::new(url) {
            Ok(url) => self.base_url = url,
            Err(error) => {
                self.problem.get_or_insert(error);
            }
        }
    }

    /// Trusts the certificates of a PEM file, keeping the first error for [`Settings::check`].
    pub fn add_root_certificate(&mut self, pem: &[u8]) {
        if let Err(error) = self.trust.add_pem(pem) {
            self.problem.get_or_insert(error);
        }
    }

    /// Picks the root stores trusted.
    pub fn set_roots(&mut self, roots: Roots) {
        self.trust.roots = roots;
    }

    /// Sends https requests through this proxy, keeping the first error for [`Settings::check`].
    pub fn set_proxy(&mut self, url: &str) {
        match ProxyUrl::parse(url) {
            Ok(url) => self.proxy = ProxyChoice::Url(url),
            Err(error) => {
                self.problem.get_or_insert(error);
            }
        }
    }

    /// Sets the base URL of an environment.
    pub fn set_environment(&mut self, environment: Environment) {
        self.base_url = environment.into();
    }

    /// The settings, or the first problem a builder met. Durations longer
    /// than [`MAX_DURATION`] are taken as it.
    pub fn check(mut self) -> Result<Self, Error> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        self.connect_timeout = saturate(self.connect_timeout);
        self.request_timeout = saturate(self.request_timeout);
        self.policy = self.policy.saturated();
        self.policy.check()?;
        self.limits.check()?;
        if self.body_cap == 0 {
            return Err(Error::Config("body_cap must be larger than zero".into()));
        }
        if self.connect_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        self.service.check()?;
        self.base_url.check_for(&self.service)?;
        // Both end up in headers; refuse what a header cannot carry now, not at the first request.
        if http::HeaderValue::from_str(&self.user_agent()).is_err() {
            return Err(Error::Config(
                "the User-Agent suffix holds characters a header cannot carry".into(),
            ));
        }
        if http::HeaderValue::from_str(&self.accept()).is_err() {
            return Err(Error::Config(
                "the API version holds characters a header cannot carry".into(),
            ));
        }
        Ok(self)
    }

    /// The `Accept` header: the caller's API version, or else the service's.
    pub fn accept(&self) -> String {
        match &self.api_version {
            Some(version) => version.accept().to_owned(),
            None => self.service.api_version().accept().to_owned(),
        }
    }

    /// Refuses an `https://` base URL for a client built without TLS (every
    /// request would fail), naming the features of `adapter` that bring it.
    pub fn refuse_https_without_tls(&self, adapter: &str) -> Result<(), Error> {
        if self.base_url.is_cleartext() {
            return Ok(());
        }
        Err(Error::Config(format!(
            "an https:// base URL needs TLS: enable the `rustls` or `native-tls` feature \
             of {adapter} (or itwin-job-progress)"
        )))
    }

    /// The `User-Agent`: this crate and its version, then the caller's suffix.
    pub fn user_agent(&self) -> String {
        let ours = concat!("itwin-job-progress/", env!("CARGO_PKG_VERSION"));
        match &self.user_agent_suffix {
            Some(suffix) => format!("{ours} {suffix}"),
            None => ours.to_owned(),
        }
    }
}

/// Writes the builder methods both clients share, so they are written once.
///
/// Expands to inherent methods on a builder with a `parts: PartsBuilder<_, _>`
/// field. The adapter names its sleeper trait, how it stores a blocking token
/// provider (`wrap`), and what its sleeper defaults to.
#[macro_export]
#[doc(hidden)]
macro_rules! settings_builder_methods {
    (sleeper: $sleeper:path, wrap: $wrap:expr, default_sleeper: $sleeper_doc:literal $(,)?) => {
        /// A fixed token (a leading `Bearer ` is accepted and not doubled). A
        /// 401 is final. One that can never be sent (empty, say) fails `build()`.
        pub fn token(mut self, token: impl Into<$crate::AccessToken>) -> Self {
            let token = self.parts.static_token(token);
            self.parts.token = Some(::std::sync::Arc::new(($wrap)(token)));
            self
        }

        /// A token provider: a closure called before each request, or your own
        /// [`TokenProvider`]($crate::TokenProvider) that can refresh after a
        /// 401. Its calls should be quick (a cached token).
        pub fn token_provider(mut self, provider: impl $crate::TokenProvider + 'static) -> Self {
            self.parts
                .provider(::std::sync::Arc::new(($wrap)(provider)));
            self
        }

        #[doc = concat!("How to wait between polls (default: ", $sleeper_doc, ").")]
        pub fn sleeper(mut self, sleeper: impl $sleeper + 'static) -> Self {
            self.parts.sleeper = Some(::std::sync::Arc::new(sleeper));
            self
        }

        /// Hears of each failure a watch waits out before retrying (a 429, a
        /// 503, a timeout, ...) and of the wait: for a status line or a log.
        /// Not told: the immediate retry with a fresh token after a 401, nor a
        /// failure that ends the watch. The observations stay as they are.
        pub fn on_retry(
            mut self,
            listener: impl Fn(&$crate::Retry) + Send + Sync + 'static,
        ) -> Self {
            self.parts.on_retry = Some(::std::sync::Arc::new(listener));
            self
        }

        /// Where to read time (default: the system clocks; a
        /// [`ManualClock`](progress_model::ManualClock) in tests).
        pub fn clock(mut self, clock: impl $crate::Clock + 'static) -> Self {
            self.parts.clock = ::std::sync::Arc::new(clock);
            self
        }

        /// The service whose jobs are watched (default `reality-modeling`).
        pub fn service(mut self, service: impl Into<$crate::Service>) -> Self {
            self.parts.settings.service = service.into();
            self
        }

        /// The environment, which picks the base URL (default prod, `https://api.bentley.com`).
        pub fn environment(mut self, environment: $crate::Environment) -> Self {
            self.parts.settings.set_environment(environment);
            self
        }

        /// Any base URL: `https://`, or `http://` for loopback hosts only.
        /// An invalid URL makes `build()` fail.
        pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
            self.parts.settings.set_base_url(url.as_ref());
            self
        }

        /// The API version in `Accept` (default: the service's, v2 for
        /// `reality-modeling`, `reality-analysis` and `reality-conversion`, v1
        /// for `contextcapture`, the legacy services and custom paths).
        pub fn api_version(mut self, version: $crate::ApiVersion) -> Self {
            self.parts.settings.api_version = Some(version);
            self
        }

        /// Text appended to the `User-Agent`, e.g. `my-app/1.2`.
        pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
            self.parts.settings.user_agent_suffix = Some(suffix.into());
            self
        }

        /// How long connecting may take (default 10 s; at most a year, [`MAX_DURATION`]($crate::MAX_DURATION)).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.parts.settings.connect_timeout = timeout;
            self
        }

        /// How long a whole request may take (default 30 s; at most a year).
        pub fn request_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.parts.settings.request_timeout = timeout;
            self
        }

        /// The poll ladder (default 15, 30, 60, 120 s; the last repeats; each at most a year).
        pub fn intervals(
            mut self,
            intervals: impl IntoIterator<Item = ::std::time::Duration>,
        ) -> Self {
            self.parts.settings.policy.intervals = intervals.into_iter().collect();
            self
        }

        /// Consecutive transient failures a watch retries (default 5).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.parts.settings.policy.max_retries = retries;
            self
        }

        /// How long a watch may last (default: no deadline; at most a year).
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.parts.settings.policy.deadline = Some(deadline);
            self
        }

        /// Every watch of the client is completion-only, with this safety
        /// net between polls instead of the ladder (never shorter than the
        /// ladder's rung); see `WatchOptions::completion_only`. Only with
        /// webhook deliveries handed to `notify_completed`.
        pub fn safety_net(mut self, interval: ::std::time::Duration) -> Self {
            self.parts.settings.policy.safety_net = Some(interval);
            self
        }

        /// The certificate authorities trusted besides those added with
        /// `add_root_certificate` (default [`Roots::Both`]($crate::Roots::Both):
        /// the platform's trust store and the bundled Mozilla roots).
        pub fn tls_roots(mut self, roots: $crate::Roots) -> Self {
            self.parts.settings.set_roots(roots);
            self
        }

        /// Trusts the root certificates of a PEM file (one, or a bundle): your
        /// company's root, for a proxy that inspects TLS. May be called more
        /// than once. A file without a certificate makes `build()` fail.
        pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
            self.parts.settings.add_root_certificate(pem.as_ref());
            self
        }

        /// Sends https requests through this `http://` proxy (user and
        /// password in the URL, if it asks for them; they never appear in any
        /// output) instead of the one `HTTPS_PROXY` or `ALL_PROXY` names;
        /// `NO_PROXY` still applies. Clear text (`http://`, loopback only)
        /// never goes through a proxy. An invalid URL makes `build()` fail.
        pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
            self.parts.settings.set_proxy(url.as_ref());
            self
        }

        /// No proxy at all, whatever `HTTPS_PROXY` or `ALL_PROXY` say.
        pub fn no_proxy(mut self) -> Self {
            self.parts.settings.proxy = $crate::ProxyChoice::Off;
            self
        }

        /// The largest response body read (default 1 MiB).
        pub fn body_cap(mut self, bytes: usize) -> Self {
            self.parts.settings.body_cap = bytes;
            self
        }

        /// Requests in flight at once across every watch of the client
        /// (default 32); more watches queue for a slot, and the wait counts
        /// against their deadline.
        pub fn max_in_flight(mut self, requests: usize) -> Self {
            self.parts.settings.limits.max_in_flight = requests;
            self
        }

        /// A client-side rate shared by every watch of the client, in
        /// requests per second (default: none; the service's 429s still
        /// pause every watch of the client).
        pub fn max_requests_per_second(mut self, rate: f64) -> Self {
            self.parts.settings.limits.max_requests_per_second = Some(rate);
            self
        }

        /// A budget of `count` requests in any `window`, shared by every
        /// watch of the client; call it once per budget (a minute's and an
        /// hour's, say). When the watches would need more, the waits of
        /// those whose percentage changed least recently are stretched
        /// (never shortened), so a job that moves keeps its ladder.
        pub fn max_requests_per(mut self, count: u32, window: std::time::Duration) -> Self {
            let budget = $crate::Budget::new(count, window);
            self.parts.settings.limits.budgets.push(budget);
            self
        }

        /// The budgets of the platform's rate-limit tier of your OAuth
        /// client ([`Tier::Community`]($crate::Tier::Community): 500 a
        /// minute and 5,000 an hour), added to any given before.
        pub fn tier(mut self, tier: $crate::Tier) -> Self {
            let budgets = tier.budgets();
            self.parts
                .settings
                .limits
                .budgets
                .extend_from_slice(budgets);
            self
        }

        /// Lengthens each wait by a random share between 0 and `fraction`
        /// (default 0.1), so that watches started together drift apart.
        /// A wait is never shorter than its rung or `Retry-After`, and never
        /// passes the deadline. 0 turns it off.
        pub fn jitter(mut self, fraction: f64) -> Self {
            self.parts.settings.limits.jitter = fraction;
            self
        }

        /// The longest a 429 pauses every watch of the client (default 15
        /// minutes): the watch that got it still waits its whole
        /// `Retry-After` (up to a day), the others only this long.
        pub fn max_client_pause(mut self, pause: std::time::Duration) -> Self {
            self.parts.settings.limits.max_client_pause = pause;
            self
        }

        /// The client's name in its metrics (feature `metrics`): the
        /// `client` label of every metric it records (default `default`).
        /// Name each client of a program apart; never put a job id here.
        pub fn name(mut self, name: impl Into<String>) -> Self {
            self.parts.settings.name = Some(name.into());
            self
        }

        /// Seeds the jitter's random numbers, so that runs repeat exactly
        /// (default: a random seed).
        pub fn jitter_seed(mut self, seed: u64) -> Self {
            self.parts.settings.limits.jitter_seed = Some(seed);
            self
        }
    };
}
