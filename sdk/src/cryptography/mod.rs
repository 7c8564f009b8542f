//! [`CryptographyClient`]: encrypt, decrypt, wrap, unwrap, sign and verify with one key, in
//! this process when the key material allows it and by the vault otherwise (feature
//! `cryptography`).
//!
//! Made from a key id, the client fetches the key once (its public part: what `get_key`
//! returns), on first use; then the public-key operations (RSA encrypt and wrap, RSA and EC
//! verify) run here, saving a round trip and a unit of the vault's throttling budget each,
//! and the private-key ones (decrypt, unwrap, sign) and everything for symmetric keys go to
//! the vault. Without the `keys/get` permission (a 403 for the fetch) every operation goes
//! to the vault. Made from a [`JsonWebKey`] with private or symmetric material, it runs
//! everything here and never calls a vault.
//!
//! | key | here | by the vault |
//! | --- | --- | --- |
//! | RSA (public) | encrypt, wrap (RSA-OAEP, RSA-OAEP-256, RSA1_5); verify (RS256-512, PS256-512) | decrypt, unwrap, sign |
//! | RSA with `d`, `p`, `q` | all of the above | - |
//! | EC (public) | verify (ES256 on P-256, ES384 on P-384, ES512 on P-521, ES256K on P-256K) | sign |
//! | EC with `d` | sign and verify | - |
//! | oct with `k` (128, 192, 256 bits) | A*GCM, A*CBC, A*CBCPAD encrypt/decrypt; A*KW, CKM_AES_KEY_WRAP(_PAD) wrap/unwrap | HMAC (HS256-512) |
//! | oct from the vault (no `k`) | - | everything |
//!
//! Before a local operation the client checks what the vault would: the key's `key_ops`
//! allow it, and for the operations that protect new data (encrypt, wrap, sign) the key is
//! enabled and inside its `nbf`..`exp` window. Decrypt, unwrap and verify stay allowed after
//! expiry, so data protected before can still be read, as in the other Azure SDKs.
//!
//! Local RSA decryption and unwrapping use RustCrypto's `rsa`, which is not constant-time
//! (RUSTSEC-2023-0071): where an attacker can time many decryptions with your private key,
//! leave the private key in the vault.
//!
//! ```no_run
//! use keyvault_sdk::cryptography::{CryptographyClient, EncryptionAlgorithm, SignatureAlgorithm};
//! use keyvault_sdk::keys::KeyClient;
//! # async fn demo(keys: KeyClient) -> Result<(), keyvault_sdk::cryptography::CryptographyError> {
//! let crypto = CryptographyClient::new(
//!     keys,
//!     "https://my-vault.vault.azure.net/keys/my-rsa-key/0123456789abcdef0123456789abcdef",
//! )?;
//! // Encrypted here with the public key, decrypted by the vault.
//! let sealed = crypto.encrypt(EncryptionAlgorithm::RsaOaep256, b"a secret").await?;
//! let opened = crypto.decrypt(EncryptionAlgorithm::RsaOaep256, &sealed.ciphertext).await?;
//! assert_eq!(opened.plaintext.expose(), b"a secret");
//! // Signed by the vault, verified here.
//! let signature = crypto.sign_data(SignatureAlgorithm::Ps256, b"a document").await?;
//! let verdict = crypto
//!     .verify_data(SignatureAlgorithm::Ps256, b"a document", &signature.signature)
//!     .await?;
//! assert!(verdict.is_valid);
//! # Ok(()) }
//! ```

mod error;
mod local;
mod results;

use std::future::IntoFuture;
use std::sync::Arc;

use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{Error, ErrorKind, OffsetDateTime, Secret};
use tokio::sync::OnceCell;

use crate::identifier::{IdKind, KeyVaultId};
use crate::keys::models::{
    JsonWebKey, KeyBundle, KeyOperationResult, KeyOperationsParameters, KeySignParameters,
    KeyVerifyParameters,
};
use crate::keys::KeyClient;
use local::{aes, LocalKey, Operation};

pub use crate::keys::models::{
    JsonWebKeyEncryptionAlgorithm as EncryptionAlgorithm,
    JsonWebKeySignatureAlgorithm as SignatureAlgorithm,
};
pub use error::CryptographyError;
pub use results::{
    DecryptResult, EncryptResult, Performed, SignResult, UnwrapResult, VerifyResult, WrapResult,
};

