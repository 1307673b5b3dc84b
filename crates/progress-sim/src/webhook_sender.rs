//! Sending `jobCompleted` deliveries: when a job's timeline reaches a
//! terminal state, a signed POST to each active webhook subscribed to its
//! event type, an answer awaited for `answer_timeout_ms`, one resend on
//! failure, and the scenario's delivery faults on the way.

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use hmac::{Hmac, Mac};
use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderValue, Request};
use hyper_util::rt::TokioIo;
use serde_json::json;
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::scenario::Scenario;
use crate::state::SharedState;
use crate::stop::stop_requested;
use crate::webhook_deliveries::DeliveryFate;
use crate::webhook_delivery::WebhookDelivery;
use crate::webhook_events::{emitted_by, is_terminal};
use crate::webhook_registry::Webhook;

/// How often the clock is looked at for jobs that ended. A manual clock
/// moved forward is noticed within this.
const TICK: Duration = Duration::from_millis(10);

/// The key of a delivery signed with the wrong secret.
const WRONG_SECRET: &str = "progress-sim-not-the-webhooks-secret-0000";

/// The iTwin a delivery names for an account-wide webhook.
const SIMULATED_ITWIN: &str = "00000000-0000-0000-0000-000000000000";

/// Watches the clock until told to stop, and sends what each job's end calls for.
pub(crate) async fn send_deliveries(state: Arc<SharedState>, mut stop: watch::Receiver<bool>) {
    let endings = endings(&state.scenario);
    if endings.is_empty() {
        // Nothing will ever end: no clock to watch.
        return stop_requested(&mut stop).await;
    }
    let mut next = 0;
    let mut deliveries = JoinSet::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop_requested(&mut stop) => break,
            _ = tick.tick() => {
                let now = state.simulated_seconds();
                while let Some((_, job_id, event_type)) = endings.get(next).filter(|(at, ..)| *at <= now) {
                    for webhook in state.webhooks.subscribed(event_type) {
                        let fate = state.next_delivery_fate();
                        let delivery = deliver(state.clone(), webhook, job_id.clone(), event_type, fate);
                        deliveries.spawn(delivery);
                    }
                    next += 1;
                }
            }
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
        }
    }
    deliveries.abort_all();
}

/// When each job first reaches a terminal state (simulated seconds), and
/// the event it emits, in order of time.
fn endings(scenario: &Scenario) -> Vec<(f64, String, &'static str)> {
    let mut endings: Vec<_> = scenario
        .jobs
        .iter()
        .filter_map(|(job_id, timeline)| {
            let event_type = emitted_by(timeline.service.as_deref())?;
            let end = timeline
                .points
                .iter()
                .find(|point| is_terminal(&point.state))?;
            Some((end.at_seconds, job_id.clone(), event_type))
        })
        .collect();
    endings.sort_by(|a, b| a.0.total_cmp(&b.0));
    endings
}

/// One delivery, as its fate says.
async fn deliver(
    state: Arc<SharedState>,
    webhook: Webhook,
    job_id: String,
    event_type: &'static str,
    fate: DeliveryFate,
) {
    let settings = state.delivery_settings();
    let delay = Duration::from_millis(settings.delay_ms);
    let message_id = state.next_message_id();
    let body = json!({
        "content": { "jobId": job_id },
        "enqueuedDateTime": us_date_time(SystemTime::now()),
        "eventType": event_type,
        "iTwinId": webhook.scope_id.as_deref().unwrap_or(SIMULATED_ITWIN),
        "messageId": message_id,
        "webhookId": webhook.id,
    })
    .to_string();
    let correctly_signed = fate != DeliveryFate::WrongSecret;
    let key = if correctly_signed {
        webhook.secret.as_str()
    } else {
        WRONG_SECRET
    };
    let record = WebhookDelivery {
        webhook_id: webhook.id.clone(),
        job_id,
        event_type: event_type.to_owned(),
        message_id,
        correctly_signed,
        sent: true,
        status: None,
    };
    let copy = DeliveryCopy {
        state: &state,
        webhook: &webhook,
        body: &body,
        signature: &signature(key, body.as_bytes()),
        record: &record,
    };
    match fate {
        DeliveryFate::Lost => state.record_delivery(WebhookDelivery {
            sent: false,
            ..record.clone()
        }),
        DeliveryFate::Sent | DeliveryFate::WrongSecret => copy.send().await,
        DeliveryFate::Duplicated => {
            copy.send().await;
            copy.send().await;
        }
        DeliveryFate::Delayed => {
            tokio::time::sleep(delay).await;
            copy.send().await;
        }
        DeliveryFate::OutOfOrder => {
            copy.send().await;
            tokio::time::sleep(delay).await;
            copy.send().await;
        }
    }
}

