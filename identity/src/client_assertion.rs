//! A service principal proving itself with a signed assertion: from a callback
//! ([`ClientAssertionCredential`]) or from a projected Kubernetes token file
//! ([`WorkloadIdentityCredential`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use keyvault_runtime::auth::TokenCache;
use keyvault_runtime::http::{BoxFuture, HttpClient};
use keyvault_runtime::{AccessToken, Error, Result, TokenCredential, TokenRequest};

use crate::options::CredentialOptions;
use crate::token_endpoint::{post_form, scope_param, token_url};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Produces a client assertion (a JWT) on demand.
pub type AssertionCallback = dyn Fn() -> BoxFuture<'static, Result<String>> + Send + Sync;

/// The shared flow: post an assertion for a client id to the tenant's token endpoint.
pub(crate) struct AssertionFlow {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    pub(crate) options: CredentialOptions,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) cache: TokenCache,
    pub(crate) name: &'static str,
}

impl AssertionFlow {
    pub(crate) fn new(
        tenant_id: String,
        client_id: String,
        options: CredentialOptions,
        name: &'static str,
    ) -> Result<Self> {
        token_url(&options, &tenant_id)?;
        Ok(AssertionFlow {
            tenant_id,
            client_id,
            http: options.http()?,
            options,
            cache: TokenCache::new(),
            name,
        })
    }

    /// The token endpoint for a request (tenant resolved).
    pub(crate) fn endpoint(&self, request: &TokenRequest) -> Result<keyvault_runtime::http::Url> {
        let tenant = self
            .options
            .tenant(&self.tenant_id, request.tenant_id.as_deref())?;
        token_url(&self.options, &tenant)
    }

    pub(crate) async fn exchange(
        &self,
        request: &TokenRequest,
        assertion: &str,
    ) -> Result<AccessToken> {
        let scope = scope_param(&request.scopes)?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("scope", scope.as_str()),
        ];
        if let Some(claims) = &request.claims {
            form.push(("claims", claims));
        }
        post_form(
            &*self.http,
            self.endpoint(request)?,
            &form,
            self.options.sending(),
            self.name,
        )
        .await
    }
}

/// Authenticates with an assertion the caller's callback provides (e.g. a token from another
/// identity provider federated with the app registration).
pub struct ClientAssertionCredential {
    flow: AssertionFlow,
    callback: Arc<AssertionCallback>,
}

impl ClientAssertionCredential {
    /// A credential for `client_id` in `tenant_id` whose assertions come from `callback`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        callback: impl Fn() -> BoxFuture<'static, Result<String>> + Send + Sync + 'static,
        options: CredentialOptions,
    ) -> Result<Self> {
        Ok(ClientAssertionCredential {
            flow: AssertionFlow::new(
                tenant_id.into(),
                client_id.into(),
                options,
                "ClientAssertionCredential",
            )?,
            callback: Arc::new(callback),
        })
    }
}

impl TokenCredential for ClientAssertionCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.flow.cache.get_or_fetch(request, move || async move {
            let assertion = (self.callback)().await?;
            self.flow.exchange(request, &assertion).await
        }))
    }
}

impl fmt::Debug for ClientAssertionCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAssertionCredential")
            .field("tenant_id", &self.flow.tenant_id)
            .field("client_id", &self.flow.client_id)
            .finish_non_exhaustive()
    }
}

/// Kubernetes workload identity: the assertion is the service account token projected into
/// `AZURE_FEDERATED_TOKEN_FILE`, re-read for every token request because it rotates.
pub struct WorkloadIdentityCredential {
    flow: AssertionFlow,
    token_file: PathBuf,
}

impl WorkloadIdentityCredential {
    /// A credential reading its assertion from `token_file`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        options: CredentialOptions,
    ) -> Result<Self> {
        Ok(WorkloadIdentityCredential {
            flow: AssertionFlow::new(
                tenant_id.into(),
                client_id.into(),
                options,
                "WorkloadIdentityCredential",
            )?,
            token_file: token_file.into(),
        })
    }

    /// Configured from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_FEDERATED_TOKEN_FILE`;
    /// the error names the variables that are missing.
    pub fn from_env(options: CredentialOptions) -> Result<Self> {
        let vars = crate::environment::require_vars(
            "WorkloadIdentityCredential",
            &[
                "AZURE_TENANT_ID",
                "AZURE_CLIENT_ID",
                "AZURE_FEDERATED_TOKEN_FILE",
            ],
        )?;
        Self::new(vars[0].clone(), vars[1].clone(), vars[2].clone(), options)
    }
}

impl TokenCredential for WorkloadIdentityCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.flow.cache.get_or_fetch(request, move || async move {
            let assertion = tokio::fs::read_to_string(&self.token_file)
                .await
                .map_err(|e| {
                    Error::credential(
                        format!(
                            "WorkloadIdentityCredential: cannot read the token file {}: {e}",
                            self.token_file.display()
                        ),
                        None,
                    )
                })?;
            self.flow.exchange(request, assertion.trim()).await
        }))
    }
}

impl fmt::Debug for WorkloadIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadIdentityCredential")
            .field("tenant_id", &self.flow.tenant_id)
            .field("client_id", &self.flow.client_id)
            .field("token_file", &self.token_file)
            .finish()
    }
}
