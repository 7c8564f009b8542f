//! What the operations return.

use keyvault_runtime::Secret;

use crate::keys::models::{JsonWebKeyEncryptionAlgorithm, JsonWebKeySignatureAlgorithm};

/// Where an operation ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Performed {
    /// In this process, with the key material the client holds.
    Locally,
    /// By the vault.
    ByVault,
}

/// An encryption's output: the ciphertext, and what decrypting it needs besides the key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeyEncryptionAlgorithm,
    /// The encrypted data.
    pub ciphertext: Vec<u8>,
    /// The IV (AES-GCM, AES-CBC).
    pub iv: Option<Vec<u8>>,
    /// The authentication tag (AES-GCM).
    pub authentication_tag: Option<Vec<u8>>,
    /// The additional authenticated data given (AES-GCM).
    pub additional_authenticated_data: Option<Vec<u8>>,
    /// Where it ran.
    pub performed: Performed,
}

/// A decryption's output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecryptResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeyEncryptionAlgorithm,
    /// The decrypted data (redacted in `Debug`).
    pub plaintext: Secret<Vec<u8>>,
    /// Where it ran.
    pub performed: Performed,
}

/// A key wrap's output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrapResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeyEncryptionAlgorithm,
    /// The wrapped key.
    pub encrypted_key: Vec<u8>,
    /// Where it ran.
    pub performed: Performed,
}

/// A key unwrap's output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnwrapResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeyEncryptionAlgorithm,
    /// The unwrapped key (redacted in `Debug`).
    pub key: Secret<Vec<u8>>,
    /// Where it ran.
    pub performed: Performed,
}

/// A signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeySignatureAlgorithm,
    /// The signature (ECDSA: `r || s`).
    pub signature: Vec<u8>,
    /// Where it ran.
    pub performed: Performed,
}

/// A verification's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyResult {
    /// The key's versioned id, when the client knows it.
    pub key_id: Option<String>,
    /// The algorithm used.
    pub algorithm: JsonWebKeySignatureAlgorithm,
    /// Whether the signature is the key's signature of the digest.
    pub is_valid: bool,
    /// Where it ran.
    pub performed: Performed,
}
