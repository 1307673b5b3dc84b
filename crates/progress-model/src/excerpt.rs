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
        match hide_bearer(word) {
            Bearer::None => clean.push_str(word),
            Bearer::TokenInWord(kept) => {
                clean.push_str(kept);
                clean.push_str("<redacted>");
            }
            Bearer::TokenInNextWord => {
                clean.push_str(word);
                // `Bearer Bearer abc` (a prefix doubled, as a token given
                // with its `Bearer ` gets): the token is past every `Bearer`.
                for hidden in words.by_ref() {
                    clean.push_str(" <redacted>");
                    if !matches!(hide_bearer(hidden), Bearer::TokenInNextWord) {
                        break;
                    }
                }
            }
        }
    }
    (!clean.is_empty()).then_some(clean)
}

/// Where the token after a `Bearer` in a word is.
enum Bearer<'a> {
    None,
    /// `Bearer:abc`, `Bearer%20abc`, `"Bearer=abc"`: keep this much, hide the rest.
    TokenInWord(&'a str),
    /// `Bearer`, `"Bearer`, `Bearer:` at the end of the word: the next word is the token.
    TokenInNextWord,
}

fn hide_bearer(word: &str) -> Bearer<'_> {
    // Every `bearer` in the word counts, not only the first: in
    // `BearerxBearer` the first is a word and the second a header's.
    let lower = word.to_ascii_lowercase();
    for (at, _) in lower.match_indices("bearer") {
        let after = &word[at + "bearer".len()..];
        let token = after
            .trim_start_matches("%20")
            .trim_start_matches([':', '=', '"', '\'', '\\']);
        if token.is_empty() {
            return Bearer::TokenInNextWord;
        }
        if token.len() < after.len() {
            return Bearer::TokenInWord(&word[..word.len() - token.len()]);
        }
        // `Bearers`, `bearerish`: a word, not a header; look further on.
    }
    Bearer::None
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
        for echoed in [
            r#"{"Authorization":"Bearer abc.def.ghi"}"#,
            "Bearer:abc.def.ghi",
            "auth=Bearer%20abc.def.ghi",
        ] {
            let clean = excerpt(echoed.as_bytes()).unwrap();
            assert!(!clean.contains("abc.def"), "{echoed} -> {clean}");
        }
        assert_eq!(
            excerpt(b"bearers of news").as_deref(),
            Some("bearers of news")
        );
    }

    /// Found by `cargo xtask fuzz` (tests/fuzz/regressions/interpret.jsonl): the
    /// word hidden after `Bearer` was not looked at, so a doubled prefix
    /// showed the token that followed it.
    #[test]
    fn a_doubled_bearer_prefix_hides_the_token_after_it() {
        for echoed in [
            "Authorization: Bearer Bearer abc.def.ghi",
            "Bearer fBearer abc.def.ghi",
            "Bearer Bearer: abc.def.ghi",
        ] {
            let clean = excerpt(echoed.as_bytes()).unwrap();
            assert!(!clean.contains("abc.def"), "{echoed} -> {clean}");
        }
        // Found next (interpret.jsonl, line 3): a `Bearer` after the first in one word.
        let clean = excerpt(b"x BearerfBearer abc.def.ghi").unwrap();
        assert!(!clean.contains("abc.def"), "{clean}");
        let clean = excerpt(b"Bearer:abc.def-Bearerish").unwrap();
        assert!(!clean.contains("abc.def"), "{clean}");
        assert_eq!(
            excerpt(b"Bearer Bearer abc then").as_deref(),
            Some("Bearer <redacted> <redacted> then")
        );
    }
}
