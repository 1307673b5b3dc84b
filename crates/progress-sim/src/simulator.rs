//! Starting, observing and stopping a simulated server.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use crate::clock::{ManualSimClock, SimClock};
use crate::error::SimError;
use crate::scenario::Scenario;
use crate::served::Served;
use crate::server::serve;
use crate::state::SharedState;
use crate::token_bucket::TokenRateLimit;
use crate::webhook_delivery::WebhookDelivery;

/// A running simulated progress server on `127.0.0.1`.
///
/// It stops when dropped: the listener closes (connections are refused from
/// then on) and requests in flight get up to a second to finish. Dropping a
/// simulator started with [`start_blocking`](Self::start_blocking) waits for
/// that; dropping one started with [`start`](Self::start) only signals it,
/// because Drop cannot await. Use [`shutdown`](Self::shutdown) to wait in
/// async code.
#[derive(Debug)]
pub struct Simulator {
    address: SocketAddr,
    state: Arc<SharedState>,
    stop: watch::Sender<bool>,
    stopped: Option<oneshot::Receiver<()>>,
    /// The thread running the simulator's own runtime, for blocking starts.
    runtime_thread: Option<JoinHandle<()>>,
}

/// Options for starting a [`Simulator`]: the port and the clock.
#[derive(Debug)]
#[must_use = "a builder does nothing until started"]
pub struct SimulatorBuilder {
    scenario: Scenario,
    port: u16,
    clock: Option<SimClock>,
}

impl Simulator {
    /// Options beyond the defaults (port 0, real clock).
    pub fn builder(scenario: Scenario) -> SimulatorBuilder {
        SimulatorBuilder {
            scenario,
            port: 0,
            clock: None,
        }
    }

    /// Starts on a free loopback port, on the current Tokio runtime, with a real clock.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub async fn start(scenario: Scenario) -> Result<Simulator, SimError> {
        Simulator::builder(scenario).start().await
    }

    /// Like [`start`](Self::start), with the given clock (typically a
    /// [`ManualSimClock`](crate::ManualSimClock)).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub async fn start_with_clock(
        scenario: Scenario,
        clock: impl Into<SimClock>,
    ) -> Result<Simulator, SimError> {
        Simulator::builder(scenario).clock(clock).start().await
    }

    /// Starts on a free loopback port, on a runtime of its own in a
    /// background thread: for blocking code and tests with no runtime.
    pub fn start_blocking(scenario: Scenario) -> Result<Simulator, SimError> {
        Simulator::builder(scenario).start_blocking()
    }

    /// [`start_blocking`](Self::start_blocking) on a clock that moves only
    /// when the returned one is advanced: a test's jobs of minutes or days
    /// run at once.
    pub fn start_manual(scenario: Scenario) -> Result<(Simulator, ManualSimClock), SimError> {
        let clock = ManualSimClock::new();
        let simulator = Simulator::builder(scenario)
            .clock(clock.clone())
            .start_blocking()?;
        Ok((simulator, clock))
    }

    /// Where to send requests, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address listened on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many requests named this job in their path, whatever their
    /// method, token or answer (faulted ones included).
    pub fn requests_for(&self, job_id: &str) -> u64 {
        self.state
            .request_counts()
            .get(job_id)
            .copied()
            .unwrap_or(0)
    }

    /// [`requests_for`](Self::requests_for) for every job id requested so far,
    /// known to the scenario or not.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.state.request_counts()
    }

    /// What the progress endpoint served so far, over every path (job or
    /// not), by kind: 200s, 429s from rate limits, faults, other errors.
    pub fn served(&self) -> Served {
        self.state.served()
    }

    /// [`served`](Self::served) for the requests naming one job (all zero
    /// for a job never asked for).
    pub fn served_for(&self, job_id: &str) -> Served {
        self.state.served_for(job_id)
    }

    /// How many 429s a rate limit answered to requests for this job
    /// (`token_rate_limit`, `rate_limit`, `rate_limited_requests`); the same
    /// as `served_for(job_id).rate_limited`.
    pub fn rate_limited_for(&self, job_id: &str) -> u64 {
        self.served_for(job_id).rate_limited
    }

    /// Where the token endpoint answers: `{base_url}/connect/token` (it
    /// exists only when the scenario has `oauth`).
    pub fn token_url(&self) -> String {
        format!("{}/connect/token", self.base_url())
    }

    /// How many requests reached `/connect/token`, whatever their answer.
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests()
    }

    /// [`served`](Self::served) for the token endpoint: `ok` counts the
    /// tokens issued, `rejected` the OAuth errors.
    pub fn token_endpoint_served(&self) -> Served {
        self.state.token_endpoint_served()
    }

    /// Progress requests being answered at this moment (a slow answer's
    /// delay included): sample it to see a client's concurrency.
    pub fn in_flight(&self) -> u64 {
        self.state.in_flight.now()
    }

    /// The most progress requests answered at once so far.
    pub fn most_in_flight(&self) -> u64 {
        self.state.in_flight.most()
    }

    /// Every POST of a webhook delivery so far (copies and resends
    /// included), in the order their answers came (or did not), and every
    /// delivery a `lost_rate` fault kept back (`sent: false`).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.state.deliveries()
    }

    /// Where the simulated Webhooks API v2 answers: `{base_url}/webhooks`.
    pub fn webhooks_url(&self) -> String {
        format!("{}/webhooks", self.base_url())
    }

    /// The simulated time now, in seconds since start.
    pub fn simulated_seconds(&self) -> f64 {
        self.state.simulated_seconds()
    }

    /// Stops and waits until the listener is closed and the connections are
    /// done (at most about a second for requests still in flight).
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(stopped) = self.stopped.take() {
            // Closed without a value is the signal: the server task is gone.
            let _ = stopped.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Needs no runtime, never blocks on its own.
        self.stop.send_replace(true);
        if let Some(thread) = self.runtime_thread.take() {
            // Bounded by the shutdown grace. A panic in the server thread has
            // already been reported on stderr; re-raising it here could abort
            // a test that is itself unwinding.
            let _ = thread.join();
        }
    }
}

