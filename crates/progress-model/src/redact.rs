//! Scrubbing the token the client sent out of what came back.

use crate::HttpResponse;

impl HttpResponse {
    /// Replaces every copy of `secret` (as sent, or percent-encoded) in the body
    /// and the header values with `<redacted>`, so that a gateway echoing the
    /// request cannot put the token into an error. Adapters call it on every
    /// response with the token they sent.
    ///
    /// It runs on every answer, so it only searches until it finds something
    /// to replace: a clean answer costs no allocation but the encoded form of
    /// the token, and no searcher is built (the haystacks are small: a body
    /// under the cap and a few header values).
    pub fn redact_secret(&mut self, secret: &str) {
        // A very short token would match ordinary words; real tokens are long.
        if secret.len() < 8 {
            return;
        }
        let encoded: std::borrow::Cow<'_, str> =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .into();
        for needle in [secret.as_bytes(), encoded.as_bytes()] {
            if let Some(clean) = replace_all(needle, &self.body) {
                self.body = clean;
            }
            for value in self.headers.values_mut() {
                if let Some(clean) = replace_all(needle, value.as_bytes())
                    && let Ok(clean) = http::HeaderValue::from_bytes(&clean)
                {
                    *value = clean;
                }
            }
        }
    }
}

/// `text` with every copy of each of `needles` (the empty ones skipped)
/// replaced by `<redacted>`, or `None` when none is there.
#[cfg(feature = "oauth")]
pub(crate) fn redact_all(text: &[u8], needles: &[&str]) -> Option<Vec<u8>> {
    let mut clean: Option<Vec<u8>> = None;
    for needle in needles.iter().filter(|needle| !needle.is_empty()) {
        let haystack = clean.as_deref().unwrap_or(text);
        if let Some(replaced) = replace_all(needle.as_bytes(), haystack) {
            clean = Some(replaced);
        }
    }
    clean
}

/// Where `needle` (not empty) starts in `haystack`, from `from` on: candidates
/// are found by its first byte with memchr, then compared.
fn find(needle: &[u8], haystack: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    memchr::memchr_iter(needle[0], rest)
        .map(|at| from + at)
        .find(|&at| haystack[at..].starts_with(needle))
}

/// `haystack` with every match of `needle` replaced by `<redacted>`, or
/// `None` when there is none.
fn replace_all(needle: &[u8], haystack: &[u8]) -> Option<Vec<u8>> {
    let mut at = find(needle, haystack, 0)?;
    let mut out = Vec::with_capacity(haystack.len());
    let mut copied = 0;
    loop {
        out.extend_from_slice(&haystack[copied..at]);
        out.extend_from_slice(b"<redacted>");
        copied = at + needle.len();
        match find(needle, haystack, copied) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(&haystack[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use http::HeaderMap;

    use super::*;
    use crate::interpret;

    #[test]
    fn an_echoed_token_is_redacted_wherever_it_appears() {
        let secret = "eyJhbGciOi.SECRET.sig";
        let mut response = HttpResponse {
            status: 401,
            headers: HeaderMap::new(),
            body: format!(
                r#"{{"error":{{"code":"InvalidToken","message":"token {secret} expired"}},"headers":{{"Authorization":"Bearer {secret}"}},"q":"auth=Bearer%20eyJhbGciOi%2ESECRET%2Esig"}}"#
            )
            .into_bytes(),
            sent_with: None,
        };
        response
            .headers
            .insert("x-correlation-id", format!("id-{secret}").parse().unwrap());
        response.redact_secret(secret);
        let error = interpret(&response, 1 << 20, SystemTime::UNIX_EPOCH).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