/// One copy of a delivery, with everything it needs.
struct DeliveryCopy<'a> {
    state: &'a SharedState,
    webhook: &'a Webhook,
    body: &'a str,
    signature: &'a str,
    record: &'a WebhookDelivery,
}

impl DeliveryCopy<'_> {
    /// Sends, and once more after `resend_after_ms` if that failed.
    async fn send(&self) {
        let settings = self.state.delivery_settings();
        if !self.attempt(settings.answer_timeout_ms).await {
            tokio::time::sleep(Duration::from_millis(settings.resend_after_ms)).await;
            self.attempt(settings.answer_timeout_ms).await;
        }
    }

    /// One POST; whether it was answered with a 2xx.
    async fn attempt(&self, timeout_ms: u64) -> bool {
        let post = post(self.webhook, self.body, self.signature);
        let status = tokio::time::timeout(Duration::from_millis(timeout_ms), post)
            .await
            .ok()
            .flatten();
        self.state.record_delivery(WebhookDelivery {
            status,
            ..self.record.clone()
        });
        status.is_some_and(|status| (200..300).contains(&status))
    }
}

/// The receiver's status, or `None` if none came.
async fn post(webhook: &Webhook, body: &str, signature: &str) -> Option<u16> {
    let url = &webhook.callback_url;
    if url.https {
        return None;
    }
    let authority = url.authority.clone();
    let address = tokio::task::spawn_blocking(move || authority.to_socket_addrs())
        .await
        .ok()?
        .ok()?
        .next()?;
    let stream = TcpStream::connect(address).await.ok()?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake::<_, Body>(TokioIo::new(stream))
            .await
            .ok()?;
    tokio::spawn(connection);
    let request = Request::post(url.path_and_query.as_str())
        .header(HOST, url.authority.as_str())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header("Signature", signature)
        .body(Body::from(body.to_owned()))
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    Some(response.status().as_u16())
}

/// `sha256=` and the lowercase hex HMAC-SHA256 of `body` under `key`.
fn signature(key: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

/// .NET's default US format, as the platform writes `enqueuedDateTime`:
/// `11/3/2023 8:07:01 PM` (UTC).
fn us_date_time(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let of_day = seconds % 86_400;
    let (hour, minute, second) = (of_day / 3600, of_day / 60 % 60, of_day % 60);
    let meridiem = if hour < 12 { "AM" } else { "PM" };
    let hour = match hour % 12 {
        0 => 12,
        hour => hour,
    };
    format!("{month}/{day}/{year} {hour}:{minute:02}:{second:02} {meridiem}")
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enqueued_date_time_is_written_as_the_platform_writes_it() {
        let at = |seconds: u64| us_date_time(UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(1_699_042_021), "11/3/2023 8:07:01 PM");
        assert_eq!(at(0), "1/1/1970 12:00:00 AM");
        assert_eq!(at(1_709_211_600), "2/29/2024 1:00:00 PM");
        assert_eq!(at(1_709_208_000 + 59), "2/29/2024 12:00:59 PM");
    }

    #[test]
    fn signs_as_the_platform_does() {
        // HMAC-SHA256, computed independently (Python's hmac module).
        assert_eq!(
            signature("0123456789abcdef0123456789abcdef", b"hello"),
            "sha256=db68b47b63c2397eac785025b1c9c2103ae06c28998234a783b3eb6453d1ad70"
        );
    }
}
