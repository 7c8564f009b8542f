//! A service principal with a client secret (the client-credentials grant).

use std::fmt;

use keyvault_runtime::auth::TokenCache;
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Result, Secret, TokenCredential, TokenRequest};

use crate::options::CredentialOptions;
use crate::token_endpoint::{post_form, scope_param, token_url};

/// Authenticates a service principal with its client secret.
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    secret: Secret<String>,
    options: CredentialOptions,
    http: std::sync::Arc<dyn keyvault_runtime::http::HttpClient>,
    cache: TokenCache,
}

impl ClientSecretCredential {
    /// A credential for `client_id` in `tenant_id`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        options: CredentialOptions,
    ) -> Result<Self> {
        let tenant_id = tenant_id.into();
        token_url(&options, &tenant_id)?;
        Ok(ClientSecretCredential {
            tenant_id,
            client_id: client_id.into(),
            secret: Secret::new(client_secret.into()),
            http: options.http()?,
            options,
            cache: TokenCache::new(),
        })
    }

    async fn fetch(&self, request: &TokenRequest) -> Result<AccessToken> {
        let tenant = self
            .options
            .tenant(&self.tenant_id, request.tenant_id.as_deref())?;
        let scope = scope_param(&request.scopes)?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose().as_str()),
            ("scope", scope.as_str()),
        ];
        if let Some(claims) = &request.claims {
            form.push(("claims", claims));
        }
        post_form(
            &*self.http,
            token_url(&self.options, &tenant)?,
            &form,
            self.options.sending(),
            "ClientSecretCredential",
        )
        .await
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(request, || self.fetch(request)))
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("authority_host", &self.options.authority_host.as_str())
            .finish()
    }
}
