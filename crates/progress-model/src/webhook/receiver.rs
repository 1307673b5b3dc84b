//! What to answer a delivery, and which job it wakes: the part of a webhook
//! endpoint that any HTTP server can call.

use http::{HeaderMap, Method, StatusCode, header::CONTENT_LENGTH};

use super::{Envelope, EnvelopeError, RecentMessages, Secrets};
use crate::{JobId, Service};

/// The largest delivery body read: a real one is a few hundred bytes.
pub const BODY_CAP: usize = 64 * 1024;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "signature";

/// A webhook endpoint without the I/O: give it each request, send back the
/// status it answers, and wake the job it names.
///
/// Order of the checks, each before the next is looked at: the method (405),
/// the size (413, before any byte past [`BODY_CAP`] is hashed), the
/// signature over the raw body (401), the envelope (400), the `messageId`
/// (a repeat is answered 200 and wakes nothing).
#[derive(Debug, Clone)]
pub struct Receiver {
    secrets: Secrets,
    recent: RecentMessages,
}

/// The answer to one request, and what it means for the watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    status: StatusCode,
    outcome: Outcome,
}

/// What a request turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A fresh, valid delivery of a reality job's completion: poll this job
    /// now. It does not say how the job ended.
    Wake {
        /// The service whose progress endpoint knows the job.
        service: Service,
        /// The job.
        job_id: JobId,
    },
    /// A valid delivery already seen (the platform sends at least once).
    Duplicate,
    /// A valid delivery of an event other than a reality job's completion.
    OtherEvent,
    /// Not a delivery to act on.
    Refused(Refusal),
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Not a POST (405).
    MethodNotAllowed,
    /// Larger than [`BODY_CAP`] (413).
    TooLarge,
    /// No `Signature` header, more than one, or one that no secret verifies (401).
    BadSignature,
    /// Signed, but not an event (400).
    NotAnEvent(EnvelopeError),
}

impl Receiver {
    /// A receiver of deliveries signed with one of `secrets`, remembering
    /// the last [`DEFAULT_RECENT_MESSAGES`](super::DEFAULT_RECENT_MESSAGES)
    /// message ids.
    pub fn new(secrets: Secrets) -> Self {
        Self {
            secrets,
            recent: RecentMessages::default(),
        }
    }

    /// Remembers the last `capacity` message ids instead.
    pub fn with_recent_messages(mut self, capacity: usize) -> Self {
        self.recent = RecentMessages::new(capacity);
        self
    }

    /// What can be answered before the body is read: a method other than
    /// POST, or a `Content-Length` past [`BODY_CAP`]. A server calls this
    /// first, then reads at most `BODY_CAP + 1` bytes and calls
    /// [`handle`](Self::handle).
    pub fn precheck(&self, method: &Method, headers: &HeaderMap) -> Option<Answer> {
        if method != Method::POST {
            return Some(Answer::refused(Refusal::MethodNotAllowed));
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > BODY_CAP as u64) {
            return Some(Answer::refused(Refusal::TooLarge));
        }
        None
    }

    /// Answers one request. `body` is the raw body as received (a body cut at
    /// `BODY_CAP + 1` bytes is enough to be refused as too large).
    pub fn handle(&mut self, method: &Method, headers: &HeaderMap, body: &[u8]) -> Answer {
        if let Some(answer) = self.precheck(method, headers) {
            return answer;
        }
        if body.len() > BODY_CAP {
            return Answer::refused(Refusal::TooLarge);
        }
        let mut signatures = headers.get_all(SIGNATURE_HEADER).iter();
        let signature = match (signatures.next(), signatures.next()) {
            (Some(only), None) => Some(only.as_bytes()),
            _ => None,
        };
        if !self.secrets.verify(signature, body) {
            return Answer::refused(Refusal::BadSignature);
        }
        let envelope = match Envelope::parse(body) {
            Ok(envelope) => envelope,
            Err(error) => return Answer::refused(Refusal::NotAnEvent(error)),
        };
        let outcome = if !self.recent.insert(&envelope.message_id) {
            Outcome::Duplicate
        } else {
            match envelope.service {
                Some(service) => Outcome::Wake {
                    service,
                    job_id: envelope.job_id,
                },
                None => Outcome::OtherEvent,
            }
        };
        Answer {
            status: StatusCode::OK,
            outcome,
        }
    }
}

