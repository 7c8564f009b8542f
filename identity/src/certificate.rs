//! Client certificates: an RSA private key and its X.509 certificate, loaded from PEM or
//! PKCS#12 (PFX), used to sign the RS256 client assertion a service principal presents to the
//! token endpoint instead of a secret.
//!
//! `ring` (already in every build for TLS) reads the key and signs: the `rsa` crate is not
//! used, as its PKCS#1 v1.5 signing is open to the Marvin timing attack (RUSTSEC-2023-0071,
//! unfixed) and it brings a dozen more crates. `p12-keystore` opens PKCS#12 files (PBES2 with
//! AES-256-CBC as OpenSSL 3 writes them, and the legacy 3DES / RC2 schemes); the DER walking
//! uses `der` and `spki`, which it brings anyway.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use keyvault_runtime::{Error, ErrorKind, Result};
use std::sync::Arc;

use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use der::zeroize::Zeroizing;
use der::{Decode, Reader, Tagged};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::RsaKeyPair;
use serde::Serialize;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use time::OffsetDateTime;

/// How long a client assertion is valid, in seconds (10 minutes).
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// `rsaEncryption` (PKCS#1), the only key algorithm accepted.
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey`.
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `id-RSASSA-PSS`: an RSA key restricted to PSS, which cannot sign RS256.
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// `id-Ed25519`.
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `id-Ed448`.
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
/// `id-dsa`.
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// A client certificate and its private key, for signing client assertions.
///
/// Only RSA keys are supported (the assertion is signed with RS256). The `Debug` output shows
/// the certificate's SHA-256 thumbprint only, never the key.
#[derive(Clone)]
pub struct ClientCertificate {
    key: Arc<RsaKeyPair>,
    leaf_der: Vec<u8>,
    thumbprint: String,
}

impl ClientCertificate {
    /// PEM text holding the certificate (leaf first, chain allowed) and the private key (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`; encrypted keys rejected with a clear error).
    ///
    /// Text outside the `-----BEGIN`/`-----END` blocks is ignored, as are blocks of other kinds
    /// (`PUBLIC KEY`, parameters). The certificate the key belongs to is the leaf; it is normally
    /// the first `CERTIFICATE` block.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(pem);
        let blocks = parse_pem(&text)?;
        if blocks.is_empty() {
            return Err(Error::credential(
                "no PEM blocks found: expected a CERTIFICATE block and a PRIVATE KEY or RSA PRIVATE KEY block",
                None,
            ));
        }

        let mut certificates = Vec::new();
        let mut keys = Vec::new();
        for block in &blocks {
            match block.label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" => {
                    let der = STANDARD.decode(block.body.as_bytes()).map_err(|e| {
                        Error::credential(
                            "a CERTIFICATE block in the PEM is not valid base64",
                            Some(Box::new(e)),
                        )
                    })?;
                    certificates.push(der);
                }
                "PRIVATE KEY"
                | "RSA PRIVATE KEY"
                | "ENCRYPTED PRIVATE KEY"
                | "EC PRIVATE KEY"
                | "DSA PRIVATE KEY"
                | "OPENSSH PRIVATE KEY" => keys.push(block),
                _ => {}
            }
        }

        let key_block = match keys.as_slice() {
            [] => {
                return Err(Error::credential(
                    "no private key found in the PEM: expected a PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1) block",
                    None,
                ))
            }
            [one] => *one,
            more => {
                return Err(Error::credential(
                    format!(
                        "the PEM holds {} private keys; expected exactly one",
                        more.len()
                    ),
                    None,
                ))
            }
        };
        let key = decode_pem_key(key_block)?;

        if certificates.is_empty() {
            return Err(Error::credential(
                "no certificate found in the PEM: expected a CERTIFICATE block next to the private key",
                None,
            ));
        }
        Self::assemble(key, certificates, "PEM")
    }

    /// A PKCS#12 / PFX file (modern AES-256/PBES2 as written by OpenSSL 3, and legacy 3DES), with
    /// its password (`""` for none).
    ///
    /// The first private key in the file is used, with the certificate it is paired with.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self> {
        let store = p12_keystore::KeyStore::from_pkcs12(der, password).map_err(pkcs12_error)?;
        let Some((_alias, chain)) = store.private_key_chain() else {
            let has_certificates = store
                .entries()
                .any(|(_, entry)| matches!(entry, p12_keystore::KeyStoreEntry::Certificate(_)));
            let message = if has_certificates {
                "the PKCS#12 file holds certificates but no private key paired with a certificate"
            } else {
                "no private key paired with a certificate found in the PKCS#12 file (keys must be in encrypted, shrouded key bags, as OpenSSL and Windows write them)"
            };
            return Err(Error::credential(message, None));
        };
        let key = decode_pkcs8_key(chain.key(), "PKCS#12 file")?;
        let certificates: Vec<Vec<u8>> = chain
            .chain()
            .iter()
            .map(|certificate| certificate.as_der().to_vec())
            .collect();
        if certificates.is_empty() {
            return Err(Error::credential(
                "the PKCS#12 file holds a private key but no certificate for it",
                None,
            ));
        }
        Self::assemble(key, certificates, "PKCS#12 file")
    }

    /// Reads a file and tells PEM from PKCS#12 by content.
    ///
    /// A file containing `-----BEGIN` is read as PEM (the password is not used: encrypted PEM
    /// keys are not supported); a binary DER file is read as PKCS#12 with `password` (`None`
    /// means the empty password).
    pub fn from_file(path: &Path, password: Option<&str>) -> Result<Self> {
        let content = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Error::credential(
                format!(
                    "could not read the client certificate file {}",
                    path.display()
                ),
                Some(Box::new(e)),
            )
        })?);
        let loaded = if contains(&content, b"-----BEGIN") {
            Self::from_pem(&content)
        } else if content.first() == Some(&0x30) {
            Self::from_pkcs12(&content, password.unwrap_or(""))
        } else {
            return Err(Error::credential(
                format!(
                    "the client certificate file {} is neither PEM nor PKCS#12 (PFX)",
                    path.display()
                ),
                None,
            ));
        };
        // Name the file in the message rather than nesting a second credential error.
        loaded.map_err(|e| match e.into_kind() {
            ErrorKind::Credential { message, source } => {
                Error::credential(format!("{}: {message}", path.display()), source)
            }
            other => Error::new(other),
        })
    }

    /// The leaf certificate, DER-encoded (for an `x5c` header or for display).
    pub fn certificate_der(&self) -> &[u8] {
        &self.leaf_der
    }

    /// base64url (no padding) of the SHA-256 of the leaf certificate's DER: the `x5t#S256`
    /// header value.
    pub fn thumbprint_sha256(&self) -> String {
        self.thumbprint.clone()
    }

    /// A signed client assertion JWT (RS256): header
    /// `{"alg":"RS256","typ":"JWT","x5t#S256":<thumbprint>}`; claims `{"aud": audience,
    /// "iss": client_id, "sub": client_id, "jti": <random uuid-like unique id>, "nbf": now,
    /// "iat": now, "exp": now + 10 minutes}` (numbers are unix seconds).
    pub fn client_assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: OffsetDateTime,
    ) -> Result<String> {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            typ: &'static str,
            #[serde(rename = "x5t#S256")]
            x5t_s256: &'a str,
        }
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            iss: &'a str,
            sub: &'a str,
            jti: &'a str,
            nbf: i64,
            iat: i64,
            exp: i64,
        }

        let issued_at = now.unix_timestamp();
        let jti = random_jti()?;
        let header = Header {
            alg: "RS256",
            typ: "JWT",
            x5t_s256: &self.thumbprint,
        };
        let claims = Claims {
            aud: audience,
            iss: client_id,
            sub: client_id,
            jti: &jti,
            nbf: issued_at,
            iat: issued_at,
            exp: issued_at.saturating_add(ASSERTION_LIFETIME_SECS),
        };
        let mut token = encode_part(&header)?;
        token.push('.');
        token.push_str(&encode_part(&claims)?);

        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::credential("could not sign the client assertion", None))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(&signature));
        Ok(token)
    }

    /// Picks the certificate the key belongs to (normally the first) and builds the value.
    fn assemble(key: RsaKeyPair, certificates: Vec<Vec<u8>>, origin: &str) -> Result<Self> {
        // Both are the DER of PKCS#1 `RSAPublicKey`, which has one encoding per key.
        let public = key.public().as_ref();
        let mut leaf = None;
        for (index, der) in certificates.into_iter().enumerate() {
            let matches = certificate_rsa_key(&der)
                .map_err(|e| {
                    Error::credential(
                        format!(
                            "certificate #{} in the {origin} is not a valid X.509 certificate",
                            index + 1
                        ),
                        Some(Box::new(e)),
                    )
                })?
                .is_some_and(|certificate_key| certificate_key == public);
            if matches {
                leaf = Some(der);
                break;
            }
        }
        let Some(leaf_der) = leaf else {
            return Err(Error::credential(
                format!(
                    "the private key does not belong to the certificate (nor to any other certificate in the {origin})"
                ),
                None,
            ));
        };
        let thumbprint =
            URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &leaf_der));
        Ok(ClientCertificate {
            key: Arc::new(key),
            leaf_der,
            thumbprint,
        })
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint_sha256", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// One JWT part: base64url of the value's JSON.
fn encode_part<T: Serialize>(value: &T) -> Result<String> {
    let json = serde_json::to_vec(value).map_err(|e| {
        Error::credential("could not encode the client assertion", Some(Box::new(e)))
    })?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// A random, UUID-v4-shaped identifier, unique per assertion.
fn random_jti() -> Result<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).map_err(|_| {
        Error::credential(
            "could not get random bytes from the operating system for the assertion id",
            None,
        )
    })?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// One `-----BEGIN label-----` ... `-----END label-----` block, still base64.
