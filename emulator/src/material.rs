//! Key material as JSON: base64url fields of JSON Web Keys, the public part of a key, random
//! bytes and symmetric keys (from the system's generator through `ring`, which the TLS stack
//! brings anyway). What needs no cryptography crate, so it is here with or without the
//! `crypto` feature.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

/// What went wrong, as the message of a 400.
pub(crate) type CryptoResult<T> = Result<T, String>;

/// Bytes as a base64url JSON string.
pub(crate) fn b64(bytes: &[u8]) -> Value {
    Value::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// A base64url (or base64) field of a JWK.
pub(crate) fn unb64(jwk: &Map<String, Value>, field: &str) -> CryptoResult<Vec<u8>> {
    let text = jwk
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the key has no `{field}`"))?;
    decode_text(text).map_err(|_| format!("`{field}` is not base64url"))
}

fn decode_text(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let text = text.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text))
}

/// The public part of a private JWK (what Key Vault returns).
pub(crate) fn public(jwk: &Map<String, Value>) -> Map<String, Value> {
    jwk.iter()
        .filter(|(k, _)| ["kty", "n", "e", "crv", "x", "y"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The symmetric key of an oct JWK.
pub(crate) fn oct_key(jwk: &Map<String, Value>) -> CryptoResult<Vec<u8>> {
    unb64(jwk, "k")
}

/// A new symmetric key (Managed HSM `oct-HSM`).
pub(crate) fn generate_oct(bits: usize) -> CryptoResult<Map<String, Value>> {
    if ![128, 192, 256].contains(&bits) {
        return Err(format!(
            "oct key size {bits} is not supported: use 128, 192 or 256"
        ));
    }
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "oct".into());
    jwk.insert("k".into(), b64(&random(bits / 8)));
    Ok(jwk)
}

/// `count` random bytes from the system's generator.
pub(crate) fn random(count: usize) -> Vec<u8> {
    use ring::rand::SecureRandom;
    let mut bytes = vec![0u8; count];
    // The system generator fails only when the OS cannot provide randomness at all.
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random number generator");
    bytes
}

/// base64url helper for handlers.
pub(crate) fn encode(bytes: &[u8]) -> Value {
    b64(bytes)
}

/// Decodes a base64url request field.
pub(crate) fn decode(text: &str) -> CryptoResult<Vec<u8>> {
    decode_text(text).map_err(|_| "`value` is not base64url".to_owned())
}
