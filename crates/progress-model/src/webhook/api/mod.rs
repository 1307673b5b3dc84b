//! The Webhooks API v2, without the I/O: the requests that create, list,
//! activate and delete a webhook, and what their answers mean.
//!
//! An adapter gets a token, builds the request with [`WebhooksApi`], sends
//! it with its HTTP library, and reads the answer with
//! [`read_webhook`], [`read_webhooks`] or [`read_deleted`], which scrub the
//! token from it first. The API lives at `{base}/webhooks` on the platform's
//! root (`https://api.bentley.com`), asks for
//! `application/vnd.bentley.itwin-platform.v2+json`, and takes only a
//! service application's token (client credentials). A new webhook is
//! inactive until [`WebhooksApi::set_active`] turns it on.
//!
//! ```
//! use progress_model::{AccessToken, Settings};
//! use progress_model::webhook::WebhookSecret;
//! use progress_model::webhook::api::{NewWebhook, Scope, WebhooksApi};
//!
//! let api = WebhooksApi::new(&Settings::default()).unwrap();
//! let secret = WebhookSecret::new("0123456789abcdef0123456789abcdef").unwrap();
//! let webhook = NewWebhook::new("https://hooks.example.com/itwin", Scope::Account, secret)
//!     .event_types(["realityModeling.jobCompleted.v2"]);
//! let request = api.create(&webhook, &AccessToken::new("tok")).unwrap();
//! assert_eq!(request.uri(), "https://api.bentley.com/webhooks");
//! assert_eq!(request.method(), "POST");
//! ```

mod answer;
mod attempt;
mod error;
mod list;

use http::{HeaderValue, Method, Request, header};
use percent_encoding::utf8_percent_encode;
use serde_json::{Value, json};

use super::{JOB_COMPLETED_EVENTS, WebhookSecret};
use crate::request::PATH_SEGMENT;
use crate::{AccessToken, Service, Settings};

pub use answer::{Webhook, read_deleted, read_webhook, read_webhooks};
pub use attempt::send_again_with_fresh_token;
pub use error::WebhooksError;
pub use list::{ListStep, Listing, MAX_PAGES};

/// The media type every request asks for: the Webhooks API's version 2.
pub const MEDIA_TYPE: &str = "application/vnd.bentley.itwin-platform.v2+json";

/// Whose events a webhook hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every iTwin of the account the service application belongs to.
    Account,
    /// One iTwin, by id.
    ITwin(String),
}

/// A webhook to create: where deliveries go, whose events, which types, and
/// the secret they are signed with (at least 32 characters; its `Debug`
/// never shows it).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    callback_url: String,
    scope: Scope,
    event_types: Vec<String>,
    secret: WebhookSecret,
}

impl NewWebhook {
    /// A webhook for `callback_url` (the platform takes only `https://`),
    /// subscribed to every reality job's completion until
    /// [`event_types`](Self::event_types) says otherwise.
    pub fn new(callback_url: impl Into<String>, scope: Scope, secret: WebhookSecret) -> Self {
        Self {
            callback_url: callback_url.into(),
            scope,
            event_types: JOB_COMPLETED_EVENTS
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            secret,
        }
    }

    /// The event types to subscribe to instead.
    pub fn event_types<I, S>(mut self, event_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.event_types = event_types.into_iter().map(Into::into).collect();
        self
    }

    /// The body of `POST /webhooks`.
    fn body(&self) -> Vec<u8> {
        let secret = String::from_utf8_lossy(self.secret.key());
        let mut body = json!({
            "callbackUrl": self.callback_url,
            "eventTypes": self.event_types,
            "secret": secret,
        });
        match &self.scope {
            Scope::Account => body["scope"] = Value::from("Account"),
            Scope::ITwin(id) => {
                body["scope"] = Value::from("iTwin");
                body["scopeId"] = Value::from(id.as_str());
            }
        }
        body.to_string().into_bytes()
    }
}

