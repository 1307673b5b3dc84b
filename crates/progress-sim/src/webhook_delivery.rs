//! What the simulator records of each webhook delivery, for users' tests to
//! read back. Below both the state that keeps the records and the sender
//! that makes them.

/// One POST of a delivery, as the simulator saw it go out; or a delivery a
/// `lost_rate` fault kept from going out (`sent: false`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The webhook it was sent to.
    pub webhook_id: String,
    /// The job that ended.
    pub job_id: String,
    /// `eventType`.
    pub event_type: String,
    /// `messageId`: the same for every copy and resend of one delivery.
    pub message_id: String,
    /// Signed with the webhook's secret (`false`: a `wrong_secret_rate` fault).
    pub correctly_signed: bool,
    /// Whether it was sent (`false`: a `lost_rate` fault).
    pub sent: bool,
    /// The receiver's status; `None` when no answer came within
    /// `answer_timeout_ms` (no connection, a hang, or an `https://` callback,
    /// which the simulator cannot reach: it speaks no TLS).
    pub status: Option<u16>,
}
