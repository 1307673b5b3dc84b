//! A blocking client for the iTwin Platform "Get job progress" operation, on
//! [ureq](https://docs.rs/ureq).
//!
//! Ask once with [`Client::progress`], watch with [`Client::watch`] (an iterator
//! of observations), or wait for the end with [`Client::wait`]. Polling follows
//! the documented ladder (15, 30, 60, 120 s, restarting when the percentage
//! changes), honours `Retry-After`, retries transient failures, refreshes the
//! token once after a 401 and never sleeps past a deadline. Every one of those
//! decisions is made by [`progress_model`]; this crate only moves bytes and sleeps.
//!
//! Programs depend on the `itwin-job-progress` crate, which re-exports this
//! client as `itwin_job_progress::blocking` (its `blocking` feature):
//!
//! ```no_run
//! # mod itwin_job_progress { // the facade's paths
//! #     pub use progress_ureq::Error;
//! #     pub mod blocking { pub use progress_ureq::Client; }
//! # }
//! use std::time::Duration;
//! use itwin_job_progress::blocking::Client;
//!
//! # fn main() -> Result<(), itwin_job_progress::Error> {
//! let client = Client::builder()
//!     .service("reality-modeling")
//!     .token(std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default())
//!     .deadline(Duration::from_secs(6 * 3600))
//!     .build()?;
//! for observation in client.watch("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2") {
//!     println!("{}", observation?);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//! - `rustls` (default): TLS through rustls with the ring provider; builds with
//!   no cmake and no system library.
//! - `native-tls`: the platform's TLS library instead (OpenSSL on Linux).
//! - `oauth` (default): `ClientCredentials`, tokens from a client id and
//!   secret. Without it, a program that passes a token or a provider of its
//!   own compiles no OAuth code (nor `secrecy` and `form_urlencoded`).
//! - `tracing`: `tracing` events for each request, wait and retry, in a
//!   `watch` span naming the job.
//! - `metrics`: counters, gauges and histograms of each client through the
//!   `metrics` facade (names and labels in the README).
//!
//! # Connections
//! One [`ureq::Agent`] per client keeps connections alive across polls; clones
//! of a client share it. A poll starts no thread: the default agent reads an IP
//! address as it is and reuses a host name's last lookup for a minute (ureq's
//! own resolver starts a thread per request whenever a timeout is set). Redirects are never followed: a 3xx is an error naming
//! the `Location`, so the token cannot be handed to another host.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod cancel;
mod client;
#[cfg(feature = "oauth")]
mod client_credentials;
mod events;
mod many;
mod request_config;
mod resolver;
mod sleeper;
mod slots;
mod socket_timeouts;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod tls_connector;
mod transport;
mod wake;
mod watches;
mod watching;

pub use builder::ClientBuilder;
pub use cancel::CancelHandle;
pub use client::Client;
#[cfg(feature = "oauth")]
pub use client_credentials::ClientCredentials;
pub use events::{EventWatch, ProgressWatch};
pub use many::ManyWatch;
pub use progress_model::{
    AccessToken, ApiError, ApiVersion, Budget, Environment, Error, ErrorKind, Event, EventKind,
    Insertion, JobId, JobState, Progress, Retry, Roots, Service, StateError, StaticToken, Tier,
    TokenError, TokenProvider, WatchOptions, WatchState,
};
pub use sleeper::{Sleeper, ThreadSleeper};
pub use watches::Watches;
