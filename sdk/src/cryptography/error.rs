//! What a cryptographic operation can fail with.

use keyvault_runtime::OffsetDateTime;

/// Why a [`CryptographyClient`](super::CryptographyClient) operation failed. Messages never
/// contain key material, plaintext or ciphertext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptographyError {
    /// The key's `key_ops` do not include the operation (checked before a local operation;
    /// the vault checks its own).
    #[error("the key does not allow {operation}: its key_ops are {allowed:?}")]
    OperationNotPermitted {
        /// The operation, as `key_ops` names it (`encrypt`, `wrapKey`, ...).
        operation: &'static str,
        /// The key's `key_ops`.
        allowed: Vec<String>,
    },
    /// The key's `nbf` is still ahead: it may not encrypt, wrap or sign yet.
    #[error("the key is not valid before {not_before}")]
    NotYetValid {
        /// The key's `nbf`.
        not_before: OffsetDateTime,
    },
    /// The key's `exp` has passed: it may no longer encrypt, wrap or sign (it may still
    /// decrypt, unwrap and verify what it protected before).
    #[error("the key expired at {expires}")]
    Expired {
        /// The key's `exp`.
        expires: OffsetDateTime,
    },
    /// The key is disabled.
    #[error("the key is disabled")]
    Disabled,
    /// The key has no material for this here, and the client has no vault to ask (it was
    /// made from a JSON Web Key alone).
    #[error("{algorithm} cannot {operation} with this {key_type} key without the vault (the client was made from a JSON Web Key: make it from a key id to use the vault)")]
    Unsupported {
        /// The operation, as `key_ops` names it.
        operation: &'static str,
        /// The algorithm asked for.
        algorithm: String,
        /// The key's `kty`.
        key_type: String,
    },
    /// The JSON Web Key is incomplete or inconsistent.
    #[error("the JSON Web Key is not usable: {reason}")]
    InvalidKey {
        /// What is wrong with it.
        reason: String,
    },
    /// An argument does not fit the algorithm: a digest of the wrong length, a missing IV or
    /// tag, data too long for the key.
    #[error("{reason}")]
    InvalidInput {
        /// What is wrong with it.
        reason: String,
    },
    /// Decryption or unwrapping found that the data was not made with this key and algorithm,
    /// or was changed (one message for every cause: telling them apart helps an attacker).
    #[error(
        "{algorithm} decryption failed: the data was not protected with this key, or was altered"
    )]
    DecryptionFailed {
        /// The algorithm asked for.
        algorithm: String,
    },
    /// The key id is not a key of the client's vault.
    #[error(transparent)]
    InvalidKeyId(#[from] crate::identifier::InvalidIdentifier),
    /// The vault could not be asked, or refused.
    #[error(transparent)]
    Service(#[from] keyvault_runtime::Error),
}
