//! Credentials tried in order: [`ChainedTokenCredential`] and the usual
//! [`DefaultAzureCredential`] (environment, workload identity, managed identity, Azure CLI).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Error, Result, TokenCredential, TokenRequest};

use crate::azure_cli::AzureCliCredential;
use crate::client_assertion::WorkloadIdentityCredential;
use crate::environment::EnvironmentCredential;
use crate::managed_identity::{ManagedIdentityCredential, ManagedIdentityOptions};
use crate::options::CredentialOptions;

const UNSET: usize = usize::MAX;

/// Tries each credential in turn; once one succeeds it is used first from then on. When all
/// fail, the error lists why each one did.
pub struct ChainedTokenCredential {
    links: Vec<(String, Arc<dyn TokenCredential>)>,
    working: AtomicUsize,
}

impl ChainedTokenCredential {
    /// A chain of named credentials.
    pub fn new(links: Vec<(String, Arc<dyn TokenCredential>)>) -> Self {
        ChainedTokenCredential {
            links,
            working: AtomicUsize::new(UNSET),
        }
    }

    async fn fetch(&self, request: &TokenRequest) -> Result<AccessToken> {
        let working = self.working.load(Ordering::Relaxed);
        if let Some((_, credential)) = self.links.get(working) {
            if let Ok(token) = credential.get_token(request).await {
                return Ok(token);
            }
        }
        let mut failures = Vec::new();
        for (index, (name, credential)) in self.links.iter().enumerate() {
            match credential.get_token(request).await {
                Ok(token) => {
                    self.working.store(index, Ordering::Relaxed);
                    tracing::debug!(
                        credential = name.as_str(),
                        "credential chain: token acquired"
                    );
                    return Ok(token);
                }
                Err(e) => failures.push(format!("- {}", failure(name, &e))),
            }
        }
        Err(Error::credential(
            format!(
                "no credential in the chain provided a token:\n{}",
                failures.join("\n")
            ),
            None,
        ))
    }
}

/// One line of the chain's error: the credential's name once, then what [`describe`] says.
fn failure(name: &str, error: &Error) -> String {
    let text = describe(error);
    if text.starts_with(name) {
        text
    } else {
        format!("{name}: {text}")
    }
}

/// A credential error as one line without the `credential error:` every one starts with (a
/// message quoting another would say it twice), followed by its causes, `: `-separated.
pub(crate) fn describe(error: &Error) -> String {
    let plain =
        |e: &(dyn std::error::Error + 'static)| match e.downcast_ref::<Error>().map(Error::kind) {
            Some(keyvault_runtime::ErrorKind::Credential { message, .. }) => message.clone(),
            _ => e.to_string(),
        };
    let mut text = plain(error);
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&plain(inner));
        cause = inner.source();
    }
    text
}

impl TokenCredential for ChainedTokenCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.fetch(request))
    }
}

impl fmt::Debug for ChainedTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.links.iter().map(|(name, _)| name))
            .finish()
    }
}

/// Environment, workload identity, managed identity, then the Azure CLI: what works in CI, in
/// Kubernetes, on Azure compute and on a developer's machine, in that order.
pub struct DefaultAzureCredential {
    chain: ChainedTokenCredential,
}

impl DefaultAzureCredential {
    /// The default chain with default options.
    pub fn new() -> Self {
        Self::with_options(
            CredentialOptions::default(),
            ManagedIdentityOptions::default(),
        )
    }

    /// The default chain with the given options (authority host, transport, managed identity
    /// endpoints).
    pub fn with_options(options: CredentialOptions, managed: ManagedIdentityOptions) -> Self {
        let mut links: Vec<(String, Arc<dyn TokenCredential>)> = vec![(
            "EnvironmentCredential".into(),
            Arc::new(EnvironmentCredential::new(options.clone())),
        )];
        let unavailable = |name: &str, e: Error| -> (String, Arc<dyn TokenCredential>) {
            (name.to_owned(), Arc::new(Unavailable(describe(&e))))
        };
        links.push(match WorkloadIdentityCredential::from_env(options) {
            Ok(c) => ("WorkloadIdentityCredential".into(), Arc::new(c)),
            Err(e) => unavailable("WorkloadIdentityCredential", e),
        });
        links.push(match ManagedIdentityCredential::from_env(managed) {
            Ok(c) => ("ManagedIdentityCredential".into(), Arc::new(c)),
            Err(e) => unavailable("ManagedIdentityCredential", e),
        });
        links.push((
            "AzureCliCredential".into(),
            Arc::new(AzureCliCredential::new()),
        ));
        DefaultAzureCredential {
            chain: ChainedTokenCredential::new(links),
        }
    }
}

impl Default for DefaultAzureCredential {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCredential for DefaultAzureCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        self.chain.get_token(request)
    }
}

impl fmt::Debug for DefaultAzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DefaultAzureCredential")
            .field(&self.chain)
            .finish()
    }
}

/// A link that could not be configured; reports why on every request.
#[derive(Debug)]
struct Unavailable(String);

impl TokenCredential for Unavailable {
    fn get_token<'a>(&'a self, _: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move { Err(Error::credential(self.0.clone(), None)) })
    }
}
