//! The metrics of a client, through the `metrics` facade (feature
//! `metrics`; the exporter is the application's): every name, label and
//! recording point, written once here so that both clients record the same.
//! Without the feature every call compiles to nothing.
//!
//! Every metric of a client carries `client` (its `ClientBuilder::name`,
//! `default` without one), never a job id: a label per job would make a
//! series per job.

use std::sync::Arc;
use std::time::Duration;

use crate::{Error, ErrorKind, HttpResponse, JobState, Progress};

/// Requests sent, by `outcome`: `2xx`, `401`, `404`, `429`, `4xx` (any other
/// 4xx), `5xx`, `other` (1xx, 3xx), `transport_error`, `timeout`.
pub const REQUESTS: &str = "itwin_progress_requests_total";
/// Failures a watch waits out before trying again.
pub const RETRIES: &str = "itwin_progress_retries_total";
/// Tokens the client asked its provider for, by `outcome`: `ok`, `refused`, `unavailable`.
pub const TOKEN_REQUESTS: &str = "itwin_progress_token_requests_total";
/// Watches ended, by `outcome`: the job's end (`success`, `failed`,
/// `cancelled`, `over`) or `error`, with the error's kind in `error`.
pub const WATCHES_FINISHED: &str = "itwin_progress_watches_finished_total";
/// Webhook deliveries answered by the router, by `outcome` (no `client`).
pub const WEBHOOK_DELIVERIES: &str = "itwin_progress_webhook_deliveries_total";
/// Watches of the client not finished.
pub const WATCHES_RUNNING: &str = "itwin_progress_watches_running";
/// Requests on the wire.
pub const REQUESTS_IN_FLIGHT: &str = "itwin_progress_requests_in_flight";
/// What is left of the client's 429 pause when a watch last asked to send.
pub const CLIENT_PAUSE: &str = "itwin_progress_client_pause_seconds";
/// How long a request took, from its send to its answer.
pub const REQUEST_DURATION: &str = "itwin_progress_request_duration_seconds";
/// How late a poll went out after it was due (a slot, the client's pause or
/// rate, a slow caller).
pub const POLL_LATENESS: &str = "itwin_progress_poll_lateness_seconds";
/// How long after a job's change the watch saw it, at most: the time since
/// the poll before the one that saw the change.
pub const OBSERVATION_DELAY: &str = "itwin_progress_observation_delay_seconds";

/// The client label without `ClientBuilder::name`.
const UNNAMED: &str = "default";

/// Where a client records: its name, for the `client` label.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    client: Arc<str>,
}

impl Default for Meter {
    fn default() -> Self {
        Self::named(None)
    }
}

#[cfg(feature = "metrics")]
macro_rules! record {
    (counter $name:expr, $client:expr $(, $key:literal => $value:expr)*) => {
        metrics::counter!($name, "client" => $client.to_string() $(, $key => $value)*).increment(1)
    };
    (gauge $name:expr, $client:expr, $op:ident($amount:expr)) => {
        metrics::gauge!($name, "client" => $client.to_string()).$op($amount)
    };
    (histogram $name:expr, $client:expr, $duration:expr) => {
        metrics::histogram!($name, "client" => $client.to_string()).record($duration.as_secs_f64())
    };
}

#[cfg(not(feature = "metrics"))]
macro_rules! record {
    ($($anything:tt)*) => {};
}

impl Meter {
    pub(crate) fn named(name: Option<&str>) -> Self {
        Self {
            client: Arc::from(name.unwrap_or(UNNAMED)),
        }
    }

    /// A request goes on the wire; it is off when the guard drops.
    pub(crate) fn request_sent(&self) -> InFlight {
        record!(gauge REQUESTS_IN_FLIGHT, self.client, increment(1.0));
        InFlight(self.clone())
    }

