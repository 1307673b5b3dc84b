//! What every request handler shares: the scenario, the clock, and the counters.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::clock::SimClock;
use crate::fault_injector::SplitMix64;
use crate::fault_injector::{Fate, FaultInjector};
use crate::in_flight::InFlight;
use crate::oauth::IssuedTokens;
use crate::oauth::TOKEN_PATH;
use crate::rate_limit::RateLimiter;
use crate::scenario::Scenario;
use crate::served::{AnswerKind, Served, Tally};
use crate::token_bucket::TokenBuckets;
use crate::webhook_deliveries::{DeliveryFate, WebhookDeliveries};
use crate::webhook_delivery::WebhookDelivery;
use crate::webhook_registry::Registry;
use crate::window_limit::WindowLimiter;

/// Process-wide, so correlation ids stay unique across simulators too.
static NEXT_CORRELATION_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub(crate) struct SharedState {
    pub(crate) scenario: Scenario,
    clock: SimClock,
    faults: Option<FaultInjector>,
    token_faults: Option<FaultInjector>,
    pub(crate) issued_tokens: IssuedTokens,
    token_requests: AtomicU64,
    pub(crate) rate_limiter: Option<RateLimiter>,
    pub(crate) token_buckets: Option<TokenBuckets>,
    pub(crate) window_limiter: Option<WindowLimiter>,
    request_counts: Mutex<BTreeMap<String, u64>>,
    /// Progress requests being answered now, and the most at once.
    pub(crate) in_flight: InFlight,
    tally: Mutex<Tally>,
    /// Jobs a `disappear_rate` fault took away, for good.
    vanished_jobs: Mutex<HashSet<String>>,
    /// Tokens a `revoke_token_rate` fault took away, for good.
    revoked_tokens: Mutex<HashSet<String>>,
    /// The webhooks of the simulated Webhooks API.
    pub(crate) webhooks: Registry,
    delivery_settings: WebhookDeliveries,
    /// Deliveries draw their fates from a generator of their own.
    delivery_random: Mutex<SplitMix64>,
    next_message: AtomicU64,
    deliveries: Mutex<Vec<WebhookDelivery>>,
}

impl SharedState {
    pub(crate) fn new(scenario: Scenario, clock: SimClock) -> Self {
        SharedState {
            faults: scenario.faults.clone().map(FaultInjector::new),
            token_faults: scenario
                .oauth
                .as_ref()
                .and_then(|oauth| oauth.faults.clone())
                .map(FaultInjector::new),
            issued_tokens: IssuedTokens::default(),
            token_requests: AtomicU64::new(0),
            rate_limiter: scenario.rate_limit.clone().map(RateLimiter::new),
            webhooks: Registry::default(),
            delivery_settings: scenario.webhook_deliveries.clone().unwrap_or_default(),
            delivery_random: Mutex::new(SplitMix64(
                scenario.webhook_deliveries.as_ref().map_or(0, |d| d.seed),
            )),
            next_message: AtomicU64::new(1),
            deliveries: Mutex::new(Vec::new()),
            token_buckets: scenario.token_rate_limit.clone().map(TokenBuckets::new),
            window_limiter: WindowLimiter::new(scenario.token_window_limits.clone()),
            scenario,
            clock,
            request_counts: Mutex::new(BTreeMap::new()),
            in_flight: InFlight::default(),
            tally: Mutex::new(Tally::default()),
            vanished_jobs: Mutex::new(HashSet::new()),
            revoked_tokens: Mutex::new(HashSet::new()),
        }
    }

    pub(crate) fn next_correlation_id(&self) -> String {
        format!(
            "sim-{}",
            NEXT_CORRELATION_ID.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Counts one more request to `job_id` and says which one it is (1-based).
    pub(crate) fn count_request(&self, job_id: &str) -> u64 {
        let mut counts = self.counts();
        let count = counts.entry(job_id.to_owned()).or_insert(0);
        *count += 1;
        *count
    }

    pub(crate) fn request_counts(&self) -> BTreeMap<String, u64> {
        self.counts().clone()
    }

    /// Counts one answer of the progress endpoint.
    pub(crate) fn count_served(&self, job_id: Option<&str>, kind: AnswerKind) {
        self.tally().count(job_id, kind);
    }

    /// Counts one answer of the token endpoint.
    pub(crate) fn count_token_endpoint(&self, kind: AnswerKind) {
        self.tally().count_token_endpoint(kind);
    }

    pub(crate) fn token_endpoint_served(&self) -> Served {
        self.tally().token_endpoint
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    pub(crate) fn served(&self) -> Served {
        self.tally().total
    }

    pub(crate) fn served_for(&self, job_id: &str) -> Served {
        self.tally().by_job.get(job_id).copied().unwrap_or_default()
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        // Counters stay meaningful even if a handler panicked mid-update.
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fate of the next progress request; bursts and storms follow `stream`.
    pub(crate) fn next_fate(&self, stream: &str) -> Fate {
        self.faults
            .as_ref()
            .map_or(Fate::FINE, |faults| faults.next_fate(stream))
    }

    /// Takes the job away for good.
    pub(crate) fn vanish(&self, job_id: &str) {
        lock(&self.vanished_jobs).insert(job_id.to_owned());
    }

    pub(crate) fn has_vanished(&self, job_id: &str) -> bool {
        lock(&self.vanished_jobs).contains(job_id)
    }

    /// Stops accepting the token for good.
    pub(crate) fn revoke(&self, token: &str) {
        lock(&self.revoked_tokens).insert(token.to_owned());
    }

    pub(crate) fn is_revoked(&self, token: &str) -> bool {
        lock(&self.revoked_tokens).contains(token)
    }

    /// The token endpoint draws from its own generator, so adding token
    /// requests never shifts the progress endpoint's faults.
    pub(crate) fn next_token_fate(&self) -> Fate {
        self.token_faults
            .as_ref()
            .map_or(Fate::FINE, |faults| faults.next_fate(TOKEN_PATH))
    }

    pub(crate) fn simulated_seconds(&self) -> f64 {
        self.clock.simulated_seconds(self.scenario.time_scale)
    }

    pub(crate) fn real_seconds(&self) -> f64 {
        self.clock.real_seconds(self.scenario.time_scale)
    }

    pub(crate) fn delivery_settings(&self) -> &WebhookDeliveries {
        &self.delivery_settings
    }

    /// The fate of the next delivery, in the order jobs end.
    pub(crate) fn next_delivery_fate(&self) -> DeliveryFate {
        self.delivery_settings
            .fate(&mut lock(&self.delivery_random))
    }

    /// A fresh `messageId`, in the shape of a UUID.
    pub(crate) fn next_message_id(&self) -> String {
        let number = self.next_message.fetch_add(1, Ordering::Relaxed);
        format!("00000000-0000-4000-8000-{number:012x}")
    }

    pub(crate) fn record_delivery(&self, delivery: WebhookDelivery) {
        lock(&self.deliveries).push(delivery);
    }

    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.deliveries).clone()
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        // Counters stay meaningful even if a handler panicked mid-update.
        self.request_counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Sets of ids stay meaningful even if a handler panicked mid-update.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