struct PemBlock {
    label: String,
    /// An RFC 1421 `Proc-Type: 4,ENCRYPTED` header (OpenSSL's legacy encrypted PEM).
    encrypted: bool,
    body: Zeroizing<String>,
}

/// Splits PEM text into its blocks; text between blocks is ignored.
fn parse_pem(text: &str) -> Result<Vec<PemBlock>> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut block = PemBlock {
            label: label.to_owned(),
            encrypted: false,
            body: Zeroizing::new(String::new()),
        };
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            if line.starts_with("-----") {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                // An RFC 1421 header such as `Proc-Type` or `DEK-Info`; never base64.
                if name.trim().eq_ignore_ascii_case("Proc-Type")
                    && value.to_ascii_uppercase().contains("ENCRYPTED")
                {
                    block.encrypted = true;
                }
                continue;
            }
            block.body.push_str(line);
        }
        if !closed {
            return Err(Error::credential(
                format!("the PEM block `{label}` has no matching `-----END {label}-----` line"),
                None,
            ));
        }
        blocks.push(block);
    }
    Ok(blocks)
}

/// Decodes the private key block of a PEM file, rejecting what cannot sign RS256.
fn decode_pem_key(block: &PemBlock) -> Result<RsaKeyPair> {
    let encrypted_error = || {
        Error::credential(
            "the private key in the PEM is encrypted, which is not supported; decrypt it first (for example `openssl pkey -in key.pem -out plain.pem`) or use a PKCS#12 file with a password",
            None,
        )
    };
    match block.label.as_str() {
        "ENCRYPTED PRIVATE KEY" => return Err(encrypted_error()),
        "EC PRIVATE KEY" => return Err(unsupported_key("an EC", "PEM")),
        "DSA PRIVATE KEY" => return Err(unsupported_key("a DSA", "PEM")),
        "OPENSSH PRIVATE KEY" => {
            return Err(Error::credential(
                "the private key in the PEM is in OpenSSH format, which is not supported; use a PKCS#8 PRIVATE KEY or PKCS#1 RSA PRIVATE KEY block",
                None,
            ))
        }
        _ if block.encrypted => return Err(encrypted_error()),
        _ => {}
    }
    // The decoder's error could quote a byte of the key; it is left out.
    let der = Zeroizing::new(STANDARD.decode(block.body.as_bytes()).map_err(|_| {
        Error::credential("the private key block in the PEM is not valid base64", None)
    })?);
    if block.label == "RSA PRIVATE KEY" {
        RsaKeyPair::from_der(&der).map_err(|e| {
            Error::credential(
                format!(
                    "the RSA PRIVATE KEY block in the PEM is not a usable PKCS#1 RSA private key ({})",
                    key_rejected(&e)
                ),
                None,
            )
        })
    } else {
        decode_pkcs8_key(&der, "PEM")
    }
}

