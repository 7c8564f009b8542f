//! ECDSA with a JSON Web Key's material: ES256 (P-256), ES384 (P-384), ES512 (P-521) and
//! ES256K (secp256k1), over a caller's digest, the signature as Key Vault writes it
//! (`r || s`, each the curve's field size).

use zeroize::Zeroizing;

use super::{invalid_key, Operation};
use crate::cryptography::CryptographyError;
use crate::keys::models::{JsonWebKey, JsonWebKeyCurveName};

/// Runs `$body` with `$curve` bound to the RustCrypto crate of `$key`'s curve.
macro_rules! with_curve {
    ($key:expr, $curve:ident, $verifying:ident, $signing:ident => $body:expr) => {
        match $key {
            Keys::P256($verifying, $signing) => {
                use p256 as $curve;
                $body
            }
            Keys::P384($verifying, $signing) => {
                use p384 as $curve;
                $body
            }
            Keys::P521($verifying, $signing) => {
                use p521 as $curve;
                $body
            }
            Keys::K256($verifying, $signing) => {
                use k256 as $curve;
                $body
            }
        }
    };
}

/// The parsed keys of each curve: public, and private when the JWK has `d`.
enum Keys {
    P256(p256::ecdsa::VerifyingKey, Option<p256::ecdsa::SigningKey>),
    P384(p384::ecdsa::VerifyingKey, Option<p384::ecdsa::SigningKey>),
    P521(p521::ecdsa::VerifyingKey, Option<p521::ecdsa::SigningKey>),
    K256(k256::ecdsa::VerifyingKey, Option<k256::ecdsa::SigningKey>),
}

/// An elliptic-curve key.
pub(crate) struct EcKey {
    keys: Keys,
}

/// A coordinate or scalar at the curve's width: JWKs must carry the full width, but some
/// writers drop leading zero bytes.
fn widen(value: &[u8], width: usize, name: &str) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
    if value.is_empty() || value.len() > width {
        return Err(invalid_key(format!(
            "the EC key's `{name}` is {} bytes; this curve's are {width}",
            value.len()
        )));
    }
    let mut out = Zeroizing::new(vec![0u8; width - value.len()]);
    out.extend_from_slice(value);
    Ok(out)
}

/// Parses the public point and the private scalar of one curve, checking that they belong
/// together.
macro_rules! parse {
    ($curve:ident, $variant:ident, $width:expr, $x:expr, $y:expr, $d:expr) => {{
        use $curve::ecdsa::{SigningKey, VerifyingKey};
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&widen($x, $width, "x")?);
        sec1.extend_from_slice(&widen($y, $width, "y")?);
        let verifying = VerifyingKey::from_sec1_bytes(&sec1)
            .map_err(|_| invalid_key("the EC key's point is not on its curve".into()))?;
        let signing = match $d {
            None => None,
            Some(d) => {
                let signing = SigningKey::from_slice(&widen(d, $width, "d")?)
                    .map_err(|_| invalid_key("the EC key's `d` is not a valid scalar".into()))?;
                let public = VerifyingKey::from(&signing).to_encoded_point(false);
                if public != verifying.to_encoded_point(false) {
                    return Err(invalid_key(
                        "the EC key's `d` does not belong to its `x` and `y`".into(),
                    ));
                }
                Some(signing)
            }
        };
        Keys::$variant(verifying, signing)
    }};
}

impl EcKey {
    /// The key of an EC (or EC-HSM) JWK: `crv`, `x`, `y`, and `d` for a private key.
    pub(crate) fn from_jwk(jwk: &JsonWebKey) -> Result<Self, CryptographyError> {
        let x = jwk.x.as_deref().unwrap_or_default();
        let y = jwk.y.as_deref().unwrap_or_default();
        let d = jwk.d.as_ref().map(|d| d.expose().as_slice());
        let keys = match jwk.crv.as_ref() {
            Some(JsonWebKeyCurveName::P256) => parse!(p256, P256, 32, x, y, d),
            Some(JsonWebKeyCurveName::P384) => parse!(p384, P384, 48, x, y, d),
            Some(JsonWebKeyCurveName::P521) => parse!(p521, P521, 66, x, y, d),
            Some(JsonWebKeyCurveName::P256K) => parse!(k256, K256, 32, x, y, d),
            Some(other) => {
                return Err(invalid_key(format!("the curve `{other}` is not supported")))
            }
            None => return Err(invalid_key("the EC key has no `crv`".into())),
        };
        Ok(Self { keys })
    }

    /// The one algorithm this key's curve signs with.
    fn algorithm(&self) -> &'static str {
        match self.keys {
            Keys::P256(..) => "ES256",
            Keys::P384(..) => "ES384",
            Keys::P521(..) => "ES512",
            Keys::K256(..) => "ES256K",
        }
    }

    fn has_private(&self) -> bool {
        match &self.keys {
            Keys::P256(_, signing) => signing.is_some(),
            Keys::P384(_, signing) => signing.is_some(),
            Keys::P521(_, signing) => signing.is_some(),
            Keys::K256(_, signing) => signing.is_some(),
        }
    }

    /// Whether this key can run `operation` with `alg` here.
    pub(crate) fn supports(&self, operation: Operation, alg: &str) -> bool {
        alg == self.algorithm()
            && match operation {
                Operation::Verify => true,
                Operation::Sign => self.has_private(),
                _ => false,
            }
    }

    /// Signs a digest with the private key (deterministic nonces, RFC 6979).
    pub(crate) fn sign(&self, digest: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        with_curve!(&self.keys, curve, _v, signing => {
            use curve::ecdsa::signature::hazmat::PrehashSigner;
            let key = signing.as_ref().expect("checked by supports");
            let signature: curve::ecdsa::Signature = key
                .sign_prehash(digest)
                .map_err(|err| CryptographyError::InvalidInput { reason: format!("{} signing failed: {err}", self.algorithm()) })?;
            Ok(signature.to_bytes().to_vec())
        })
    }

    /// Whether `signature` (`r || s`) is this key's signature of `digest`. A high-S
    /// signature is as valid as its low-S twin (ECDSA is malleable; HSMs need not normalize).
    pub(crate) fn verify(&self, digest: &[u8], signature: &[u8]) -> bool {
        with_curve!(&self.keys, curve, verifying, _s => {
            use curve::ecdsa::signature::hazmat::PrehashVerifier;
            let Ok(signature) = curve::ecdsa::Signature::from_slice(signature) else {
                return false;
            };
            let signature = signature.normalize_s().unwrap_or(signature);
            verifying.verify_prehash(digest, &signature).is_ok()
        })
    }
}
