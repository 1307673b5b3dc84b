//! Scrubbing the token the client sent out of what came back.

use memchr::memmem::Finder;

use crate::HttpResponse;

/// The forms of a token searched for in every answer (as sent, and
/// percent-encoded when that differs), each with its searcher. A client
/// builds them once per token, beside the token's `Authorization` value,
/// rather than encoding the token again at every answer.
pub(crate) struct SecretForms {
    /// Empty for a token too short to search for.
    finders: Vec<Finder<'static>>,
    /// The token's leading letters and digits, which both forms start with
    /// (percent-encoding leaves them as they are), when there are two forms
    /// and it is not empty: one search for it clears a haystack for both.
    common_start: Option<Finder<'static>>,
}

impl SecretForms {
    pub(crate) fn new(secret: &str) -> Self {
        // A very short token would match ordinary words; real tokens are long.
        if secret.len() < 8 {
            return Self {
                finders: Vec::new(),
                common_start: None,
            };
        }
        let encoded: std::borrow::Cow<'_, str> =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .into();
        let mut finders = vec![Finder::new(secret).into_owned()];
        let mut common_start = None;
        if encoded != secret {
            finders.push(Finder::new(encoded.as_bytes()).into_owned());
            let letters = secret.bytes().take_while(u8::is_ascii_alphanumeric).count();
            common_start = (letters > 0).then(|| Finder::new(&secret[..letters]).into_owned());
        }
        Self {
            finders,
            common_start,
        }
    }

    /// `haystack` with every copy of each form replaced by `<redacted>`, or
    /// `None` when none is there.
    fn scrub(&self, haystack: &[u8]) -> Option<Vec<u8>> {
        if let Some(start) = &self.common_start
            && start.find(haystack).is_none()
        {
            return None;
        }
        let mut clean: Option<Vec<u8>> = None;
        for finder in &self.finders {
            if let Some(replaced) = replace_all(finder, clean.as_deref().unwrap_or(haystack)) {
                clean = Some(replaced);
            }
        }
        clean
    }
}

/// Never the token (a searcher's `Debug` shows its needle).
impl std::fmt::Debug for SecretForms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretForms(<redacted>)")
    }
}

impl HttpResponse {
    /// Replaces every copy of `secret` (as sent, or percent-encoded) in the body
    /// and the header values with `<redacted>`, so that a gateway echoing the
    /// request cannot put the token into an error. Adapters call it on every
    /// response with the token they sent.
    pub fn redact_secret(&mut self, secret: &str) {
        self.redact(&SecretForms::new(secret));
    }

    /// [`HttpResponse::redact_secret`] with the token's forms built already.
    ///
    /// It runs on every answer, so it only searches until it finds something
    /// to replace: a clean answer costs no allocation.
    pub(crate) fn redact(&mut self, forms: &SecretForms) {
        if let Some(clean) = forms.scrub(&self.body) {
            self.body = clean;
        }
        for value in self.headers.values_mut() {
            if let Some(clean) = forms.scrub(value.as_bytes())
                && let Ok(clean) = http::HeaderValue::from_bytes(&clean)
            {
                *value = clean;
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
        if let Some(replaced) = replace_all(&Finder::new(needle), haystack) {
            clean = Some(replaced);
        }
    }
    clean
}

/// `haystack` with every match of `finder`'s needle (not empty) replaced by
/// `<redacted>`, or `None` when there is none.
fn replace_all(finder: &Finder<'_>, haystack: &[u8]) -> Option<Vec<u8>> {
    let mut at = finder.find(haystack)?;
    let needle = finder.needle().len();
    let mut out = Vec::with_capacity(haystack.len());
    let mut copied = 0;
    loop {
        out.extend_from_slice(&haystack[copied..at]);
        out.extend_from_slice(b"<redacted>");
        copied = at + needle;
        match finder.find(&haystack[copied..]) {
            Some(next) => at = copied + next,
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

#[cfg(test)]
mod forms_tests {
    use http::HeaderMap;

    use super::*;

    /// An answer echoing `secret` as sent in its body and percent-encoded
    /// in a header value only.
    fn echoing(secret: &str) -> HttpResponse {
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let mut response = HttpResponse {
            status: 400,
            headers: HeaderMap::new(),
            body: format!(r#"{{"a":"{secret}","b":"{encoded}{secret}"}}"#).into_bytes(),
            sent_with: None,
        };
        response
            .headers
            .insert("x-echo", format!("q={encoded}").parse().unwrap());
        response.headers.append("x-echo", secret.parse().unwrap());
        response
    }

    /// The forms are built once per token, and one search for the start both
    /// share clears a clean haystack: every token shape still loses both forms
    /// everywhere (letters first, a sign first, letters only).
    #[test]
    fn both_forms_go_from_the_body_and_every_header_value_for_any_token_shape() {
        for secret in [
            "eyJhbGciOi.SECRET.sig",
            "-SECRET.starts-with-a-sign",
            "SECRETLettersOnly",
        ] {
            let forms = SecretForms::new(secret);
            let mut response = echoing(secret);
            response.redact(&forms);
            let body = String::from_utf8(response.body.clone()).unwrap();
            assert!(!body.contains("SECRET"), "{secret}: {body}");
            assert_eq!(body.matches("<redacted>").count(), 3, "{secret}: {body}");
            for value in response.headers.get_all("x-echo") {
                let value = value.to_str().unwrap();
                assert!(!value.contains("SECRET"), "{secret}: {value}");
                assert!(value.contains("<redacted>"), "{secret}: {value}");
            }
            assert!(!format!("{forms:?}").contains("SECRET"));
        }
    }

    #[test]
    fn a_clean_answer_is_left_as_it_is() {
        let forms = SecretForms::new("eyJhbGciOi.SECRET.sig");
        let mut response = echoing("eyJhbGciOi.OTHER.sig");
        let before = (response.body.clone(), response.headers.clone());
        response.redact(&forms);
        assert_eq!((response.body, response.headers), before);
    }
}
