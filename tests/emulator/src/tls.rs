//! The self-signed certificate the emulator serves, made at start.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate for `localhost`, `127.0.0.1` and `::1` (plus any extra names), and the TLS
/// server configuration using it (HTTP/2 and HTTP/1.1 offered).
pub(crate) struct Tls {
    pub(crate) pem: String,
    pub(crate) config: Arc<rustls::ServerConfig>,
}

pub(crate) fn self_signed(extra_names: &[String]) -> std::io::Result<Tls> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
        "*.localhost".to_owned(),
    ];
    names.extend(extra_names.iter().cloned());
    let certified = rcgen::generate_simple_self_signed(names).map_err(std::io::Error::other)?;
    let pem = certified.cert.pem();
    let der = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        pem,
        config: Arc::new(config),
    })
}
