//! What the Webhooks API answered: a webhook, the list of them, or a
//! deletion; or the error it said.

use serde_json::{Map, Value};

use super::WebhooksError;
use crate::excerpt::excerpt;
use crate::response::correlation_id;
use crate::{AccessToken, ApiError, Error, HttpFailure, HttpResponse};

/// A webhook as the API shows it. Its secret is not kept, even when the
/// answer to its creation carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Webhook {
    /// Its id: what `activate` and `delete` name.
    pub id: String,
    /// Whether deliveries are sent (a new webhook is inactive).
    pub active: bool,
    /// `Account` or `iTwin`, as sent.
    pub scope: Option<String>,
    /// The iTwin of an `iTwin` scope.
    pub scope_id: Option<String>,
    /// Where deliveries go.
    pub callback_url: Option<String>,
    /// The event types it is subscribed to.
    pub event_types: Vec<String>,
}

/// Reads the answer to a create, an activation or a get: the webhook, its
/// fields at the top level (or under `webhook`).
pub fn read_webhook(
    response: HttpResponse,
    sent_with: &AccessToken,
) -> Result<Webhook, WebhooksError> {
    let (status, value) = success(response, sent_with)?;
    let fields = value
        .get("webhook")
        .and_then(Value::as_object)
        .or(value.as_object())
        .ok_or_else(|| invalid(status, "the body is not a JSON object"))?;
    webhook(fields).ok_or_else(|| invalid(status, "the webhook has no `id`"))
}

/// Reads the answer to a list: `{"webhooks": [...]}`, one page of it. To
/// read every page, use [`Listing`](super::Listing).
pub fn read_webhooks(
    response: HttpResponse,
    sent_with: &AccessToken,
) -> Result<Vec<Webhook>, WebhooksError> {
    read_page(response, sent_with).map(|(webhooks, _)| webhooks)
}

/// One page of a list: its webhooks, and the link to the next page
/// (`_links.next.href`), if one follows.
pub(super) fn read_page(
    response: HttpResponse,
    sent_with: &AccessToken,
) -> Result<(Vec<Webhook>, Option<String>), WebhooksError> {
    let (status, value) = success(response, sent_with)?;
    let listed = value
        .get("webhooks")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(status, "the body has no `webhooks` list"))?;
    let webhooks = listed
        .iter()
        .map(|item| {
            item.as_object()
                .and_then(webhook)
                .ok_or_else(|| invalid(status, "a webhook in the list has no `id`"))
        })
        .collect::<Result<_, _>>()?;
    let next = value
        .pointer("/_links/next/href")
        .and_then(Value::as_str)
        .filter(|href| !href.is_empty())
        .map(str::to_owned);
    Ok((webhooks, next))
}

/// Reads the answer to a delete: any success (the API answers 204).
pub fn read_deleted(response: HttpResponse, sent_with: &AccessToken) -> Result<(), WebhooksError> {
    success(response, sent_with).map(drop)
}

/// A 2xx answer's status and JSON body (`null` when empty), or the error
/// the answer means. The token is scrubbed from the answer first.
fn success(
    mut response: HttpResponse,
    sent_with: &AccessToken,
) -> Result<(u16, Value), WebhooksError> {
    response.redact_secret(sent_with.secret());
    let status = response.status;
    match status {
        200..=299 if response.body.iter().all(u8::is_ascii_whitespace) => Ok((status, Value::Null)),
        200..=299 => serde_json::from_slice(&response.body)
            .map(|value| (status, value))
            .map_err(|_| invalid(status, "the body is not JSON")),
        300..=399 => Err(WebhooksError::Request(Error::redirect(
            status,
            None,
            correlation_id(&response.headers),
        ))),
        _ => {
            let api = ApiError::from_body(&response.body);
            let failure = HttpFailure {
                status,
                excerpt: api.is_none().then(|| excerpt(&response.body)).flatten(),
                api,
                correlation_id: correlation_id(&response.headers),
                ..HttpFailure::default()
            };
            Err(WebhooksError::from_failure(failure))
        }
    }
}

