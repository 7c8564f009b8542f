//! Credentials for the Azure Key Vault clients. Each implements
//! [`keyvault_runtime::TokenCredential`] and caches its tokens (single-flight, refreshed ahead
//! of expiry); pass one to a client with `ClientOptions::with_credential`.
//!
//! - [`ClientSecretCredential`], [`ClientAssertionCredential`], [`WorkloadIdentityCredential`]
//!   and (feature `certificate`) `ClientCertificateCredential`: service principals.
//! - [`ManagedIdentityCredential`]: IMDS or App Service, system or user assigned.
//! - [`AzureCliCredential`]: the developer's `az login`.
//! - [`EnvironmentCredential`] and [`DefaultAzureCredential`]: configuration-driven.
//! - [`CallbackCredential`]: tokens from your own code, told what the challenge asked for.
//!
//! Every credential takes its authority from [`CredentialOptions`] (`AZURE_AUTHORITY_HOST` is
//! honoured), so sovereign clouds and local test servers work the same way.
#![deny(missing_docs)]

mod azure_cli;
#[cfg(feature = "azure-identity")]
mod azure_core_credential;
mod callback;
#[cfg(feature = "certificate")]
pub mod certificate;
mod chain;
mod client_assertion;
#[cfg(feature = "certificate")]
mod client_certificate;
mod client_secret;
mod environment;
mod managed_identity;
mod options;
mod token_endpoint;

pub use azure_cli::AzureCliCredential;
#[cfg(feature = "azure-identity")]
pub use azure_core_credential::AzureCoreCredential;
pub use callback::{CallbackCredential, TokenContext};
pub use chain::{ChainedTokenCredential, DefaultAzureCredential};
pub use client_assertion::{
    AssertionCallback, ClientAssertionCredential, WorkloadIdentityCredential,
};
#[cfg(feature = "certificate")]
pub use client_certificate::ClientCertificateCredential;
pub use client_secret::ClientSecretCredential;
pub use environment::EnvironmentCredential;
pub use managed_identity::{
    ManagedIdentityCredential, ManagedIdentityId, ManagedIdentityOptions, IMDS_ENDPOINT,
};
pub use options::{CredentialOptions, DEFAULT_AUTHORITY_HOST};