/// What an operation returns.
pub type Result<T, E = CryptographyError> = std::result::Result<T, E>;

/// Cryptography with one key: locally where its material allows, by the vault otherwise (see
/// the [module docs](self)). Cheap to clone; clones share the fetched key.
#[derive(Clone)]
pub struct CryptographyClient {
    inner: Arc<Inner>,
}

struct Inner {
    vault: Option<VaultKey>,
    key: OnceCell<KeyMaterial>,
}

/// The key in the vault: the client to ask, its name and the version asked for.
struct VaultKey {
    client: KeyClient,
    name: String,
    version: Option<String>,
}

/// What the client knows of the key.
struct KeyMaterial {
    local: Option<LocalKey>,
    kid: Option<String>,
    /// The version fetched, so that local and vault operations use the same key even when
    /// the client was made from an id without version and the key rotates.
    version: Option<String>,
    key_type: String,
    key_ops: Option<Vec<String>>,
    enabled: Option<bool>,
    not_before: Option<OffsetDateTime>,
    expires: Option<OffsetDateTime>,
}

impl KeyMaterial {
    fn from_jwk(jwk: &JsonWebKey) -> Result<Self> {
        Ok(Self {
            local: LocalKey::from_jwk(jwk)?,
            kid: jwk.kid.clone(),
            version: None,
            key_type: jwk
                .kty
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            key_ops: jwk.key_ops.clone(),
            enabled: None,
            not_before: None,
            expires: None,
        })
    }

    /// From a key the vault returned: material it cannot use here leaves every operation to
    /// the vault rather than failing.
    fn from_bundle(bundle: &KeyBundle) -> Self {
        let jwk = bundle.key.clone().unwrap_or_default();
        let mut material = Self::from_jwk(&jwk).unwrap_or_else(|err| {
            tracing::debug!(error = %err, "the vault's key cannot be used locally; every operation goes to the vault");
            Self {
                local: None,
                ..Self::remote_only()
            }
        });
        material.kid = jwk.kid.clone();
        material.version = jwk
            .kid
            .as_deref()
            .and_then(|kid| KeyVaultId::parse(kid).ok())
            .and_then(|id| id.version().map(str::to_owned));
        material.key_type = jwk
            .kty
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        material.key_ops = jwk.key_ops.clone();
        if let Some(attributes) = &bundle.attributes {
            material.enabled = attributes.enabled;
            material.not_before = attributes.not_before;
            material.expires = attributes.expires;
        }
        material
    }

    fn remote_only() -> Self {
        Self {
            local: None,
            kid: None,
            version: None,
            key_type: String::new(),
            key_ops: None,
            enabled: None,
            not_before: None,
            expires: None,
        }
    }

