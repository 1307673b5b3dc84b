//! A webhook delivery as the receiver gets it: a `Signature` header and a
//! body, checked against a reading of the platform's rules written here on
//! its own. Never a panic; a valid signature over any body is accepted
//! exactly when the body is an event; anything else signed is refused.

use http::{HeaderMap, HeaderValue, Method};
use progress_model::webhook::{BODY_CAP, Receiver, Secrets, WebhookSecret, signature_for};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::Target;

const CURRENT: &str = "fuzz-current-secret-0123456789abcdef";
const PREVIOUS: &str = "fuzz-previous-secret-0123456789abcdef";
const STRANGER: &str = "fuzz-stranger-secret-0123456789abcdef";

/// Signature checking and envelope parsing.
#[derive(Debug)]
pub struct Webhook;

/// One delivery: the body (a generated envelope, then mutated) and how it is signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    body: Vec<u8>,
    flips: Vec<(u16, u8)>,
    /// Spaces appended, to reach the body cap now and then.
    padding: u32,
    signing: Signing,
}

/// How the delivery is signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Signing {
    /// The current secret, lowercase hex.
    Current,
    /// The current secret, uppercase hex and prefix.
    CurrentUppercase,
    /// The previous secret of a rotation.
    Previous,
    /// A secret the receiver does not know.
    Stranger,
    /// No header.
    Missing,
    /// The current secret, over the body before it was mutated.
    BeforeMutation,
    /// Any bytes.
    Raw(Vec<u8>),
}

impl Target for Webhook {
    const NAME: &'static str = "webhook";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        let flips = prop_oneof![
            3 => Just(Vec::new()),
            1 => proptest::collection::vec((any::<u16>(), 1u8..), 1..4),
        ];
        let padding = prop_oneof![
            400 => Just(0u32),
            1 => Just((BODY_CAP as u32) - 200),
            1 => (BODY_CAP as u32 - 400)..(BODY_CAP as u32 + 400),
        ];
        let signing = prop_oneof![
            4 => Just(Signing::Current),
            1 => Just(Signing::CurrentUppercase),
            1 => Just(Signing::Previous),
            1 => Just(Signing::Stranger),
            1 => Just(Signing::Missing),
            1 => Just(Signing::BeforeMutation),
            1 => proptest::collection::vec(any::<u8>(), 0..80).prop_map(Signing::Raw),
            1 => "(sha256|SHA256|sha1|)=?[0-9a-fA-Fg ]{0,70}".prop_map(|text| Signing::Raw(text.into_bytes())),
        ];
        let body = prop_oneof![
            8 => envelope().prop_map(|value| value.to_string().into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..200),
        ];
        (body, flips, padding, signing)
            .prop_map(|(body, flips, padding, signing)| Input {
                body,
                flips,
                padding,
                signing,
            })
            .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        let signed_body = padded(&input.body, input.padding);
        let mut body = signed_body.clone();
        for &(position, mask) in &input.flips {
            if !body.is_empty() {
                let index = usize::from(position) % body.len();
                body[index] ^= mask;
            }
        }
        let secret = |key: &str| WebhookSecret::new(key).map_err(|error| error.to_string());
        let header = match &input.signing {
            Signing::Current => Some(signature_for(&secret(CURRENT)?, &body).into_bytes()),
            Signing::CurrentUppercase => Some(
                signature_for(&secret(CURRENT)?, &body)
                    .to_ascii_uppercase()
                    .into_bytes(),
            ),
            Signing::Previous => Some(signature_for(&secret(PREVIOUS)?, &body).into_bytes()),
            Signing::Stranger => Some(signature_for(&secret(STRANGER)?, &body).into_bytes()),
            Signing::BeforeMutation => {
                Some(signature_for(&secret(CURRENT)?, &signed_body).into_bytes())
            }
            Signing::Missing => None,
            Signing::Raw(bytes) => Some(bytes.clone()),
        };
        let mut headers = HeaderMap::new();
        if let Some(header) = &header {
            let Ok(value) = HeaderValue::from_bytes(header) else {
                // Not a header HTTP can carry: no server hands it over.
                return Ok(());
            };
            headers.insert("signature", value);
        }
        let validly_signed = match &input.signing {
            Signing::Current | Signing::CurrentUppercase | Signing::Previous => true,
            Signing::BeforeMutation => body == signed_body,
            // Random bytes are a valid tag with a chance of 2^-256.
            Signing::Stranger | Signing::Missing | Signing::Raw(_) => false,
        };
        let expected = if body.len() > BODY_CAP {
            413
        } else if !validly_signed {
            401
        } else if is_event(&body) {
            200
        } else {
            400
        };
        let secrets = Secrets::new(secret(CURRENT)?).with_previous(secret(PREVIOUS)?);
        let mut receiver = Receiver::new(secrets);
        let answer = receiver.handle(&Method::POST, &headers, &body);
        let status = answer.status().as_u16();
        if status != expected {
            return Err(format!(
                "answered {status}, expected {expected} ({:?})",
                answer.outcome()
            ));
        }
        let should_wake = status == 200 && completes_a_job(&body);
        if answer.wake().is_some() != should_wake {
            return Err(format!(
                "status {status}: woke {:?}, expected a wake: {should_wake}",
                answer.wake()
            ));
        }
        let again = receiver.handle(&Method::POST, &headers, &body);
        if again.status().as_u16() != status {
            return Err(format!(
                "the same delivery again answered {}",
                again.status()
            ));
        }
        if again.wake().is_some() {
            return Err("the same message woke a job twice".into());
        }
        Ok(())
    }
}

