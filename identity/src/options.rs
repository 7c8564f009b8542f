//! Settings every credential shares: where the authority is, which transport to use, which
//! tenants a credential may be redirected to.

use std::sync::Arc;
use std::time::Duration;

use keyvault_runtime::http::{HttpClient, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{Error, Result, RetryOptions};

/// Azure's public cloud authority.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Settings shared by the credentials. `Default` reads `AZURE_AUTHORITY_HOST`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CredentialOptions {
    /// The Microsoft Entra authority (sovereign clouds and tests change it).
    pub authority_host: Url,
    /// The transport for token requests; `None` builds the default one.
    pub transport: Option<Arc<dyn HttpClient>>,
    /// Tenants besides the configured one that a service (a Key Vault challenge) may ask for;
    /// `"*"` allows any.
    pub additionally_allowed_tenants: Vec<String>,
    /// Allow an `http` authority on a loopback host (local test servers only).
    pub allow_http_loopback: bool,
    /// How long one try of a token request may take.
    pub timeout: Duration,
    /// How token requests are retried when the endpoint fails transiently (a refused or cut
    /// connection, 408, 429, 5xx): the clients' defaults, `Retry-After` honoured.
    pub retry: RetryOptions,
    /// Settings of the default transport (extra trusted roots for a local authority).
    pub transport_options: TransportOptions,
    /// Why `AZURE_AUTHORITY_HOST` could not be used, reported by every token request rather
    /// than silently replaced by the public cloud (a sovereign-cloud app would otherwise ask
    /// the wrong authority for tokens).
    authority_problem: Option<String>,
}

impl Default for CredentialOptions {
    fn default() -> Self {
        let public = || Url::parse(DEFAULT_AUTHORITY_HOST).expect("a valid constant URL");
        let (authority_host, authority_problem) = match std::env::var("AZURE_AUTHORITY_HOST")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            None => (public(), None),
            Some(value) => match Url::parse(value.trim()) {
                Ok(url) if matches!(url.scheme(), "https" | "http") => (url, None),
                _ => (
                    public(),
                    Some(format!(
                        "AZURE_AUTHORITY_HOST `{}` is not an absolute URL such as https://login.microsoftonline.us",
                        keyvault_runtime::url::shown_in_errors(&value)
                    )),
                ),
            },
        };
        CredentialOptions {
            authority_host,
            authority_problem,
            transport: None,
            additionally_allowed_tenants: Vec::new(),
            allow_http_loopback: false,
            timeout: Duration::from_secs(30),
            retry: RetryOptions::default(),
            transport_options: TransportOptions::default(),
        }
    }
}

impl CredentialOptions {
    /// Uses another authority host.
    pub fn with_authority_host(mut self, authority_host: Url) -> Self {
        self.authority_host = authority_host;
        self.authority_problem = None;
        self
    }

    /// Retries token requests with these options.
    pub fn with_retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// How token requests are sent.
    pub(crate) fn sending(&self) -> crate::token_endpoint::Sending {
        crate::token_endpoint::Sending {
            timeout: self.timeout,
            retry: Some(self.retry),
            also_retried: &[],
        }
    }

    /// The authority host, or why the environment's could not be used.
    pub(crate) fn authority(&self) -> Result<&Url> {
        match &self.authority_problem {
            Some(problem) => Err(Error::credential(problem.clone(), None)),
            None => Ok(&self.authority_host),
        }
    }

    /// Uses another transport.
    pub fn with_transport(mut self, transport: Arc<dyn HttpClient>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Allows tokens for these tenants too (`"*"` for any).
    pub fn with_additionally_allowed_tenants(
        mut self,
        tenants: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.additionally_allowed_tenants = tenants.into_iter().map(Into::into).collect();
        self
    }

    /// Trusts an extra root certificate (PEM) for token requests (a local emulator's).
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport_options = self.transport_options.with_root_certificate_pem(pem);
        self
    }

    /// Allows an `http` authority on a loopback host.
    pub fn with_http_loopback(mut self, allow: bool) -> Self {
        self.allow_http_loopback = allow;
        self
    }

    /// The transport to send token requests with.
    pub(crate) fn http(&self) -> Result<Arc<dyn HttpClient>> {
        match &self.transport {
            Some(t) => Ok(t.clone()),
            None => Ok(HyperTransport::shared(&self.transport_options)?),
        }
    }

    /// The tenant to ask: the configured one unless the caller names another that is allowed.
    pub(crate) fn tenant(&self, configured: &str, requested: Option<&str>) -> Result<String> {
        match requested {
            None => Ok(configured.to_owned()),
            Some(t) if t.eq_ignore_ascii_case(configured) => Ok(configured.to_owned()),
            Some(t)
                if configured.eq_ignore_ascii_case("organizations")
                    || configured.eq_ignore_ascii_case("common") =>
            {
                Ok(t.to_owned())
            }
            Some(t)
                if self
                    .additionally_allowed_tenants
                    .iter()
                    .any(|a| a == "*" || a.eq_ignore_ascii_case(t)) =>
            {
                Ok(t.to_owned())
            }
            Some(t) => Err(Error::credential(
                format!(
                    "the service asks for a token from tenant `{t}`, but the credential is configured for `{configured}`; add it to `additionally_allowed_tenants` to allow it"
                ),
                None,
            )),
        }
    }
}