    /// What the vault would refuse, checked before a local operation.
    fn check(&self, operation: Operation) -> Result<()> {
        if let Some(allowed) = &self.key_ops {
            if !allowed.iter().any(|op| op == operation.key_op()) {
                return Err(CryptographyError::OperationNotPermitted {
                    operation: operation.key_op(),
                    allowed: allowed.clone(),
                });
            }
        }
        if operation.protects() {
            if self.enabled == Some(false) {
                return Err(CryptographyError::Disabled);
            }
            let now = OffsetDateTime::now_utc();
            if let Some(not_before) = self.not_before.filter(|nbf| now < *nbf) {
                return Err(CryptographyError::NotYetValid { not_before });
            }
            if let Some(expires) = self.expires.filter(|exp| now >= *exp) {
                return Err(CryptographyError::Expired { expires });
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for CryptographyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        let material = self.inner.key.get();
        f.debug_struct("CryptographyClient")
            .field("key_id", &self.key_id())
            .field(
                "vault",
                &self
                    .inner
                    .vault
                    .as_ref()
                    .map(|v| v.client.endpoint().as_str()),
            )
            .field("fetched", &material.is_some())
            .field("local", &material.map(|m| m.local.is_some()))
            .finish()
    }
}

impl CryptographyClient {
    /// A client for the key `key_id` names (`https://{vault}/keys/{name}[/{version}]`) in
    /// `client`'s vault. Nothing is sent until the first operation, which fetches the key.
    pub fn new(client: KeyClient, key_id: &str) -> Result<Self> {
        let id = KeyVaultId::parse(key_id)?;
        id.check_for(IdKind::Key, client.endpoint())?;
        Ok(Self::with_vault(
            VaultKey {
                client,
                name: id.name().to_owned(),
                version: id.version().map(str::to_owned),
            },
            OnceCell::new(),
        ))
    }

    /// A client for a key already fetched (`get_key`, `create_key`, `import_key`): no fetch.
    pub fn from_key(client: KeyClient, key: &KeyBundle) -> Result<Self> {
        let kid = key
            .key
            .as_ref()
            .and_then(|jwk| jwk.kid.as_deref())
            .ok_or_else(|| CryptographyError::InvalidKey {
                reason: "the key has no `kid`".into(),
            })?;
        let id = KeyVaultId::parse(kid)?;
        id.check_for(IdKind::Key, client.endpoint())?;
        let vault = VaultKey {
            client,
            name: id.name().to_owned(),
            version: id.version().map(str::to_owned),
        };
        Ok(Self::with_vault(
            vault,
            OnceCell::new_with(Some(KeyMaterial::from_bundle(key))),
        ))
    }

    /// A client that never calls a vault: every operation runs here with the key's material
    /// (public operations with a public key; all of them with a private or symmetric key).
    /// An error when the material is malformed (a point not on its curve, a private key that
    /// does not match its public part) or of a type the client cannot use.
    pub fn from_jwk(jwk: JsonWebKey) -> Result<Self> {
        let material = KeyMaterial::from_jwk(&jwk)?;
        if material.local.is_none() {
            return Err(CryptographyError::InvalidKey {
                reason: format!(
                    "a `{}` key without usable material (RSA, EC, or oct with a 128, 192 or 256-bit `k`)",
                    material.key_type
                ),
            });
        }
        Ok(Self {
            inner: Arc::new(Inner {
                vault: None,
                key: OnceCell::new_with(Some(material)),
            }),
        })
    }

    fn with_vault(vault: VaultKey, key: OnceCell<KeyMaterial>) -> Self {
        Self {
            inner: Arc::new(Inner {
                vault: Some(vault),
                key,
            }),
        }
    }

    /// The key's id: the versioned `kid` once fetched, else as given.
    pub fn key_id(&self) -> Option<String> {
        if let Some(kid) = self.inner.key.get().and_then(|m| m.kid.clone()) {
            return Some(kid);
        }
        let vault = self.inner.vault.as_ref()?;
        let mut id = format!(
            "{}/keys/{}",
            vault.client.endpoint().as_str().trim_end_matches('/'),
            vault.name
        );
        if let Some(version) = &vault.version {
            id.push('/');
            id.push_str(version);
        }
        Some(id)
    }

    /// The key, fetched on first use. A 403 (no `keys/get` permission) is not an error: the
    /// vault then does every operation.
    async fn material(&self) -> Result<&KeyMaterial> {
        self.inner
            .key
            .get_or_try_init(|| async {
                let vault = self
                    .inner
                    .vault
                    .as_ref()
                    .expect("a client without key material has a vault");
                let mut call = vault.client.get_key(&vault.name);
                if let Some(version) = &vault.version {
                    call = call.key_version(version);
                }
                match call.await {
                    Ok(bundle) => Ok(KeyMaterial::from_bundle(&bundle)),
                    Err(err) if err.status().is_some_and(|s| s.as_u16() == 403) => {
                        tracing::debug!(
                            "no permission to get the key; every operation goes to the vault"
                        );
                        Ok(KeyMaterial::remote_only())
                    }
                    Err(err) => Err(CryptographyError::Service(err)),
                }
            })
            .await
    }

    /// The local key for `operation` with `algorithm`, checked as the vault would check it;
    /// `None` when the vault must do it.
    fn local<'a>(
        &self,
        material: &'a KeyMaterial,
        operation: Operation,
        algorithm: &str,
    ) -> Result<Option<&'a LocalKey>> {
        match &material.local {
            Some(key) if key.supports(operation, algorithm) => {
                material.check(operation)?;
                Ok(Some(key))
            }
            _ if self.inner.vault.is_some() => Ok(None),
            _ => Err(CryptographyError::Unsupported {
                operation: operation.key_op(),
                algorithm: algorithm.to_owned(),
                key_type: material.key_type.clone(),
            }),
        }
    }

