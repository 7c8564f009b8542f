//! Real key material and operations: RSA (2048/3072/4096) and EC (P-256, P-384, P-521,
//! secp256k1) keys kept as private JSON Web Keys, with the algorithms Key Vault names for
//! encrypt/decrypt, wrap/unwrap and sign/verify (of a caller-supplied digest).

use base64::Engine;
use rand_core::OsRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use serde_json::{Map, Value};

use crate::material::{b64, unb64};
pub(crate) use crate::material::{
    decode, encode, generate_oct, oct_key, public, random, CryptoResult,
};

fn big(jwk: &Map<String, Value>, field: &str) -> CryptoResult<BigUint> {
    Ok(BigUint::from_bytes_be(&unb64(jwk, field)?))
}

/// A new RSA key as a private JWK.
pub(crate) fn generate_rsa(
    bits: usize,
    public_exponent: Option<u64>,
) -> CryptoResult<Map<String, Value>> {
    if ![2048, 3072, 4096].contains(&bits) {
        return Err(format!(
            "RSA key size {bits} is not supported: use 2048, 3072 or 4096"
        ));
    }
    let key = match public_exponent {
        None | Some(65537) => RsaPrivateKey::new(&mut OsRng, bits),
        Some(e) => RsaPrivateKey::new_with_exp(&mut OsRng, bits, &BigUint::from(e)),
    }
    .map_err(|e| format!("cannot generate the key: {e}"))?;
    Ok(rsa_jwk(&key))
}

fn rsa_jwk(key: &RsaPrivateKey) -> Map<String, Value> {
    let primes = key.primes();
    let one = BigUint::from(1u8);
    let (p, q) = (&primes[0], &primes[1]);
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "RSA".into());
    jwk.insert("n".into(), b64(&key.n().to_bytes_be()));
    jwk.insert("e".into(), b64(&key.e().to_bytes_be()));
    jwk.insert("d".into(), b64(&key.d().to_bytes_be()));
    jwk.insert("p".into(), b64(&p.to_bytes_be()));
    jwk.insert("q".into(), b64(&q.to_bytes_be()));
    jwk.insert("dp".into(), b64(&(key.d() % (p - &one)).to_bytes_be()));
    jwk.insert("dq".into(), b64(&(key.d() % (q - &one)).to_bytes_be()));
    if let Some(qi) = key.crt_coefficient() {
        jwk.insert("qi".into(), b64(&qi.to_bytes_be()));
    }
    jwk
}

fn rsa_private(jwk: &Map<String, Value>) -> CryptoResult<RsaPrivateKey> {
    let key = RsaPrivateKey::from_components(
        big(jwk, "n")?,
        big(jwk, "e")?,
        big(jwk, "d")?,
        vec![big(jwk, "p")?, big(jwk, "q")?],
    )
    .map_err(|e| format!("the RSA key is not valid: {e}"))?;
    Ok(key)
}

fn rsa_public(jwk: &Map<String, Value>) -> CryptoResult<RsaPublicKey> {
    RsaPublicKey::new(big(jwk, "n")?, big(jwk, "e")?)
        .map_err(|e| format!("the RSA key is not valid: {e}"))
}

/// Runs `$body` with `$curve` bound to the elliptic-curve crate of the key's `crv`.
macro_rules! with_curve {
    ($crv:expr, $curve:ident => $body:expr) => {
        match $crv {
            "P-256" => {
                use p256 as $curve;
                $body
            }
            "P-384" => {
                use p384 as $curve;
                $body
            }
            "P-521" => {
                use p521 as $curve;
                $body
            }
            "P-256K" | "SECP256K1" => {
                use k256 as $curve;
                $body
            }
            other => Err(format!(
                "curve `{other}` is not supported: use P-256, P-384, P-521 or P-256K"
            )),
        }
    };
}