/// Decodes an unencrypted PKCS#8 `PrivateKeyInfo`, requiring an RSA key.
fn decode_pkcs8_key(der: &[u8], origin: &str) -> Result<RsaKeyPair> {
    let algorithm = pkcs8_algorithm(der).map_err(|e| {
        Error::credential(
            format!("the private key in the {origin} is not a valid PKCS#8 private key"),
            Some(Box::new(e)),
        )
    })?;
    if algorithm != OID_RSA {
        let kind = match algorithm {
            OID_EC => "an EC",
            OID_RSA_PSS => "an RSA-PSS-only",
            OID_ED25519 => "an Ed25519",
            OID_ED448 => "an Ed448",
            OID_DSA => "a DSA",
            _ => "a non-RSA",
        };
        return Err(unsupported_key(kind, origin));
    }
    RsaKeyPair::from_pkcs8(der).map_err(|e| {
        Error::credential(
            format!(
                "the private key in the {origin} is not a usable RSA private key ({})",
                key_rejected(&e)
            ),
            None,
        )
    })
}

/// Why ring refused a key, in words (its own text is a bare identifier).
fn key_rejected(error: &ring::error::KeyRejected) -> String {
    match error.to_string().as_str() {
        "TooSmall" => "the key is shorter than 2048 bits, the least Microsoft Entra accepts".into(),
        "TooLarge" => "the key is longer than 8192 bits".into(),
        "InconsistentComponents" => "its components do not belong together".into(),
        other => format!("it could not be read: {other}"),
    }
}

