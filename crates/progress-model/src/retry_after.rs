//! The `Retry-After` header: delay-seconds or an HTTP-date.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest wait a `Retry-After` can ask for: a day. Longer values are
/// taken as a day, so a garbled header cannot park a watch for years.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long the service asked to wait, resolved against `wall_now`, at most
/// [`MAX_RETRY_AFTER`].
///
/// Negative, unparsable or absent values are ignored (`None`); a date in the past
/// means no wait at all.
pub fn retry_after(headers: &HeaderMap, wall_now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let asked = if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        // Digits beyond u64 are still a (very long) number of seconds.
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let date = httpdate::parse_http_date(value).ok()?;
        date.duration_since(wall_now).unwrap_or(Duration::ZERO)
    };
    Some(asked.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, value.parse().unwrap());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        retry_after(&headers, now)
    }

    #[test]
    fn seconds_dates_and_garbage() {
        assert_eq!(parse("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 7 "), Some(Duration::from_secs(7)));
        // 1_000_000_000 is Sun, 09 Sep 2001 01:46:40 GMT.
        assert_eq!(
            parse("Sun, 09 Sep 2001 01:47:10 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse("Sun, 09 Sep 2001 01:40:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("18446744073709551615"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse("99999999999999999999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(MAX_RETRY_AFTER)
        );
        for ignored in ["-5", "soon", "1.5", ""] {
            assert_eq!(parse(ignored), None, "{ignored:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), SystemTime::UNIX_EPOCH), None);
    }
}
