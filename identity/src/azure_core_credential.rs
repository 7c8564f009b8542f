//! The official SDK's credentials for our clients (feature `azure-identity`): any
//! `azure_core::credentials::TokenCredential` (every credential of the `azure_identity` crate)
//! as one of ours, so an application that already builds them can mix both SDKs.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential as AzureTokenCredential;
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Error, Result, TokenCredential, TokenRequest};

/// An `azure_core` credential (`azure_identity::DefaultAzureCredential`,
/// `ClientSecretCredential`, `ManagedIdentityCredential`, ...) used as ours.
///
/// ```no_run
/// # fn run(official: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) {
/// use keyvault_identity::AzureCoreCredential;
/// use keyvault_runtime::ClientOptions;
///
/// // `official` is e.g. `azure_identity::DeveloperToolsCredential::new(None)?`.
/// let credential = std::sync::Arc::new(AzureCoreCredential::new(official));
/// let options = ClientOptions::default().with_credential(credential);
/// # let _ = options;
/// # }
/// ```
///
/// What does not cross over: `azure_core`'s `get_token` takes only scopes, so the tenant a
/// Key Vault challenge names and the claims of a Continuous Access Evaluation challenge are
/// not passed on (the official credential asks its own tenant, and the official clients do
/// the same); token caching is the official credential's (our pipeline still reuses a token
/// until it is due for refresh).
#[derive(Clone)]
pub struct AzureCoreCredential {
    inner: Arc<dyn AzureTokenCredential>,
}

impl AzureCoreCredential {
    /// Wraps an `azure_core` credential.
    pub fn new(credential: Arc<dyn AzureTokenCredential>) -> Self {
        AzureCoreCredential { inner: credential }
    }
}

/// The wrapped credential's own Debug output may name its settings; none of them is shown.
impl fmt::Debug for AzureCoreCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCoreCredential")
            .finish_non_exhaustive()
    }
}

impl TokenCredential for AzureCoreCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let scopes: Vec<&str> = request.scopes.iter().map(String::as_str).collect();
            let token = self.inner.get_token(&scopes, None).await.map_err(|e| {
                Error::credential(
                    format!("the azure_core credential could not get a token: {e}"),
                    Some(Box::new(e)),
                )
            })?;
            Ok(AccessToken::new(
                token.token.secret().to_owned(),
                token.expires_on,
            ))
        })
    }
}
