//! Short, safe excerpts of bodies and header values for error messages.

/// At most this many characters of a body go into an error.
const EXCERPT_CHARS: usize = 200;

/// Authorization schemes whose credentials follow their name: a gateway
/// echoing the request shows `Authorization: Basic <credentials>`.
const SCHEMES: [&str; 6] = ["bearer", "basic", "digest", "negotiate", "ntlm", "dpop"];

/// The header whose value is credentials of any scheme (`Proxy-Authorization` too).
const CREDENTIALS_HEADER: &str = "authorization";

/// A short excerpt of a body: control characters and runs of whitespace become
/// one space, and credentials are hidden in case a gateway echoed the request
/// (see [`sanitize`]). `None` for an empty body.
pub fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)]);
    let mut clean = sanitize(&text)?;
    if clean.chars().count() > EXCERPT_CHARS {
        clean = clean.chars().take(EXCERPT_CHARS).collect::<String>() + "…";
    }
    Some(clean)
}

/// Collapses whitespace and control characters and hides credentials: what
/// follows an authorization scheme's name (`Bearer`, `Basic`, `Digest`,
/// `Negotiate`, `NTLM`, `DPoP`), and the value of an `Authorization:` (or
/// `"authorization":`, `authorization=`) of any scheme, the scheme kept when
/// it is one of those and the next two words hidden when it is not (the
/// scheme of a stranger, or a bare credential, and what may follow it).
pub fn sanitize(text: &str) -> Option<String> {
    let words = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty());
    let mut clean = String::new();
    let mut hide = Hide::Nothing;
    for word in words {
        if !clean.is_empty() {
            clean.push(' ');
        }
        if let Hide::Words(left) = hide {
            clean.push_str("<redacted>");
            // `Bearer Bearer abc` (a prefix doubled, as a token given with
            // its `Bearer ` gets): the credentials are past every scheme.
            hide = match credentials_in(word) {
                Found::InNextWord | Found::HeaderValueNext => Hide::Words(1),
                _ if left > 1 => Hide::Words(left - 1),
                _ => Hide::Nothing,
            };
            continue;
        }
        if hide == Hide::HeaderValue && !starts_with_scheme(word) {
            // `Authorization: <an unknown scheme or a bare credential> ...`
            clean.push_str("<redacted>");
            hide = Hide::Words(1);
            continue;
        }
        hide = Hide::Nothing;
        match credentials_in(word) {
            Found::Nothing => clean.push_str(word),
            Found::InWord { kept, then } => {
                clean.push_str(kept);
                clean.push_str("<redacted>");
                hide = then;
            }
            Found::InNextWord => {
                clean.push_str(word);
                hide = Hide::Words(1);
            }
            Found::HeaderValueNext => {
                clean.push_str(word);
                hide = Hide::HeaderValue;
            }
        }
    }
    (!clean.is_empty()).then_some(clean)
}

/// What the words after the current one hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hide {
    Nothing,
    /// This many words are credentials.
    Words(usize),
    /// The value of an authorization header: a known scheme is shown, anything
    /// else hidden with the word after it.
    HeaderValue,
}

/// Where the credentials announced in a word are.
enum Found<'a> {
    Nothing,
    /// `Bearer:abc`, `Basic%20abc`, `"authorization":"xyz`: keep this much,
    /// hide the rest of the word, then `then`.
    InWord {
        kept: &'a str,
        then: Hide,
    },
    /// `Bearer`, `"Basic`, `Bearer:` at the end of the word: the next word is the credential.
    InNextWord,
    /// `Authorization:`, `"authorization":"` at the end of the word: the value follows.
    HeaderValueNext,
}

