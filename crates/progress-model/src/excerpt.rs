//! Short, safe excerpts of bodies and header values for error messages.

/// At most this many characters of a body go into an error.
const EXCERPT_CHARS: usize = 200;

/// A short excerpt of a body: control characters and runs of whitespace become
/// one space, and anything after `Bearer ` is hidden in case a gateway echoed
/// the request. `None` for an empty body.
pub fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)]);
    let mut clean = sanitize(&text)?;
    if clean.chars().count() > EXCERPT_CHARS {
        clean = clean.chars().take(EXCERPT_CHARS).collect::<String>() + "…";
    }
    Some(clean)
}

/// Collapses whitespace and control characters and hides bearer tokens.
pub fn sanitize(text: &str) -> Option<String> {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty());
    let mut clean = String::new();
    while let Some(word) = words.next() {
        if !clean.is_empty() {
            clean.push(' ');
        }
        clean.push_str(word);
        if word.eq_ignore_ascii_case("bearer") && words.next().is_some() {
            clean.push_str(" <redacted>");
        }
    }
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_single_line_and_hide_tokens() {
        assert_eq!(excerpt(b""), None);
        assert_eq!(excerpt(b"a\r\n\tb\x07c").as_deref(), Some("a b c"));
        let long = excerpt("x".repeat(5000).as_bytes()).unwrap();
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        let echoed = excerpt(b"you sent Authorization: Bearer abc.def.ghi please").unwrap();
        assert!(!echoed.contains("abc.def"));
        assert!(echoed.contains("Bearer <redacted> please"));
    }
}
