//! A simulated iTwin "Get job progress" service on loopback, for demos,
//! benchmarks and tests of clients.
//!
//! A [`Simulator`] is a real HTTP/1.1 server on `127.0.0.1` that answers
//! `GET /{service}/jobs/{id}/progress` the way the service does: a 200 body
//! `{"progress":{"percentage":56,"state":"active","step":"Prepare_Production"}}`
//! (or `jobProgress`), error bodies `{"error":{"code":"...","message":"..."}}`,
//! `Retry-After` on 429, and an `x-correlation-id` header on every answer.
//! What it answers comes from a [`Scenario`]: each job's timeline, how fast
//! simulated time runs, a rate limit and seeded faults.
//!
//! ```
//! use progress_sim::{ManualSimClock, Scenario, Simulator};
//!
//! let scenario = Scenario::from_json(r#"{
//!     "jobs": { "job-1": { "points": [
//!         { "at_seconds": 0,  "state": "active", "percentage": 0, "step": "Prepare_Production" },
//!         { "at_seconds": 60, "state": "success", "percentage": 100 }
//!     ] } }
//! }"#)?;
//! let clock = ManualSimClock::new();
//! let sim = Simulator::builder(scenario).clock(clock.clone()).start_blocking()?;
//! let url = format!("{}/reality-modeling/jobs/job-1/progress", sim.base_url());
//! assert!(url.starts_with("http://127.0.0.1:"));
//! clock.advance(60.0); // the job is done from now on
//! // ... point the client under test at `url` ...
//! assert_eq!(sim.requests_for("job-1"), 0);
//! # Ok::<(), progress_sim::SimError>(())
//! ```
//!
//! # What it answers, in order
//!
//! 1. Faults (if the scenario has any) are drawn for every request, before
//!    anything else: a delay, then a 5xx, a dropped connection, or (for what
//!    would be a 200) a truncated body.
//! 2. A path that is not `/{service}/jobs/{id}/progress`: 404 `ResourceNotFound`.
//!    The service may be several segments, or none; the id is percent-decoded.
//! 3. A method other than GET: 405 `MethodNotAllowed`.
//! 4. No `Authorization` header: 401 `HeaderNotFound`. Not `Bearer <token>`, or
//!    a token outside `accepted_tokens`: 401 `InvalidToken`.
//! 5. An unknown job, or a job asked for under another service than its own:
//!    404 `ProgressNotFound`, "Requested progress is not available.".
//! 6. The job's n-th request, n in `rate_limited_requests`: 429
//!    `TooManyRequests` with `Retry-After: 1`.
//! 7. The token polls the job faster than `rate_limit` allows: 429
//!    `TooManyRequests` with `Retry-After: retry_after_seconds`.
//! 8. Otherwise 200 with the timeline's point in force at the current simulated time.
//!
//! # Scenario JSON
//!
//! ```json
//! {
//!   "time_scale": 720,
//!   "accepted_tokens": ["token-a"],
//!   "rate_limit": { "min_interval_seconds": 1.0, "retry_after_seconds": 2 },
//!   "faults": {
//!     "seed": 42, "server_error_rate": 0.05, "drop_rate": 0.02, "malformed_rate": 0.02,
//!     "slow_rate": 0.1, "slow_ms": 800
//!   },
//!   "jobs": {
//!     "job-1": {
//!       "service": "reality-modeling",
//!       "wrapper": "progress",
//!       "rate_limited_requests": [3],
//!       "points": [
//!         { "at_seconds": 0,    "state": "Queued" },
//!         { "at_seconds": 600,  "state": "Active", "percentage": 40, "step": "Reconstruction" },
//!         { "at_seconds": 7200, "state": "Success", "percentage": 100 }
//!       ]
//!     }
//!   }
//! }
//! ```
//!
//! | field | meaning | default |
//! |---|---|---|
//! | `time_scale` | simulated seconds per real second (720: two hours in ten seconds); positive | 1 |
//! | `jobs` | job id → [`JobTimeline`] | required |
//! | `jobs.*.service` | the only service path the job is found under (slashes around it ignored) | any |
//! | `jobs.*.wrapper` | `"progress"` or `"jobProgress"` ([`Wrapper`]) | `"progress"` |
//! | `jobs.*.rate_limited_requests` | which requests to the job (1-based, counting every request to its path) get a 429 | none |
//! | `jobs.*.points` | [`TimelinePoint`]s in non-decreasing `at_seconds` order; at least one | required |
//! | `points.*.at_seconds` | simulated seconds **since the server started** from which the point holds; before the first point, the first point holds | required |
//! | `points.*.state` | sent exactly as written, any case, any word | required |
//! | `points.*.percentage`, `points.*.step` | sent when present (whole percentages as integers) | absent |
//! | `accepted_tokens` | bearer tokens accepted; others get 401 | any non-empty token |
//! | `rate_limit` | [`RateLimit`], per token per job, in **real** seconds | no limit |
//! | `faults` | [`Faults`], drawn from a seeded SplitMix64 | no faults |
//!
//! Unknown fields are rejected, so a misspelt field is an error rather than
//! silently ignored.
//!
//! # Time
//!
//! Timelines run on simulated time, read from a [`SimClock`]: by default a
//! real clock started when the server binds and scaled by `time_scale`; in
//! tests a [`ManualSimClock`] that only moves when told to. The rate limit
//! counts real seconds, which a manual clock derives as simulated seconds
//! divided by `time_scale`. Slow faults delay by real milliseconds in both cases.
//!
//! # Runtimes
//!
//! [`Simulator::start`] runs on the caller's Tokio runtime;
//! [`Simulator::start_blocking`] runs its own in a background thread, for
//! blocking code or tests with no runtime. The simulator stops on drop.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod clock;
mod error;
mod faults;
mod handler;
mod rate_limit;
mod responses;
mod route;
mod scenario;
mod server;
mod simulator;
mod state;
mod timeline;

pub use clock::{ManualSimClock, SimClock};
pub use error::SimError;
pub use faults::Faults;
pub use rate_limit::RateLimit;
pub use scenario::Scenario;
pub use simulator::{Simulator, SimulatorBuilder};
pub use timeline::{JobTimeline, TimelinePoint, Wrapper};
