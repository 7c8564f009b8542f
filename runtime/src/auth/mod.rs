//! Authentication: the credential trait every token source implements, the token cache they
//! share, the `WWW-Authenticate` parser, and the two pipeline policies that attach tokens
//! (plain bearer for the management plane, Key Vault's challenge flow for the data plane).
//!
//! Credentials themselves (client secret, certificate, managed identity, Azure CLI, ...) live in
//! the `keyvault-identity` crate; anything implementing [`TokenCredential`] plugs in through
//! [`crate::ClientOptions::with_credential`].

mod cache;
mod challenge;
mod policy;

use std::fmt;

use time::OffsetDateTime;

use crate::error::Result;
use crate::http::BoxFuture;
use crate::secret::Secret;

pub use cache::TokenCache;
pub use challenge::{parse_challenges, Challenge};
pub use policy::{ensure_secure_transport, AuthOptions, BearerTokenPolicy, ChallengeAuthPolicy};

/// What a caller asks a credential for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// The scopes, e.g. `https://vault.azure.net/.default`.
    pub scopes: Vec<String>,
    /// The tenant to ask, when the service names one (a Key Vault challenge does).
    pub tenant_id: Option<String>,
    /// Claims the service demands (a Continuous Access Evaluation challenge), as JSON.
    pub claims: Option<String>,
    /// The Key Vault challenge the request answers, when there is one: callback credentials
    /// read its authorization server, resource and scope.
    pub challenge: Option<Challenge>,
}

impl TokenRequest {
    /// A request for the given scopes.
    pub fn new<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        TokenRequest {
            scopes: scopes.into_iter().map(Into::into).collect(),
            ..TokenRequest::default()
        }
    }

    /// Asks a specific tenant.
    pub fn with_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Adds the claims a service demanded.
    pub fn with_claims(mut self, claims: impl Into<String>) -> Self {
        self.claims = Some(claims.into());
        self
    }
}

/// A bearer token and its lifetime.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessToken {
    /// The token; its Debug output is redacted.
    pub token: Secret<String>,
    /// When it stops being valid.
    pub expires_on: OffsetDateTime,
    /// When the issuer suggests getting a new one (`refresh_in`/`refresh_on`); `None` means five
    /// minutes before expiry.
    pub refresh_on: Option<OffsetDateTime>,
}

impl AccessToken {
    /// A token valid until `expires_on`.
    pub fn new(token: impl Into<String>, expires_on: OffsetDateTime) -> Self {
        AccessToken {
            token: Secret::new(token.into()),
            expires_on,
            refresh_on: None,
        }
    }

    /// Sets the suggested refresh time.
    pub fn with_refresh_on(mut self, refresh_on: OffsetDateTime) -> Self {
        self.refresh_on = Some(refresh_on);
        self
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("expires_on", &self.expires_on)
            .field("refresh_on", &self.refresh_on)
            .finish()
    }
}

/// A source of bearer tokens. Implementations should cache (see [`TokenCache`]) so that many
/// concurrent calls share one token request.
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token for the request's scopes (and tenant and claims, when given).
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>>;
}

impl<T: TokenCredential + ?Sized> TokenCredential for std::sync::Arc<T> {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).get_token(request)
    }
}