fn padded(body: &[u8], padding: u32) -> Vec<u8> {
    let mut body = body.to_vec();
    body.resize(body.len() + padding as usize, b' ');
    body
}

/// An event as the platform describes it: a JSON object with a non-empty
/// `content.jobId` (one path segment's worth: not `.`, `..`, nor with
/// control characters) and non-empty `eventType` and `messageId` strings.
fn is_event(body: &[u8]) -> bool {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let non_empty = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .is_some_and(|text| !text.is_empty())
    };
    let job_id = fields
        .get("content")
        .and_then(|content| content.get("jobId"))
        .and_then(Value::as_str);
    let usable_job = job_id.is_some_and(|id| {
        !id.is_empty() && id != "." && id != ".." && !id.chars().any(char::is_control)
    });
    usable_job && non_empty(fields.get("eventType")) && non_empty(fields.get("messageId"))
}

/// Whether an event's type is one of the six reality `jobCompleted` types.
fn completes_a_job(body: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let Some(event_type) = value.get("eventType").and_then(Value::as_str) else {
        return false;
    };
    let lower = event_type.to_ascii_lowercase();
    ["realitymodeling", "realityconversion", "realityanalysis"]
        .iter()
        .any(|family| {
            lower == format!("{family}.jobcompleted.v1")
                || lower == format!("{family}.jobcompleted.v2")
        })
}

/// Envelopes near the real one: each field present or not, well typed or not.
fn envelope() -> impl Strategy<Value = Value> {
    let text = |choices: &'static [&'static str]| {
        prop_oneof![
            6 => proptest::sample::select(choices).prop_map(|text| Some(json!(text))),
            1 => Just(None),
            1 => Just(Some(json!(7))),
            1 => Just(Some(Value::Null)),
            1 => ".{0,12}".prop_map(|text| Some(json!(text))),
        ]
    };
    let job_id = text(&[
        "8fb5d2f4-8ec7-4e4a",
        "j",
        "",
        ".",
        "..",
        "a\u{1}b",
        "a/b?c#d é",
    ]);
    let event_type = text(&[
        "realityModeling.jobCompleted.v2",
        "realityConversion.jobCompleted.v2",
        "realityAnalysis.jobCompleted.v2",
        "realityModeling.jobCompleted.v1",
        "realityConversion.jobCompleted.v1",
        "realityAnalysis.jobCompleted.v1",
        "REALITYMODELING.JOBCOMPLETED.V2",
        "iModels.changesetsPushed.v1",
        "",
    ]);
    let message_id = text(&["a5fc8b6f-8d47", "m", ""]);
    let enqueued = prop_oneof![
        3 => "[0-9]{1,3}/[0-9]{1,3}/[0-9]{1,5} [0-9]{1,3}:[0-9]{1,3}:[0-9]{1,2}(\\.[0-9]{0,11})? ?(AM|PM|am|pm|XM)?"
            .prop_map(|text| Some(json!(text))),
        2 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,10})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(|text| Some(json!(text))),
        1 => text(&["11/3/2023 8:07:01 PM", "", "soon"]),
    ];
    let content = prop_oneof![
        8 => job_id.prop_map(|id| id.map(|id| json!({ "jobId": id }))),
        1 => Just(Some(json!("not an object"))),
        1 => Just(None),
    ];
    (
        content,
        event_type,
        message_id,
        enqueued,
        text(&["t"]),
        text(&["w"]),
    )
        .prop_map(
            |(content, event_type, message_id, enqueued, itwin, webhook)| {
                let mut fields = Map::new();
                let mut put = |name: &str, value: Option<Value>| {
                    if let Some(value) = value {
                        fields.insert(name.to_owned(), value);
                    }
                };
                put("content", content);
                put("eventType", event_type);
                put("messageId", message_id);
                put("enqueuedDateTime", enqueued);
                put("iTwinId", itwin);
                put("webhookId", webhook);
                Value::Object(fields)
            },
        )
}