/// A new EC key as a private JWK.
pub(crate) fn generate_ec(crv: &str) -> CryptoResult<Map<String, Value>> {
    with_curve!(crv, curve => {
        let secret = curve::SecretKey::random(&mut OsRng);
        let point = curve::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&secret.public_key(), false);
        let mut jwk = Map::new();
        jwk.insert("kty".into(), "EC".into());
        jwk.insert("crv".into(), crv.into());
        jwk.insert("x".into(), b64(point.x().map(|x| x.as_slice()).unwrap_or_default()));
        jwk.insert("y".into(), b64(point.y().map(|y| y.as_slice()).unwrap_or_default()));
        jwk.insert("d".into(), b64(&secret.to_bytes()));
        Ok(jwk)
    })
}

/// Checks an imported private JWK and normalizes it (RSA CRT parameters recomputed, EC public
/// point derived from `d` when missing).
pub(crate) fn import(jwk: &Map<String, Value>) -> CryptoResult<Map<String, Value>> {
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
    match kty.trim_end_matches("-HSM") {
        "RSA" => Ok(rsa_jwk(&rsa_private(jwk)?)),
        "EC" => {
            let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or("P-256");
            let d = unb64(jwk, "d")?;
            with_curve!(crv, curve => {
                let secret = curve::SecretKey::from_slice(&d).map_err(|_| "`d` is not a valid private scalar".to_owned())?;
                let point = curve::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&secret.public_key(), false);
                let mut out = Map::new();
                out.insert("kty".into(), "EC".into());
                out.insert("crv".into(), crv.into());
                out.insert("x".into(), b64(point.x().map(|x| x.as_slice()).unwrap_or_default()));
                out.insert("y".into(), b64(point.y().map(|y| y.as_slice()).unwrap_or_default()));
                out.insert("d".into(), b64(&d));
                Ok(out)
            })
        }
        "oct" => {
            unb64(jwk, "k")?;
            Ok(jwk.clone())
        }
        other => Err(format!("key type `{other}` cannot be imported")),
    }
}

fn oaep(alg: &str) -> Option<Oaep> {
    match alg {
        "RSA-OAEP" => Some(Oaep::new::<sha1::Sha1>()),
        "RSA-OAEP-256" => Some(Oaep::new::<sha2::Sha256>()),
        _ => None,
    }
}

/// Wraps a key: RSA with the public key, oct with AES key wrap.
pub(crate) fn wrap(jwk: &Map<String, Value>, alg: &str, key: &[u8]) -> CryptoResult<Vec<u8>> {
    match jwk.get("kty").and_then(Value::as_str) {
        Some("oct") => crate::aes::key_wrap(&oct_key(jwk)?, alg, key, true),
        _ => encrypt(jwk, alg, key),
    }
}

/// Unwraps a key.
pub(crate) fn unwrap(jwk: &Map<String, Value>, alg: &str, wrapped: &[u8]) -> CryptoResult<Vec<u8>> {
    match jwk.get("kty").and_then(Value::as_str) {
        Some("oct") => crate::aes::key_wrap(&oct_key(jwk)?, alg, wrapped, false),
        _ => decrypt(jwk, alg, wrapped),
    }
}

/// Encrypts (or wraps) with the key's public part.
pub(crate) fn encrypt(
    jwk: &Map<String, Value>,
    alg: &str,
    plaintext: &[u8],
) -> CryptoResult<Vec<u8>> {
    let key = rsa_public(jwk)?;
    let result = match (alg, oaep(alg)) {
        ("RSA1_5", _) => key.encrypt(&mut OsRng, Pkcs1v15Encrypt, plaintext),
        (_, Some(padding)) => key.encrypt(&mut OsRng, padding, plaintext),
        _ => {
            return Err(format!(
                "algorithm `{alg}` is not supported for RSA encryption"
            ))
        }
    };
    result.map_err(|e| format!("encryption failed: {e}"))
}