/// The `jobCompleted` event types whose jobs `service`'s progress endpoint
/// knows: what a webhook for that service subscribes to by default. Empty
/// for a service path of one's own (a gateway's): name the types then.
///
/// ```
/// # use progress_model::{Service, webhook::api::job_completed_events};
/// assert_eq!(job_completed_events(&Service::RealityModeling), ["realityModeling.jobCompleted.v2"]);
/// assert!(job_completed_events(&Service::parse("my-gateway/x")).is_empty());
/// ```
pub fn job_completed_events(service: &Service) -> Vec<&'static str> {
    JOB_COMPLETED_EVENTS
        .iter()
        .filter(|(_, of)| of == service)
        .map(|(name, _)| *name)
        .collect()
}

/// Builds the Webhooks API's requests at a client's base URL, with its
/// `User-Agent`.
#[derive(Debug, Clone)]
pub struct WebhooksApi {
    /// `{base}/webhooks`.
    collection: String,
    user_agent: HeaderValue,
}

impl WebhooksApi {
    /// The API at `settings`' base URL (its service and API version are the
    /// progress endpoint's, not this API's, and play no part).
    pub fn new(settings: &Settings) -> Result<Self, WebhooksError> {
        let user_agent = HeaderValue::try_from(settings.user_agent()).map_err(|_| {
            WebhooksError::Request(crate::Error::Config(
                "the User-Agent suffix holds characters a header cannot carry".into(),
            ))
        })?;
        Ok(Self {
            collection: format!("{}/webhooks", settings.base_url.as_str()),
            user_agent,
        })
    }

    /// `POST /webhooks`: creates `webhook`, inactive. Read the answer with
    /// [`read_webhook`].
    pub fn create(
        &self,
        webhook: &NewWebhook,
        token: &AccessToken,
    ) -> Result<Request<Vec<u8>>, WebhooksError> {
        let request = self.request(Method::POST, self.collection.clone(), token)?;
        finish(
            request.header(header::CONTENT_TYPE, "application/json"),
            webhook.body(),
        )
    }

    /// `GET /webhooks`: the first page of the application's webhooks. Read
    /// the answer with [`read_webhooks`]; [`listing`](Self::listing) reads
    /// every page.
    pub fn list(&self, token: &AccessToken) -> Result<Request<Vec<u8>>, WebhooksError> {
        self.get(self.collection.clone(), token)
    }

    /// `GET url`, a page of the list.
    fn get(&self, url: String, token: &AccessToken) -> Result<Request<Vec<u8>>, WebhooksError> {
        finish(self.request(Method::GET, url, token)?, Vec::new())
    }

    /// `PATCH /webhooks/{id}` with `{"active": ...}`: deliveries start (or
    /// stop). Read the answer with [`read_webhook`].
    pub fn set_active(
        &self,
        id: &str,
        active: bool,
        token: &AccessToken,
    ) -> Result<Request<Vec<u8>>, WebhooksError> {
        let request = self.request(Method::PATCH, self.item(id)?, token)?;
        finish(
            request.header(header::CONTENT_TYPE, "application/json"),
            json!({ "active": active }).to_string().into_bytes(),
        )
    }

    /// `DELETE /webhooks/{id}`. Read the answer with [`read_deleted`].
    pub fn delete(&self, id: &str, token: &AccessToken) -> Result<Request<Vec<u8>>, WebhooksError> {
        finish(
            self.request(Method::DELETE, self.item(id)?, token)?,
            Vec::new(),
        )
    }

    /// `{base}/webhooks/{id}`, the id one percent-encoded path segment.
    fn item(&self, id: &str) -> Result<String, WebhooksError> {
        if id.trim().is_empty() || id == "." || id == ".." || id.chars().any(char::is_control) {
            return Err(WebhooksError::InvalidId);
        }
        Ok(format!(
            "{}/{}",
            self.collection,
            utf8_percent_encode(id, PATH_SEGMENT)
        ))
    }

    fn request(
        &self,
        method: Method,
        url: String,
        token: &AccessToken,
    ) -> Result<http::request::Builder, WebhooksError> {
        let authorization = token.header_value().map_err(WebhooksError::Request)?;
        Ok(Request::builder()
            .method(method)
            .uri(url)
            .header(header::AUTHORIZATION, authorization)
            .header(header::ACCEPT, MEDIA_TYPE)
            .header(header::USER_AGENT, self.user_agent.clone()))
    }
}

