//! Which failures are TLS failures (an untrusted certificate, a handshake
//! that failed): those end a watch at once, as waiting does not fix them.
//! Read by both transports, so it sits below them.

/// Whether a certificate or TLS setup failure is behind the error: those do
/// not heal by retrying.
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        #[cfg(feature = "rustls")]
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        // The platform library's handshake and certificate failures, unless the
        // socket failed under it (a reset mid-handshake): that one may heal,
        // and rustls reports it as a plain io error too.
        #[cfg(feature = "native-tls")]
        if cause.downcast_ref::<native_tls::Error>().is_some() {
            return !has_io_cause(cause);
        }
        // TLS streams report handshake failures as io errors around the TLS error.
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && is_tls_failure(inner)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Whether an io error is among the causes of `error`.
#[cfg(feature = "native-tls")]
fn has_io_cause(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}
