//! Managed identity: Azure's instance metadata service (IMDS) on VMs, scale sets and AKS, or
//! the App Service / Functions identity endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keyvault_runtime::auth::TokenCache;
use keyvault_runtime::http::{BoxFuture, HeaderValue, HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{
    AccessToken, Error, Result, RetryOptions, Secret, TokenCredential, TokenRequest,
};

use crate::token_endpoint::{read_token, send, Sending};

/// IMDS's token endpoint.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// Which managed identity to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ManagedIdentityId {
    /// The resource's system-assigned identity.
    #[default]
    SystemAssigned,
    /// A user-assigned identity by client id.
    ClientId(String),
    /// A user-assigned identity by object (principal) id.
    ObjectId(String),
    /// A user-assigned identity by ARM resource id.
    ResourceId(String),
}

/// Where the identity endpoint is and how long to wait for it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ManagedIdentityOptions {
    /// The IMDS token endpoint (tests point it at a local server).
    pub imds_endpoint: Url,
    /// The App Service endpoint and its secret header; `Default` reads `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER`. When set, IMDS is not used.
    pub app_service: Option<(Url, Secret<String>)>,
    /// How long the first IMDS request may take: short, so that where there is no IMDS a
    /// caller (or the default chain) moves on at once instead of hanging.
    pub probe_timeout: Duration,
    /// How long each try of later token requests may take.
    pub timeout: Duration,
    /// How later token requests are retried (the probe never is): the clients' defaults, plus
    /// IMDS's 404 (identity not assigned yet) and 410 (the service is updating).
    pub retry: RetryOptions,
    /// The transport; `None` builds the default one.
    pub transport: Option<Arc<dyn HttpClient>>,
}

impl Default for ManagedIdentityOptions {
    fn default() -> Self {
        let app_service = match (
            std::env::var("IDENTITY_ENDPOINT")
                .ok()
                .filter(|v| !v.is_empty()),
            std::env::var("IDENTITY_HEADER")
                .ok()
                .filter(|v| !v.is_empty()),
        ) {
            (Some(endpoint), Some(header)) => {
                Url::parse(&endpoint).ok().map(|u| (u, Secret::new(header)))
            }
            _ => None,
        };
        ManagedIdentityOptions {
            imds_endpoint: Url::parse(IMDS_ENDPOINT).expect("a valid constant URL"),
            app_service,
            probe_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
            retry: RetryOptions::default(),
            transport: None,
        }
    }
}

/// Authenticates as the Azure resource's managed identity.
pub struct ManagedIdentityCredential {
    id: ManagedIdentityId,
    options: ManagedIdentityOptions,
    http: Arc<dyn HttpClient>,
    cache: TokenCache,
    /// Whether IMDS has answered once (after that, the normal timeout applies).
    probed: AtomicBool,
}

impl ManagedIdentityCredential {
    /// A credential for the given identity.
    pub fn new(id: ManagedIdentityId, options: ManagedIdentityOptions) -> Result<Self> {
        let http = match &options.transport {
            Some(t) => t.clone(),
            None => {
                // The identity endpoints are link-local or on the host: never through a proxy.
                // Nor with the system's certificates: the endpoints are plain http.
                let mut transport = TransportOptions::default().with_native_roots(false);
                transport.proxy_from_env = false;
                HyperTransport::shared(&transport)?
            }
        };
        Ok(ManagedIdentityCredential {
            id,
            options,
            http,
            cache: TokenCache::new(),
            probed: AtomicBool::new(false),
        })
    }

    /// The system-assigned identity, or the user-assigned one `AZURE_CLIENT_ID` names.
    pub fn from_env(options: ManagedIdentityOptions) -> Result<Self> {
        let id = match std::env::var("AZURE_CLIENT_ID") {
            Ok(client_id) if !client_id.is_empty() => ManagedIdentityId::ClientId(client_id),
            _ => ManagedIdentityId::SystemAssigned,
        };
        Self::new(id, options)
    }

    fn resource(request: &TokenRequest) -> Result<String> {
        match request.scopes.as_slice() {
            [scope] => Ok(scope.strip_suffix("/.default").unwrap_or(scope).to_owned()),
            _ => Err(Error::credential(
                "ManagedIdentityCredential: exactly one scope is supported",
                None,
            )),
        }
    }

    async fn fetch(&self, request: &TokenRequest) -> Result<AccessToken> {
        let resource = Self::resource(request)?;
        let (mut url, header, id_names, name) = match &self.options.app_service {
            Some((endpoint, secret)) => {
                let mut url = endpoint.clone();
                url.append_query_pair("api-version", "2019-08-01");
                (
                    url,
                    ("x-identity-header", secret.expose().clone()),
                    ["client_id", "principal_id", "mi_res_id"],
                    "ManagedIdentityCredential (App Service)",
                )
            }
            None => {
                let mut url = self.options.imds_endpoint.clone();
                url.append_query_pair("api-version", "2018-02-01");
                (
                    url,
                    ("metadata", "true".to_owned()),
                    ["client_id", "object_id", "msi_res_id"],
                    "ManagedIdentityCredential (IMDS)",
                )
            }
        };
        url.append_query_pair("resource", &resource);
        match &self.id {
            ManagedIdentityId::SystemAssigned => {}
            ManagedIdentityId::ClientId(v) => url.append_query_pair(id_names[0], v),
            ManagedIdentityId::ObjectId(v) => url.append_query_pair(id_names[1], v),
            ManagedIdentityId::ResourceId(v) => url.append_query_pair(id_names[2], v),
        }
        let mut http_request = Request::new(Method::GET, url);
        let mut value = HeaderValue::from_str(&header.1).map_err(|_| {
            Error::credential(format!("{name}: IDENTITY_HEADER is not header text"), None)
        })?;
        value.set_sensitive(true);
        http_request.headers.insert(header.0, value);
        let first_imds = self.options.app_service.is_none() && !self.probed.load(Ordering::Relaxed);
        let timeout = if first_imds {
            self.options.probe_timeout
        } else {
            self.options.timeout
        };
        let sending = Sending {
            timeout,
            retry: (!first_imds).then_some(self.options.retry),
            also_retried: if self.options.app_service.is_none() {
                &[404, 410]
            } else {
                &[]
            },
        };
        let response = send(&*self.http, &http_request, sending, name)
            .await
            .map_err(|e| {
                if !first_imds {
                    return e;
                }
                // The request's own error named the credential already: its cause is kept.
                let cause = match e.into_kind() {
                    keyvault_runtime::ErrorKind::Credential { source, .. } => source,
                    other => Some(Box::new(Error::new(other)) as _),
                };
                Error::credential(
                    format!("{name}: no managed identity endpoint answered"),
                    cause,
                )
            })?;
        self.probed.store(true, Ordering::Relaxed);
        read_token(&response, name)
    }
}

impl TokenCredential for ManagedIdentityCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(request, || self.fetch(request)))
    }
}

impl fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityCredential")
            .field("id", &self.id)
            .field(
                "endpoint",
                &match &self.options.app_service {
                    Some((url, _)) => url.as_str().to_owned(),
                    None => self.options.imds_endpoint.as_str().to_owned(),
                },
            )
            .finish()
    }
}
