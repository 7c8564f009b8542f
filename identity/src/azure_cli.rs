//! The Azure CLI's signed-in account (`az account get-access-token`).

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use keyvault_runtime::auth::TokenCache;
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Error, Result, TokenCredential, TokenRequest};
use serde::Deserialize;
use time::OffsetDateTime;

/// Runs the Azure CLI for tokens.
pub struct AzureCliCredential {
    program: PathBuf,
    tenant_id: Option<String>,
    timeout: Duration,
    cache: TokenCache,
}

#[derive(Deserialize)]
struct CliToken {
    #[serde(rename = "accessToken")]
    access_token: String,
    /// Epoch seconds (CLI 2.54 and later).
    #[serde(default)]
    expires_on: Option<i64>,
}

impl Default for AzureCliCredential {
    fn default() -> Self {
        Self::new()
    }
}

impl AzureCliCredential {
    /// Runs `az` from `PATH`, with a 10 second limit.
    pub fn new() -> Self {
        AzureCliCredential {
            program: PathBuf::from(if cfg!(windows) { "az.cmd" } else { "az" }),
            tenant_id: None,
            timeout: Duration::from_secs(10),
            cache: TokenCache::new(),
        }
    }

    /// Runs this program instead of `az` from `PATH`.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Asks for tokens from this tenant unless a request names one.
    pub fn with_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Limits how long the CLI may run.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn fetch(&self, request: &TokenRequest) -> Result<AccessToken> {
        let [scope] = request.scopes.as_slice() else {
            return Err(Error::credential(
                "AzureCliCredential: exactly one scope is supported",
                None,
            ));
        };
        // Arguments go to the program directly (no shell), but a value starting with `-` would
        // still read as an option.
        let safe = |v: &str| {
            !v.is_empty()
                && !v.starts_with('-')
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c))
        };
        if !safe(scope) {
            return Err(Error::credential(
                format!("AzureCliCredential: `{scope}` is not a valid scope"),
                None,
            ));
        }
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["account", "get-access-token", "--output", "json", "--scope"])
            .arg(scope)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(tenant) = request.tenant_id.as_ref().or(self.tenant_id.as_ref()) {
            if !safe(tenant) {
                return Err(Error::credential(
                    format!("AzureCliCredential: `{tenant}` is not a valid tenant id"),
                    None,
                ));
            }
            command.args(["--tenant", tenant]);
        }
        let child = command.spawn().map_err(|e| {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "AzureCliCredential: the Azure CLI (`{}`) was not found on PATH; install it and run `az login`",
                    self.program.display()
                )
            } else {
                format!("AzureCliCredential: cannot run `{}`: {e}", self.program.display())
            };
            Error::credential(message, None)
        })?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                Error::credential(
                    format!(
                        "AzureCliCredential: `az account get-access-token` did not finish within {:?}",
                        self.timeout
                    ),
                    None,
                )
            })?
            .map_err(|e| Error::credential(format!("AzureCliCredential: {e}"), None))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message = if stderr.contains("az login") || stderr.contains("az account set") {
                "AzureCliCredential: not logged in; run `az login`".to_owned()
            } else {
                // The CLI's own message (first line), which carries no token.
                format!(
                    "AzureCliCredential: `az account get-access-token` failed: {}",
                    stderr
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("no details")
                )
            };
            return Err(Error::credential(message, None));
        }
        let token: CliToken = serde_json::from_slice(&output.stdout).map_err(|e| {
            Error::credential(
                format!("AzureCliCredential: unexpected output of the Azure CLI ({e})"),
                None,
            )
        })?;
        // Older CLIs give only a local-time `expiresOn` without an offset; rather than guess
        // the zone, such tokens are treated as valid for five minutes.
        let expires_on = token
            .expires_on
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .unwrap_or_else(|| OffsetDateTime::now_utc() + Duration::from_secs(300));
        Ok(AccessToken::new(token.access_token, expires_on))
    }
}

impl TokenCredential for AzureCliCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(request, || self.fetch(request)))
    }
}

impl fmt::Debug for AzureCliCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCliCredential")
            .field("program", &self.program)
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}
