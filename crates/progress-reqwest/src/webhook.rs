//! A ready webhook endpoint for async services (the `webhook` feature): an
//! [axum](https://docs.rs/axum) [`Router`] that answers the platform's
//! `jobCompleted` deliveries and hands each fresh completion to a callback.
//!
//! Every decision is [`progress_model::webhook::Receiver`]'s: the method
//! (405), the size (413, and no more than [`BODY_CAP`] + 1 bytes are read),
//! the signature over the raw body (401), the envelope (400), repeats (200,
//! no callback). The callback runs on the request's task before the answer
//! goes out, so keep it short: send the job on a channel, or tell the client
//! watching it to poll now. A delivery says that a job ended, not how.
//!
//! ```no_run
//! # use progress_reqwest as itwin_job_progress; // the facade's paths
//! use itwin_job_progress::webhook::{router, Receiver, Secrets, WebhookSecret};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = WebhookSecret::new(std::fs::read_to_string("webhook-secret")?)?;
//! let (woken, mut jobs) = tokio::sync::mpsc::unbounded_channel();
//! let app = router(Receiver::new(Secrets::new(secret)), move |service, job_id| {
//!     let _ = woken.send((service, job_id));
//! });
//! // Serve `app` on the callback URL's address (`axum::serve` with axum's
//! // `tokio` and `http1` features, or hyper), then:
//! while let Some((service, job_id)) = jobs.recv().await {
//!     println!("{job_id} on {} ended: ask its progress", service.path());
//! }
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! The facade's `examples/webhook_receiver.rs` is the same, complete and runnable.
//!
//! [`Client::webhooks`](crate::Client::webhooks) creates, lists, activates and
//! deletes webhooks ([`Webhooks`]).

mod api;

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use http::header::{ALLOW, HeaderValue};
use http_body_util::{BodyExt, LengthLimitError, Limited};

pub use progress_model::webhook::{
    Answer, BODY_CAP, Envelope, Outcome, Receiver, Refusal, SecretError, Secrets, WebhookSecret,
};
use progress_model::{JobId, Service, metrics};

pub use api::Webhooks;
pub use progress_model::webhook::api::{NewWebhook, Scope, Webhook, WebhooksError};

/// A router that answers deliveries on every path and method, and calls
/// `on_wake(service, job_id)` once for each fresh delivery of a reality
/// job's completion.
///
/// Nest it under the callback URL's path, or serve it alone.
pub fn router<F>(receiver: Receiver, on_wake: F) -> Router
where
    F: Fn(Service, JobId) + Send + Sync + 'static,
{
    let endpoint = Arc::new(Endpoint {
        receiver: Mutex::new(receiver),
        on_wake,
    });
    Router::new().fallback(move |request: Request| {
        let endpoint = endpoint.clone();
        async move { endpoint.answer(request).await }
    })
}

struct Endpoint<F> {
    receiver: Mutex<Receiver>,
    on_wake: F,
}

impl<F> Endpoint<F>
where
    F: Fn(Service, JobId) + Send + Sync + 'static,
{
    async fn answer(&self, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        if let Some(answer) = self.receiver().precheck(&parts.method, &parts.headers) {
            metrics::webhook_delivery(None);
            return respond(answer.status());
        }
        // One byte past the cap is enough for the receiver to refuse it.
        let body = match Limited::new(body, BODY_CAP).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                metrics::webhook_delivery(None);
                return respond(StatusCode::PAYLOAD_TOO_LARGE);
            }
            // The connection broke mid-body: nothing was delivered.
            Err(_) => {
                metrics::webhook_delivery(None);
                return respond(StatusCode::BAD_REQUEST);
            }
        };
        let answer = self.receiver().handle(&parts.method, &parts.headers, &body);
        metrics::webhook_delivery(Some(answer.outcome()));
        let status = answer.status();
        if let Some((service, job_id)) = answer.into_wake() {
            (self.on_wake)(service, job_id);
        }
        respond(status)
    }

    fn receiver(&self) -> std::sync::MutexGuard<'_, Receiver> {
        // The receiver's window of message ids stays usable after a panic elsewhere.
        self.receiver.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn respond(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
    }
    response
}