fn credentials_in(word: &str) -> Found<'_> {
    // Every name in the word counts, not only the first: in `BearerxBearer`
    // the first is a word and the second a header's.
    let lower = word.to_ascii_lowercase();
    let mut names: Vec<(usize, &str)> = SCHEMES
        .iter()
        .chain([&CREDENTIALS_HEADER])
        .flat_map(|name| lower.match_indices(name))
        .collect();
    names.sort_unstable();
    for (at, name) in names {
        let after = &word[at + name.len()..];
        let value = skip_separators(after);
        if name != CREDENTIALS_HEADER {
            if value.is_empty() {
                return Found::InNextWord;
            }
            if value.len() < after.len() {
                return Found::InWord {
                    kept: &word[..word.len() - value.len()],
                    then: Hide::Nothing,
                };
            }
            // `Bearers`, `basically`: a word, not a scheme; look further on.
            continue;
        }
        if value.len() == after.len() {
            // `Authorization Required`, `authorizations`: prose.
            continue;
        }
        if value.is_empty() {
            return Found::HeaderValueNext;
        }
        if starts_with_scheme(value) {
            // `"Authorization":"Basic`: the scheme's own rule, further on.
            continue;
        }
        return Found::InWord {
            kept: &word[..word.len() - value.len()],
            then: Hide::Words(1),
        };
    }
    Found::Nothing
}

/// Whether `text` begins with a known scheme's name followed by nothing or a separator.
fn starts_with_scheme(text: &str) -> bool {
    let text = skip_separators(text);
    SCHEMES.iter().any(|scheme| {
        text.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
            && {
                let rest = &text[scheme.len()..];
                rest.is_empty() || skip_separators(rest).len() < rest.len()
            }
    })
}

/// `text` without the separators a name and its value may have between them,
/// as sent, quoted, escaped or percent- or form-encoded: `: = " ' \ +`,
/// `%20`, `%22`, `%27`, `%3A`, `%3D`.
fn skip_separators(mut text: &str) -> &str {
    loop {
        let rest = text
            .strip_prefix([':', '=', '"', '\'', '\\', '+'])
            .or_else(|| {
                let code = text.get(..3)?;
                ["%20", "%22", "%27", "%3a", "%3d"]
                    .iter()
                    .any(|encoded| code.eq_ignore_ascii_case(encoded))
                    .then(|| &text[3..])
            });
        match rest {
            Some(rest) => text = rest,
            None => return text,
        }
    }
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

    /// Issue 19: a page echoing the token request showed its Basic
    /// credentials; any scheme's credentials, and any `Authorization` value,
    /// are hidden now.
    #[test]
    fn every_scheme_s_credentials_and_any_authorization_value_are_hidden() {
        for (echoed, shown) in [
            (
                "Authorization: Basic am9iLXdhdGNoZXI6czNjcjN0 ok",
                "Authorization: Basic <redacted> ok",
            ),
            (
                r#"{"authorization":"Basic am9iLXdhdGNoZXI6czNjcjN0","host":"a"}"#,
                r#"{"authorization":"Basic <redacted>"#,
            ),
            (
                "auth=Basic%20am9iLXdhdGNoZXI6czNjcjN0&x=1",
                "auth=Basic%20<redacted>",
            ),
            (
                "authorization=Basic+am9iLXdhdGNoZXI6czNjcjN0",
                "authorization=Basic+<redacted>",
            ),
            (
                r#"Authorization: Digest username="am9iLXdhdGNoZXI6czNjcjN0" x"#,
                "Authorization: Digest <redacted> x",
            ),
            (
                "Proxy-Authorization: NTLM am9iLXdhdGNoZXI6czNjcjN0",
                "Proxy-Authorization: NTLM <redacted>",
            ),
            (
                "Authorization: Custom am9iLXdhdGNoZXI6czNjcjN0 tail",
                "Authorization: <redacted> <redacted> tail",
            ),
            (
                "Authorization: am9iLXdhdGNoZXI6czNjcjN0",
                "Authorization: <redacted>",
            ),
            (
                r#"{"Authorization":"am9iLXdhdGNoZXI6czNjcjN0"} x"#,
                r#"{"Authorization":"<redacted> <redacted>"#,
            ),
            (
                "authorization%3Aam9iLXdhdGNoZXI6czNjcjN0",
                "authorization%3A<redacted>",
            ),
        ] {
            let clean = excerpt(echoed.as_bytes()).unwrap();
            assert!(!clean.contains("am9iLXdh"), "{echoed} -> {clean}");
            assert!(clean.starts_with(shown), "{echoed} -> {clean}");
        }
        // Prose keeps its words.
        for prose in [
            "401 Authorization Required",
            "basically nothing",
            "Authorizations pending",
        ] {
            assert_eq!(excerpt(prose.as_bytes()).as_deref(), Some(prose));
        }
    }
}