    /// A request came back (or failed) after `took`.
    pub(crate) fn request_answered(&self, answer: &Result<HttpResponse, Error>, took: Duration) {
        let outcome = match answer {
            Ok(response) => match response.status {
                200..=299 => "2xx",
                401 => "401",
                404 => "404",
                429 => "429",
                400..=499 => "4xx",
                500..=599 => "5xx",
                _ => "other",
            },
            Err(error) if error.kind() == ErrorKind::Timeout => "timeout",
            Err(_) => "transport_error",
        };
        record!(counter REQUESTS, self.client, "outcome" => outcome);
        record!(histogram REQUEST_DURATION, self.client, took);
        let _ = (outcome, took);
    }

    /// The provider gave a token (`Ok`) or the error it became.
    pub(crate) fn token(&self, got: Result<(), &Error>) {
        let outcome = match got {
            Ok(()) => "ok",
            Err(Error::TokenUnavailable { .. }) => "unavailable",
            Err(_) => "refused",
        };
        record!(counter TOKEN_REQUESTS, self.client, "outcome" => outcome);
        let _ = outcome;
    }

    pub(crate) fn retry(&self) {
        record!(counter RETRIES, self.client);
    }

    /// A watch joins the client; it has left when the guard drops.
    pub(crate) fn watch_started(&self) -> Running {
        record!(gauge WATCHES_RUNNING, self.client, increment(1.0));
        Running(Some(self.clone()))
    }

    pub(crate) fn watch_finished(&self, outcome: &Result<Progress, Error>) {
        let (outcome, error) = match outcome {
            Ok(progress) => {
                let state = match progress.state {
                    JobState::Success => "success",
                    JobState::Failed => "failed",
                    JobState::Cancelled => "cancelled",
                    _ => "over",
                };
                (state, "")
            }
            Err(error) => ("error", error.kind().as_str()),
        };
        record!(counter WATCHES_FINISHED, self.client, "outcome" => outcome, "error" => error);
        let _ = (outcome, error);
    }

    pub(crate) fn poll_lateness(&self, late: Duration) {
        record!(histogram POLL_LATENESS, self.client, late);
        let _ = late;
    }

    pub(crate) fn observation_delay(&self, delay: Duration) {
        record!(histogram OBSERVATION_DELAY, self.client, delay);
        let _ = delay;
    }

    pub(crate) fn client_pause(&self, left: Duration) {
        record!(gauge CLIENT_PAUSE, self.client, set(left.as_secs_f64()));
        let _ = left;
    }
}

/// A webhook delivery answered (`None`: refused before the receiver read
/// it, too large or cut off), counted by outcome: `wake`, `duplicate`,
/// `other_event`, `refused`.
#[cfg(feature = "webhook")]
pub fn webhook_delivery(outcome: Option<&crate::webhook::Outcome>) {
    use crate::webhook::Outcome;
    let outcome = match outcome {
        Some(Outcome::Wake { .. }) => "wake",
        Some(Outcome::Duplicate) => "duplicate",
        Some(Outcome::OtherEvent) => "other_event",
        _ => "refused",
    };
    #[cfg(feature = "metrics")]
    metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
    let _ = outcome;
}

/// A request on the wire, counted in the gauge until dropped (sent or not:
/// a dropped future must not leave the gauge high).
#[derive(Debug)]
pub(crate) struct InFlight(#[cfg_attr(not(feature = "metrics"), allow(dead_code))] Meter);

impl InFlight {
    pub(crate) fn meter(&self) -> &Meter {
        &self.0
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        record!(gauge REQUESTS_IN_FLIGHT, self.0.client, decrement(1.0));
    }
}

/// A watch counted in the running gauge until it finishes or is dropped.
/// A clone of a watch is not counted (it is the same watch).
#[derive(Debug, Default)]
pub(crate) struct Running(Option<Meter>);

impl Clone for Running {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(meter) = self.0.take() {
            record!(gauge WATCHES_RUNNING, meter.client, decrement(1.0));
            let _ = meter;
        }
    }
}