/// A webhook's fields; `None` without a string `id`. The rest is read
/// leniently: what is missing or of another type is left out.
fn webhook(fields: &Map<String, Value>) -> Option<Webhook> {
    let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").filter(|id| !id.is_empty())?;
    Some(Webhook {
        id,
        active: fields
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        scope: text("scope"),
        scope_id: text("scopeId"),
        callback_url: text("callbackUrl"),
        event_types: fields
            .get("eventTypes")
            .and_then(Value::as_array)
            .map(|types| {
                types
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn invalid(status: u16, reason: &str) -> WebhooksError {
    WebhooksError::InvalidResponse {
        status,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    const TOKEN: &str = "tok-1234567890";

    fn answer(status: u16, body: &str) -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-correlation-id", "corr-1".parse().unwrap());
        HttpResponse::new(status, headers, body.as_bytes().to_vec())
    }

    fn token() -> AccessToken {
        AccessToken::new(TOKEN)
    }

    #[test]
    fn a_created_webhook_is_read_without_its_secret() {
        let body = r#"{"id":"w-1","scope":"iTwin","scopeId":"t","active":false,
            "callbackUrl":"https://h/x","secret":"s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t",
            "eventTypes":["realityModeling.jobCompleted.v2"]}"#;
        let webhook = read_webhook(answer(201, body), &token()).unwrap();
        assert_eq!(webhook.id, "w-1");
        assert!(!webhook.active);
        assert_eq!(webhook.scope_id.as_deref(), Some("t"));
        assert_eq!(webhook.event_types, ["realityModeling.jobCompleted.v2"]);
        assert!(!format!("{webhook:?}").contains("s3cr3t"));
        let wrapped = read_webhook(
            answer(200, r#"{"webhook":{"id":"w-2","active":true}}"#),
            &token(),
        );
        assert!(wrapped.unwrap().active);
    }

    #[test]
    fn a_list_is_read_and_a_delete_is_any_success() {
        let list = read_webhooks(
            answer(200, r#"{"webhooks":[{"id":"a"},{"id":"b","active":true}]}"#),
            &token(),
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[1].active);
        read_deleted(answer(204, ""), &token()).unwrap();
    }

    #[test]
    fn each_error_status_keeps_the_platform_s_message() {
        let body = r#"{"error":{"code":"InvalidWebhookRequest","message":"secret must be at least 32 characters long."}}"#;
        type Expected = fn(&WebhooksError) -> bool;
        let cases: [(u16, Expected); 5] = [
            (400, |e| matches!(e, WebhooksError::Invalid(_))),
            (401, |e| matches!(e, WebhooksError::Unauthorized(_))),
            (403, |e| matches!(e, WebhooksError::Forbidden(_))),
            (404, |e| matches!(e, WebhooksError::NotFound(_))),
            (500, |e| matches!(e, WebhooksError::Status(_))),
        ];
        for (status, expected) in cases {
            let error = read_deleted(answer(status, body), &token()).unwrap_err();
            assert!(expected(&error), "{status}: {error:?}");
            let text = error.to_string();
            assert!(
                text.contains(&format!(
                    "HTTP {status} InvalidWebhookRequest: secret must be"
                )),
                "{text}"
            );
            assert!(text.contains("corr-1"), "{text}");
            assert_eq!(error.http_failure().unwrap().status, status);
        }
    }

    #[test]
    fn an_echoed_token_is_scrubbed_and_a_bad_body_is_an_invalid_response() {
        let error = read_deleted(
            answer(502, &format!("<html>Bearer {TOKEN}</html>")),
            &token(),
        )
        .unwrap_err();
        assert!(!format!("{error} {error:?}").contains(TOKEN), "{error}");
        for body in ["<html/>", "[]", r#"{"id":""}"#] {
            let error = read_webhook(answer(200, body), &token()).unwrap_err();
            assert!(
                matches!(error, WebhooksError::InvalidResponse { status: 200, .. }),
                "{body}"
            );
        }
        let error = read_webhooks(answer(200, "{}"), &token()).unwrap_err();
        assert!(error.to_string().contains("no `webhooks` list"), "{error}");
    }
}
