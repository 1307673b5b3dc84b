//! The scenario's `faults`: which injected failures, how often, and how long.

use serde::{Deserialize, Serialize};

/// How often the simulator misbehaves, and how.
///
/// Every request (known job or not) draws its fate, in arrival order, before
/// anything else is checked. The same seed gives the same sequence of fates,
/// so a client that polls one request at a time sees the same run every time.
///
/// Each `*_rate` is the share of requests (0 to 1) that suffer that fault
/// kind. A request suffers at most one kind: the rates other than
/// `slow_rate` and `gzip_rate` must add up to at most 1. `slow_rate` (a delay
/// before whatever answer follows) and `gzip_rate` (a gzip body, for requests
/// that accept one) are drawn on their own and combine with the others.
///
/// Kinds that change a 200 (`malformed_rate`, `huge_body_rate`,
/// `short_body_rate`, `reset_mid_body_rate`, `trickle_rate`) leave other
/// answers alone; kinds that change a progress body (states, wrapper) or a
/// job or token (`disappear_rate`, `revoke_token_rate`) apply on the progress
/// endpoint only. A fault that does not apply to a request is not counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the generator.
    pub seed: u64,
    /// Share of requests answered 500, 502, 503 or 504 with a JSON error body.
    pub server_error_rate: f64,
    /// Share of requests that start a burst: this request and the next
    /// `server_error_burst_length - 1` to the same job (or the same token
    /// endpoint) are answered 500, 502, 503 or 504.
    pub server_error_burst_rate: f64,
    /// How many 5xx in a row a burst serves; at least 1.
    pub server_error_burst_length: u32,
    /// Share of requests that start a 429 storm with `Retry-After` in seconds
    /// (`storm_retry_after_seconds`).
    pub storm_seconds_rate: f64,
    /// Share of requests that start a 429 storm with `Retry-After` as an
    /// HTTP-date (the real wall clock plus `storm_retry_after_seconds`,
    /// rounded up to a whole second).
    pub storm_http_date_rate: f64,
    /// Share of requests that start a 429 storm with no `Retry-After`.
    pub storm_without_retry_after_rate: f64,
    /// How many 429 `TooManyRequests` in a row a storm serves, to the same
    /// job (or token endpoint); at least 1.
    pub storm_length: u32,
    /// The wait a storm's `Retry-After` asks for, in real seconds.
    pub storm_retry_after_seconds: u64,
    /// Share of requests whose answer is delayed by `slow_ms`.
    pub slow_rate: f64,
    /// Delay of a slow answer, in real milliseconds (the clock does not apply).
    pub slow_ms: u64,
    /// Share of requests whose connection is closed (FIN) without any response.
    pub drop_rate: f64,
    /// Share of requests whose connection is reset (RST) without any response.
    pub reset_rate: f64,
    /// Share of would-be 200s that send their headers and half the body,
    /// then reset the connection.
    pub reset_mid_body_rate: f64,
    /// Share of requests that get no answer for `stall_ms`, after which the
    /// connection is closed: longer than any sensible request timeout.
    pub stall_rate: f64,
    /// How long a stall lasts, in real milliseconds.
    pub stall_ms: u64,
    /// Share of would-be 200s whose body arrives one byte at a time, spread
    /// over `trickle_ms`.
    pub trickle_rate: f64,
    /// How long a trickled body takes, in real milliseconds.
    pub trickle_ms: u64,
    /// Share of requests answered 502, 503 or 504 with a gateway's HTML page
    /// (`text/html`, no `x-correlation-id`) instead of JSON.
    pub html_gateway_rate: f64,
    /// Share of would-be 200s whose body is cut in half: truncated JSON
    /// (e.g. `{"progress":{"perc`).
    pub malformed_rate: f64,
    /// Share of would-be 200s padded to a valid JSON body of exactly 8 MiB.
    pub huge_body_rate: f64,
    /// Share of would-be 200s whose `Content-Length` is 16 bytes more than
    /// the body sent; the connection closes after the body.
    pub short_body_rate: f64,
    /// Share of requests with `Accept-Encoding: gzip` answered with a gzip
    /// body (`Content-Encoding: gzip`); others are never compressed.
    pub gzip_rate: f64,
    /// Share of progress 200s whose state is one no dialect has
    /// (`Suspended`, `Paused` or `WaitingForResources`).
    pub unknown_state_rate: f64,
    /// Share of progress 200s wrapped in `jobProgress` instead of `progress`.
    pub job_progress_wrapper_rate: f64,
    /// Share of progress 200s whose state is capitalised (`active` → `Active`).
    pub capitalised_state_rate: f64,
    /// Share of progress 200s whose state is spelled as the v2 services do:
    /// `unsubmitted` → `Queued`, `failed` → `TerminatingOnFailure`,
    /// `cancelled` → `TerminatingOnCancel`, others capitalised.
    pub v2_state_rate: f64,
    /// Share of requests (to a known job, after its first request) on which
    /// the job disappears: 404 `ProgressNotFound` from then on, for good.
    pub disappear_rate: f64,
    /// Share of requests (with an accepted token, after the job's first
    /// request) on which the token stops being accepted: 401 `InvalidToken`
    /// from then on, for good.
    pub revoke_token_rate: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            server_error_rate: 0.0,
            server_error_burst_rate: 0.0,
            server_error_burst_length: 3,
            storm_seconds_rate: 0.0,
            storm_http_date_rate: 0.0,
            storm_without_retry_after_rate: 0.0,
            storm_length: 5,
            storm_retry_after_seconds: 2,
            slow_rate: 0.0,
            slow_ms: 0,
            drop_rate: 0.0,
            reset_rate: 0.0,
            reset_mid_body_rate: 0.0,
            stall_rate: 0.0,
            stall_ms: 60_000,
            trickle_rate: 0.0,
            trickle_ms: 2_000,
            html_gateway_rate: 0.0,
            malformed_rate: 0.0,
            huge_body_rate: 0.0,
            short_body_rate: 0.0,
            gzip_rate: 0.0,
            unknown_state_rate: 0.0,
            job_progress_wrapper_rate: 0.0,
            capitalised_state_rate: 0.0,
            v2_state_rate: 0.0,
            disappear_rate: 0.0,
            revoke_token_rate: 0.0,
        }
    }
}

