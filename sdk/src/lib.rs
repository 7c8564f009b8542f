//! Azure Key Vault for Rust, in one crate: the clients of every data-plane service and of the
//! management plane, the credentials, and the hand-written conveniences on top.
//!
//! ```toml
//! [dependencies]
//! keyvault-sdk = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! - Data plane (generated from the Key Vault specs), one module per service:
//!   `secrets`, `keys`, `certificates`, `rbac`, `backup_restore`, `settings`,
//!   `security_domain`, and `ekm` and `storage` when `keyvault`'s features turn them on; each
//!   has its client (`SecretClient`, ...) and a `models` module.
//! - `management` (feature `management`, on by default): `KeyVaultManagementClient` for
//!   vaults, managed HSMs and their keys, secrets and private endpoints.
//! - [`identity`]: every credential (`DefaultAzureCredential`, client secret, certificate,
//!   managed identity, workload identity, Azure CLI, a callback).
//! - At the root, the runtime types calls touch: [`ClientOptions`], [`CallOptions`],
//!   [`Error`], [`ErrorKind`], [`Secret`], [`Pager`], [`Poller`], ...; everything else of the
//!   runtime is in [`runtime`].
//! - [`identifier::KeyVaultId`]: a key's `kid` or a secret's or certificate's `id` parsed into
//!   vault, kind, name and version; `get_secret_by_id`, `get_key_by_id` and
//!   `get_certificate_by_id` take one.
//! - `cryptography::CryptographyClient` (feature `cryptography`): encrypt, decrypt, wrap,
//!   unwrap, sign and verify with one key, in the process where its material allows (public
//!   key operations, or everything with a JSON Web Key holding private or symmetric material)
//!   and by the vault otherwise.
//! - `secret_cache::SecretCache`: secrets served from memory with a time-to-live, refreshed
//!   in the background, a good value kept through failed refreshes up to a staleness bound.
//! - `reqwest_transport` (feature `reqwest`): a `reqwest::Client` of your own (0.12) as the
//!   transport, and a builder with this crate's safe defaults.
//! - The pollers for Key Vault's delete, recover and certificate-creation operations, which
//!   the spec does not mark as long-running: [`SecretPollers`], [`KeyPollers`],
//!   [`CertificatePollers`] (`use keyvault_sdk::prelude::*;`).
//!
//! The lower crates (`keyvault`, `keyvault-mgmt`, `keyvault-identity`, `keyvault-runtime`)
//! stay usable on their own; this one only re-exports them.
//!
//! # A tokio runtime is required
//!
//! The clients run on tokio (its timers, its TCP and the connection pool's tasks): call them
//! from inside a tokio runtime with the `rt` (or `rt-multi-thread`) and `time` features, for
//! example under `#[tokio::main]`. Called from another executor, or none, the first request
//! panics with "there is no reactor running, must be called from the context of a Tokio 1.x
//! runtime". From async-std or smol, enter a tokio runtime around the calls
//! (`tokio::runtime::Runtime::new()?.block_on(...)`, or `Handle::enter`).
//!
//! # Pollers
//!
//! - [`SecretPollers`], [`KeyPollers`]: `begin_delete_*` (done at once when the vault has no
//!   soft delete, else polls the deleted item until it exists) and `begin_recover_deleted_*`
//!   (polls the item until it is back), each resumable from a continuation token.
//! - [`CertificatePollers`]: the same for certificates, plus `begin_create_certificate`, which
//!   polls the pending operation until the certificate is issued, fails, is cancelled, or
//!   waits for a manual merge (issuer `Unknown`), and `cancel_certificate_operation`.
//!
//! ```no_run
//! use keyvault_sdk::identity::DefaultAzureCredential;
//! use keyvault_sdk::prelude::*;
//! use keyvault_sdk::secrets::SecretClient;
//! use keyvault_sdk::ClientOptions;
//! # async fn demo() -> keyvault_sdk::Result<()> {
//! let credential = std::sync::Arc::new(DefaultAzureCredential::new());
//! let client = SecretClient::new(
//!     "https://my-vault.vault.azure.net",
//!     ClientOptions::default().with_credential(credential),
//! )?;
//! // Await to the end...
//! let deleted = client.begin_delete_secret("db-password").await?;
//! println!("{:?}", deleted.recovery_id);
//! // ...or step, and resume elsewhere from the token.
//! let mut poller = client.begin_recover_deleted_secret("db-password");
//! poller.step().await?;
//! let token = poller.continuation_token()?;
//! let secret = client.resume_recover_deleted_secret(&token)?.await?;
//! # let _ = secret; Ok(()) }
//! ```
#![deny(missing_docs)]

#[cfg(keyvault_module = "certificates")]
mod certificate_pollers;
#[cfg(all(feature = "cryptography", keyvault_module = "keys"))]
pub mod cryptography;
pub mod identifier;
#[cfg(keyvault_module = "keys")]
mod key_pollers;
mod probe;
#[cfg(keyvault_module = "secrets")]
pub mod secret_cache;
#[cfg(keyvault_module = "secrets")]
mod secret_pollers;

#[cfg(keyvault_module = "certificates")]
pub use certificate_pollers::{CertificateCreation, CertificateDeletePollers, CertificatePollers};
#[cfg(keyvault_module = "keys")]
pub use key_pollers::KeyPollers;
#[cfg(keyvault_module = "secrets")]
pub use secret_pollers::SecretPollers;

// Every data-plane module the `keyvault` build has (`secrets`, `keys`, ...), whatever the
// generator's config names them: a glob, so adding or removing a module needs no edit here.
pub use keyvault::*;

/// The management plane (`Microsoft.KeyVault`): `KeyVaultManagementClient` and its models.
#[cfg(feature = "management")]
pub use keyvault_mgmt::management;

/// Credentials: every way to get a Microsoft Entra token for the clients.
pub use keyvault_identity as identity;

/// Transport, authentication, paging and polling settings beyond the common ones.
pub use keyvault_runtime::{auth::AuthOptions, transport::TransportOptions};

/// A `reqwest::Client` (0.12) as the transport (feature `reqwest`).
#[cfg(feature = "reqwest")]
pub use keyvault_runtime::reqwest_transport;
pub use keyvault_runtime::{
    AccessToken, CallOptions, ClientOptions, Error, ErrorKind, Page, Pager, Poller, PollerOptions,
    Response, Result, RetryOptions, Secret, ServiceError, TokenCredential, TokenRequest,
};

/// Every poller and extension trait, for `use keyvault_sdk::prelude::*;`.
pub mod prelude {
    #[cfg(keyvault_module = "certificates")]
    pub use crate::identifier::CertificatesById;
    #[cfg(keyvault_module = "keys")]
    pub use crate::identifier::KeysById;
    #[cfg(keyvault_module = "secrets")]
    pub use crate::identifier::SecretsById;
    #[cfg(keyvault_module = "keys")]
    pub use crate::KeyPollers;
    #[cfg(keyvault_module = "secrets")]
    pub use crate::SecretPollers;
    #[cfg(keyvault_module = "certificates")]
    pub use crate::{CertificateDeletePollers, CertificatePollers};
}

/// How often delete and recover operations are polled unless the caller says otherwise (as
/// the service's own SDKs do).
pub const DELETE_RECOVER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);
/// How often a pending certificate is polled unless the caller says otherwise.
pub const CERTIFICATE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);