impl Answer {
    fn refused(refusal: Refusal) -> Self {
        let status = match refusal {
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BadSignature => StatusCode::UNAUTHORIZED,
            Refusal::NotAnEvent(_) => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            outcome: Outcome::Refused(refusal),
        }
    }

    /// The status to answer with (no body is needed). A 405 should carry
    /// `Allow: POST`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What the request was.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The job to poll now, for a fresh delivery of a job's completion.
    pub fn wake(&self) -> Option<(&Service, &JobId)> {
        match &self.outcome {
            Outcome::Wake { service, job_id } => Some((service, job_id)),
            _ => None,
        }
    }

    /// [`wake`](Self::wake), by value.
    pub fn into_wake(self) -> Option<(Service, JobId)> {
        match self.outcome {
            Outcome::Wake { service, job_id } => Some((service, job_id)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::webhook::{WebhookSecret, signature_for};

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const OLD_KEY: &str = "fedcba9876543210fedcba9876543210";

    fn secret(key: &str) -> WebhookSecret {
        WebhookSecret::new(key).unwrap()
    }

    fn receiver() -> Receiver {
        Receiver::new(Secrets::new(secret(KEY)).with_previous(secret(OLD_KEY)))
    }

    fn event(event_type: &str, job_id: &str, message_id: &str) -> String {
        format!(
            r#"{{"content":{{"jobId":"{job_id}"}},"enqueuedDateTime":"11/3/2023 8:07:01 PM","eventType":"{event_type}","iTwinId":"t","messageId":"{message_id}","webhookId":"w"}}"#
        )
    }

    fn signed(key: &str, body: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = signature_for(&secret(key), body.as_bytes());
        headers.insert("Signature", HeaderValue::from_str(&value).unwrap());
        headers
    }

    fn post(receiver: &mut Receiver, headers: &HeaderMap, body: &str) -> Answer {
        receiver.handle(&Method::POST, headers, body.as_bytes())
    }

    #[test]
    fn answers_table() {
        let modeling = event("realityModeling.jobCompleted.v2", "job-1", "m1");
        let legacy = event("realityAnalysis.jobCompleted.v1", "job-2", "m2");
        let other = event("iModels.changesetsPushed.v1", "job-3", "m3");
        let not_event = r#"{"hello":"world"}"#;
        let huge = format!("{}{}", " ".repeat(BODY_CAP), modeling);
        let wake = |service: Service, job: &str| Outcome::Wake {
            service,
            job_id: JobId::new(job).unwrap(),
        };
        let mut unsigned = HeaderMap::new();
        unsigned.insert("signature", HeaderValue::from_static("sha256="));
        let mut twice = signed(KEY, &modeling);
        twice.append("signature", twice["signature"].clone());
        let cases: Vec<(&str, Method, HeaderMap, &str, u16, Outcome)> = vec![
            (
                "v2 completion",
                Method::POST,
                signed(KEY, &modeling),
                &modeling,
                200,
                wake(Service::RealityModeling, "job-1"),
            ),
            (
                "v1 completion, previous secret",
                Method::POST,
                signed(OLD_KEY, &legacy),
                &legacy,
                200,
                wake(Service::LegacyRealityDataAnalysis, "job-2"),
            ),
            (
                "other event",
                Method::POST,
                signed(KEY, &other),
                &other,
                200,
                Outcome::OtherEvent,
            ),
            (
                "signed, not an event",
                Method::POST,
                signed(KEY, not_event),
                not_event,
                400,
                Outcome::Refused(Refusal::NotAnEvent(EnvelopeError::Missing("content.jobId"))),
            ),
            (
                "no signature",
                Method::POST,
                HeaderMap::new(),
                &modeling,
                401,
                Outcome::Refused(Refusal::BadSignature),
            ),
            (
                "empty signature",
                Method::POST,
                unsigned,
                &modeling,
                401,
                Outcome::Refused(Refusal::BadSignature),
            ),
            (
                "two signatures",
                Method::POST,
                twice,
                &modeling,
                401,
                Outcome::Refused(Refusal::BadSignature),
            ),
            (
                "wrong secret",
                Method::POST,
                signed(&"x".repeat(32), &modeling),
                &modeling,
                401,
                Outcome::Refused(Refusal::BadSignature),
            ),
            (
                "unsigned garbage",
                Method::POST,
                HeaderMap::new(),
                "{",
                401,
                Outcome::Refused(Refusal::BadSignature),
            ),
            (
                "signed but too large",
                Method::POST,
                signed(KEY, &huge),
                &huge,
                413,
                Outcome::Refused(Refusal::TooLarge),
            ),
            (
                "GET",
                Method::GET,
                signed(KEY, &modeling),
                &modeling,
                405,
                Outcome::Refused(Refusal::MethodNotAllowed),
            ),
            (
                "PUT",
                Method::PUT,
                signed(KEY, &modeling),
                &modeling,
                405,
                Outcome::Refused(Refusal::MethodNotAllowed),
            ),
        ];
        for (name, method, headers, body, status, outcome) in cases {
            let answer = receiver().handle(&method, &headers, body.as_bytes());
            assert_eq!(answer.status().as_u16(), status, "{name}");
            assert_eq!(answer.outcome(), &outcome, "{name}");
        }
    }

    #[test]
    fn a_resend_is_answered_but_wakes_nothing() {
        let mut receiver = receiver();
        let body = event("realityConversion.jobCompleted.v2", "job-9", "m9");
        let first = post(&mut receiver, &signed(KEY, &body), &body);
        assert_eq!(
            first.wake().map(|(s, j)| (s.path(), j.as_str())),
            Some(("reality-conversion", "job-9"))
        );
        let again = post(&mut receiver, &signed(KEY, &body), &body);
        assert_eq!(
            (again.status(), again.outcome()),
            (StatusCode::OK, &Outcome::Duplicate)
        );
        let other_message = event("realityConversion.jobCompleted.v2", "job-9", "m10");
        let third = post(&mut receiver, &signed(KEY, &other_message), &other_message);
        assert!(
            third.wake().is_some(),
            "a new message about the same job wakes again"
        );
    }

    #[test]
    fn a_refused_request_is_not_remembered() {
        let mut receiver = receiver();
        let body = event("realityModeling.jobCompleted.v2", "job-1", "m1");
        let forged = post(&mut receiver, &signed(&"y".repeat(32), &body), &body);
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let real = post(&mut receiver, &signed(KEY, &body), &body);
        assert!(
            real.wake().is_some(),
            "a forgery cannot burn the real message's id"
        );
    }

    #[test]
    fn precheck_refuses_a_declared_size_past_the_cap_before_the_body() {
        let receiver = receiver();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from(BODY_CAP as u64 + 1));
        let answer = receiver.precheck(&Method::POST, &headers).unwrap();
        assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
        headers.insert(CONTENT_LENGTH, HeaderValue::from(BODY_CAP as u64));
        assert_eq!(receiver.precheck(&Method::POST, &headers), None);
        assert_eq!(
            receiver
                .precheck(&Method::DELETE, &headers)
                .map(|a| a.status()),
            Some(StatusCode::METHOD_NOT_ALLOWED)
        );
    }

    #[test]
    fn a_body_of_exactly_the_cap_is_read() {
        let mut receiver = receiver();
        let event = event("realityModeling.jobCompleted.v2", "job-1", "m1");
        let body = format!("{event}{}", " ".repeat(BODY_CAP - event.len()));
        assert_eq!(body.len(), BODY_CAP);
        assert!(
            post(&mut receiver, &signed(KEY, &body), &body)
                .wake()
                .is_some()
        );
    }
}
