//! `Retry-After` as the machine gets it: from a 429's headers, resolved
//! against the wall clock, checked against a reading of RFC 9110 written
//! here on its own.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, header::RETRY_AFTER};
use progress_model::{HttpResponse, MAX_RETRY_AFTER, interpret};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::headers::{WALL_SECONDS, retry_after_value};
use crate::Target;

/// `Retry-After` parsing.
#[derive(Debug)]
pub struct RetryAfter;

/// One header value and the wall clock's offset from [`WALL_SECONDS`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Input {
    value: Vec<u8>,
    wall_offset: i32,
}

impl Target for RetryAfter {
    const NAME: &'static str = "retry-after";
    type Input = Input;

    fn strategy() -> BoxedStrategy<Input> {
        let offset = prop_oneof![3 => Just(0i32), 1 => -100_000i32..100_000];
        (retry_after_value(), offset)
            .prop_map(|(value, wall_offset)| Input { value, wall_offset })
            .boxed()
    }

    fn check(input: &Input) -> Result<(), String> {
        let Ok(value) = HeaderValue::from_bytes(&input.value) else {
            // Not a header HTTP can carry: no client hands it over.
            return Ok(());
        };
        let wall_seconds = WALL_SECONDS.saturating_add_signed(i64::from(input.wall_offset));
        let wall = UNIX_EPOCH + Duration::from_secs(wall_seconds);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.clone());
        let response = HttpResponse::new(429, headers, Vec::new());
        let error = match interpret(&response, 1024, wall) {
            Ok(progress) => return Err(format!("a 429 read as progress: {progress}")),
            Err(error) => error,
        };
        let got = error.retry_after();
        let expected = expected(value.as_bytes(), wall_seconds);
        if got != expected {
            return Err(format!(
                "Retry-After {:?} at {wall_seconds}: got {got:?}, expected {expected:?}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        Ok(())
    }
}

/// RFC 9110 §10.2.3: delay-seconds (digits; surrounding whitespace is not
/// part of the field value) or an HTTP-date (any of the three formats a
/// recipient must accept). Past dates mean now; anything else is ignored.
/// Capped at a day, as the contract says.
fn expected(value: &[u8], wall_seconds: u64) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim_matches([' ', '\t']);
    let wait = if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Duration::from_secs(text.parse().unwrap_or(u64::MAX))
    } else {
        let date = httpdate::parse_http_date(text).ok()?;
        let date_seconds = date.duration_since(UNIX_EPOCH).ok()?.as_secs();
        Duration::from_secs(date_seconds.saturating_sub(wall_seconds))
    };
    Some(wait.min(MAX_RETRY_AFTER))
}
