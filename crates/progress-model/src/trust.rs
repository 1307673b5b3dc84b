//! Which certificate authorities a client trusts: the choice of root stores
//! and the company root certificates a caller adds.

use std::fmt;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::Error;

/// The root stores a client trusts, besides any certificate added with
/// `add_root_certificate`. The same default in both clients and under both
/// TLS features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Roots {
    /// The platform's trust store (the system's, where a company installs its
    /// root certificate for TLS inspection).
    Platform,
    /// The roots bundled with this crate (Mozilla's), the same on every machine.
    WebPki,
    /// Both: the platform's store, and the bundled roots so that a container
    /// without a system store still works.
    #[default]
    Both,
}

impl Roots {
    /// Whether the platform's trust store is consulted.
    pub fn platform(self) -> bool {
        matches!(self, Self::Platform | Self::Both)
    }

    /// Whether the bundled (Mozilla) roots are trusted.
    pub fn webpki(self) -> bool {
        matches!(self, Self::WebPki | Self::Both)
    }
}

/// What a client trusts: its root stores and the certificates added to them.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trust {
    /// The root stores.
    pub roots: Roots,
    /// Root certificates added by the caller (DER), trusted whatever `roots` says.
    pub added: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// Adds every certificate of a PEM file (a company's root, or a bundle of
    /// several). Text that holds no certificate is an error: a wrong file
    /// should not leave a client that fails at its first request.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<(), Error> {
        let before = self.added.len();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| {
                Error::Config(format!("the root certificate is not valid PEM: {error}"))
            })?;
            self.added.push(certificate);
        }
        if self.added.len() == before {
            return Err(Error::Config(
                "the root certificate holds no PEM certificate \
                 (a `-----BEGIN CERTIFICATE-----` block)"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl Trust {
    /// The certificates to trust beside the platform's store (when
    /// [`Roots::platform`]) or alone: the added ones, and the bundled Mozilla
    /// roots when [`Roots::webpki`].
    #[cfg(feature = "_roots")]
    pub fn roots_to_add(&self) -> Vec<CertificateDer<'static>> {
        let mut roots = self.added.clone();
        if self.roots.webpki() {
            roots.extend(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        }
        roots
    }
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("roots", &self.roots)
            .field("added", &self.added.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate's PEM shape; the bytes need not be a valid certificate
    /// to be read as one (the TLS library checks them at its handshake).
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_default_is_both_stores() {
        let roots = Roots::default();
        assert_eq!(roots, Roots::Both);
        assert!(roots.platform() && roots.webpki());
        assert!(Roots::Platform.platform() && !Roots::Platform.webpki());
        assert!(!Roots::WebPki.platform() && Roots::WebPki.webpki());
    }

    #[test]
    fn a_bundle_adds_every_certificate() {
        let mut trust = Trust::default();
        trust.add_pem(format!("{PEM}{PEM}").as_bytes()).unwrap();
        assert_eq!(trust.added.len(), 2);
    }

    #[test]
    fn a_file_without_a_certificate_is_a_config_error() {
        let mut trust = Trust::default();
        let error = trust.add_pem(b"not a certificate").unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Config);
        assert!(error.to_string().contains("BEGIN CERTIFICATE"), "{error}");
        assert!(trust.added.is_empty());
    }
}
