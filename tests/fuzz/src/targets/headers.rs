//! Response headers: the ones the client reads, with values that are
//! valid, nearly valid, or anything a header can hold.

use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;

/// The wall clock the answers are read at (2026-11-28): HTTP-dates are
/// generated around it, and the targets read them at it.
pub const WALL_SECONDS: u64 = 1_795_824_000;

/// `Retry-After` values: seconds, HTTP-dates around the wall clock, and
/// what a server might get wrong.
pub fn retry_after_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => any::<u64>().prop_map(|seconds| seconds.to_string().into_bytes()),
        3 => (0u64..100_000).prop_map(|seconds| seconds.to_string().into_bytes()),
        3 => (-400_000i64..400_000).prop_map(|offset| {
            let at = std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(WALL_SECONDS.saturating_add_signed(offset));
            httpdate::fmt_http_date(at).into_bytes()
        }),
        2 => prop::sample::select(&[
            "-5", "1.5", "", " 7 ", "+3", "0", "00000000000000000000000000001", "99999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994", "Mon, 32 Jan 2024 00:00:00 GMT", "soon", "\u{0660}",
        ][..]).prop_map(|text| text.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

/// Header names and values as a response may carry them.
pub fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        8 => prop::sample::select(&[
            "retry-after", "Retry-After", "x-correlation-id", "request-id", "location",
            "content-type", "content-length", "content-encoding", "www-authenticate",
        ][..]).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9-]{1,12}",
    ];
    let value = prop_oneof![
        3 => retry_after_value(),
        2 => any::<String>().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec((name, value), 0..4)
}

/// The headers that HTTP can carry; the others are left out, as a client
/// library would never hand them over.
pub fn header_map(headers: &[(String, Vec<u8>)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(name, value);
        }
    }
    map
}
