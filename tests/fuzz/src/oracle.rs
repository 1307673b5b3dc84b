//! Checks shared by the targets: what any text shown to a person must be.

use progress_model::{Error, MAX_RETRY_AFTER};

/// The token a body may echo (`Bearer fuzz-secret`): it must never be shown.
pub const ECHOED_SECRET: &str = "fuzz-secret";

/// An error's every rendering: no panic, no control character (a server's
/// text must not move a terminal's cursor), a short excerpt, a bounded
/// `Retry-After`. With `body`, the body it was read from: a token the body
/// echoed after `Bearer ` is never shown.
pub fn error_is_presentable(error: &Error, body: Option<&[u8]>) -> Result<(), String> {
    let display = error.to_string();
    let chain = error.chain().to_string();
    let _ = format!("{error:?}");
    for text in [&display, &chain] {
        if text.chars().any(char::is_control) {
            return Err(format!("an error shows a control character: {text:?}"));
        }
    }
    if let Some(body) = body
        && echoes_token_only_after_bearer(body)
    {
        for text in [
            Some(display.as_str()),
            Some(chain.as_str()),
            error.excerpt(),
        ]
        .into_iter()
        .flatten()
        {
            if text.contains(ECHOED_SECRET) {
                return Err(format!(
                    "an error shows the token the body echoed: {text:?}"
                ));
            }
        }
    }
    if let Some(excerpt) = error.excerpt() {
        // 200 characters and an ellipsis.
        if excerpt.chars().count() > 201 {
            return Err(format!(
                "an excerpt of {} characters",
                excerpt.chars().count()
            ));
        }
    }
    if let Some(wait) = error.retry_after()
        && wait > MAX_RETRY_AFTER
    {
        return Err(format!(
            "a Retry-After of {wait:?}, past the {MAX_RETRY_AFTER:?} cap"
        ));
    }
    Ok(())
}

/// Whether the body holds the secret, and only ever as `Bearer fuzz-secret`
/// (a mutation that cut the word `Bearer` leaves text that is no token).
fn echoes_token_only_after_bearer(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let secrets = text.matches(ECHOED_SECRET).count();
    secrets > 0 && secrets == text.matches("Bearer fuzz-secret").count()
}
