//! The TLS around our own connections, as the features pick: the platform's
//! library (`native-tls`, which wins when both are on), rustls on ring
//! (`rustls`), or none: clear text only, and `build()` refuses an `https://`
//! base URL.

use progress_model::{Error, Settings};

use crate::proxy::ProxiedConnector;

/// Connections with the platform's TLS library where the address says `https`.
#[cfg(feature = "native-tls")]
pub(crate) type Connector = hyper_tls::HttpsConnector<ProxiedConnector>;

/// Connections with rustls on ring where the address says `https`.
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
pub(crate) type Connector = hyper_rustls::HttpsConnector<ProxiedConnector>;

/// Clear-text connections only.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(crate) type Connector = ProxiedConnector;

/// The platform's TLS library with the roots the settings trust: its own
/// store (the platform's) unless only the bundled roots are wanted, and the
/// certificates to add.
#[cfg(feature = "native-tls")]
pub(crate) fn with_tls(tcp: ProxiedConnector, settings: &Settings) -> Result<Connector, Error> {
    let trust = &settings.trust;
    let mut tls = native_tls::TlsConnector::builder();
    tls.disable_built_in_roots(!trust.roots.platform());
    for der in trust.roots_to_add() {
        let root = native_tls::Certificate::from_der(&der)
            .map_err(|error| Error::Config(format!("cannot read a root certificate: {error}")))?;
        tls.add_root_certificate(root);
    }
    let tls = tls
        .build()
        .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?;
    Ok(hyper_tls::HttpsConnector::from((tcp, tls.into())))
}

/// rustls on ring with the roots the settings trust, as the blocking client
/// uses: the provider is in the configuration, so the program needs no
/// process-wide one, and none is chosen for it.
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
pub(crate) fn with_tls(tcp: ProxiedConnector, settings: &Settings) -> Result<Connector, Error> {
    let tls = progress_model::internal::rustls_config(settings)?;
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp))
}

/// No TLS: refuses an `https://` base URL, as every request would fail.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(crate) fn with_tls(tcp: ProxiedConnector, settings: &Settings) -> Result<Connector, Error> {
    settings.refuse_https_without_tls("progress-reqwest")?;
    Ok(tcp)
}
