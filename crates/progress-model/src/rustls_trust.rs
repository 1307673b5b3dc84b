//! The rustls configuration both clients use under `rustls`: ring, the root
//! stores [`Trust`] asks for, and a verifier whose refusal of an unknown
//! issuer names that issuer and says how to trust it.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use crate::{Error, Trust};

/// A client configuration on ring that trusts what `trust` says: the
/// platform's store through rustls-platform-verifier, the bundled Mozilla
/// roots, and the added certificates.
pub fn rustls_config(trust: &Trust) -> Result<rustls::ClientConfig, Error> {
    let setup = |error: rustls::Error| Error::Config(format!("cannot set up TLS: {error}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = trust.roots_to_add();
    let verifier: Arc<dyn ServerCertVerifier> = if trust.roots.platform() {
        Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                .map_err(setup)?,
        )
    } else {
        let mut store = RootCertStore::empty();
        for root in roots {
            store.add(root).map_err(setup)?;
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .dangerous()
        // Not dangerous: it verifies as `verifier` does, only explaining a refusal better.
        .with_custom_certificate_verifier(Arc::new(NamingIssuer(verifier)))
        .with_no_client_auth())
}

/// A verifier that, when no trusted root vouches for a certificate, says whose
/// certificate it was and how to trust it.
#[derive(Debug)]
struct NamingIssuer(Arc<dyn ServerCertVerifier>);

/// The refusal of a certificate whose issuer no trusted root vouches for.
pub struct UntrustedIssuer {
    issuer: String,
}

impl fmt::Display for UntrustedIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the certificate was issued by `{}`, which is not trusted; {}",
            self.issuer,
            crate::error::TRUST_ADVICE
        )
    }
}

// rustls shows the error it carries with `Debug`: the same words, for people.
impl fmt::Debug for UntrustedIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for UntrustedIssuer {}

/// The issuer's distinguished name, or a word saying it could not be read.
fn issuer_of(certificate: &[u8]) -> String {
    match x509_parser::parse_x509_certificate(certificate) {
        Ok((_, parsed)) => parsed.issuer().to_string(),
        Err(_) => "an issuer that could not be read".to_owned(),
    }
}

impl ServerCertVerifier for NamingIssuer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|error| match error {
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                    // The top of the chain sent is the one a root should have signed.
                    let top = intermediates.last().unwrap_or(end_entity);
                    let untrusted = UntrustedIssuer {
                        issuer: issuer_of(top),
                    };
                    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(
                        Arc::new(untrusted),
                    )))
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.0.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.0.root_hint_subjects()
    }
}