fn finish(
    builder: http::request::Builder,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, WebhooksError> {
    builder.body(body).map_err(|error| {
        WebhooksError::Request(crate::Error::Config(format!(
            "cannot build the request: {error}"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn api() -> WebhooksApi {
        let mut settings = Settings::default();
        settings.set_base_url("http://127.0.0.1:9/root/");
        settings.user_agent_suffix = Some("itwin-progress/1".into());
        WebhooksApi::new(&settings.check().unwrap()).unwrap()
    }

    fn token() -> AccessToken {
        AccessToken::new("tok-1234567890")
    }

    #[test]
    fn create_posts_the_webhook_with_its_secret_and_scope() {
        let secret = WebhookSecret::new(SECRET).unwrap();
        let webhook = NewWebhook::new(
            "https://hooks.example.com/x",
            Scope::ITwin("twin-1".into()),
            secret,
        )
        .event_types(["realityConversion.jobCompleted.v2"]);
        let request = api().create(&webhook, &token()).unwrap();
        assert_eq!(request.uri(), "http://127.0.0.1:9/root/webhooks");
        let headers = request.headers();
        assert_eq!(headers[header::ACCEPT], MEDIA_TYPE);
        assert_eq!(headers[header::AUTHORIZATION], "Bearer tok-1234567890");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert!(
            headers[header::USER_AGENT]
                .to_str()
                .unwrap()
                .ends_with(" itwin-progress/1")
        );
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(
            body,
            json!({
                "callbackUrl": "https://hooks.example.com/x",
                "scope": "iTwin",
                "scopeId": "twin-1",
                "eventTypes": ["realityConversion.jobCompleted.v2"],
                "secret": SECRET,
            })
        );
        assert!(!format!("{webhook:?}").contains(SECRET));
    }

    #[test]
    fn an_account_webhook_has_no_scope_id_and_every_completion_by_default() {
        let secret = WebhookSecret::new(SECRET).unwrap();
        let webhook = NewWebhook::new("https://h/x", Scope::Account, secret);
        let request = api().create(&webhook, &token()).unwrap();
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["scope"], "Account");
        assert_eq!(body.get("scopeId"), None);
        assert_eq!(
            body["eventTypes"].as_array().unwrap().len(),
            JOB_COMPLETED_EVENTS.len()
        );
    }

    #[test]
    fn activate_patches_and_delete_deletes_the_encoded_item() {
        let request = api().set_active("a b/c", true, &token()).unwrap();
        assert_eq!(request.method(), Method::PATCH);
        assert_eq!(request.uri(), "http://127.0.0.1:9/root/webhooks/a%20b%2Fc");
        assert_eq!(request.body(), br#"{"active":true}"#);
        let request = api().delete("w-1", &token()).unwrap();
        assert_eq!(request.method(), Method::DELETE);
        assert_eq!(request.uri(), "http://127.0.0.1:9/root/webhooks/w-1");
        assert!(request.body().is_empty());
        let request = api().list(&token()).unwrap();
        assert_eq!(
            (request.method(), request.uri().path()),
            (&Method::GET, "/root/webhooks")
        );
    }

    #[test]
    fn an_id_that_is_no_path_segment_is_refused() {
        for id in ["", " ", ".", "..", "a\nb"] {
            assert!(
                matches!(api().delete(id, &token()), Err(WebhooksError::InvalidId)),
                "{id:?}"
            );
        }
    }

    #[test]
    fn default_events_follow_the_service() {
        let cases = [
            (Service::RealityModeling, "realityModeling.jobCompleted.v2"),
            (Service::RealityAnalysis, "realityAnalysis.jobCompleted.v2"),
            (Service::ContextCapture, "realityModeling.jobCompleted.v1"),
        ];
        for (service, event) in cases {
            assert_eq!(job_completed_events(&service), [event], "{service:?}");
        }
    }
}
