//! Know where an iTwin Platform job stands, and when it ends.
//!
//! Reality-modeling, conversion and analysis jobs run for minutes to days. This
//! crate asks the "Get job progress" operation
//! (`GET /{service}/jobs/{id}/progress`) once, or watches a job to its end:
//! polling on the documented 15/30/60/120 s ladder that restarts whenever the
//! percentage moves, honouring `Retry-After`, retrying transient failures,
//! refreshing the token once after a 401, and never sleeping past a deadline.
//!
//! The async client is at the root (as in reqwest), the blocking one in
//! `blocking`. Both drive the same sans-IO core, so they behave alike. Both
//! are in the default features, so these pages (`cargo doc -p
//! itwin-job-progress`, as docs.rs) show both; a program that uses one keeps
//! only its own with `default-features = false` (see the README).
//!
//! # Async (tokio)
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use itwin_job_progress::{Client, JobState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), itwin_job_progress::Error> {
//! let client = Client::builder()
//!     .service("reality-modeling")
//!     .token(std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//! let mut watch = client.watch("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2");
//! while let Some(progress) = watch.next().await {
//!     println!("{}", progress?);
//! }
//! let outcome = client.wait("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2").await?;
//! assert!(outcome.is_terminal());
//! # let _ = JobState::Success;
//! # Ok(())
//! # }
//! ```
//!
//! # Blocking
//!
//! With the `blocking` feature:
//!
//! ```no_run
//! # #[cfg(feature = "blocking")]
//! # fn main() -> Result<(), itwin_job_progress::Error> {
//! use itwin_job_progress::blocking::Client;
//!
//! let client = Client::builder()
//!     .token(std::env::var("ITWIN_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//! let progress = client.progress("c2a4e4ad-3fbb-4c1a-a5a6-6f0ec4a7f0e2")?;
//! println!("{progress}");
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "blocking"))]
//! # fn main() {}
//! ```
//!
//! # Tokens from your own code
//!
//! `token_provider` takes a closure called before each request. It returns
//! `Result<T, E>`: `T` a `String`, `&str` or [`AccessToken`]; `E` any
//! `std::error::Error + Send + Sync + 'static`, a `String` or a `&str` (the
//! bound is `E: Into<`[`TokenError`]`>`). A closure that only returns `Ok`
//! names its error type, as below; see [`TokenProvider`] for one that
//! refreshes after a 401.
//!
//! ```no_run
//! # #[cfg(feature = "blocking")]
//! # fn main() -> Result<(), itwin_job_progress::Error> {
//! use itwin_job_progress::TokenError;
//! use itwin_job_progress::blocking::Client;
//!
//! // Read before each request: another process keeps the file fresh.
//! let client = Client::builder()
//!     .token_provider(|| std::fs::read_to_string("/run/secrets/itwin-token"))
//!     .build()?;
//! # let _ = client;
//!
//! let token = String::from("eyJ...");
//! let client = Client::builder()
//!     .token_provider(move || Ok::<_, TokenError>(token.clone()))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "blocking"))]
//! # fn main() {}
//! ```
//!
//! # Tokens that outlive a watch
//!
//! `ClientCredentials` (async at the root, blocking in `blocking`) gets tokens
//! from Bentley's identity service with a client id and secret (the OAuth2
//! client-credentials grant), caches them, renews each 5 minutes before it
//! expires or at once after a 401, and sends one request however many watches
//! need a token at the same moment. Its pieces without I/O are in [`oauth`].
//! It comes with the `oauth` feature (on by default).
//!
//! ```no_run
//! # #[cfg(all(feature = "async", feature = "oauth"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), itwin_job_progress::Error> {
//! use itwin_job_progress::{Client, ClientCredentials};
//!
//! let secret = std::env::var("ITWIN_CLIENT_SECRET").unwrap_or_default();
//! let tokens = ClientCredentials::builder("my-service-client", secret).build()?;
//! let client = Client::builder().async_token_provider(tokens).build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "async", feature = "oauth")))]
//! # fn main() {}
//! ```
//!
//! # Features
//! - `async` (default): the async client, on hyper.
//! - `runtime-tokio` (default), `runtime-smol`, `runtime-async-std`: the runtime
//!   the async client sleeps on. On smol and async-std, hyper is driven through
//!   async-compat, so no tokio runtime needs to be in scope. async-std is
//!   discontinued upstream (RUSTSEC-2025-0052): the feature stays, smol is
//!   the one to choose off tokio.
//! - `blocking`: the blocking client, on ureq, in `blocking` (with the `blocking` feature).
//! - `rustls` (default): TLS through rustls with the ring provider; no cmake and
//!   no system library. Both clients use the same provider.
//! - `native-tls`: the platform's TLS library instead.
//! - `reqwest`: `ClientBuilder::http_client`, to send through a
//!   `reqwest::Client` of your own; without it, reqwest is not compiled.
//! - `oauth` (default): `ClientCredentials` in both clients and the [`oauth`]
//!   module's grant. Leave it out (`default-features = false`) when you pass a
//!   token or a provider of your own: no OAuth code, nor `secrecy` and
//!   `form_urlencoded`, is then compiled.
//! - `webhook`: the `webhook` module, the Webhooks API's `jobCompleted` deliveries
//!   checked and answered (with `async`, an axum router too).
//! - `tracing`: `tracing` events for each request, wait and retry, in a
//!   `watch` span naming the job.
//! - `metrics`: counters, gauges and histograms of each client through the
//!   `metrics` facade (names and labels in the README).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use progress_model::{
    AccessToken, ApiError, ApiVersion, BaseUrl, Budget, Cause, Clock, DEFAULT_JITTER,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_SAFETY_NET, Environment, Error, ErrorKind, Event, EventKind,
    HttpFailure, Insertion, JobId, JobState, MAX_RETRY_AFTER, ManualClock, Observation, Progress,
    Retry, Roots, Service, StateError, StaticToken, SystemClock, Tier, TokenError, TokenProvider,
    WatchOptions, WatchState,
};

