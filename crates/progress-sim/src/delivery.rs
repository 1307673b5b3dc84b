//! Faults on the way out: what happens to a 200's bytes after the answer is
//! decided (cut, padded, compressed, short, reset half-way, trickled).

use std::convert::Infallible;
use std::io::Write as _;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::HeaderMap;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, HeaderValue, VARY};

use crate::connection::ConnectionControl;
use crate::fault_injector::Fault;

/// Whether the request's `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|parameter| {
                parameter
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// The size of a `huge_body_rate` body.
pub(crate) const HUGE_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How many bytes beyond the body a `short_body_rate` answer announces.
const MISSING_BYTES: usize = 16;

/// How long the bytes sent have to reach the client before the connection
/// ends: hyper drops what it has not flushed, a reset throws away what the
/// kernel has not sent.
const BEFORE_RESET: Duration = Duration::from_millis(50);

/// Whether `fault` acts on a 200's bytes (and only on a 200's).
pub(crate) fn changes_a_200(fault: Fault) -> bool {
    matches!(
        fault,
        Fault::Truncated
            | Fault::HugeBody
            | Fault::ShortBody
            | Fault::ResetMidBody
            | Fault::Trickle(_)
    )
}

/// Applies a body fault (if any) and gzip (if asked) to a rendered answer.
pub(crate) async fn deliver(
    response: Response,
    fault: Option<Fault>,
    gzip: bool,
    connection: &ConnectionControl,
) -> Response {
    if fault.is_none() && !gzip {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The body was rendered in memory, so this does not wait on anything.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut bytes = bytes.to_vec();
    match fault {
        Some(Fault::Truncated) => bytes.truncate(first_half_len(&bytes)),
        Some(Fault::HugeBody) => bytes = padded(&bytes, HUGE_BODY_BYTES),
        _ => {}
    }
    if gzip {
        bytes = gzipped(&bytes);
        parts
            .headers
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        parts
            .headers
            .insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    let announced = match fault {
        Some(Fault::ShortBody) => bytes.len() + MISSING_BYTES,
        _ => bytes.len(),
    };
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(announced));
    let body = match fault {
        Some(Fault::ShortBody) => end_short(bytes),
        Some(Fault::ResetMidBody) => reset_half_way(bytes, connection.clone()),
        Some(Fault::Trickle(over)) => trickle(bytes, over),
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}

/// Half the body, cut on a character boundary where the body is text:
/// `{"progress":{"state":"x"}}` becomes `{"progress":{`.
pub(crate) fn first_half_len(body: &[u8]) -> usize {
    match std::str::from_utf8(body) {
        Ok(text) => (0..=text.len() / 2)
            .rev()
            .find(|&index| text.is_char_boundary(index))
            .unwrap_or(0),
        Err(_) => body.len() / 2,
    }
}

/// A JSON object grown to `size` bytes by a `padding` member; anything else
/// grown with spaces (still the same JSON, if it was).
fn padded(body: &[u8], size: usize) -> Vec<u8> {
    const MEMBER: &[u8] = b",\"padding\":\"";
    let closing = body.iter().rposition(|&byte| byte == b'}');
    match closing {
        // The closing brace is replaced by the member and `"}`.
        Some(at) if body.len() + MEMBER.len() < size => {
            let fill = size + 1 - body.len() - MEMBER.len() - 2;
            let mut grown = Vec::with_capacity(size);
            grown.extend_from_slice(&body[..at]);
            grown.extend_from_slice(MEMBER);
            grown.resize(grown.len() + fill, b'x');
            grown.extend_from_slice(b"\"}");
            grown.extend_from_slice(&body[at + 1..]);
            grown
        }
        _ => {
            let mut grown = body.to_vec();
            grown.resize(size.max(body.len()), b' ');
            grown
        }
    }
}

fn gzipped(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

/// All the bytes, a pause for hyper to flush them, then the end of a body
/// that has no size of its own: hyper trusts the larger `Content-Length`,
/// finds the body short and closes the connection.
fn end_short(bytes: Vec<u8>) -> Body {
    let chunks = futures_util::stream::unfold(Some(Bytes::from(bytes)), |bytes| async move {
        match bytes {
            Some(bytes) => Some((Ok::<_, Infallible>(bytes), None)),
            None => {
                tokio::time::sleep(BEFORE_RESET).await;
                None
            }
        }
    });
    Body::from_stream(chunks)
}

/// The first half, a pause for it to arrive, then a reset.
fn reset_half_way(bytes: Vec<u8>, connection: ConnectionControl) -> Body {
    let mut first = Bytes::from(bytes);
    first.truncate(first.len() / 2);
    let chunks = futures_util::stream::unfold(Some(first), move |first| {
        let connection = connection.clone();
        async move {
            match first {
                Some(first) => Some((Ok(first), None)),
                None => {
                    tokio::time::sleep(BEFORE_RESET).await;
                    connection.reset_on_close();
                    // An error from the body makes hyper drop the connection.
                    let cut = std::io::Error::other("connection reset by a simulated fault");
                    Some((Err(cut), None))
                }
            }
        }
    });
    Body::from_stream(chunks)
}

/// One byte at a time, the pauses adding up to `over`.
fn trickle(bytes: Vec<u8>, over: Duration) -> Body {
    let count = u32::try_from(bytes.len()).unwrap_or(u32::MAX).max(1);
    let pause = over / count;
    let bytes = Bytes::from(bytes);
    let chunks = futures_util::stream::unfold(0, move |index| {
        let bytes = bytes.clone();
        async move {
            if index >= bytes.len() {
                return None;
            }
            tokio::time::sleep(pause).await;
            Some((
                Ok::<_, Infallible>(bytes.slice(index..index + 1)),
                index + 1,
            ))
        }
    });
    Body::from_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(first_half_len("ééé".as_bytes()), 2);
        assert_eq!(first_half_len(b""), 0);
        let body = br#"{"progress":{"state":"active"}}"#;
        let half = &body[..first_half_len(body)];
        assert!(serde_json::from_slice::<serde_json::Value>(half).is_err());
    }

    #[test]
    fn padding_keeps_the_json_and_reaches_the_size_exactly() {
        let body = br#"{"progress":{"state":"active"}}"#;
        let grown = padded(body, 1000);
        assert_eq!(grown.len(), 1000);
        let value: serde_json::Value = serde_json::from_slice(&grown).unwrap();
        assert_eq!(value["progress"]["state"], "active");
    }
}