/// `PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm AlgorithmIdentifier,
/// privateKey OCTET STRING, ... }`: the key's algorithm, to name what is not RSA.
fn pkcs8_algorithm(der: &[u8]) -> der::Result<ObjectIdentifier> {
    AnyRef::from_der(der)?.sequence(|info| {
        let _version = AnyRef::decode(info)?;
        let algorithm = AlgorithmIdentifierRef::decode(info)?;
        let _key = OctetStringRef::decode(info)?;
        while !info.is_finished() {
            AnyRef::decode(info)?;
        }
        Ok(algorithm.oid)
    })
}

/// The error for a key of a kind other than RSA.
fn unsupported_key(kind: &str, origin: &str) -> Error {
    Error::credential(
        format!(
            "the private key in the {origin} is {kind} key; only RSA keys are supported (client assertions are signed with RS256), so EC and other key types cannot be used"
        ),
        None,
    )
}

/// The RSA public key of an X.509 certificate (DER of PKCS#1 `RSAPublicKey`), or `None` when
/// its key is of another kind.
fn certificate_rsa_key(der: &[u8]) -> der::Result<Option<Vec<u8>>> {
    let spki = certificate_spki(der)?;
    if spki.algorithm.oid != OID_RSA {
        return Ok(None);
    }
    Ok(spki.subject_public_key.as_bytes().map(<[u8]>::to_vec))
}

