//! The Webhooks API v2 on the client's own HTTP stack: create, list,
//! activate and delete the webhooks whose deliveries [`router`](super::router)
//! answers. The requests and the reading of their answers are
//! [`progress_model::webhook::api`]'s; this only gets the token and sends.

use std::time::Duration;

use progress_model::webhook::api::{
    ListStep, NewWebhook, Webhook, WebhooksApi, WebhooksError, read_deleted, read_webhook,
    send_again_with_fresh_token,
};
use progress_model::{AccessToken, Error, HttpResponse};

use crate::Client;
use crate::bound::within;
use crate::compat::{check_runtime, on_any_runtime};
use crate::transport;

/// The Webhooks API at a client's base URL (`{base}/webhooks`), with the
/// client's token provider, proxy, TLS and request timeout. The platform
/// lets only a service application (client credentials) manage webhooks.
///
/// ```no_run
/// # use progress_reqwest as itwin_job_progress; // the facade's paths
/// use itwin_job_progress::webhook::{NewWebhook, Scope, WebhookSecret};
/// # async fn run(client: itwin_job_progress::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let secret = WebhookSecret::new(std::fs::read_to_string("webhook-secret")?)?;
/// let webhooks = client.webhooks()?;
/// let created = webhooks
///     .create(&NewWebhook::new("https://hooks.example.com/itwin", Scope::Account, secret))
///     .await?;
/// webhooks.activate(&created.id).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client,
    api: WebhooksApi,
}

impl Client {
    /// The Webhooks API v2 at this client's base URL; see [`Webhooks`].
    pub fn webhooks(&self) -> Result<Webhooks, WebhooksError> {
        Ok(Webhooks {
            api: WebhooksApi::new(&self.inner.parts.settings)?,
            client: self.clone(),
        })
    }
}

impl Webhooks {
    /// Creates a webhook; the platform's answer, inactive.
    pub async fn create(&self, webhook: &NewWebhook) -> Result<Webhook, WebhooksError> {
        let (answer, token) = self.call(|token| self.api.create(webhook, token)).await?;
        read_webhook(answer, &token)
    }

    /// Every webhook the application has, page after page (each `next`
    /// link checked by [`Listing`](progress_model::webhook::api::Listing)).
    pub async fn list(&self) -> Result<Vec<Webhook>, WebhooksError> {
        let mut listing = self.api.listing();
        loop {
            let (answer, token) = self.call(|token| listing.request(token)).await?;
            if let ListStep::Done(webhooks) = listing.read(answer, &token)? {
                return Ok(webhooks);
            }
        }
    }

    /// Turns deliveries on (a new webhook is inactive).
    pub async fn activate(&self, id: &str) -> Result<Webhook, WebhooksError> {
        self.set_active(id, true).await
    }

    /// Turns deliveries on or off.
    pub async fn set_active(&self, id: &str, active: bool) -> Result<Webhook, WebhooksError> {
        let (answer, token) = self
            .call(|token| self.api.set_active(id, active, token))
            .await?;
        read_webhook(answer, &token)
    }

    /// Deletes a webhook.
    pub async fn delete(&self, id: &str) -> Result<(), WebhooksError> {
        let (answer, token) = self.call(|token| self.api.delete(id, token)).await?;
        read_deleted(answer, &token)
    }

    /// Sends the request `build` makes with the provider's token; after a
    /// 401, once more with a fresh one (as the model says). The answer, and
    /// the token it was sent with (to scrub from it).
    async fn call(
        &self,
        build: impl Fn(&AccessToken) -> Result<http::Request<Vec<u8>>, WebhooksError>,
    ) -> Result<(HttpResponse, AccessToken), WebhooksError> {
        let can_refresh = self.client.inner.parts.token.can_refresh();
        let mut token = self.token(None).await?;
        let mut attempt = 1;
        loop {
            let answer = self.send(build(&token)?).await?;
            if !send_again_with_fresh_token(answer.status, attempt, can_refresh) {
                return Ok((answer, token));
            }
            token = self.token(Some(&token)).await?;
            attempt += 1;
        }
    }

    /// The provider's token, within the client's request timeout: its
    /// current one, or one other than `refused` after a 401.
    async fn token(&self, refused: Option<&AccessToken>) -> Result<AccessToken, WebhooksError> {
        check_runtime()?;
        let provider = &self.client.inner.parts.token;
        let asked = match refused {
            Some(refused) => provider.replace_within(refused, self.timeout()),
            None => provider.token_within(false, self.timeout()),
        };
        within(self.timeout(), asked)
            .await
            .and_then(|token| token)
            .map_err(|failure| WebhooksError::Request(Error::token(failure)))
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<HttpResponse, WebhooksError> {
        let inner = &self.client.inner;
        let sent =
            transport::send_request(&inner.http, &inner.parts.settings, request, self.timeout());
        Ok(on_any_runtime(sent).await?)
    }

    fn timeout(&self) -> Duration {
        self.client.inner.parts.settings.request_timeout
    }
}
