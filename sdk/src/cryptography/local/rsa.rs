//! RSA with a JSON Web Key's material: encryption and key wrapping (RSA-OAEP, RSA-OAEP-256,
//! RSA1_5) and PKCS#1 v1.5 / PSS signatures over a caller's digest (RS256-512, PS256-512).
//!
//! RustCrypto's `rsa` rather than `ring` (already in the build for TLS): `ring` has no RSA
//! encryption. Its private-key operations are not constant-time (RUSTSEC-2023-0071, the
//! "Marvin" timing attack): they are blinded here, and the client's docs say to leave
//! decryption to the vault where an attacker can time many decryptions.

use rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use super::{invalid_key, Operation};
use crate::cryptography::CryptographyError;
use crate::keys::models::JsonWebKey;

/// An RSA public key, and its private key when the JWK has one.
pub(crate) struct RsaKey {
    public: RsaPublicKey,
    private: Option<RsaPrivateKey>,
}

/// The encryption schemes, by algorithm name.
enum Scheme {
    Oaep,
    Oaep256,
    Pkcs1,
}

fn scheme(alg: &str) -> Option<Scheme> {
    match alg {
        "RSA-OAEP" => Some(Scheme::Oaep),
        "RSA-OAEP-256" => Some(Scheme::Oaep256),
        "RSA1_5" => Some(Scheme::Pkcs1),
        _ => None,
    }
}

/// Whether a signature algorithm is PSS (`Some(true)`) or PKCS#1 v1.5 (`Some(false)`).
fn signature_scheme(alg: &str) -> Option<bool> {
    match alg {
        "RS256" | "RS384" | "RS512" => Some(false),
        "PS256" | "PS384" | "PS512" => Some(true),
        _ => None,
    }
}

fn pkcs1v15(alg: &str) -> Pkcs1v15Sign {
    match alg {
        "RS384" => Pkcs1v15Sign::new::<sha2::Sha384>(),
        "RS512" => Pkcs1v15Sign::new::<sha2::Sha512>(),
        _ => Pkcs1v15Sign::new::<sha2::Sha256>(),
    }
}

fn pss(alg: &str) -> Pss {
    match alg {
        "PS384" => Pss::new::<sha2::Sha384>(),
        "PS512" => Pss::new::<sha2::Sha512>(),
        _ => Pss::new::<sha2::Sha256>(),
    }
}

fn part<'a>(value: Option<&'a [u8]>, name: &str) -> Result<&'a [u8], CryptographyError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_key(format!("the RSA key has no `{name}`")))
}

impl RsaKey {
    /// The key of an RSA (or RSA-HSM) JWK: `n` and `e`, and `d`, `p`, `q` for a private key.
    pub(crate) fn from_jwk(jwk: &JsonWebKey) -> Result<Self, CryptographyError> {
        let n = BigUint::from_bytes_be(part(jwk.n.as_deref(), "n")?);
        let e = BigUint::from_bytes_be(part(jwk.e.as_deref(), "e")?);
        let public = RsaPublicKey::new(n.clone(), e.clone())
            .map_err(|err| invalid_key(format!("the RSA public key is not valid: {err}")))?;
        let private = match jwk.d.as_ref() {
            None => None,
            Some(d) => {
                let secret = |value: Option<&keyvault_runtime::Secret<Vec<u8>>>, name| {
                    part(value.map(|v| v.expose().as_slice()), name).map(BigUint::from_bytes_be)
                };
                let d = secret(Some(d), "d")?;
                let primes = vec![secret(jwk.p.as_ref(), "p")?, secret(jwk.q.as_ref(), "q")?];
                let key = RsaPrivateKey::from_components(n, e, d, primes).map_err(|err| {
                    invalid_key(format!("the RSA private key is not valid: {err}"))
                })?;
                Some(key)
            }
        };
        Ok(Self { public, private })
    }

    /// The modulus size in bytes (an encryption's or signature's length).
    fn size(&self) -> usize {
        self.public.size()
    }

    /// Whether this key can run `operation` with `alg` here.
    pub(crate) fn supports(&self, operation: Operation, alg: &str) -> bool {
        let private = self.private.is_some();
        match operation {
            Operation::Encrypt | Operation::WrapKey => scheme(alg).is_some(),
            Operation::Decrypt | Operation::UnwrapKey => private && scheme(alg).is_some(),
            Operation::Verify => signature_scheme(alg).is_some(),
            Operation::Sign => private && signature_scheme(alg).is_some(),
        }
    }

    /// Encrypts (or wraps) with the public key.
    pub(crate) fn encrypt(&self, alg: &str, data: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        let result = match scheme(alg) {
            Some(Scheme::Oaep) => self
                .public
                .encrypt(&mut OsRng, Oaep::new::<sha1::Sha1>(), data),
            Some(Scheme::Oaep256) => {
                self.public
                    .encrypt(&mut OsRng, Oaep::new::<sha2::Sha256>(), data)
            }
            Some(Scheme::Pkcs1) => self.public.encrypt(&mut OsRng, Pkcs1v15Encrypt, data),
            None => unreachable!("checked by supports"),
        };
        result.map_err(|err| CryptographyError::InvalidInput {
            reason: format!(
                "{alg} cannot encrypt {} bytes with a {}-bit key: {err}",
                data.len(),
                self.size() * 8
            ),
        })
    }

    /// Decrypts (or unwraps) with the private key.
    pub(crate) fn decrypt(
        &self,
        alg: &str,
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
        let key = self.private.as_ref().expect("checked by supports");
        let result = match scheme(alg) {
            Some(Scheme::Oaep) => key.decrypt_blinded(&mut OsRng, Oaep::new::<sha1::Sha1>(), data),
            Some(Scheme::Oaep256) => {
                key.decrypt_blinded(&mut OsRng, Oaep::new::<sha2::Sha256>(), data)
            }
            Some(Scheme::Pkcs1) => key.decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, data),
            None => unreachable!("checked by supports"),
        };
        // One message for every failure: which check failed is what a padding oracle wants.
        result
            .map(Zeroizing::new)
            .map_err(|_| CryptographyError::DecryptionFailed {
                algorithm: alg.to_owned(),
            })
    }

    /// Signs a digest with the private key.
    pub(crate) fn sign(&self, alg: &str, digest: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        let key = self.private.as_ref().expect("checked by supports");
        let is_pss = signature_scheme(alg).expect("checked by supports");
        let result = if is_pss {
            key.sign_with_rng(&mut OsRng, pss(alg), digest)
        } else {
            key.sign(pkcs1v15(alg), digest)
        };
        result.map_err(|err| CryptographyError::InvalidInput {
            reason: format!("{alg} signing failed: {err}"),
        })
    }

    /// Whether `signature` is this key's signature of `digest`.
    pub(crate) fn verify(&self, alg: &str, digest: &[u8], signature: &[u8]) -> bool {
        let is_pss = signature_scheme(alg).expect("checked by supports");
        if is_pss {
            self.public.verify(pss(alg), digest, signature).is_ok()
        } else {
            self.public.verify(pkcs1v15(alg), digest, signature).is_ok()
        }
    }
}
