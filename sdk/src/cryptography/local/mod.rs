//! Cryptography with key material held in the process: what the client can do without a
//! round trip, by key type.

pub(crate) mod aes;
mod ec;
mod rsa;

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::cryptography::CryptographyError;
use crate::keys::models::{JsonWebKey, JsonWebKeyType};

/// The operations a key's `key_ops` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Encrypt,
    Decrypt,
    WrapKey,
    UnwrapKey,
    Sign,
    Verify,
}

impl Operation {
    /// The name in `key_ops`.
    pub(crate) fn key_op(self) -> &'static str {
        match self {
            Self::Encrypt => "encrypt",
            Self::Decrypt => "decrypt",
            Self::WrapKey => "wrapKey",
            Self::UnwrapKey => "unwrapKey",
            Self::Sign => "sign",
            Self::Verify => "verify",
        }
    }

    /// Whether the operation protects new data (and so needs a key inside its validity
    /// period), rather than opening or checking data protected before.
    pub(crate) fn protects(self) -> bool {
        matches!(self, Self::Encrypt | Self::WrapKey | Self::Sign)
    }
}

/// What an encryption returns.
pub(crate) struct Sealed {
    pub ciphertext: Vec<u8>,
    pub iv: Option<Vec<u8>>,
    pub tag: Option<Vec<u8>>,
}

/// Key material of a type this client can use.
pub(crate) enum LocalKey {
    Rsa(rsa::RsaKey),
    Ec(ec::EcKey),
    Oct(aes::OctKey),
}

pub(crate) fn invalid_key(reason: String) -> CryptographyError {
    CryptographyError::InvalidKey { reason }
}

pub(crate) fn invalid_input(reason: String) -> CryptographyError {
    CryptographyError::InvalidInput { reason }
}

pub(crate) fn random(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The digest length a signature algorithm signs (RS256: 32 bytes); `None` for algorithms
/// the client does not hash for (HMAC, RSNULL, unknown ones).
pub(crate) fn digest_len(alg: &str) -> Option<usize> {
    match alg {
        "RS256" | "PS256" | "ES256" | "ES256K" => Some(32),
        "RS384" | "PS384" | "ES384" => Some(48),
        "RS512" | "PS512" | "ES512" => Some(64),
        _ => None,
    }
}

/// The SHA-2 digest of `data` for a signature algorithm.
pub(crate) fn digest(alg: &str, data: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    match digest_len(alg)? {
        32 => Some(sha2::Sha256::digest(data).to_vec()),
        48 => Some(sha2::Sha384::digest(data).to_vec()),
        _ => Some(sha2::Sha512::digest(data).to_vec()),
    }
}

impl LocalKey {
    /// The key of a JWK: an error when its material is malformed, `None` when there is none
    /// to use here (an `oct` key without `k`, as the vault returns them; an HMAC-sized key; an
    /// unknown key type).
    pub(crate) fn from_jwk(jwk: &JsonWebKey) -> Result<Option<Self>, CryptographyError> {
        Ok(match jwk.kty.as_ref() {
            Some(JsonWebKeyType::Rsa | JsonWebKeyType::RsaHsm) => {
                Some(Self::Rsa(rsa::RsaKey::from_jwk(jwk)?))
            }
            Some(JsonWebKeyType::Ec | JsonWebKeyType::EcHsm) => {
                Some(Self::Ec(ec::EcKey::from_jwk(jwk)?))
            }
            Some(JsonWebKeyType::Oct | JsonWebKeyType::OctHsm) => jwk
                .k
                .as_ref()
                .and_then(|k| aes::OctKey::new(k.expose()))
                .map(Self::Oct),
            _ => None,
        })
    }

    /// Whether `operation` with `alg` runs here.
    pub(crate) fn supports(&self, operation: Operation, alg: &str) -> bool {
        match self {
            Self::Rsa(key) => key.supports(operation, alg),
            Self::Ec(key) => key.supports(operation, alg),
            Self::Oct(key) => key.supports(operation, alg),
        }
    }

    pub(crate) fn encrypt(
        &self,
        alg: &str,
        plaintext: &[u8],
        iv: Option<&[u8]>,
        aad: Option<&[u8]>,
    ) -> Result<Sealed, CryptographyError> {
        match self {
            Self::Rsa(key) => Ok(Sealed {
                ciphertext: key.encrypt(alg, plaintext)?,
                iv: None,
                tag: None,
            }),
            Self::Oct(key) => key.encrypt(alg, plaintext, iv, aad),
            Self::Ec(_) => unreachable!("checked by supports"),
        }
    }

    pub(crate) fn decrypt(
        &self,
        alg: &str,
        ciphertext: &[u8],
        iv: Option<&[u8]>,
        aad: Option<&[u8]>,
        tag: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
        match self {
            Self::Rsa(key) => key.decrypt(alg, ciphertext),
            Self::Oct(key) => key.decrypt(alg, ciphertext, iv, aad, tag),
            Self::Ec(_) => unreachable!("checked by supports"),
        }
    }

    pub(crate) fn wrap(&self, alg: &str, key: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        match self {
            Self::Rsa(rsa) => rsa.encrypt(alg, key),
            Self::Oct(oct) => oct.wrap(alg, key),
            Self::Ec(_) => unreachable!("checked by supports"),
        }
    }

    pub(crate) fn unwrap(
        &self,
        alg: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
        match self {
            Self::Rsa(rsa) => rsa.decrypt(alg, wrapped),
            Self::Oct(oct) => oct.unwrap(alg, wrapped),
            Self::Ec(_) => unreachable!("checked by supports"),
        }
    }

    pub(crate) fn sign(&self, alg: &str, digest: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        match self {
            Self::Rsa(key) => key.sign(alg, digest),
            Self::Ec(key) => key.sign(digest),
            Self::Oct(_) => unreachable!("checked by supports"),
        }
    }

    pub(crate) fn verify(&self, alg: &str, digest: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Rsa(key) => key.verify(alg, digest, signature),
            Self::Ec(key) => key.verify(digest, signature),
            Self::Oct(_) => unreachable!("checked by supports"),
        }
    }
}
