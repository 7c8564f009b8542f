//! What a generated client tells the runtime about its service.

/// Static facts about one generated client's service, taken from its spec.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ServiceInfo {
    /// The crate that holds the client, for the user agent.
    pub crate_name: &'static str,
    /// The crate's version.
    pub crate_version: &'static str,
    /// The api-version the spec describes; sent unless the caller overrides it.
    pub api_version: &'static str,
    /// The OAuth2 scopes of the spec's security definition.
    pub scopes: &'static [&'static str],
    /// How the service wants tokens attached.
    pub auth: AuthScheme,
}

/// How a service authenticates requests (from the generator's configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// A bearer token for the spec's scopes on every request (the management plane).
    Bearer,
    /// Key Vault's challenge flow: the service's 401 names authority, tenant and scope.
    KeyVaultChallenge,
}

impl ServiceInfo {
    /// Describes a service (used by generated code).
    pub const fn new(
        crate_name: &'static str,
        crate_version: &'static str,
        api_version: &'static str,
        scopes: &'static [&'static str],
    ) -> Self {
        ServiceInfo {
            crate_name,
            crate_version,
            api_version,
            scopes,
            auth: AuthScheme::Bearer,
        }
    }

    /// The same service with another authentication scheme (used by generated code).
    pub const fn with_auth(mut self, auth: AuthScheme) -> Self {
        self.auth = auth;
        self
    }

    /// `azsdk-rust-<crate>/<version>`, the user agent form Azure's SDKs share.
    pub fn user_agent(&self) -> String {
        format!("azsdk-rust-{}/{}", self.crate_name, self.crate_version)
    }
}

/// One row of a generated crate's operation table: which method serves a spec `operationId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The module (and Cargo feature) holding the client.
    pub module: &'static str,
    /// The client type, with the sub-client accessor when grouped (`KeyVaultManagementClient::vaults`).
    pub client: &'static str,
    /// The method name.
    pub method: &'static str,
    /// The HTTP method.
    pub http_method: &'static str,
    /// The spec's path template.
    pub path: &'static str,
}

impl OperationInfo {
    /// A table row (used by generated code).
    pub const fn new(
        operation_id: &'static str,
        module: &'static str,
        client: &'static str,
        method: &'static str,
        http_method: &'static str,
        path: &'static str,
    ) -> Self {
        OperationInfo {
            operation_id,
            module,
            client,
            method,
            http_method,
            path,
        }
    }
}
