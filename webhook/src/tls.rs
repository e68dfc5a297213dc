//! TLS: PEM loading, the hot-swappable certificate resolver and the rustls server config.

use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("no certificate in PEM data")]
    NoCertificate,
    #[error("invalid PEM certificate: {0}")]
    CertPem(#[source] rustls_pki_types::pem::Error),
    #[error("invalid PEM private key: {0}")]
    KeyPem(#[source] rustls_pki_types::pem::Error),
    #[error("certificate and key do not form a usable pair: {0}")]
    Pair(#[source] rustls::Error),
    #[error("certificate cannot be parsed as X.509: {0}")]
    X509(#[source] x509_parser::nom::Err<x509_parser::error::X509Error>),
    #[error("client CA bundle: {0}")]
    ClientCaPem(#[source] rustls_pki_types::pem::Error),
    #[error("client CA bundle: {0}")]
    ClientCaCert(#[source] rustls::Error),
    #[error("client CA bundle: no certificate in PEM data")]
    ClientCaEmpty,
    #[error("client CA bundle: {0}")]
    ClientCaVerifier(#[source] rustls::server::VerifierBuilderError),
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The crypto provider used everywhere (ring), whether or not it was installed as default.
pub fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// A parsed, consistent certificate chain and private key.
#[derive(Debug, Clone)]
pub struct LoadedCert {
    pub key: Arc<CertifiedKey>,
    /// notAfter of the leaf certificate, Unix seconds.
    pub not_after: i64,
}

/// Parses a PEM chain (leaf first) and a PEM key and checks that they belong together.
pub fn load_pair(cert_pem: &[u8], key_pem: &[u8]) -> Result<LoadedCert, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(TlsError::CertPem)?;
    let leaf = certs.first().ok_or(TlsError::NoCertificate)?;
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf).map_err(TlsError::X509)?;
    let not_after = parsed.validity().not_after.timestamp();
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(TlsError::KeyPem)?;
    let certified = CertifiedKey::from_der(certs, key, &provider()).map_err(TlsError::Pair)?;
    Ok(LoadedCert {
        key: Arc::new(certified),
        not_after,
    })
}

/// Serves whichever certificate was loaded last; handshakes fail until one is.
#[derive(Debug, Default)]
pub struct CertResolver {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl CertResolver {
    pub fn set(&self, key: Arc<CertifiedKey>) {
        let mut guard = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Some(key);
    }

    pub fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn is_loaded(&self) -> bool {
        self.current().is_some()
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current()
    }
}

/// Parses a PEM CA bundle for client-certificate verification.
pub fn client_roots(ca_pem: &[u8]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(TlsError::ClientCaPem)?;
        roots.add(cert).map_err(TlsError::ClientCaCert)?;
    }
    if roots.is_empty() {
        return Err(TlsError::ClientCaEmpty);
    }
    Ok(roots)
}

/// TLS 1.2 and 1.3, ALPN h2 then http/1.1, certificates from `resolver`, and client
/// certificates required when `client_roots` is given.
pub fn server_config(
    resolver: Arc<CertResolver>,
    client_roots: Option<RootCertStore>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let builder = match client_roots {
        Some(roots) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(TlsError::ClientCaVerifier)?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The server configuration new handshakes use. The certificate is swapped
/// inside the resolver; a new client CA bundle swaps the whole configuration
/// (open connections keep the session they negotiated).
#[derive(Debug)]
pub struct ServerTls {
    certs: Arc<CertResolver>,
    current: RwLock<Arc<ServerConfig>>,
}

impl ServerTls {
    /// Without client authentication until [`ServerTls::set_client_roots`].
    pub fn new(certs: Arc<CertResolver>) -> Result<ServerTls, TlsError> {
        let current = RwLock::new(server_config(certs.clone(), None)?);
        Ok(ServerTls { certs, current })
    }

    pub fn current(&self) -> Arc<ServerConfig> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Requires client certificates signed by `roots` from the next handshake on.
    pub fn set_client_roots(&self, roots: RootCertStore) -> Result<(), TlsError> {
        let config = server_config(self.certs.clone(), Some(roots))?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = config;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn pair() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn loads_a_matching_pair_and_rejects_a_mismatch() {
        let (cert, key) = pair();
        let loaded = load_pair(cert.as_bytes(), key.as_bytes()).unwrap();
        assert!(loaded.not_after > 1_700_000_000);
        let (_, other_key) = pair();
        let err = load_pair(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::Pair(_)), "{err}");
        assert!(matches!(
            load_pair(b"", key.as_bytes()),
            Err(TlsError::NoCertificate)
        ));
        assert!(load_pair(cert.as_bytes(), b"garbage").is_err());
    }

    #[test]
    fn resolver_starts_empty_and_swaps() {
        let r = CertResolver::default();
        assert!(!r.is_loaded());
        let (cert, key) = pair();
        r.set(load_pair(cert.as_bytes(), key.as_bytes()).unwrap().key);
        assert!(r.is_loaded());
        assert!(server_config(Arc::new(r), None).is_ok());
    }

    #[test]
    fn client_roots_needs_a_certificate() {
        assert!(client_roots(b"").is_err());
        let (cert, _) = pair();
        assert_eq!(client_roots(cert.as_bytes()).unwrap().len(), 1);
    }
}
