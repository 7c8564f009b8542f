//! The emulator built without its `crypto` feature (a lighter build, for programs that only
//! need secrets, the management plane and administration): the key and certificate
//! operations that need RSA, elliptic curves, AES or PKCS#12 answer a 400 naming the missing
//! feature. Symmetric (`oct`) keys are still made; secrets, vaults, role assignments,
//! settings and jobs work as with it.

/// Why an operation is refused.
fn disabled<T>() -> crate::material::CryptoResult<T> {
    Err(
        "this emulator was built without its `crypto` feature (keyvault-emulator's default): \
         RSA, EC and AES operations, certificates and PKCS#12 need it"
            .to_owned(),
    )
}

/// The same functions as the `crypto` module, each refusing.
pub(crate) mod crypto {
    use serde_json::{Map, Value};

    pub(crate) use crate::material::{
        decode, encode, generate_oct, oct_key, public, random, CryptoResult,
    };

    type Jwk = Map<String, Value>;

    pub(crate) fn generate_rsa(_: usize, _: Option<u64>) -> CryptoResult<Jwk> {
        super::disabled()
    }
    pub(crate) fn generate_ec(_: &str) -> CryptoResult<Jwk> {
        super::disabled()
    }
    /// `oct` keys import as they are; the others need the feature.
    pub(crate) fn import(jwk: &Jwk) -> CryptoResult<Jwk> {
        match jwk.get("kty").and_then(Value::as_str) {
            Some("oct") | Some("oct-HSM") => {
                oct_key(jwk)?;
                Ok(jwk.clone())
            }
            _ => super::disabled(),
        }
    }
    pub(crate) fn wrap(_: &Jwk, _: &str, _: &[u8]) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn unwrap(_: &Jwk, _: &str, _: &[u8]) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn encrypt(_: &Jwk, _: &str, _: &[u8]) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn decrypt(_: &Jwk, _: &str, _: &[u8]) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn sign(_: &Jwk, _: &str, _: &[u8]) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn verify(_: &Jwk, _: &str, _: &[u8], _: &[u8]) -> CryptoResult<bool> {
        super::disabled()
    }
    pub(crate) fn pkcs8_der(_: &Jwk) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
    pub(crate) fn parse_pem_certificate_and_key(_: &str) -> CryptoResult<(Vec<u8>, Jwk)> {
        super::disabled()
    }
    pub(crate) fn parse_pkcs12_certificate_and_key(
        _: &[u8],
        _: &str,
    ) -> CryptoResult<(Vec<u8>, Jwk)> {
        super::disabled()
    }
    pub(crate) fn pkcs12_der(_: &[u8], _: &Jwk) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
}

/// The same functions as the `aes` module, each refusing.
pub(crate) mod aes {
    use crate::material::CryptoResult;

    /// An encryption's output (as with the feature).
    pub(crate) struct Sealed {
        pub data: Vec<u8>,
        pub iv: Vec<u8>,
        pub tag: Option<Vec<u8>>,
    }

    pub(crate) fn encrypt(
        _: &[u8],
        _: &str,
        _: &[u8],
        _: Option<&[u8]>,
        _: &[u8],
    ) -> CryptoResult<Sealed> {
        super::disabled()
    }
    pub(crate) fn decrypt(
        _: &[u8],
        _: &str,
        _: &[u8],
        _: Option<&[u8]>,
        _: &[u8],
        _: Option<&[u8]>,
    ) -> CryptoResult<Vec<u8>> {
        super::disabled()
    }
}
