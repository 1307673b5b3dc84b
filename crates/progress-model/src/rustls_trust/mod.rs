//! The rustls configuration both clients use under `rustls`: ring, the root
//! stores [`Trust`] asks for, and a verifier whose refusal of an unknown
//! issuer names that issuer and says how to trust it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use crate::{Error, Settings, Trust};

mod issuer;

/// The configuration for a client with these settings: the one `trust` asks
/// for, made once per process for each choice of root stores without added
/// certificates (reading the platform's store and the bundled roots costs
/// milliseconds and a few hundred kilobytes, which many clients need not
/// repeat). A clear-text base URL needs no TLS: its client only ever talks to
/// that loopback address, so it gets a configuration that trusts nothing.
pub fn rustls_config(settings: &Settings) -> Result<rustls::ClientConfig, Error> {
    if settings.base_url.is_cleartext() {
        return build(
            &Trust {
                roots: crate::Roots::WebPki,
                added: Vec::new(),
            },
            false,
        );
    }
    for_trust(&settings.trust)
}

/// [`rustls_config`] for an `https://` base URL.
fn for_trust(trust: &Trust) -> Result<rustls::ClientConfig, Error> {
    static MADE: Mutex<Vec<(crate::Roots, rustls::ClientConfig)>> = Mutex::new(Vec::new());
    if !trust.added.is_empty() {
        return build(trust, true);
    }
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, config)) = made.iter().find(|(roots, _)| *roots == trust.roots) {
        return Ok(config.clone());
    }
    let config = build(trust, true)?;
    made.push((trust.roots, config.clone()));
    Ok(config)
}

/// rustls's ring provider: the one place it is named.
///
/// rustls 0.23.48 deprecates `ring::default_provider` because ring has no
/// post-quantum key exchange, and offers no other way to build a ring
/// provider; its way forward is the aws-lc-rs provider, which builds a C
/// library of its own. ring stays the choice (no cmake, no system library),
/// so the deprecation is acknowledged here, once, rather than worked around
/// with a hand-made copy of rustls's ring tables.
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// A client configuration on ring that trusts what `trust` says: the
/// platform's store through rustls-platform-verifier, the bundled Mozilla
/// roots, and the added certificates; with `any_roots` false, nothing at all.
fn build(trust: &Trust, any_roots: bool) -> Result<rustls::ClientConfig, Error> {
    let setup = |error: rustls::Error| Error::Config(format!("cannot set up TLS: {error}"));
    let provider = Arc::new(ring_provider());
    let roots = if any_roots {
        trust.roots_to_add()
    } else {
        Vec::new()
    };
    let verifier: Arc<dyn ServerCertVerifier> = if any_roots && trust.roots.platform() {
        Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                .map_err(setup)?,
        )
    } else {
        let mut store = RootCertStore::empty();
        for root in roots {
            store.add(root).map_err(setup)?;
        }
        if store.is_empty() {
            // webpki refuses an empty store; a verifier that trusts nothing is what is meant.
            Arc::new(TrustsNothing(provider.clone()))
        } else {
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                .build()
                .map_err(|error| Error::Config(format!("cannot set up TLS: {error}")))?
        }
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
    issuer::issuer_name(certificate)
        .unwrap_or_else(|| "an issuer that could not be read".to_owned())
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

/// The verifier of a client that never makes a TLS connection (clear text
/// to loopback only): it refuses every certificate.
#[derive(Debug)]
struct TrustsNothing(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for TrustsNothing {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
