//! The sans-IO core of `itwin-job-progress`.
//!
//! Every decision about talking to the iTwin Platform "Get job progress" operation
//! lives here, with no HTTP client, no runtime, no sleeping, and time read only
//! through what the driver passes in:
//!
//! - the types: [`JobState`], [`Progress`], [`ApiError`], [`JobId`], [`Service`],
//!   [`Environment`], [`BaseUrl`], [`ApiVersion`], [`AccessToken`];
//! - the request: [`Settings::progress_request`];
//! - the response: [`interpret`] turns status, headers and body into
//!   `Result<Progress, Error>`;
//! - the poll machine: [`Watch::step`] tells its driver what to do next (a
//!   [`Step`]: fetch, wait, or hand on an [`Event`]), and
//!   [`Watch::on_response`] takes what a fetch brought back;
//! - what the watches of one client share: [`ClientState`] (the 429 pause, the
//!   client-side rate, the jitter) under [`ClientLimits`] (with `max_in_flight`,
//!   whose waiting the adapters own).
//! - a watch saved and resumed, perhaps in another process: [`WatchState`]
//!   (versioned JSON, no secret).
//! - the OAuth2 client-credentials grant: [`oauth`] (request, answer, cache),
//!   with the `oauth` feature (on by default).
//! - webhook deliveries: [`webhook`] (signature, envelope, de-duplication,
//!   the answer), with the `webhook` feature (on by default).
//!
//! The blocking (`progress-ureq`) and async (`progress-reqwest`) clients only move
//! bytes and sleep.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api_error;
mod client_state;
mod clock;
mod endpoint;
mod error;
mod error_text;
mod event;
mod excerpt;
mod exchange;
mod herd;
mod human;
mod jitter;
mod job_id;
mod limits;
mod live_set;
mod machine;
pub mod metrics;
mod no_proxy;
pub mod oauth;
mod parts;
mod progress;
mod proxy;
mod rate;
mod redact;
mod request;
mod response;
mod retry_after;
#[cfg(feature = "_rustls")]
mod rustls_trust;
mod settings;
mod state;
mod token;
mod trace;
mod trust;
mod wake;
mod watch_options;
mod watch_state;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use api_error::ApiError;
pub use client_state::ClientState;
pub use clock::{Clock, ManualClock, SystemClock};
pub use endpoint::{ApiVersion, BaseUrl, Environment, Service};
pub use error::{Cause, Error, ErrorKind, HttpFailure};
pub use event::{Event, EventKind};
pub use job_id::JobId;
pub use limits::{ClientLimits, DEFAULT_JITTER, DEFAULT_MAX_CLIENT_PAUSE, DEFAULT_MAX_IN_FLIGHT};
pub use live_set::{Insertion, LiveSet};
pub use machine::{Fetch, Retry, Step, Watch};
pub use progress::Progress;
pub use proxy::{Proxies, ProxyChoice, ProxyUrl};
pub use response::{HttpResponse, interpret};
pub use retry_after::MAX_RETRY_AFTER;
pub use settings::{
    DEFAULT_BODY_CAP, DEFAULT_CONNECT_TIMEOUT, DEFAULT_INTERVALS, DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SAFETY_NET, MAX_DURATION, PollPolicy, Settings,
};
pub use state::JobState;
pub use token::{AccessToken, StaticToken, TokenError, TokenProvider};
pub use trust::{Roots, Trust};
pub use watch_options::WatchOptions;
pub use watch_state::{Observation, StateError, WATCH_STATE_FORMAT, WatchState};

/// Plumbing shared by this project's own clients and command. Not part of the
/// public API: it may change in any release.
#[doc(hidden)]
pub mod internal {
    pub use crate::exchange::{Outgoing, Receipt};
    pub use crate::human::{duration as human_duration, rough as rough_duration};
    pub use crate::parts::{ClientParts, PartsBuilder, RetryListener};
    pub use crate::progress::escape_controls;
    #[cfg(feature = "_rustls")]
    pub use crate::rustls_trust::rustls_config;
    pub use crate::trace::TraceContext;
}