impl Faults {
    /// The kinds of which a request suffers at most one, with their field
    /// names and rates, in the order the generator's roll walks them.
    pub(crate) fn exclusive_rates(&self) -> [(Kind, &'static str, f64); 20] {
        [
            (
                Kind::ServerError,
                "server_error_rate",
                self.server_error_rate,
            ),
            (Kind::Drop, "drop_rate", self.drop_rate),
            (Kind::Truncated, "malformed_rate", self.malformed_rate),
            (
                Kind::ServerErrorBurst,
                "server_error_burst_rate",
                self.server_error_burst_rate,
            ),
            (
                Kind::StormSeconds,
                "storm_seconds_rate",
                self.storm_seconds_rate,
            ),
            (
                Kind::StormHttpDate,
                "storm_http_date_rate",
                self.storm_http_date_rate,
            ),
            (
                Kind::StormWithoutRetryAfter,
                "storm_without_retry_after_rate",
                self.storm_without_retry_after_rate,
            ),
            (Kind::Reset, "reset_rate", self.reset_rate),
            (
                Kind::ResetMidBody,
                "reset_mid_body_rate",
                self.reset_mid_body_rate,
            ),
            (Kind::Stall, "stall_rate", self.stall_rate),
            (Kind::Trickle, "trickle_rate", self.trickle_rate),
            (
                Kind::HtmlGateway,
                "html_gateway_rate",
                self.html_gateway_rate,
            ),
            (Kind::HugeBody, "huge_body_rate", self.huge_body_rate),
            (Kind::ShortBody, "short_body_rate", self.short_body_rate),
            (
                Kind::UnknownState,
                "unknown_state_rate",
                self.unknown_state_rate,
            ),
            (
                Kind::JobProgressWrapper,
                "job_progress_wrapper_rate",
                self.job_progress_wrapper_rate,
            ),
            (
                Kind::CapitalisedState,
                "capitalised_state_rate",
                self.capitalised_state_rate,
            ),
            (Kind::V2State, "v2_state_rate", self.v2_state_rate),
            (Kind::Disappear, "disappear_rate", self.disappear_rate),
            (
                Kind::RevokeToken,
                "revoke_token_rate",
                self.revoke_token_rate,
            ),
        ]
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let exclusive = self.exclusive_rates();
        let independent = [("slow_rate", self.slow_rate), ("gzip_rate", self.gzip_rate)];
        let named = exclusive.iter().map(|&(_, name, rate)| (name, rate));
        for (name, rate) in named.chain(independent) {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("faults.{name} must be within 0..=1, got {rate}"));
            }
        }
        let sum: f64 = exclusive.iter().map(|(_, _, rate)| rate).sum();
        if sum > 1.0 {
            return Err(format!(
                "faults: the rates other than slow_rate and gzip_rate must not add up to more than 1, got {sum}"
            ));
        }
        if self.server_error_burst_length == 0 || self.storm_length == 0 {
            return Err(
                "faults.server_error_burst_length and storm_length must be at least 1".into(),
            );
        }
        Ok(())
    }
}

/// The fault kinds a request draws among (all but slow answers and gzip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    ServerError,
    Drop,
    Truncated,
    ServerErrorBurst,
    StormSeconds,
    StormHttpDate,
    StormWithoutRetryAfter,
    Reset,
    ResetMidBody,
    Stall,
    Trickle,
    HtmlGateway,
    HugeBody,
    ShortBody,
    UnknownState,
    JobProgressWrapper,
    CapitalisedState,
    V2State,
    Disappear,
    RevokeToken,
}