#[cfg(all(feature = "async", feature = "oauth"))]
pub use progress_reqwest::ClientCredentials;
#[cfg(feature = "async")]
pub use progress_reqwest::{
    AsyncSleeper, AsyncTokenProvider, BoxFuture, Client, ClientBuilder, EventStream,
    ProgressStream, Watches,
};

// Documented where it is defined: a doc comment here would be shown twice.
#[cfg(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
pub use progress_reqwest::RuntimeSleeper;

/// The blocking client, on ureq.
#[cfg(feature = "blocking")]
pub mod blocking {
    #[cfg(feature = "oauth")]
    pub use progress_ureq::ClientCredentials;
    pub use progress_ureq::{
        CancelHandle, Client, ClientBuilder, EventWatch, ManyWatch, ProgressWatch, Sleeper,
        ThreadSleeper, Watches,
    };
}

/// The OAuth2 client-credentials grant behind both clients' `ClientCredentials`:
/// its builder, errors, token URLs, and the pieces to drive it yourself. All
/// but `OAuthError` (which an [`Error`] can carry) need the `oauth` feature.
pub mod oauth {
    pub use progress_model::oauth::*;
}

/// iTwin Webhooks v2 `jobCompleted` deliveries (the `webhook` feature): the
/// sans-IO [`Receiver`](webhook::Receiver) any server can call, and with
/// `async` a ready axum [`router`](webhook::router) and `Client::webhooks`,
/// the Webhooks API v2 that creates and activates the webhooks.
#[cfg(feature = "webhook")]
pub mod webhook {
    pub use progress_model::webhook::api::{NewWebhook, Scope, Webhook, WebhooksError};
    pub use progress_model::webhook::*;
    #[cfg(feature = "async")]
    pub use progress_reqwest::webhook::{Webhooks, router};
}

// Documented where it is defined: a doc comment here would be shown twice.
#[cfg(feature = "metrics")]
pub use progress_model::metrics;

/// The sans-IO core, for building a client of your own.
pub mod core {
    pub use progress_model::{
        ClientLimits, ClientState, Event, EventKind, Fetch, HttpResponse, LiveSet, PollPolicy,
        Settings, Step, Watch, interpret,
    };
}

/// The README's examples, compiled as doctests (`cargo xtask ci` runs them with
/// every feature on).
#[cfg(all(
    doctest,
    feature = "blocking",
    feature = "runtime-tokio",
    feature = "oauth"
))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The resume page's example, compiled as a doctest.
#[cfg(all(doctest, feature = "runtime-tokio"))]
#[doc = include_str!("../../../docs/resume.md")]
pub struct ResumeDoctests;

/// The networks page's example (proxies and company roots), compiled as a doctest.
#[cfg(all(doctest, feature = "blocking"))]
#[doc = include_str!("../../../docs/networks.md")]
pub struct NetworksDoctests;