/// Walks `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }` down to
/// `tbsCertificate.subjectPublicKeyInfo`.
fn certificate_spki(der: &[u8]) -> der::Result<SubjectPublicKeyInfoRef<'_>> {
    let certificate = AnyRef::from_der(der)?;
    certificate.sequence(|outer| {
        let tbs = AnyRef::decode(outer)?;
        let _signature_algorithm = AnyRef::decode(outer)?;
        let _signature = AnyRef::decode(outer)?;
        tbs.sequence(|tbs| {
            // `version` is an optional `[0] EXPLICIT`; the serial number follows it.
            if AnyRef::decode(tbs)?.tag().is_context_specific() {
                let _serial_number = AnyRef::decode(tbs)?;
            }
            // signature, issuer, validity, subject
            for _ in 0..4 {
                AnyRef::decode(tbs)?;
            }
            let spki = SubjectPublicKeyInfoRef::decode(tbs)?;
            while !tbs.is_finished() {
                AnyRef::decode(tbs)?;
            }
            Ok(spki)
        })
    })
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Turns a PKCS#12 parsing failure into a message that says what is likely wrong.
fn pkcs12_error(error: p12_keystore::error::Error) -> Error {
    use p12_keystore::error::Error as P12;
    let message = match &error {
        P12::MacError(_) => "could not open the PKCS#12 file: the password is wrong (the integrity check failed)",
        P12::UnpadError | P12::Pkcs5Error(_) => {
            "could not open the PKCS#12 file: the password is wrong or the file is damaged"
        }
        P12::UnsupportedEncryptionScheme | P12::UnsupportedMacAlgorithm => {
            "could not open the PKCS#12 file: it uses an encryption or integrity scheme that is not supported"
        }
        P12::DerError(_) | P12::InvalidVersion | P12::UnsupportedContentType => {
            "could not read the PKCS#12 file: it is not a valid PKCS#12 (PFX) file"
        }
        _ => "could not read the PKCS#12 file",
    };
    Error::credential(message, Some(Box::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_PEM: &[u8] = include_bytes!("../tests/data/cert.pem");
    const CERT_PKCS1_PEM: &[u8] = include_bytes!("../tests/data/cert-pkcs1.pem");
    const CERT_PFX: &[u8] = include_bytes!("../tests/data/cert.pfx");
    const CERT_LEGACY_PFX: &[u8] = include_bytes!("../tests/data/cert-legacy.pfx");
    const EC_PEM: &[u8] = include_bytes!("../tests/data/ec.pem");
    const PFX_PASSWORD: &str = "test-password";

    /// `openssl x509 -in cert.pem -noout -fingerprint -sha256`
    const OPENSSL_SHA256_FINGERPRINT: &str = "2D:D7:DE:45:CD:B1:41:7D:B8:21:EE:BF:AA:09:1A:A1:C3:B7:EA:72:C5:43:BB:B7:A9:AB:A7:22:73:58:16:35";

    fn expected_thumbprint() -> String {
        let bytes: Vec<u8> = OPENSSL_SHA256_FINGERPRINT
            .split(':')
            .map(|pair| u8::from_str_radix(pair, 16).unwrap())
            .collect();
        assert_eq!(bytes.len(), 32);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    /// The text of the first `label` block of a PEM fixture, markers included.
    fn pem_block<'a>(pem: &'a str, label: &str) -> &'a str {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = pem.find(&begin).unwrap();
        let stop = pem[start..].find(&end).unwrap() + start + end.len();
        &pem[start..stop]
    }

    /// The base64 body of the private key block (PKCS#8 or PKCS#1) of a PEM fixture.
    fn key_body(pem: &str) -> String {
        pem.lines()
            .skip_while(|line| !(line.starts_with("-----BEGIN") && line.contains("PRIVATE KEY")))
            .skip(1)
            .take_while(|line| !line.starts_with("-----END"))
            .collect()
    }

    fn credential_message(error: &Error) -> String {
        match error.kind() {
            ErrorKind::Credential { .. } => error.to_string(),
            other => panic!("expected a credential error, got {other:?}"),
        }
    }

    fn fixture_path(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    fn decode_part(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    /// `openssl dgst -sha256 -verify` of an RS256 signature with the fixture's public key;
    /// `None` without an `openssl` program.
    fn openssl_verifies(signed: &str, signature: &[u8]) -> Option<bool> {
        let dir = std::env::temp_dir().join(format!("kv-rs256-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (data, sig, cert, public) = (
            dir.join("data"),
            dir.join("sig"),
            dir.join("cert.pem"),
            dir.join("public.pem"),
        );
        std::fs::write(&data, signed).unwrap();
        std::fs::write(&sig, signature).unwrap();
        std::fs::write(&cert, pem_block(text(CERT_PEM), "CERTIFICATE")).unwrap();
        let run =
            |args: &[&std::ffi::OsStr]| std::process::Command::new("openssl").args(args).output();
        let extracted = run(&[
            "x509".as_ref(),
            "-in".as_ref(),
            cert.as_os_str(),
            "-pubkey".as_ref(),
            "-noout".as_ref(),
            "-out".as_ref(),
            public.as_os_str(),
        ])
        .ok()?;
        assert!(extracted.status.success(), "{extracted:?}");
        let verified = run(&[
            "dgst".as_ref(),
            "-sha256".as_ref(),
            "-verify".as_ref(),
            public.as_os_str(),
            "-signature".as_ref(),
            sig.as_os_str(),
            data.as_os_str(),
        ])
        .ok()?;
        let _ = std::fs::remove_dir_all(&dir);
        Some(verified.status.success())
    }

    /// The `rsa` crate (RUSTSEC-2023-0071, the Marvin timing attack, unfixed) is not what
    /// signs: the lock file's entry for this crate does not depend on it.
    #[test]
    fn rsa_is_not_a_dependency() {
        let lock =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"))
                .unwrap();
        let entry = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"keyvault-identity\""))
            .unwrap();
        assert!(entry.contains("\"ring\""), "{entry}");
        assert!(!entry.contains("\"rsa\""), "{entry}");
    }

    #[test]
    fn thumbprint_matches_openssl_fingerprint() {
        let certificate = ClientCertificate::from_pem(CERT_PEM).unwrap();
        assert_eq!(certificate.thumbprint_sha256(), expected_thumbprint());
        assert_eq!(certificate.thumbprint_sha256().len(), 43);
    }

    #[test]
    fn every_format_yields_the_same_thumbprint() {
        let expected = expected_thumbprint();
        let loaded = [
            ("PKCS#8 PEM", ClientCertificate::from_pem(CERT_PEM)),
            ("PKCS#1 PEM", ClientCertificate::from_pem(CERT_PKCS1_PEM)),
            (
                "AES-256 PFX",
                ClientCertificate::from_pkcs12(CERT_PFX, PFX_PASSWORD),
            ),
            (
                "legacy 3DES PFX",
                ClientCertificate::from_pkcs12(CERT_LEGACY_PFX, PFX_PASSWORD),
            ),
        ];
        for (name, certificate) in loaded {
            let certificate = certificate.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(certificate.thumbprint_sha256(), expected, "{name}");
        }
    }

    #[test]
    fn from_file_tells_pem_from_pkcs12() {
        let expected = expected_thumbprint();
        let pem = ClientCertificate::from_file(&fixture_path("cert.pem"), None).unwrap();
        assert_eq!(pem.thumbprint_sha256(), expected);
        let pfx =
            ClientCertificate::from_file(&fixture_path("cert.pfx"), Some(PFX_PASSWORD)).unwrap();
        assert_eq!(pfx.thumbprint_sha256(), expected);
        let legacy =
            ClientCertificate::from_file(&fixture_path("cert-legacy.pfx"), Some(PFX_PASSWORD))
                .unwrap();
        assert_eq!(legacy.thumbprint_sha256(), expected);
    }

    #[test]
    fn from_file_names_a_missing_file() {
        let path = fixture_path("does-not-exist.pem");
        let error = ClientCertificate::from_file(&path, None).unwrap_err();
        let message = credential_message(&error);
        assert!(message.contains("does-not-exist.pem"), "{message}");
    }

    #[test]
    fn wrong_pfx_password_is_an_error_without_the_password() {
        let password = "Wrong-Passw0rd-4711";
        for pfx in [CERT_PFX, CERT_LEGACY_PFX] {
            let error = ClientCertificate::from_pkcs12(pfx, password).unwrap_err();
            let message = credential_message(&error);
            assert!(message.contains("password"), "{message}");
            assert!(!message.contains(password), "{message}");
            assert!(!format!("{error:?}").contains(password));
        }
        let path = fixture_path("cert.pfx");
        let error = ClientCertificate::from_file(&path, Some(password)).unwrap_err();
        let message = credential_message(&error);
        assert!(message.contains("password is wrong"), "{message}");
        assert!(!message.contains(password), "{message}");
        assert!(!format!("{error:?}").contains(password));
    }

    #[test]
    fn ec_key_is_rejected_naming_rsa() {
        let error = ClientCertificate::from_pem(EC_PEM).unwrap_err();
        let message = credential_message(&error);
        assert!(message.contains("RSA"), "{message}");
        assert!(message.contains("EC"), "{message}");
        assert!(!message.contains("PRIVATE KEY-----"), "{message}");
    }

    #[test]
    fn encrypted_pem_keys_are_rejected() {
        let certificate = pem_block(text(CERT_PEM), "CERTIFICATE");
        let pkcs8 = format!(
            "{certificate}\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        );
        let pkcs1 = format!(
            "{certificate}\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00000000000000000000000000000000\n\nMIIBAAAA\n-----END RSA PRIVATE KEY-----\n"
        );
        for pem in [pkcs8, pkcs1] {
            let error = ClientCertificate::from_pem(pem.as_bytes()).unwrap_err();
            let message = credential_message(&error);
            assert!(message.contains("encrypted"), "{message}");
        }
    }

    #[test]
    fn missing_parts_are_named() {
        let pem = text(CERT_PEM);
        let only_certificate = pem_block(pem, "CERTIFICATE");
        let error = ClientCertificate::from_pem(only_certificate.as_bytes()).unwrap_err();
        assert!(credential_message(&error).contains("no private key"));

        let only_key = pem_block(pem, "PRIVATE KEY");
        let error = ClientCertificate::from_pem(only_key.as_bytes()).unwrap_err();
        assert!(credential_message(&error).contains("no certificate"));

        let error = ClientCertificate::from_pem(b"not a pem file").unwrap_err();
        assert!(credential_message(&error).contains("no PEM blocks"));
    }

    #[test]
    fn mismatched_key_is_rejected() {
        // The RSA key next to a certificate that is not its own.
        let rsa_key = pem_block(text(CERT_PEM), "PRIVATE KEY");
        let ec_certificate = pem_block(text(EC_PEM), "CERTIFICATE");
        let pem = format!("{ec_certificate}\n{rsa_key}\n");
        let error = ClientCertificate::from_pem(pem.as_bytes()).unwrap_err();
        assert!(
            credential_message(&error).contains("does not belong"),
            "{error}"
        );
        // A non-RSA key is reported as such even next to an RSA certificate.
        let certificate = pem_block(text(CERT_PEM), "CERTIFICATE");
        let ec_key = pem_block(text(EC_PEM), "PRIVATE KEY");
        let pem = format!("{certificate}\n{ec_key}\n");
        let error = ClientCertificate::from_pem(pem.as_bytes()).unwrap_err();
        assert!(credential_message(&error).contains("only RSA keys"));
    }

    #[test]
    fn chain_order_does_not_matter() {
        let pem = text(CERT_PEM);
        let certificate = pem_block(pem, "CERTIFICATE");
        let ec_certificate = pem_block(text(EC_PEM), "CERTIFICATE");
        let key = pem_block(pem, "PRIVATE KEY");
        let leaf_first = format!("{certificate}\n{ec_certificate}\n{key}\n");
        let leaf_last = format!("subject=whatever\n{ec_certificate}\n{key}\n{certificate}\n");
        for pem in [leaf_first, leaf_last] {
            let loaded = ClientCertificate::from_pem(pem.as_bytes()).unwrap();
            assert_eq!(loaded.thumbprint_sha256(), expected_thumbprint());
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            &b"\x30"[..],
            &b"\x30\x82\xff\xff"[..],
            &CERT_PFX[..CERT_PFX.len() / 2],
        ] {
            assert!(ClientCertificate::from_pkcs12(input, PFX_PASSWORD).is_err());
            assert!(ClientCertificate::from_pem(input).is_err());
        }
        let truncated = &CERT_PEM[..CERT_PEM.len() - 40];
        assert!(ClientCertificate::from_pem(truncated).is_err());
        let broken = String::from_utf8_lossy(CERT_PEM).replace("MII", "M*I");
        assert!(ClientCertificate::from_pem(broken.as_bytes()).is_err());
    }

    #[test]
    fn client_assertion_is_a_verifiable_rs256_jwt() {
        let certificate = ClientCertificate::from_pem(CERT_PEM).unwrap();
        let now = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let audience = "https://login.example.invalid/tenant/oauth2/v2.0/token";
        let client_id = "00000000-1111-2222-3333-444444444444";
        let jwt = certificate
            .client_assertion(client_id, audience, now)
            .unwrap();

        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            decode_part(parts[0]),
            serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t#S256": expected_thumbprint()})
        );
        let claims = decode_part(parts[1]);
        assert_eq!(claims["aud"], audience);
        assert_eq!(claims["iss"], client_id);
        assert_eq!(claims["sub"], client_id);
        assert_eq!(claims["nbf"], 1_767_323_045_i64);
        assert_eq!(claims["iat"], 1_767_323_045_i64);
        assert_eq!(claims["exp"], 1_767_323_045_i64 + 600);
        let jti = claims["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 36);
        assert_eq!(claims.as_object().unwrap().len(), 7);

        // Verify with the certificate's public key (what Entra checks the assertion with).
        let certificate_key = certificate_rsa_key(certificate.certificate_der())
            .unwrap()
            .unwrap();
        let verifying = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            certificate_key,
        );
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        verifying.verify(signed.as_bytes(), &signature).unwrap();
        assert!(verifying
            .verify(format!("{signed}x").as_bytes(), &signature)
            .is_err());
        // And with OpenSSL, an implementation of its own, when the machine has it.
        if let Some(verified) = openssl_verifies(&signed, &signature) {
            assert!(verified, "openssl rejects the signature");
        }

        // Every assertion gets its own id.
        let again = certificate
            .client_assertion(client_id, audience, now)
            .unwrap();
        let again_jti = decode_part(again.split('.').nth(1).unwrap())["jti"].clone();
        assert_ne!(again_jti, claims["jti"]);
    }

    #[test]
    fn debug_shows_no_key_material() {
        for certificate in [
            ClientCertificate::from_pem(CERT_PEM).unwrap(),
            ClientCertificate::from_pem(CERT_PKCS1_PEM).unwrap(),
            ClientCertificate::from_pkcs12(CERT_PFX, PFX_PASSWORD).unwrap(),
        ] {
            let debug = format!("{certificate:?}");
            let pretty = format!("{certificate:#?}");
            assert!(debug.contains(&expected_thumbprint()), "{debug}");
            for output in [&debug, &pretty] {
                assert!(!output.contains("PRIVATE"), "{output}");
                for pem in [CERT_PEM, CERT_PKCS1_PEM] {
                    let body = key_body(text(pem));
                    assert!(body.len() > 1000);
                    for start in 0..body.len() - 20 {
                        let window = &body[start..start + 20];
                        assert!(!output.contains(window), "{output}");
                    }
                }
            }
        }
    }
}
