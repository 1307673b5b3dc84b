//! A delivery's body: which job, which event, which message.

use serde_json::Value;

use super::Enqueued;
use super::event_type::service_of;
use crate::{JobId, Service};

/// One delivery of an event, as the platform posts it:
///
/// ```json
/// {"content": {"jobId": "..."}, "eventType": "realityModeling.jobCompleted.v2",
///  "enqueuedDateTime": "11/3/2023 8:07:01 PM", "iTwinId": "...",
///  "messageId": "...", "webhookId": "..."}
/// ```
///
/// It says that a job ended, not how: the job's progress says that.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// `content.jobId`.
    pub job_id: JobId,
    /// `eventType`, as sent.
    pub event_type: String,
    /// The service of `eventType`, `None` for an event other than a reality
    /// job's completion.
    pub service: Option<Service>,
    /// `messageId`: the same for every resend of one delivery.
    pub message_id: String,
    /// `enqueuedDateTime`, read leniently.
    pub enqueued: Enqueued,
    /// `iTwinId`, if sent as a string.
    pub itwin_id: Option<String>,
    /// `webhookId`, if sent as a string.
    pub webhook_id: Option<String>,
}

/// Why a (correctly signed) body is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not a JSON object.
    #[error("the delivery is not a JSON object")]
    NotAnObject,
    /// A field every event has is missing, not a string, or empty (or, for
    /// `content.jobId`, not a job id).
    #[error("the delivery has no usable `{0}`")]
    Missing(&'static str),
}

impl Envelope {
    /// Reads a delivery's body. Only `content.jobId`, `eventType` and
    /// `messageId` are required (non-empty strings); the rest never fails:
    /// other fields are ignored, and `enqueuedDateTime`, `iTwinId` and
    /// `webhookId` are kept when they are strings.
    ///
    /// Call it only on a body whose signature was verified.
    pub fn parse(body: &[u8]) -> Result<Self, EnvelopeError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| EnvelopeError::NotAnObject)?;
        let Value::Object(fields) = value else {
            return Err(EnvelopeError::NotAnObject);
        };
        let text = |name: &str| fields.get(name).and_then(Value::as_str);
        let required = |name: &'static str, found: Option<&str>| {
            found
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
                .ok_or(EnvelopeError::Missing(name))
        };
        let job_id = fields
            .get("content")
            .and_then(|content| content.get("jobId"))
            .and_then(Value::as_str);
        let job_id = required("content.jobId", job_id)?;
        let job_id = JobId::new(job_id).map_err(|_| EnvelopeError::Missing("content.jobId"))?;
        let event_type = required("eventType", text("eventType"))?;
        let message_id = required("messageId", text("messageId"))?;
        Ok(Self {
            job_id,
            service: service_of(&event_type),
            event_type,
            message_id,
            enqueued: Enqueued::read(text("enqueuedDateTime")),
            itwin_id: text("iTwinId").map(str::to_owned),
            webhook_id: text("webhookId").map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    /// As in Bentley's documentation and samples.
    const BENTLEY: &str = r#"{
        "content": {"jobId": "8fb5d2f4-8ec7-4e4a-8a7c-2d9b5b0b5a11"},
        "enqueuedDateTime": "11/3/2023 8:07:01 PM",
        "eventType": "realityModeling.jobCompleted.v2",
        "iTwinId": "a4d8e1c9-41d8-4f30-9d3c-7d1c8f4e3b21",
        "messageId": "a5fc8b6f-8d47-4b3e-9b2a-3f0e1c2d4b5a",
        "webhookId": "c4b1f2e3-0d9a-4c8b-8e7f-6a5b4c3d2e1f"
    }"#;

    #[test]
    fn reads_a_bentley_delivery() {
        let envelope = Envelope::parse(BENTLEY.as_bytes()).unwrap();
        assert_eq!(
            envelope.job_id.as_str(),
            "8fb5d2f4-8ec7-4e4a-8a7c-2d9b5b0b5a11"
        );
        assert_eq!(envelope.service, Some(Service::RealityModeling));
        assert_eq!(envelope.message_id, "a5fc8b6f-8d47-4b3e-9b2a-3f0e1c2d4b5a");
        assert_eq!(
            envelope.itwin_id.as_deref(),
            Some("a4d8e1c9-41d8-4f30-9d3c-7d1c8f4e3b21")
        );
        assert_eq!(
            envelope.webhook_id.as_deref(),
            Some("c4b1f2e3-0d9a-4c8b-8e7f-6a5b4c3d2e1f")
        );
        assert_eq!(envelope.enqueued.raw, "11/3/2023 8:07:01 PM");
        assert_eq!(
            envelope.enqueued.at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_699_042_021))
        );
    }

    #[test]
    fn lenient_about_what_it_does_not_need() {
        let cases = [
            (
                r#"{"content":{"jobId":"j"},"eventType":"e","messageId":"m"}"#,
                None,
                None,
            ),
            (
                r#"{"content":{"jobId":"j","extra":1},"eventType":"e","messageId":"m","enqueuedDateTime":17,"iTwinId":null,"webhookId":["w"],"new":{}}"#,
                None,
                None,
            ),
            (
                r#"{"content":{"jobId":"j"},"eventType":"e","messageId":"m","enqueuedDateTime":"soon","iTwinId":"i"}"#,
                Some("i"),
                None,
            ),
        ];
        for (body, itwin_id, at) in cases {
            let envelope = Envelope::parse(body.as_bytes()).unwrap();
            assert_eq!(envelope.job_id.as_str(), "j", "{body}");
            assert_eq!(envelope.service, None, "{body}");
            assert_eq!(envelope.itwin_id.as_deref(), itwin_id, "{body}");
            assert_eq!(envelope.enqueued.at, at, "{body}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_event() {
        use EnvelopeError::*;
        let cases = [
            ("", NotAnObject),
            ("[]", NotAnObject),
            ("\"text\"", NotAnObject),
            ("{", NotAnObject),
            ("{}", Missing("content.jobId")),
            (
                r#"{"content":"j","eventType":"e","messageId":"m"}"#,
                Missing("content.jobId"),
            ),
            (
                r#"{"content":{"jobId":""},"eventType":"e","messageId":"m"}"#,
                Missing("content.jobId"),
            ),
            (
                r#"{"content":{"jobId":".."},"eventType":"e","messageId":"m"}"#,
                Missing("content.jobId"),
            ),
            (
                r#"{"content":{"jobId":7},"eventType":"e","messageId":"m"}"#,
                Missing("content.jobId"),
            ),
            (
                r#"{"content":{"jobId":"j"},"messageId":"m"}"#,
                Missing("eventType"),
            ),
            (
                r#"{"content":{"jobId":"j"},"eventType":"e","messageId":""}"#,
                Missing("messageId"),
            ),
            (
                r#"{"content":{"jobId":"j"},"eventType":"e"}"#,
                Missing("messageId"),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(Envelope::parse(body.as_bytes()), Err(expected), "{body}");
        }
    }
}
