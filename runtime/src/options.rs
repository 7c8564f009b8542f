//! What a caller can configure on any generated client.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{AuthOptions, TokenCredential};
use crate::http::HttpClient;
use crate::pipeline::Policy;
use crate::retry::RetryOptions;
use crate::transport::TransportOptions;

/// Options shared by every generated client. Build with `ClientOptions::default()` and the
/// `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The transport; `None` builds a [`crate::transport::HyperTransport`] from
    /// `transport_options`.
    pub transport: Option<Arc<dyn HttpClient>>,
    /// Settings for the default transport.
    pub transport_options: TransportOptions,
    /// Policies run after the built-in ones, in order (authentication, retry, logging...).
    pub policies: Vec<Arc<dyn Policy>>,
    /// Overrides the spec's api-version for every call of the client.
    pub api_version: Option<String>,
    /// Check arguments against the spec's constraints (pattern, length, range) before sending.
    /// On by default; path safety (one encoded segment per parameter) is enforced regardless.
    pub validate_constraints: bool,
    /// Appended to the `User-Agent` header.
    pub user_agent_suffix: Option<String>,
    /// Where tokens come from; `None` sends requests without authentication.
    pub credential: Option<Arc<dyn TokenCredential>>,
    /// How tokens may be sent (http to loopback, challenge verification, scopes).
    pub auth: AuthOptions,
    /// Retries.
    pub retry: RetryOptions,
    /// Each try must get its response within this (default 60 s), so a stalled server cannot
    /// hold a call forever; `None` waits indefinitely.
    pub try_timeout: Option<Duration>,
    /// Every call (retries and waits included) must finish within this; `None` means no limit
    /// beyond the tries' own. Overridable per call.
    pub deadline: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            transport: None,
            transport_options: TransportOptions::default(),
            policies: Vec::new(),
            api_version: None,
            validate_constraints: true,
            user_agent_suffix: None,
            credential: None,
            auth: AuthOptions::default(),
            retry: RetryOptions::default(),
            try_timeout: Some(Duration::from_secs(60)),
            deadline: None,
        }
    }
}

impl ClientOptions {
    /// Sends through the given transport instead of the default one.
    pub fn with_transport(mut self, transport: Arc<dyn HttpClient>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Adds a policy after the built-in ones.
    pub fn with_policy(mut self, policy: Arc<dyn Policy>) -> Self {
        self.policies.push(policy);
        self
    }

    /// Overrides the api-version.
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = Some(api_version.into());
        self
    }

    /// Turns the spec's constraint checks on or off.
    pub fn with_constraint_checks(mut self, enabled: bool) -> Self {
        self.validate_constraints = enabled;
        self
    }

    /// Authenticates with this credential.
    pub fn with_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Sets how tokens may be sent.
    pub fn with_auth_options(mut self, auth: AuthOptions) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the retry options.
    pub fn with_retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-try timeout.
    pub fn with_try_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.try_timeout = timeout;
        self
    }

    /// Sets the per-call deadline.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Trusts an extra root certificate (PEM) in the default transport.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport_options
            .extra_root_certificates_pem
            .push(pem.into());
        self
    }
}
