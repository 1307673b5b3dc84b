//! The webhooks created through the simulated Webhooks API v2.

use std::sync::{Mutex, PoisonError};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::callback_url::CallbackUrl;
use crate::webhook_events::is_known;

/// The fewest characters the API accepts in a secret.
const MIN_SECRET_CHARS: usize = 32;

/// One webhook, as the API keeps it. `Debug` leaves the secret out.
#[derive(Clone)]
pub(crate) struct Webhook {
    pub(crate) id: String,
    scope: String,
    pub(crate) scope_id: Option<String>,
    pub(crate) active: bool,
    pub(crate) callback_url: CallbackUrl,
    pub(crate) secret: String,
    pub(crate) event_types: Vec<String>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("scope", &self.scope)
            .field("scope_id", &self.scope_id)
            .field("active", &self.active)
            .field("callback_url", &self.callback_url.text)
            .field("secret", &"<redacted>")
            .field("event_types", &self.event_types)
            .finish()
    }
}

/// The body of `POST /webhooks`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    callback_url: String,
    scope: String,
    #[serde(default)]
    scope_id: Option<String>,
    event_types: Vec<String>,
    #[serde(default)]
    secret: Option<String>,
}

/// Why a create or update request is refused (400), in the API's words.
pub(crate) type Refusal = &'static str;

impl Webhook {
    /// Reads a create request; the new webhook is inactive.
    pub(crate) fn create(
        body: &[u8],
        id: String,
        generated_secret: String,
    ) -> Result<Webhook, Refusal> {
        let request: CreateRequest = serde_json::from_slice(body).map_err(
            |_| "The request body must be a JSON object with callbackUrl, scope and eventTypes.",
        )?;
        let callback_url = CallbackUrl::parse(&request.callback_url).ok_or(
            "callbackUrl must be an absolute https URL (http only to a loopback address).",
        )?;
        if request.scope != "Account" && request.scope != "iTwin" {
            return Err("scope must be 'Account' or 'iTwin'.");
        }
        if request.scope == "iTwin" && request.scope_id.as_deref().is_none_or(str::is_empty) {
            return Err("scopeId is required when scope is 'iTwin'.");
        }
        if request.event_types.is_empty() || !request.event_types.iter().all(|t| is_known(t)) {
            return Err("eventTypes must list one or more supported event types.");
        }
        let secret = match request.secret {
            Some(secret) if secret.chars().count() < MIN_SECRET_CHARS => {
                return Err("secret must be at least 32 characters long.");
            }
            Some(secret) => secret,
            None => generated_secret,
        };
        Ok(Webhook {
            id,
            scope: request.scope,
            scope_id: request.scope_id,
            active: false,
            callback_url,
            secret,
            event_types: request.event_types,
        })
    }

    /// The API's view of it; the secret only in the answer to its creation.
    pub(crate) fn to_json(&self, with_secret: bool) -> Value {
        let mut value = json!({
            "id": self.id,
            "scope": self.scope,
            "scopeId": self.scope_id,
            "active": self.active,
            "callbackUrl": self.callback_url.text,
            "eventTypes": self.event_types,
        });
        if with_secret {
            value["secret"] = Value::String(self.secret.clone());
        }
        value
    }
}

/// Every webhook, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    webhooks: Mutex<Vec<Webhook>>,
}

impl Registry {
    pub(crate) fn add(&self, webhook: Webhook) {
        self.lock().push(webhook);
    }

    pub(crate) fn all(&self) -> Vec<Webhook> {
        self.lock().clone()
    }

    pub(crate) fn get(&self, id: &str) -> Option<Webhook> {
        self.lock().iter().find(|webhook| webhook.id == id).cloned()
    }

    /// Sets `active`; the webhook as it is now, or `None` if there is none.
    pub(crate) fn set_active(&self, id: &str, active: bool) -> Option<Webhook> {
        let mut webhooks = self.lock();
        let webhook = webhooks.iter_mut().find(|webhook| webhook.id == id)?;
        webhook.active = active;
        Some(webhook.clone())
    }

    pub(crate) fn remove(&self, id: &str) -> bool {
        let mut webhooks = self.lock();
        let before = webhooks.len();
        webhooks.retain(|webhook| webhook.id != id);
        webhooks.len() < before
    }

    /// The active webhooks subscribed to `event_type`.
    pub(crate) fn subscribed(&self, event_type: &str) -> Vec<Webhook> {
        self.lock()
            .iter()
            .filter(|webhook| webhook.active && webhook.event_types.iter().any(|t| t == event_type))
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Webhook>> {
        // A list of plain values stays meaningful even if a handler panicked.
        self.webhooks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn create(body: Value) -> Result<Webhook, Refusal> {
        Webhook::create(body.to_string().as_bytes(), "id".into(), "g".repeat(40))
    }

    fn request() -> Value {
        json!({
            "callbackUrl": "https://hooks.example.com/itwin",
            "scope": "iTwin",
            "scopeId": "itwin-1",
            "eventTypes": ["realityModeling.jobCompleted.v2"],
            "secret": SECRET,
        })
    }

    #[test]
    fn a_new_webhook_is_inactive_and_keeps_the_given_secret() {
        let webhook = create(request()).unwrap();
        assert!(!webhook.active);
        assert_eq!(webhook.secret, SECRET);
        let answer = webhook.to_json(true);
        assert_eq!(answer["active"], false);
        assert_eq!(answer["secret"], SECRET);
        assert_eq!(webhook.to_json(false).get("secret"), None);
    }

    #[test]
    fn debug_leaves_the_secret_out() {
        let webhook = create(request()).unwrap();
        let registry = Registry::default();
        registry.add(webhook.clone());
        for shown in [format!("{webhook:?}"), format!("{registry:?}")] {
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn without_a_secret_one_is_generated() {
        let mut body = request();
        body.as_object_mut().unwrap().remove("secret");
        assert_eq!(create(body).unwrap().secret, "g".repeat(40));
    }

    #[test]
    fn refusals() {
        let cases: [(&str, Value); 8] = [
            ("short secret", json!("0123456789abcdef0123456789abcde")),
            ("http to a remote host", json!("http://hooks.example.com/")),
            ("bad scope", json!("Project")),
            ("iTwin scope without id", Value::Null),
            ("no event types", json!([])),
            ("unknown event type", json!(["iModels.changesetsPushed.v1"])),
            (
                "event types not a list",
                json!("realityModeling.jobCompleted.v2"),
            ),
            ("not JSON", Value::Null),
        ];
        for (name, value) in cases {
            let mut body = request();
            let field = match name {
                "short secret" => "secret",
                "http to a remote host" => "callbackUrl",
                "bad scope" => "scope",
                "iTwin scope without id" => "scopeId",
                "not JSON" => {
                    assert!(Webhook::create(b"{", "id".into(), SECRET.into()).is_err());
                    continue;
                }
                _ => "eventTypes",
            };
            body[field] = value;
            assert!(create(body).is_err(), "{name}");
        }
    }
}
