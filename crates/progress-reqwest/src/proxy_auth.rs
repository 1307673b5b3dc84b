//! Which failures are a proxy refusing its credentials: those end a watch
//! at once, since the same credentials get the same answer. Read by both
//! transports, so it sits below them.

/// Whether the proxy answered the `CONNECT` with `407 Proxy Authentication
/// Required`. hyper-util, under both stacks, keeps its tunnel error private
/// and tells a 407 only in its text.
pub(crate) fn is_proxy_auth_refusal(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause.to_string().contains("proxy authorization required") {
            return true;
        }
        source = cause.source();
    }
    false
}
