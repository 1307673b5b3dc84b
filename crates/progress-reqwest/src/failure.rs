//! What a failed exchange means to the model: a proxy that refused the
//! tunnel, TLS that failed, a timeout, or a connection that failed. Read the
//! same for every stack, so it sits below them.

use progress_model::Error;

use crate::proxy::TunnelRefused;

/// Any error a stack's exchange ends with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The failure of a request to `url`, with the stack's error as its source
/// (hyper's and the TLS libraries' errors name neither the headers nor the
/// token: their text is safe).
pub(crate) fn failure(url: &str, error: BoxError) -> Error {
    let failed = if let Some(status) = find::<TunnelRefused>(error.as_ref()).map(|r| r.status) {
        Error::tunnel_refused(url, status)
    } else if let Some(tls) = tls_failure(error.as_ref()) {
        match tls {
            #[cfg(feature = "rustls")]
            Tls::Rustls => Error::tls(url),
            // The platform library's refusal names no certificate: say how
            // to trust a company's root.
            #[cfg(feature = "native-tls")]
            Tls::Platform => Error::tls(url).with_trust_advice(),
        }
    } else if is_timeout(error.as_ref()) {
        Error::timeout(url)
    } else {
        // Refused, reset, closed early, or an answer that is not HTTP: the
        // connection failed, which may heal.
        Error::connect(url)
    };
    failed.caused_by(error)
}

/// Whether one of the causes of `error`, or `error` itself, says `words`.
#[cfg(feature = "reqwest")]
pub(crate) fn mentions(error: &(dyn std::error::Error + 'static), words: &str) -> bool {
    causes(error).any(|cause| cause.to_string().contains(words))
}

/// `error` and its sources, outermost first.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |cause| cause.source())
}

/// The first cause of type `T`.
fn find<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    causes(error).find_map(|cause| cause.downcast_ref::<T>())
}

/// Which TLS library refused.
enum Tls {
    #[cfg(feature = "rustls")]
    Rustls,
    #[cfg(feature = "native-tls")]
    Platform,
}

/// Whether a certificate or TLS setup failure is behind the error: those do
/// not heal by retrying.
fn tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<Tls> {
    for cause in causes(error) {
        #[cfg(feature = "rustls")]
        if cause.is::<rustls::Error>() {
            return Some(Tls::Rustls);
        }
        // The platform library's handshake and certificate failures, unless the
        // socket failed under it (a reset mid-handshake): that one may heal,
        // and rustls reports it as a plain io error too.
        #[cfg(feature = "native-tls")]
        if cause.is::<native_tls::Error>() {
            let io_under = causes(cause)
                .skip(1)
                .any(|under| under.is::<std::io::Error>());
            return (!io_under).then_some(Tls::Platform);
        }
        // TLS streams report handshake failures as io errors around the TLS error.
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(tls) = tls_failure(inner)
        {
            return Some(tls);
        }
    }
    None
}

/// Whether the connect timeout ran out.
fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    causes(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}
