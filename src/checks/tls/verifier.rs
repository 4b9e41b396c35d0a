//! How the handshake judges the presented chain: not at all by default (an expiry monitor
//! reads internal and self-signed certificates too), or against a given root.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::leaf::Leaf;

/// Accepts any chain, or, with `chain`, what it accepts; the handshake's signatures are
/// verified either way, with the provider's algorithms.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            // The leaf's own dates are judged after the handshake, with a reason naming
            // them; an expired certificate elsewhere in the chain fails here.
            Err(rustls::Error::InvalidCertificate(error))
                if is_about_time(&error) && leaf_is_out_of_date(end_entity, now) =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn is_about_time(error: &CertificateError) -> bool {
    matches!(
        error,
        CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. }
    )
}

fn leaf_is_out_of_date(end_entity: &CertificateDer<'_>, now: UnixTime) -> bool {
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    Leaf::parse(end_entity).is_ok_and(|leaf| leaf.is_out_of_date(now))
}

/// The client configuration for one run: ring's provider, TLS 1.2 and 1.3, no client
/// certificate, and the chain judged against the root certificates in `root_pem` if given.
pub(super) fn config(root_pem: Option<&[u8]>) -> Result<Arc<ClientConfig>, String> {
    // Deprecated in rustls 0.23.48 for lacking post-quantum key exchange: irrelevant here,
    // where the connection carries nothing but the handshake (and ring builds without cmake).
    #[allow(
        deprecated,
        reason = "no secret crosses the connection; ring is the lighter build"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = match root_pem {
        None => None,
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for certificate in CertificateDer::pem_slice_iter(pem) {
                let certificate = certificate.map_err(|error| format!("root: {error}"))?;
                roots
                    .add(certificate)
                    .map_err(|error| format!("root: {error}"))?;
            }
            if roots.is_empty() {
                return Err("root: no certificate in the PEM".to_owned());
            }
            let verifier =
                WebPkiServerVerifier::builder_with_provider(roots.into(), provider.clone())
                    .build()
                    .map_err(|error| format!("root: {error}"))?;
            Some(verifier)
        }
    };
    let verifier = Arc::new(Verifier {
        provider: provider.clone(),
        chain,
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS configuration: {error}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
