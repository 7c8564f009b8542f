//! A service principal configured by the usual `AZURE_*` environment variables.

use std::fmt;
use std::sync::Arc;

use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Error, Result, TokenCredential, TokenRequest};

use crate::client_secret::ClientSecretCredential;
use crate::options::CredentialOptions;

/// Reads the named variables; the error lists every one that is missing or empty.
pub(crate) fn require_vars(credential: &str, names: &[&str]) -> Result<Vec<String>> {
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => values.push(v),
            _ => missing.push(*name),
        }
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(Error::credential(
            format!(
                "{credential}: not configured; missing environment variables: {}",
                missing.join(", ")
            ),
            None,
        ))
    }
}

/// `AZURE_TENANT_ID` and `AZURE_CLIENT_ID` with `AZURE_CLIENT_SECRET`, or with
/// `AZURE_CLIENT_CERTIFICATE_PATH` (and `AZURE_CLIENT_CERTIFICATE_PASSWORD`; needs the
/// `certificate` feature).
pub struct EnvironmentCredential {
    inner: std::result::Result<Arc<dyn TokenCredential>, String>,
}

impl EnvironmentCredential {
    /// Reads the environment now. A missing configuration is not an error here: `get_token`
    /// reports it, so the default chain can move on.
    pub fn new(options: CredentialOptions) -> Self {
        EnvironmentCredential {
            inner: Self::configure(options).map_err(|e| crate::chain::describe(&e)),
        }
    }

    fn configure(options: CredentialOptions) -> Result<Arc<dyn TokenCredential>> {
        let ids = require_vars(
            "EnvironmentCredential",
            &["AZURE_TENANT_ID", "AZURE_CLIENT_ID"],
        )?;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(secret) = var("AZURE_CLIENT_SECRET") {
            return Ok(Arc::new(ClientSecretCredential::new(
                &ids[0], &ids[1], secret, options,
            )?));
        }
        if let Some(path) = var("AZURE_CLIENT_CERTIFICATE_PATH") {
            #[cfg(feature = "certificate")]
            {
                let password = var("AZURE_CLIENT_CERTIFICATE_PASSWORD");
                let certificate = crate::certificate::ClientCertificate::from_file(
                    std::path::Path::new(&path),
                    password.as_deref(),
                )?;
                return Ok(Arc::new(
                    crate::client_certificate::ClientCertificateCredential::new(
                        &ids[0],
                        &ids[1],
                        certificate,
                        options,
                    )?,
                ));
            }
            #[cfg(not(feature = "certificate"))]
            {
                let _ = path;
                return Err(Error::credential(
                    "EnvironmentCredential: AZURE_CLIENT_CERTIFICATE_PATH is set, but certificate support is off; enable the `certificate` feature of keyvault-identity",
                    None,
                ));
            }
        }
        Err(Error::credential(
            "EnvironmentCredential: not configured; set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH",
            None,
        ))
    }
}

impl TokenCredential for EnvironmentCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        match &self.inner {
            Ok(credential) => credential.get_token(request),
            Err(message) => {
                let message = message.clone();
                Box::pin(async move { Err(Error::credential(message, None)) })
            }
        }
    }
}

impl fmt::Debug for EnvironmentCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Ok(credential) => f
                .debug_tuple("EnvironmentCredential")
                .field(credential)
                .finish(),
            Err(_) => f.write_str("EnvironmentCredential(not configured)"),
        }
    }
}
