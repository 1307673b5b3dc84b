//! The error body the service sends, parsed leniently.

use serde_json::{Map, Value};

/// The `error` object of an error response.
///
/// Services differ in their codes (a 404 is `JobNotFound`, `ProgressNotFound` or
/// `JobProgressNotFound`), so branch on the HTTP status and show the code.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code, e.g. `ProgressNotFound`.
    pub code: Option<String>,
    /// A human-readable message.
    pub message: Option<String>,
    /// What the error is about, when the service says.
    pub target: Option<String>,
    /// Nested details, as sent.
    pub details: Option<Value>,
    /// Every other field of the error object, kept as sent.
    pub other: Map<String, Value>,
}

impl ApiError {
    /// Reads `{"error": {...}}`; `None` when the body is not that shape or carries
    /// neither a code nor a message.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        let Value::Object(mut fields) = value.get("error")?.clone() else {
            return None;
        };
        // Shown to people and written to logs: one short line, no control characters.
        let mut take_string = |key: &str| match fields.remove(key) {
            Some(Value::String(text)) => crate::excerpt::excerpt(text.as_bytes()),
            Some(other) if !other.is_null() => {
                crate::excerpt::excerpt(other.to_string().as_bytes())
            }
            _ => None,
        };
        let code = take_string("code");
        let message = take_string("message");
        let target = take_string("target");
        if code.is_none() && message.is_none() {
            return None;
        }
        let details = fields.remove("details");
        Some(Self {
            code,
            message,
            target,
            details,
            other: fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_code_message_target_details_and_extra_fields() {
        let body = br#"{"error":{"code":"JobNotFound","message":"no job","target":"id",
            "details":[{"code":"x"}],"innerError":{"a":1}}}"#;
        let error = ApiError::from_body(body).unwrap();
        assert_eq!(error.code.as_deref(), Some("JobNotFound"));
        assert_eq!(error.message.as_deref(), Some("no job"));
        assert_eq!(error.target.as_deref(), Some("id"));
        assert!(error.details.unwrap().is_array());
        assert!(error.other.contains_key("innerError"));
    }

    #[test]
    fn fields_are_single_short_lines_without_control_characters() {
        let body = br#"{"error":{"code":"Bad\nCode","message":"line one\n\u001b[31m red"}}"#;
        let error = ApiError::from_body(body).unwrap();
        assert_eq!(error.code.as_deref(), Some("Bad Code"));
        assert_eq!(error.message.as_deref(), Some("line one [31m red"));
    }

    #[test]
    fn other_shapes_are_not_api_errors() {
        for body in [
            &b"<html>502</html>"[..],
            b"{}",
            b"{\"error\":\"x\"}",
            b"{\"error\":{}}",
        ] {
            assert_eq!(ApiError::from_body(body), None);
        }
    }
}
