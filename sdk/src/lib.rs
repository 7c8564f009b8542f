//! The hand-written layer above the generated Key Vault clients: pollers for Key Vault's
//! pseudo long-running operations, which the spec does not mark as such.
//!
//! - [`SecretPollers`], [`KeyPollers`]: `begin_delete_*` (done at once when the vault has no
//!   soft delete, else polls the deleted item until it exists) and `begin_recover_deleted_*`
//!   (polls the item until it is back), each resumable from a continuation token.
//! - [`CertificatePollers`]: the same for certificates, plus `begin_create_certificate`, which
//!   polls the pending operation until the certificate is issued, fails, is cancelled, or
//!   waits for a manual merge (issuer `Unknown`), and `cancel_certificate_operation`.
//!
//! ```no_run
//! use keyvault::secrets::SecretClient;
//! use keyvault_sdk::SecretPollers;
//! # async fn demo(client: SecretClient) -> keyvault_runtime::Result<()> {
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
mod certificates;
#[cfg(keyvault_module = "keys")]
mod keys;
mod probe;
#[cfg(keyvault_module = "secrets")]
mod secrets;

#[cfg(keyvault_module = "certificates")]
pub use certificates::{CertificateCreation, CertificateDeletePollers, CertificatePollers};
#[cfg(keyvault_module = "keys")]
pub use keys::KeyPollers;
#[cfg(keyvault_module = "secrets")]
pub use secrets::SecretPollers;

/// Every poller trait, for `use keyvault_sdk::prelude::*;`.
pub mod prelude {
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
