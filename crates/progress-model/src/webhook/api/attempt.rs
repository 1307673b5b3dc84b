//! When a call of the Webhooks API goes once more: after a 401, with a
//! fresh token, once.

/// Whether a call answered `status` is sent again with a fresh token: only
/// after a 401 on its first attempt, and only when the token provider can
/// give another token. A token can expire between being handed out and
/// being read; a second 401 is the platform's final word.
///
/// ```
/// # use progress_model::webhook::api::send_again_with_fresh_token;
/// assert!(send_again_with_fresh_token(401, 1, true));
/// assert!(!send_again_with_fresh_token(401, 2, true));
/// assert!(!send_again_with_fresh_token(401, 1, false));
/// assert!(!send_again_with_fresh_token(403, 1, true));
/// ```
pub fn send_again_with_fresh_token(status: u16, attempt: u32, can_refresh: bool) -> bool {
    status == 401 && attempt == 1 && can_refresh
}
