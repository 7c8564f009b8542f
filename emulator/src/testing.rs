//! For tests of code that uses this SDK's clients: [`start`] runs an emulator in the test's
//! process, and [`Emulator::client_options`] hands back client options ready for it (its CA
//! trusted, a token it issued, plain `http` to loopback allowed when it serves that).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = keyvault_emulator::start().await?;
//! // Any of the SDK's clients: `SecretClient::new(&emulator.url(), emulator.client_options())`.
//! let options: keyvault_runtime::ClientOptions = emulator.client_options();
//! # let _ = options; Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use keyvault_runtime::auth::{AccessToken, AuthOptions, TokenCredential, TokenRequest};
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::ClientOptions;

use crate::server::{Emulator, EmulatorOptions};

/// Starts an emulator with the default options (HTTPS on a free loopback port): one call at
/// the top of a `#[tokio::test]`; it stops when dropped.
pub async fn start() -> std::io::Result<Emulator> {
    Emulator::start(EmulatorOptions::default()).await
}

/// A token the emulator issued itself, so it passes `--strict-auth` too; never expires while
/// the emulator runs (it is renewed an hour at a time).
#[derive(Clone)]
pub struct EmulatorCredential {
    token: String,
}

impl std::fmt::Debug for EmulatorCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorCredential").finish_non_exhaustive()
    }
}

impl TokenCredential for EmulatorCredential {
    fn get_token<'a>(
        &'a self,
        _: &'a TokenRequest,
    ) -> BoxFuture<'a, keyvault_runtime::Result<AccessToken>> {
        let expires_on = time::OffsetDateTime::now_utc() + Duration::from_secs(3600);
        Box::pin(std::future::ready(Ok(AccessToken::new(
            self.token.clone(),
            expires_on,
        ))))
    }
}

impl Emulator {
    /// A credential holding a token this emulator issued.
    pub fn credential(&self) -> EmulatorCredential {
        EmulatorCredential {
            token: self.issue_token(),
        }
    }

    /// Client options for this emulator: its CA certificate trusted, [`Emulator::credential`]
    /// as the credential, and (when it serves plain http) bearer tokens allowed over http to
    /// loopback. Any vault URL of this emulator works with them ([`Emulator::url`],
    /// [`Emulator::vault_host_url`], [`Emulator::vault_url`]), and so does the management
    /// client at [`Emulator::url`].
    pub fn client_options(&self) -> ClientOptions {
        let options = ClientOptions::default().with_credential(Arc::new(self.credential()));
        if self.certificate_pem().is_empty() {
            options.with_auth_options(AuthOptions::default().with_http_loopback(true))
        } else {
            options.with_root_certificate_pem(self.certificate_pem().as_bytes().to_vec())
        }
    }
}
