//! TLS with rustls and the ring provider: the same provider and roots as the
//! blocking client, and nothing that needs cmake or a system library.

use std::sync::Arc;

/// A rustls configuration on ring with the webpki (Mozilla) roots.
pub(crate) fn rustls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
