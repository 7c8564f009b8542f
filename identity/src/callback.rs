//! A credential whose tokens come from the caller's own code, told what the Key Vault
//! challenge asked for (authorization server, resource, scope).

use std::fmt;
use std::sync::Arc;

use keyvault_runtime::auth::TokenCache;
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Result, TokenCredential, TokenRequest};

/// What a token is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenContext {
    /// The challenge's authorization server (e.g. `https://login.microsoftonline.com/<tenant>`).
    pub authorization_server: Option<String>,
    /// The challenge's resource (e.g. `https://vault.azure.net`).
    pub resource: Option<String>,
    /// The challenge's scope, when it names one.
    pub scope: Option<String>,
    /// The scopes the client asks for (always set).
    pub scopes: Vec<String>,
    /// The tenant, when known.
    pub tenant_id: Option<String>,
    /// Claims demanded by a claims challenge.
    pub claims: Option<String>,
}

type Callback = dyn Fn(TokenContext) -> BoxFuture<'static, Result<AccessToken>> + Send + Sync;

/// Calls the caller's function for tokens (cached per scopes, tenant and claims).
pub struct CallbackCredential {
    callback: Arc<Callback>,
    cache: TokenCache,
}

impl CallbackCredential {
    /// A credential calling `callback` whenever a new token is needed.
    pub fn new(
        callback: impl Fn(TokenContext) -> BoxFuture<'static, Result<AccessToken>>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        CallbackCredential {
            callback: Arc::new(callback),
            cache: TokenCache::new(),
        }
    }
}

impl TokenCredential for CallbackCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(request, || {
            let challenge = request.challenge.as_ref();
            (self.callback)(TokenContext {
                authorization_server: challenge
                    .and_then(|c| c.authorization_server())
                    .map(str::to_owned),
                resource: challenge.and_then(|c| c.resource()).map(str::to_owned),
                scope: challenge.and_then(|c| c.scope()).map(str::to_owned),
                scopes: request.scopes.clone(),
                tenant_id: request.tenant_id.clone(),
                claims: request.claims.clone(),
            })
        }))
    }
}

impl fmt::Debug for CallbackCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackCredential")
    }
}
