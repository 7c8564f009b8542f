//! A service principal proving itself with a certificate: a JWT assertion signed with its
//! private key, carrying the certificate's SHA-256 thumbprint (`x5t#S256`).

use std::fmt;

use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{AccessToken, Result, TokenCredential, TokenRequest};
use time::OffsetDateTime;

use crate::certificate::ClientCertificate;
use crate::client_assertion::AssertionFlow;
use crate::options::CredentialOptions;

/// Authenticates a service principal with a client certificate (PEM or PKCS#12).
pub struct ClientCertificateCredential {
    flow: AssertionFlow,
    certificate: ClientCertificate,
}

impl ClientCertificateCredential {
    /// A credential for `client_id` in `tenant_id`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        certificate: ClientCertificate,
        options: CredentialOptions,
    ) -> Result<Self> {
        Ok(ClientCertificateCredential {
            flow: AssertionFlow::new(
                tenant_id.into(),
                client_id.into(),
                options,
                "ClientCertificateCredential",
            )?,
            certificate,
        })
    }
}

impl TokenCredential for ClientCertificateCredential {
    fn get_token<'a>(&'a self, request: &'a TokenRequest) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.flow.cache.get_or_fetch(request, move || async move {
            // The audience is the token endpoint itself.
            let audience = self.flow.endpoint(request)?;
            let assertion = self.certificate.client_assertion(
                &self.flow.client_id,
                audience.as_str(),
                OffsetDateTime::now_utc(),
            )?;
            self.flow.exchange(request, &assertion).await
        }))
    }
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &self.flow.tenant_id)
            .field("client_id", &self.flow.client_id)
            .field("certificate", &self.certificate)
            .finish()
    }
}