/// Decrypts (or unwraps) with the private key.
pub(crate) fn decrypt(
    jwk: &Map<String, Value>,
    alg: &str,
    ciphertext: &[u8],
) -> CryptoResult<Vec<u8>> {
    let key = rsa_private(jwk)?;
    let result = match (alg, oaep(alg)) {
        ("RSA1_5", _) => key.decrypt(Pkcs1v15Encrypt, ciphertext),
        (_, Some(padding)) => key.decrypt(padding, ciphertext),
        _ => {
            return Err(format!(
                "algorithm `{alg}` is not supported for RSA decryption"
            ))
        }
    };
    result.map_err(|_| "decryption failed: the ciphertext does not belong to this key".to_owned())
}

fn digest_len(alg: &str) -> Option<usize> {
    match alg {
        "RS256" | "PS256" | "ES256" | "ES256K" => Some(32),
        "RS384" | "PS384" | "ES384" => Some(48),
        "RS512" | "PS512" | "ES512" => Some(64),
        _ => None,
    }
}

fn check_digest(alg: &str, digest: &[u8]) -> CryptoResult<()> {
    match digest_len(alg) {
        Some(n) if n == digest.len() => Ok(()),
        Some(n) => Err(format!("a {alg} digest is {n} bytes, not {}", digest.len())),
        None => Err(format!(
            "algorithm `{alg}` is not a signature algorithm Key Vault supports"
        )),
    }
}

fn rsa_scheme_sign(key: &RsaPrivateKey, alg: &str, digest: &[u8]) -> CryptoResult<Vec<u8>> {
    let result = match alg {
        "RS256" => key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), digest),
        "RS384" => key.sign(Pkcs1v15Sign::new::<sha2::Sha384>(), digest),
        "RS512" => key.sign(Pkcs1v15Sign::new::<sha2::Sha512>(), digest),
        "PS256" => key.sign_with_rng(&mut OsRng, Pss::new::<sha2::Sha256>(), digest),
        "PS384" => key.sign_with_rng(&mut OsRng, Pss::new::<sha2::Sha384>(), digest),
        "PS512" => key.sign_with_rng(&mut OsRng, Pss::new::<sha2::Sha512>(), digest),
        other => return Err(format!("algorithm `{other}` does not fit an RSA key")),
    };
    result.map_err(|e| format!("signing failed: {e}"))
}

fn rsa_scheme_verify(
    key: &RsaPublicKey,
    alg: &str,
    digest: &[u8],
    signature: &[u8],
) -> CryptoResult<bool> {
    let result = match alg {
        "RS256" => key.verify(Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature),
        "RS384" => key.verify(Pkcs1v15Sign::new::<sha2::Sha384>(), digest, signature),
        "RS512" => key.verify(Pkcs1v15Sign::new::<sha2::Sha512>(), digest, signature),
        "PS256" => key.verify(Pss::new::<sha2::Sha256>(), digest, signature),
        "PS384" => key.verify(Pss::new::<sha2::Sha384>(), digest, signature),
        "PS512" => key.verify(Pss::new::<sha2::Sha512>(), digest, signature),
        other => return Err(format!("algorithm `{other}` does not fit an RSA key")),
    };
    Ok(result.is_ok())
}

/// Signs a digest: RSA PKCS#1 v1.5 / PSS, or ECDSA with the signature as `r || s`.
pub(crate) fn sign(jwk: &Map<String, Value>, alg: &str, digest: &[u8]) -> CryptoResult<Vec<u8>> {
    check_digest(alg, digest)?;
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => rsa_scheme_sign(&rsa_private(jwk)?, alg, digest),
        Some("EC") => {
            let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
            let d = unb64(jwk, "d")?;
            with_curve!(crv, curve => {
                use curve::ecdsa::signature::hazmat::PrehashSigner;
                let key = curve::ecdsa::SigningKey::from_slice(&d).map_err(|_| "the EC key is not valid".to_owned())?;
                let signature: curve::ecdsa::Signature = key.sign_prehash(digest).map_err(|e| format!("signing failed: {e}"))?;
                Ok(signature.to_bytes().to_vec())
            })
        }
        _ => Err("this key type cannot sign".to_owned()),
    }
}

