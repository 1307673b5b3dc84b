//! iTwin Webhooks v2 deliveries: `jobCompleted` pushed to a receiver of ours
//! (with the `webhook` feature, on by default).
//!
//! A delivery is a POST whose `Signature: sha256=<hex>` header is the
//! HMAC-SHA256 of the raw body keyed by the webhook's secret. [`Receiver`]
//! checks it before anything is parsed, reads the [`Envelope`], forgets no
//! `messageId` of the last few thousand, and answers with the status the
//! platform expects: 2xx for every valid delivery (a repeat or an unknown
//! job included, or the platform sends it again), 401, 400, 413 or 405
//! otherwise. A delivery says that a job ended, not how: the one it wakes
//! is to be polled.
//!
//! [`api`] creates, lists, activates and deletes webhooks (the Webhooks
//! API v2), without the I/O.
//!
//! ```
//! use http::{HeaderMap, HeaderValue, Method};
//! use progress_model::webhook::{Receiver, Secrets, WebhookSecret, signature_for};
//!
//! let secret = WebhookSecret::new("0123456789abcdef0123456789abcdef")?;
//! let body = br#"{"content":{"jobId":"j-1"},"eventType":"realityModeling.jobCompleted.v2",
//!     "enqueuedDateTime":"11/3/2023 8:07:01 PM","iTwinId":"t","messageId":"m-1","webhookId":"w"}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("signature", HeaderValue::from_str(&signature_for(&secret, body)).unwrap());
//!
//! let mut receiver = Receiver::new(Secrets::new(secret));
//! let answer = receiver.handle(&Method::POST, &headers, body);
//! assert_eq!(answer.status(), 200);
//! let (service, job_id) = answer.wake().expect("a fresh completion");
//! assert_eq!((service.path(), job_id.as_str()), ("reality-modeling", "j-1"));
//!
//! // The same message again: answered, wakes nothing.
//! assert_eq!(receiver.handle(&Method::POST, &headers, body).wake(), None);
//! # Ok::<(), progress_model::webhook::SecretError>(())
//! ```

pub mod api;
mod enqueued;
mod envelope;
mod event_type;
mod receiver;
mod recent;
mod secret;
mod signature;

pub use enqueued::Enqueued;
pub use envelope::{Envelope, EnvelopeError};
pub use event_type::{JOB_COMPLETED_EVENTS, service_of};
pub use receiver::{Answer, BODY_CAP, Outcome, Receiver, Refusal, SIGNATURE_HEADER};
pub use recent::{DEFAULT_RECENT_MESSAGES, RecentMessages};
pub use secret::{MIN_SECRET_CHARS, SecretError, WebhookSecret};
pub use signature::{Secrets, signature_for};
