//! The emulator's TLS: a certificate authority made at start (the one certificate clients
//! trust), and server certificates it signs: one for `localhost`, `127.0.0.1`, `::1`, the
//! named vaults and aliases, made at start, and one per other `{vault}.localhost` name, made on
//! the first handshake that asks for it. (A single `*.localhost` wildcard does not do: rustls's
//! and OpenSSL's host checks refuse a wildcard one label above a top-level name.)
//!
//! With a state file the CA is kept beside it (`FILE.ca.pem`: its certificate and key), so a
//! restarted emulator is still trusted by clients that read its certificate before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The CA's certificate (PEM) to trust, and the TLS server configuration (HTTP/2 and
/// HTTP/1.1 offered).
pub(crate) struct Tls {
    pub(crate) pem: String,
    pub(crate) config: Arc<rustls::ServerConfig>,
}

/// At most this many on-demand server certificates are kept (one per vault host name).
const MAX_ISSUED: usize = 1024;

/// Signs server certificates with the emulator's CA.
struct Authority {
    /// Signs; the same subject and key as `der`.
    certificate: rcgen::Certificate,
    key: KeyPair,
    /// The CA certificate clients trust, sent after each server certificate.
    der: CertificateDer<'static>,
    pem: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

/// Where the CA of the emulator with `state_file` is kept.
pub(crate) fn kept_ca_path(state_file: &Path) -> PathBuf {
    let mut name = state_file.as_os_str().to_owned();
    name.push(".ca.pem");
    PathBuf::from(name)
}

impl Authority {
    /// The CA kept at `kept` when there is one there, else a new one (written there when
    /// `kept` is given).
    fn new(
        provider: Arc<rustls::crypto::CryptoProvider>,
        kept: Option<&Path>,
    ) -> std::io::Result<Authority> {
        let params = ca_params();
        if let Some(path) = kept.filter(|path| path.exists()) {
            let named = |why: String| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: not the emulator's CA ({why})", path.display()),
                )
            };
            let text = std::fs::read_to_string(path).map_err(|e| named(e.to_string()))?;
            return Authority::from_kept(&text, params, provider).map_err(named);
        }
        let key = KeyPair::generate().map_err(std::io::Error::other)?;
        let certificate = params.self_signed(&key).map_err(std::io::Error::other)?;
        let pem = certificate.pem();
        if let Some(path) = kept {
            crate::persist::write_atomically(
                path,
                format!("{pem}{}", key.serialize_pem()).as_bytes(),
            )
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot keep the emulator's CA in {}: {e}", path.display()),
                )
            })?;
        }
        Ok(Authority {
            der: CertificateDer::from(certificate.der().to_vec()),
            certificate,
            key,
            pem,
            provider,
        })
    }

    /// The CA kept as `text`: its certificate (PEM), then its key (PKCS#8 PEM).
    fn from_kept(
        text: &str,
        params: CertificateParams,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Authority, String> {
        let key_start = text
            .find("-----BEGIN PRIVATE KEY-----")
            .ok_or("no private key")?;
        let (pem, key_pem) = text.split_at(key_start);
        let key = KeyPair::from_pem(key_pem).map_err(|e| e.to_string())?;
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
            .map_err(|e| format!("its certificate: {e:?}"))?;
        // The signing certificate is made again from the same subject and key: the
        // certificates it signs chain to the kept one, which clients trust.
        let certificate = params.self_signed(&key).map_err(|e| e.to_string())?;
        Ok(Authority {
            certificate,
            key,
            der,
            pem: pem.trim_end().to_owned() + "\n",
            provider,
        })
    }

    /// A server certificate for `names` (DNS names or IP addresses), with the CA after it.
    fn issue(&self, names: Vec<String>) -> std::io::Result<Arc<CertifiedKey>> {
        let mut params = CertificateParams::new(names).map_err(std::io::Error::other)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "Key Vault emulator");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params);
        let key = KeyPair::generate().map_err(std::io::Error::other)?;
        let certificate = params
            .signed_by(&key, &self.certificate, &self.key)
            .map_err(std::io::Error::other)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = self
            .provider
            .key_provider
            .load_private_key(der)
            .map_err(std::io::Error::other)?;
        Ok(Arc::new(CertifiedKey::new(
            vec![
                CertificateDer::from(certificate.der().to_vec()),
                self.der.clone(),
            ],
            signing,
        )))
    }
}

/// The CA certificate's contents (its validity from now on: a kept CA is signed anew).
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "Key Vault emulator CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut params);
    params
}

/// Valid from a day ago (clocks differ) for ten years.
fn validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
}

/// Picks the server certificate by the name the client asked for (SNI).
struct Resolver {
    authority: Authority,
    /// For clients that send no name (an IP address) or one of the names made at start.
    default: Arc<CertifiedKey>,
    default_names: Vec<String>,
    issued: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("default_names", &self.default_names)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let Some(name) = hello.server_name().map(str::to_ascii_lowercase) else {
            return Some(self.default.clone());
        };
        if self.default_names.contains(&name) || !name.ends_with(".localhost") {
            return Some(self.default.clone());
        }
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = issued.get(&name) {
            return Some(key.clone());
        }
        if issued.len() >= MAX_ISSUED {
            return Some(self.default.clone());
        }
        let key = self.authority.issue(vec![name.clone()]).ok()?;
        issued.insert(name, key.clone());
        Some(key)
    }
}

/// The CA (the one kept at `kept_ca`, if any) and a TLS configuration serving certificates it
/// signs (see the module docs).
pub(crate) fn server(extra_names: &[String], kept_ca: Option<&Path>) -> std::io::Result<Tls> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for name in extra_names {
        let name = name.to_ascii_lowercase();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let authority = Authority::new(provider.clone(), kept_ca)?;
    let pem = authority.pem.clone();
    let default = authority.issue(names.clone())?;
    let resolver = Resolver {
        authority,
        default,
        default_names: names,
        issued: Mutex::new(HashMap::new()),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        pem,
        config: Arc::new(config),
    })
}

/// For the fuzz target `emulator_ca`: reads `bytes` as a kept CA file (`--state FILE` keeps
/// `FILE.ca.pem`); when they are one, it must sign a server certificate or say why not.
#[doc(hidden)]
pub fn fuzz_kept_ca(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    if let Ok(authority) = Authority::from_kept(text, ca_params(), provider) {
        let _ = authority.issue(vec!["localhost".to_owned()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_ca_is_read_back_and_a_broken_one_is_refused_naming_its_file() {
        let dir = std::env::temp_dir().join(format!("kv-emulator-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json.ca.pem");
        let _ = std::fs::remove_file(&path);
        let first = server(&[], Some(&path)).unwrap().pem;
        let again = server(&[], Some(&path)).unwrap().pem;
        assert_eq!(first, again);
        assert_ne!(server(&[], None).unwrap().pem, first, "no file: a new CA");
        std::fs::write(&path, first.as_bytes()).unwrap();
        let error = server(&[], Some(&path)).err().unwrap().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("no private key"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