/// Verifies a signature over a digest.
pub(crate) fn verify(
    jwk: &Map<String, Value>,
    alg: &str,
    digest: &[u8],
    signature: &[u8],
) -> CryptoResult<bool> {
    check_digest(alg, digest)?;
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => rsa_scheme_verify(&rsa_public(jwk)?, alg, digest, signature),
        Some("EC") => {
            let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
            let (x, y) = (unb64(jwk, "x")?, unb64(jwk, "y")?);
            with_curve!(crv, curve => {
                use curve::ecdsa::signature::hazmat::PrehashVerifier;
                let mut sec1 = vec![4u8];
                sec1.extend(&x);
                sec1.extend(&y);
                let key = curve::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "the EC key is not valid".to_owned())?;
                let Ok(signature) = curve::ecdsa::Signature::from_slice(signature) else {
                    return Ok(false);
                };
                Ok(key.verify_prehash(digest, &signature).is_ok())
            })
        }
        _ => Err("this key type cannot verify".to_owned()),
    }
}

/// The private key as PKCS#8 DER (for certificate signing).
pub(crate) fn pkcs8_der(jwk: &Map<String, Value>) -> CryptoResult<Vec<u8>> {
    use rsa::pkcs8::EncodePrivateKey;
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => rsa_private(jwk)?
            .to_pkcs8_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| format!("cannot encode the key: {e}")),
        Some("EC") => {
            let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or_default();
            let d = unb64(jwk, "d")?;
            match crv {
                "P-256" => p256::SecretKey::from_slice(&d)
                    .map_err(|_| "`d` is not valid".to_owned())?
                    .to_pkcs8_der()
                    .map(|d| d.as_bytes().to_vec())
                    .map_err(|e| format!("cannot encode the key: {e}")),
                "P-384" => p384::SecretKey::from_slice(&d)
                    .map_err(|_| "`d` is not valid".to_owned())?
                    .to_pkcs8_der()
                    .map(|d| d.as_bytes().to_vec())
                    .map_err(|e| format!("cannot encode the key: {e}")),
                other => Err(format!("certificates with {other} keys are not supported by the emulator (use RSA, P-256 or P-384)")),
            }
        }
        _ => Err("certificates need an RSA or EC key".to_owned()),
    }
}

/// Reads PEM holding a certificate and its private key (PKCS#8, PKCS#1 or SEC1): the
/// certificate's DER and the key as a private JWK.
pub(crate) fn parse_pem_certificate_and_key(
    text: &str,
) -> CryptoResult<(Vec<u8>, Map<String, Value>)> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    if !text.contains("-----BEGIN") {
        return Err("not PEM: no -----BEGIN line".to_owned());
    }
    let mut certificate = None;
    let mut key = None;
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after.find("-----").ok_or("malformed PEM")?;
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let body_start = start + 11 + label_end + 5;
        let end = rest[body_start..]
            .find(&end_marker)
            .ok_or("malformed PEM")?
            + body_start;
        let body: String = rest[body_start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| "malformed PEM body".to_owned())?;
        match label {
            "CERTIFICATE" if certificate.is_none() => certificate = Some(der),
            "PRIVATE KEY" => key = Some(key_from_pkcs8(&der)?),
            "RSA PRIVATE KEY" => {
                key = Some(rsa_jwk(
                    &RsaPrivateKey::from_pkcs1_der(&der)
                        .map_err(|_| "invalid RSA private key".to_owned())?,
                ))
            }
            "EC PRIVATE KEY" => {
                key = Some(if let Ok(k) = p256::SecretKey::from_sec1_der(&der) {
                    import(&ec_jwk("P-256", &k.to_bytes()))?
                } else if let Ok(k) = p384::SecretKey::from_sec1_der(&der) {
                    import(&ec_jwk("P-384", &k.to_bytes()))?
                } else {
                    return Err("the EC private key is not P-256 or P-384".to_owned());
                })
            }
            _ => {}
        }
        rest = &rest[end + end_marker.len()..];
    }
    match (certificate, key) {
        (Some(c), Some(k)) => Ok((c, k)),
        (None, _) => Err("the PEM holds no certificate".to_owned()),
        (_, None) => Err("the PEM holds no private key".to_owned()),
    }
}