    /// The vault's client, the key's name and the version to use.
    fn vault<'a>(&'a self, material: &'a KeyMaterial) -> (&'a KeyClient, &'a str, Option<&'a str>) {
        let vault = self.inner.vault.as_ref().expect("checked by local");
        let version = material.version.as_deref().or(vault.version.as_deref());
        (&vault.client, &vault.name, version)
    }

    /// Encrypts `plaintext`: AES-GCM makes its IV (in the result); AES-CBC takes one with
    /// [`EncryptBuilder::iv`] or makes a random one.
    pub fn encrypt(&self, algorithm: EncryptionAlgorithm, plaintext: &[u8]) -> EncryptBuilder<'_> {
        EncryptBuilder {
            client: self,
            algorithm,
            plaintext: Secret::new(plaintext.to_vec()),
            iv: None,
            aad: None,
        }
    }

    /// Decrypts `ciphertext`; AES needs the IV (and for GCM the tag) the encryption returned.
    pub fn decrypt(&self, algorithm: EncryptionAlgorithm, ciphertext: &[u8]) -> DecryptBuilder<'_> {
        DecryptBuilder {
            client: self,
            algorithm,
            ciphertext: ciphertext.to_vec(),
            iv: None,
            aad: None,
            tag: None,
        }
    }

    /// Decrypts what [`CryptographyClient::encrypt`] returned, with its IV, tag and
    /// additional authenticated data.
    pub fn decrypt_result(&self, sealed: &EncryptResult) -> DecryptBuilder<'_> {
        DecryptBuilder {
            client: self,
            algorithm: sealed.algorithm.clone(),
            ciphertext: sealed.ciphertext.clone(),
            iv: sealed.iv.clone(),
            aad: sealed.additional_authenticated_data.clone(),
            tag: sealed.authentication_tag.clone(),
        }
    }

    /// Wraps key material (`key`) with this key.
    pub async fn wrap_key(&self, algorithm: EncryptionAlgorithm, key: &[u8]) -> Result<WrapResult> {
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::WrapKey, algorithm.as_str())? {
            return Ok(WrapResult {
                key_id: material.kid.clone(),
                encrypted_key: local.wrap(algorithm.as_str(), key)?,
                algorithm,
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let mut call = client.wrap_key(
            name,
            KeyOperationsParameters::new(algorithm.clone(), key.to_vec()),
        );
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        Ok(WrapResult {
            key_id: answer.kid.clone(),
            encrypted_key: value_of(answer)?.into_inner(),
            algorithm,
            performed: Performed::ByVault,
        })
    }

    /// Unwraps a key wrapped with this key.
    pub async fn unwrap_key(
        &self,
        algorithm: EncryptionAlgorithm,
        encrypted_key: &[u8],
    ) -> Result<UnwrapResult> {
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::UnwrapKey, algorithm.as_str())? {
            let key = local.unwrap(algorithm.as_str(), encrypted_key)?;
            return Ok(UnwrapResult {
                key_id: material.kid.clone(),
                key: Secret::new(key.to_vec()),
                algorithm,
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let parameters = KeyOperationsParameters::new(algorithm.clone(), encrypted_key.to_vec());
        let mut call = client.unwrap_key(name, parameters);
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        Ok(UnwrapResult {
            key_id: answer.kid.clone(),
            key: value_of(answer)?,
            algorithm,
            performed: Performed::ByVault,
        })
    }

    /// Signs a digest (the SHA-2 hash the algorithm names: 32 bytes for RS256, PS256, ES256
    /// and ES256K, 48 for the 384s, 64 for the 512s).
    pub async fn sign(&self, algorithm: SignatureAlgorithm, digest: &[u8]) -> Result<SignResult> {
        check_digest(&algorithm, digest)?;
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::Sign, algorithm.as_str())? {
            return Ok(SignResult {
                key_id: material.kid.clone(),
                signature: local.sign(algorithm.as_str(), digest)?,
                algorithm,
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let mut call = client.sign(
            name,
            KeySignParameters::new(algorithm.clone(), digest.to_vec()),
        );
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        Ok(SignResult {
            key_id: answer.kid.clone(),
            signature: value_of(answer)?.into_inner(),
            algorithm,
            performed: Performed::ByVault,
        })
    }

    /// Verifies a signature of a digest.
    pub async fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<VerifyResult> {
        check_digest(&algorithm, digest)?;
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::Verify, algorithm.as_str())? {
            return Ok(VerifyResult {
                key_id: material.kid.clone(),
                is_valid: local.verify(algorithm.as_str(), digest, signature),
                algorithm,
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let parameters =
            KeyVerifyParameters::new(algorithm.clone(), digest.to_vec(), signature.to_vec());
        let mut call = client.verify(name, parameters);
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        Ok(VerifyResult {
            key_id: self.key_id(),
            is_valid: answer.value.unwrap_or(false),
            algorithm,
            performed: Performed::ByVault,
        })
    }

    /// Hashes `data` with the algorithm's SHA-2 and signs the digest.
    pub async fn sign_data(
        &self,
        algorithm: SignatureAlgorithm,
        data: &[u8],
    ) -> Result<SignResult> {
        let digest = hash(&algorithm, data)?;
        self.sign(algorithm, &digest).await
    }

    /// Hashes `data` with the algorithm's SHA-2 and verifies the signature of the digest.
    pub async fn verify_data(
        &self,
        algorithm: SignatureAlgorithm,
        data: &[u8],
        signature: &[u8],
    ) -> Result<VerifyResult> {
        let digest = hash(&algorithm, data)?;
        self.verify(algorithm, &digest, signature).await
    }

    async fn run_encrypt(&self, call: EncryptBuilder<'_>) -> Result<EncryptResult> {
        let EncryptBuilder {
            algorithm,
            plaintext,
            mut iv,
            aad,
            ..
        } = call;
        let alg = algorithm.as_str();
        if aes::is_gcm(alg) && iv.is_some() {
            return Err(CryptographyError::InvalidInput {
                reason: format!(
                    "{alg} makes its own IV: reusing one with the same key breaks AES-GCM"
                ),
            });
        }
        if aes::is_cbc(alg) && iv.is_none() {
            iv = Some(aes::cbc_iv_random());
        }
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::Encrypt, alg)? {
            let sealed = local.encrypt(alg, plaintext.expose(), iv.as_deref(), aad.as_deref())?;
            return Ok(EncryptResult {
                key_id: material.kid.clone(),
                algorithm,
                ciphertext: sealed.ciphertext,
                iv: sealed.iv,
                authentication_tag: sealed.tag,
                additional_authenticated_data: aad,
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let mut parameters = KeyOperationsParameters::new(algorithm.clone(), plaintext);
        parameters.iv = iv.clone();
        parameters.aad = aad.clone();
        let mut call = client.encrypt(name, parameters);
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        let (kid, answer_iv, tag) = (
            answer.kid.clone(),
            answer.iv.clone(),
            answer.authentication_tag.clone(),
        );
        Ok(EncryptResult {
            key_id: kid,
            algorithm,
            ciphertext: value_of(answer)?.into_inner(),
            iv: answer_iv.or(iv),
            authentication_tag: tag,
            additional_authenticated_data: aad,
            performed: Performed::ByVault,
        })
    }

    async fn run_decrypt(&self, call: DecryptBuilder<'_>) -> Result<DecryptResult> {
        let DecryptBuilder {
            algorithm,
            ciphertext,
            iv,
            aad,
            tag,
            ..
        } = call;
        let alg = algorithm.as_str();
        let material = self.material().await?;
        if let Some(local) = self.local(material, Operation::Decrypt, alg)? {
            let plaintext = local.decrypt(
                alg,
                &ciphertext,
                iv.as_deref(),
                aad.as_deref(),
                tag.as_deref(),
            )?;
            return Ok(DecryptResult {
                key_id: material.kid.clone(),
                algorithm,
                plaintext: Secret::new(plaintext.to_vec()),
                performed: Performed::Locally,
            });
        }
        let (client, name, version) = self.vault(material);
        let mut parameters = KeyOperationsParameters::new(algorithm.clone(), ciphertext);
        parameters.iv = iv;
        parameters.aad = aad;
        parameters.tag = tag;
        let mut call = client.decrypt(name, parameters);
        if let Some(version) = version {
            call = call.key_version(version);
        }
        let answer = call.await?;
        Ok(DecryptResult {
            key_id: answer.kid.clone(),
            algorithm,
            plaintext: value_of(answer)?,
            performed: Performed::ByVault,
        })
    }
}

/// The `value` of a vault's answer: missing, the answer does not match the spec.
fn value_of(answer: KeyOperationResult) -> Result<Secret<Vec<u8>>> {
    answer.result.ok_or_else(|| {
        CryptographyError::Service(Error::new(ErrorKind::Deserialize {
            type_name: "KeyOperationResult",
            message: "the vault's answer has no `value`".into(),
            excerpt: String::new(),
        }))
    })
}

/// Rejects a digest whose length does not fit the algorithm, before anything is sent.
fn check_digest(algorithm: &SignatureAlgorithm, digest: &[u8]) -> Result<()> {
    match local::digest_len(algorithm.as_str()) {
        Some(len) if len != digest.len() => Err(CryptographyError::InvalidInput {
            reason: format!(
                "a {algorithm} digest is {len} bytes, not {}: pass the SHA-2 hash (or use sign_data / verify_data)",
                digest.len()
            ),
        }),
        _ => Ok(()),
    }
}

fn hash(algorithm: &SignatureAlgorithm, data: &[u8]) -> Result<Vec<u8>> {
    local::digest(algorithm.as_str(), data).ok_or_else(|| CryptographyError::InvalidInput {
        reason: format!(
            "{algorithm} does not sign a SHA-2 digest; use sign / verify with its input"
        ),
    })
}

/// An encryption being built: add an IV (AES-CBC) or additional authenticated data (AES-GCM),
/// then await it.
#[must_use = "an operation does nothing until it is awaited"]
pub struct EncryptBuilder<'a> {
    client: &'a CryptographyClient,
    algorithm: EncryptionAlgorithm,
    plaintext: Secret<Vec<u8>>,
    iv: Option<Vec<u8>>,
    aad: Option<Vec<u8>>,
}

impl EncryptBuilder<'_> {
    /// The IV for AES-CBC (16 bytes); made at random when not given. AES-GCM refuses one.
    pub fn iv(mut self, iv: impl Into<Vec<u8>>) -> Self {
        self.iv = Some(iv.into());
        self
    }

    /// Data authenticated with the ciphertext but not encrypted (AES-GCM).
    pub fn additional_authenticated_data(mut self, aad: impl Into<Vec<u8>>) -> Self {
        self.aad = Some(aad.into());
        self
    }
}

impl<'a> IntoFuture for EncryptBuilder<'a> {
    type Output = Result<EncryptResult>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.client.run_encrypt(self))
    }
}

/// A decryption being built: add the IV, tag and additional authenticated data AES needs,
/// then await it.
#[must_use = "an operation does nothing until it is awaited"]
pub struct DecryptBuilder<'a> {
    client: &'a CryptographyClient,
    algorithm: EncryptionAlgorithm,
    ciphertext: Vec<u8>,
    iv: Option<Vec<u8>>,
    aad: Option<Vec<u8>>,
    tag: Option<Vec<u8>>,
}

impl DecryptBuilder<'_> {
    /// The IV the encryption used (AES).
    pub fn iv(mut self, iv: impl Into<Vec<u8>>) -> Self {
        self.iv = Some(iv.into());
        self
    }

    /// The authentication tag the encryption returned (AES-GCM).
    pub fn authentication_tag(mut self, tag: impl Into<Vec<u8>>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// The additional authenticated data given to the encryption (AES-GCM).
    pub fn additional_authenticated_data(mut self, aad: impl Into<Vec<u8>>) -> Self {
        self.aad = Some(aad.into());
        self
    }
}

impl<'a> IntoFuture for DecryptBuilder<'a> {
    type Output = Result<DecryptResult>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.client.run_decrypt(self))
    }
}
