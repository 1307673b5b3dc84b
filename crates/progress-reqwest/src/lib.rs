//! An async client for the iTwin Platform "Get job progress" operation, on
//! [hyper](https://docs.rs/hyper), for tokio, async-std and smol; with the
//! `reqwest` feature, on a [reqwest](https://docs.rs/reqwest) client of yours.
//!
//! Ask once with [`Client::progress`], watch with [`Client::watch`] (a
//! [`Stream`](futures_core::Stream) of observations), or wait for the end with
//! [`Client::wait`]. Every decision (the 15/30/60/120 s ladder, `Retry-After`,
//! retries, the token refresh after a 401, the deadline) is made by
//! [`progress_model`]; this crate only moves bytes and sleeps.
//!
//! Programs depend on the `itwin-job-progress` crate, which re-exports this
//! client at its root (its `async` feature, on by default):
//!
//! ```no_run
//! # use progress_reqwest as itwin_job_progress; // the facade's paths
//! use futures_util::StreamExt;
//! use itwin_job_progress::Client;
//!
//! # async fn run() -> Result<(), itwin_job_progress::Error> {
//! let client = Client::builder()
//!     .token(std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//! let mut watch = client.watch("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2");
//! while let Some(observation) = watch.next().await {
//!     println!("{}", observation?);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Runtimes
//! - `runtime-tokio` (default): sleeps with `tokio::time`; await inside a tokio
//!   runtime with time enabled. Polled outside one, a watch ends at once with
//!   [`Error::Config`] saying so: nothing is left waiting on a thread.
//! - `runtime-async-std`, `runtime-smol`: sleep with async-std's timer or
//!   async-io's. hyper needs a tokio reactor, so its futures are wrapped in
//!   [`async-compat`](https://docs.rs/async-compat): inside a tokio runtime they
//!   use it, elsewhere one shared background tokio runtime (one thread, not one
//!   per watch) drives the connections. The client then just works when awaited
//!   with no tokio runtime in scope.
//! - none: give a sleeper with [`ClientBuilder::sleeper`]; without one,
//!   `build()` fails with a message naming the features to enable.
//!
//! Many watches on one client share one connection pool; no thread per watch.
//! Futures and streams are `Send`.
//!
//! # Features
//! - `rustls` (default): TLS through rustls with the ring provider and the
//!   webpki roots, as the blocking client does; no cmake, no system library.
//!   The provider is in the client's own configuration: your program needs
//!   no process-wide rustls provider, and none is chosen for it.
//! - `native-tls`: the platform's TLS library instead (it wins when both TLS
//!   features are on).
//! - `reqwest`: `ClientBuilder::http_client`, to send through a
//!   `reqwest::Client` of your own (its pool, proxy and TLS). Without it,
//!   reqwest is not compiled: the client's own connections are hyper's, the
//!   stack reqwest builds on. Proxies: an `http://` proxy from `HTTPS_PROXY` /
//!   `ALL_PROXY` (`NO_PROXY` respected), tunnelled with `CONNECT`; for other
//!   proxies, pass a reqwest client of your own.
//! - `oauth` (default): `ClientCredentials`, tokens from a client id and
//!   secret. Without it, a program that passes a token or a provider of its
//!   own compiles no OAuth code (nor `secrecy` and `form_urlencoded`).
//! - `webhook`: `webhook::router`, an axum `Router` answering the Webhooks
//!   API's `jobCompleted` deliveries and handing each fresh one to a callback.
//! - `tracing`: `tracing` events for each request, wait and retry, in a
//!   `watch` span naming the job.
//! - `metrics`: counters, gauges and histograms of each client through the
//!   `metrics` facade (names and labels in the README).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bound;
mod builder;
#[cfg(feature = "reqwest")]
mod callers_client;
mod client;
#[cfg(feature = "oauth")]
mod client_credentials;
mod compat;
mod events;
mod failure;
mod own_client;
mod proxy;
mod sleeper;
mod slots;
mod tls_connector;
mod token;
mod transport;
mod wake;
mod watches;
mod watching;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use builder::ClientBuilder;
pub use client::Client;
#[cfg(feature = "oauth")]
pub use client_credentials::ClientCredentials;
pub use events::{EventStream, ProgressStream};
pub use progress_model::{
    AccessToken, ApiError, ApiVersion, Environment, Error, ErrorKind, Event, EventKind, Insertion,
    JobId, JobState, Progress, Retry, Roots, Service, StateError, StaticToken, TokenError,
    TokenProvider, WatchOptions, WatchState,
};
#[cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
pub use sleeper::RuntimeSleeper;
pub use sleeper::{AsyncSleeper, BoxFuture};
pub use token::AsyncTokenProvider;
pub use watches::Watches;