/// A private JWK from PKCS#8 DER (RSA, P-256 or P-384).
fn key_from_pkcs8(der: &[u8]) -> CryptoResult<Map<String, Value>> {
    use rsa::pkcs8::DecodePrivateKey;
    if let Ok(k) = RsaPrivateKey::from_pkcs8_der(der) {
        Ok(rsa_jwk(&k))
    } else if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
        import(&ec_jwk("P-256", &k.to_bytes()))
    } else if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
        import(&ec_jwk("P-384", &k.to_bytes()))
    } else {
        Err("the private key is not an RSA, P-256 or P-384 key".to_owned())
    }
}

/// The certificate (DER) and private JWK of a PKCS#12 file: its first key with the first
/// certificate of that key's chain.
pub(crate) fn parse_pkcs12_certificate_and_key(
    der: &[u8],
    password: &str,
) -> CryptoResult<(Vec<u8>, Map<String, Value>)> {
    let store = p12_keystore::KeyStore::from_pkcs12(der, password)
        .map_err(|e| format!("not a readable PKCS#12 file with this password ({e})"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or("the PKCS#12 file holds no private key with a certificate")?;
    let certificate = chain
        .chain()
        .first()
        .ok_or("the PKCS#12 file holds no certificate for its key")?;
    Ok((certificate.as_der().to_vec(), key_from_pkcs8(chain.key())?))
}

/// A PKCS#12 file of a certificate and its key with an empty password, as Key Vault returns a
/// `application/x-pkcs12` certificate's secret.
pub(crate) fn pkcs12_der(certificate: &[u8], key: &Map<String, Value>) -> CryptoResult<Vec<u8>> {
    let certificate = p12_keystore::Certificate::from_der(certificate)
        .map_err(|e| format!("invalid certificate ({e})"))?;
    let chain = p12_keystore::PrivateKeyChain::new(pkcs8_der(key)?, [1u8; 20], [certificate]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("1", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer("")
        .write()
        .map_err(|e| format!("could not write PKCS#12 ({e})"))
}

fn ec_jwk(crv: &str, d: &[u8]) -> Map<String, Value> {
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "EC".into());
    jwk.insert("crv".into(), crv.into());
    jwk.insert("d".into(), b64(d));
    jwk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_and_ec_round_trips() {
        let rsa = generate_rsa(2048, None).unwrap();
        let digest = [7u8; 32];
        let sig = sign(&rsa, "PS256", &digest).unwrap();
        assert!(verify(&public(&rsa), "PS256", &digest, &sig).unwrap());
        assert!(!verify(&public(&rsa), "PS256", &[8u8; 32], &sig).unwrap());
        let ct = encrypt(&public(&rsa), "RSA-OAEP-256", b"hello").unwrap();
        assert_eq!(decrypt(&rsa, "RSA-OAEP-256", &ct).unwrap(), b"hello");
        assert_eq!(import(&rsa).unwrap()["n"], rsa["n"]);
        for (crv, alg, len) in [
            ("P-256", "ES256", 32),
            ("P-384", "ES384", 48),
            ("P-521", "ES512", 64),
            ("P-256K", "ES256K", 32),
        ] {
            let ec = generate_ec(crv).unwrap();
            let digest = vec![3u8; len];
            let sig = sign(&ec, alg, &digest).unwrap();
            assert!(verify(&public(&ec), alg, &digest, &sig).unwrap(), "{crv}");
            assert_eq!(import(&ec).unwrap()["x"], ec["x"]);
        }
        assert!(sign(&rsa, "RS256", &[0u8; 31]).is_err());
        let oct = generate_oct(256).unwrap();
        let wrapped = wrap(&oct, "A256KW", &[5u8; 32]).unwrap();
        assert_eq!(unwrap(&oct, "A256KW", &wrapped).unwrap(), vec![5u8; 32]);
        assert!(wrap(&oct, "A128KW", &[5u8; 32]).is_err());
    }
}
