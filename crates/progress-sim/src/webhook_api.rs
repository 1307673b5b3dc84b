//! The simulated Webhooks API v2: `POST`/`GET /webhooks`, and `GET`,
//! `PATCH` (`{"active": true}`) and `DELETE /webhooks/{id}`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::Response;
use http::header::{ACCEPT, ALLOW, HOST, HeaderValue};
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};

use crate::authorization::bearer_token;
use crate::responses::{Answer, json_response};
use crate::state::SharedState;
use crate::webhook_registry::Webhook;

/// The collection's path.
pub(crate) const COLLECTION: &str = "/webhooks";
/// One webhook's path.
pub(crate) const ITEM: &str = "/webhooks/{id}";

/// The most webhooks a page lists when the scenario does not say.
const PAGE_SIZE: usize = 100;

/// The media type of the API's version 2.
const V2: &str = "application/vnd.bentley.itwin-platform.v2+json";

/// `POST` (create) and `GET` (list).
pub(crate) async fn collection(
    State(state): State<Arc<SharedState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let correlation_id = state.next_correlation_id();
    if let Err(refused) = admit(&state, &headers) {
        return refused.into_response(&correlation_id);
    }
    match method {
        Method::POST => {
            let id = new_id();
            match Webhook::create(&body, id, new_secret()) {
                Ok(webhook) => {
                    let answer = webhook.to_json(true);
                    state.webhooks.add(webhook);
                    json(StatusCode::CREATED, &answer, &correlation_id)
                }
                Err(message) => invalid(message, &correlation_id),
            }
        }
        Method::GET => match page(&state, &uri, &headers) {
            Some(page) => json(StatusCode::OK, &page, &correlation_id),
            None => invalid(
                "$top must be a positive number and $continuationToken one this API gave.",
                &correlation_id,
            ),
        },
        _ => not_allowed("GET, POST", &correlation_id),
    }
}

/// One page of the list: at most the page size (or `$top`) from the
/// position `$continuationToken` names, and `_links.next.href` when more
/// follow, on the `Host` the request came to. `None` for a bad parameter.
fn page(state: &SharedState, uri: &Uri, headers: &HeaderMap) -> Option<Value> {
    let mut size = state.scenario.webhook_page_size.unwrap_or(PAGE_SIZE);
    let mut start = 0;
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match &*key {
            "$top" => size = size.min(value.parse().ok().filter(|top| *top > 0)?),
            "$continuationToken" => start = value.strip_prefix("from-")?.parse().ok()?,
            _ => {}
        }
    }
    let all = state.webhooks.all();
    let webhooks: Vec<Value> = all
        .iter()
        .skip(start)
        .take(size)
        .map(|webhook| webhook.to_json(false))
        .collect();
    let mut page = json!({ "webhooks": webhooks });
    let end = start.saturating_add(size);
    if end < all.len() {
        let host = headers.get(HOST).and_then(|h| h.to_str().ok())?;
        let href = format!("http://{host}{COLLECTION}?$top={size}&$continuationToken=from-{end}");
        page["_links"] = json!({ "next": { "href": href } });
    }
    Some(page)
}

/// `GET`, `PATCH` and `DELETE` of one webhook.
pub(crate) async fn item(
    State(state): State<Arc<SharedState>>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let correlation_id = state.next_correlation_id();
    if let Err(refused) = admit(&state, &headers) {
        return refused.into_response(&correlation_id);
    }
    let found = match method {
        Method::GET => state
            .webhooks
            .get(&id)
            .map(|webhook| webhook.to_json(false)),
        Method::PATCH => {
            let Some(active) = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|value| value.get("active").and_then(Value::as_bool))
            else {
                return invalid(
                    "The request body must be {\"active\": true|false}.",
                    &correlation_id,
                );
            };
            state
                .webhooks
                .set_active(&id, active)
                .map(|webhook| webhook.to_json(false))
        }
        Method::DELETE => {
            if state.webhooks.remove(&id) {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::NO_CONTENT;
                return response;
            }
            None
        }
        _ => return not_allowed("GET, PATCH, DELETE", &correlation_id),
    };
    match found {
        Some(webhook) => json(StatusCode::OK, &webhook, &correlation_id),
        None => Answer::error(
            StatusCode::NOT_FOUND,
            "WebhookNotFound",
            "Requested webhook is not available.",
        )
        .into_response(&correlation_id),
    }
}

/// The bearer token, and an `Accept` that does not ask for another version.
fn admit(state: &SharedState, headers: &HeaderMap) -> Result<(), Answer> {
    bearer_token(state, headers)?;
    let other_version = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("vnd.bentley.itwin-platform.") && !value.contains(V2));
    if other_version {
        return Err(Answer::error(
            StatusCode::NOT_ACCEPTABLE,
            "InvalidHeaderValue",
            "The Accept header must ask for application/vnd.bentley.itwin-platform.v2+json.",
        ));
    }
    Ok(())
}

fn json(status: StatusCode, value: &Value, correlation_id: &str) -> Response {
    json_response(status, value.to_string(), correlation_id)
}

fn invalid(message: &'static str, correlation_id: &str) -> Response {
    Answer::error(StatusCode::BAD_REQUEST, "InvalidWebhookRequest", message)
        .into_response(correlation_id)
}

fn not_allowed(allow: &'static str, correlation_id: &str) -> Response {
    let mut response = Answer::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The method is not allowed on this resource.",
    )
    .into_response(correlation_id);
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// A random id in the shape of a UUID.
fn new_id() -> String {
    let value = fastrand::u128(..);
    let hex = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A generated secret: 48 letters and digits.
fn new_secret() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(48)
        .collect()
}
