//! Scrubbing the token the client sent out of what came back.

use crate::HttpResponse;

impl HttpResponse {
    /// Replaces every copy of `secret` (as sent, or percent-encoded) in the body
    /// and the header values with `<redacted>`, so that a gateway echoing the
    /// request cannot put the token into an error. Adapters call it on every
    /// response with the token they sent.
    pub fn redact_secret(&mut self, secret: &str) {
        // A very short token would match ordinary words; real tokens are long.
        if secret.len() < 8 {
            return;
        }
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for needle in [secret, encoded.as_str()] {
            self.body = replace_bytes(&self.body, needle.as_bytes(), b"<redacted>");
            for value in self.headers.values_mut() {
                let replaced = replace_bytes(value.as_bytes(), needle.as_bytes(), b"<redacted>");
                if replaced != value.as_bytes()
                    && let Ok(clean) = http::HeaderValue::from_bytes(&replaced)
                {
                    *value = clean;
                }
            }
        }
    }
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest
        .windows(needle.len())
        .position(|window| window == needle)
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
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