impl SimulatorBuilder {
    /// The loopback port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The time source; a real clock started at bind time by default.
    pub fn clock(mut self, clock: impl Into<SimClock>) -> Self {
        self.clock = Some(clock.into());
        self
    }

    /// Limits each bearer token to `requests_per_second` over all jobs (a
    /// token bucket; see [`TokenRateLimit`]), replacing the scenario's
    /// `token_rate_limit`. The burst is the rate rounded up; use
    /// [`token_rate_limit`](Self::token_rate_limit) to choose it.
    pub fn requests_per_second(self, requests_per_second: f64) -> Self {
        self.token_rate_limit(TokenRateLimit::per_second(requests_per_second))
    }

    /// Replaces the scenario's `token_rate_limit`.
    pub fn token_rate_limit(mut self, limit: TokenRateLimit) -> Self {
        self.scenario.token_rate_limit = Some(limit);
        self
    }

    /// Starts on the current Tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub async fn start(self) -> Result<Simulator, SimError> {
        let (listener, state) = self.bind()?;
        let listener = TcpListener::from_std(listener).map_err(SimError::Bind)?;
        let (simulator, stop, stopped) = Simulator::new(&listener, state.clone())?;
        tokio::spawn(serve(listener, state, stop, stopped));
        Ok(simulator)
    }

    /// Starts on a current-thread runtime of its own, in a background thread.
    pub fn start_blocking(self) -> Result<Simulator, SimError> {
        let (listener, state) = self.bind()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(SimError::Runtime)?;
        let listener = {
            // Registers the socket with this runtime's reactor.
            let _entered = runtime.enter();
            TcpListener::from_std(listener).map_err(SimError::Bind)?
        };
        let (mut simulator, stop, stopped) = Simulator::new(&listener, state.clone())?;
        let thread = std::thread::Builder::new()
            .name(format!("progress-sim {}", simulator.address))
            .spawn(move || runtime.block_on(serve(listener, state, stop, stopped)))
            .map_err(SimError::Runtime)?;
        simulator.runtime_thread = Some(thread);
        Ok(simulator)
    }

    /// Checks the scenario and binds, so every start reports these errors the same way.
    fn bind(self) -> Result<(std::net::TcpListener, Arc<SharedState>), SimError> {
        self.scenario.validate()?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .map_err(SimError::Bind)?;
        listener.set_nonblocking(true).map_err(SimError::Bind)?;
        let clock = self.clock.unwrap_or_else(SimClock::real);
        Ok((listener, Arc::new(SharedState::new(self.scenario, clock))))
    }
}

impl Simulator {
    /// The handle plus the two channel ends the server task keeps.
    fn new(
        listener: &TcpListener,
        state: Arc<SharedState>,
    ) -> Result<(Simulator, watch::Receiver<bool>, oneshot::Sender<()>), SimError> {
        let address = listener.local_addr().map_err(SimError::Bind)?;
        let (stop, stop_receiver) = watch::channel(false);
        let (stopped_sender, stopped) = oneshot::channel();
        let simulator = Simulator {
            address,
            state,
            stop,
            stopped: Some(stopped),
            runtime_thread: None,
        };
        Ok((simulator, stop_receiver, stopped_sender))
    }
}
