//! The official `azure_identity` credentials through `AzureCoreCredential`: a real
//! `azure_identity::ClientSecretCredential` gets its token from the emulator's token endpoint
//! (HTTPS on loopback), and our client uses it against the emulator in strict-auth mode, which
//! accepts only tokens it issued.

use std::sync::Arc;

use azure_core::http::{AsyncRawResponse, HttpClient as AzureHttpClient, StatusCode, Transport};
use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_emulator::{Emulator, EmulatorOptions};
use keyvault_identity::AzureCoreCredential;
use keyvault_runtime::http::{HeaderName, HeaderValue, HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{ClientOptions, ErrorKind};

const TENANT: &str = "00000000-0000-0000-0000-00000000e001";

/// azure_core's transport trait over ours, so the official credential needs no HTTP stack of
/// its own (azure_core's is reqwest 0.13; this keeps it out of the build) and trusts the
/// emulator's certificate.
#[derive(Debug)]
struct OurTransport(HyperTransport);

#[async_trait::async_trait]
impl AzureHttpClient for OurTransport {
    async fn execute_request(
        &self,
        request: &azure_core::http::Request,
    ) -> azure_core::Result<AsyncRawResponse> {
        let fail = |e: String| azure_core::Error::with_message(azure_core::error::ErrorKind::Io, e);
        let method: Method = request
            .method()
            .as_ref()
            .parse()
            .map_err(|_| fail("method".into()))?;
        let url = Url::parse(request.url().as_str()).map_err(|e| fail(e.to_string()))?;
        let mut ours = Request::new(method, url);
        for (name, value) in request.headers().iter() {
            ours.headers.insert(
                HeaderName::from_bytes(name.as_str().as_bytes())
                    .map_err(|e| fail(e.to_string()))?,
                HeaderValue::from_str(value.as_str()).map_err(|e| fail(e.to_string()))?,
            );
        }
        if let azure_core::http::Body::Bytes(bytes) = request.body() {
            ours.body = bytes.clone();
        }
        let response = self
            .0
            .execute(&ours)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let mut headers = azure_core::http::headers::Headers::new();
        for (name, value) in &response.headers {
            headers.insert(
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            );
        }
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::from(response.status.as_u16()),
            headers,
            response.body,
        ))
    }
}

/// The official client-secret credential, asking `authority_host` over our transport.
fn official_credential(
    authority_host: String,
    pem: &[u8],
) -> Arc<azure_identity::ClientSecretCredential> {
    let transport =
        HyperTransport::new(&TransportOptions::default().with_root_certificate_pem(pem.to_vec()))
            .unwrap();
    let mut cloud = azure_core::cloud::CustomConfiguration::default();
    cloud.authority_host = authority_host;
    let client_options = azure_core::http::ClientOptions {
        transport: Some(Transport::new(Arc::new(OurTransport(transport)))),
        // The official pipeline retries a refused connection for minutes; once is enough.
        retry: azure_core::http::RetryOptions::none(),
        cloud: Some(Arc::new(cloud.into())),
        ..Default::default()
    };
    let options = azure_identity::ClientSecretCredentialOptions { client_options };
    azure_identity::ClientSecretCredential::new(TENANT, "app".into(), "pw".into(), Some(options))
        .unwrap()
}

#[tokio::test]
async fn an_official_credential_authenticates_our_client() {
    let emulator = Emulator::start(EmulatorOptions::default().with_strict_auth(true))
        .await
        .unwrap();
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    let credential = AzureCoreCredential::new(official_credential(emulator.url(), &pem));
    let shown = format!("{credential:?}");
    assert!(!shown.contains("pw"), "{shown}");
    let client = SecretClient::new(
        &emulator.url(),
        ClientOptions::default()
            .with_credential(Arc::new(credential))
            .with_root_certificate_pem(pem),
    )
    .unwrap();
    client
        .set_secret("mixed", SecretSetParameters::new("from azure_identity"))
        .await
        .unwrap();
    let secret = client.get_secret("mixed").await.unwrap();
    assert_eq!(
        secret.value.unwrap().expose(),
        "from azure_identity",
        "the emulator accepted the official credential's token"
    );
}

#[tokio::test]
async fn an_official_credential_that_fails_is_a_credential_error() {
    // The token endpoint is a closed port: the official credential's error becomes ours,
    // typed as a credential failure and keeping the official error as its source.
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    let nowhere = format!("https://{}", e2e_tests::closed_port());
    let credential = AzureCoreCredential::new(official_credential(nowhere, &pem));
    let client = SecretClient::new(
        &emulator.url(),
        ClientOptions::default()
            .with_credential(Arc::new(credential))
            .with_root_certificate_pem(pem),
    )
    .unwrap();
    let error = client.get_secret("x").await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Credential { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the azure_core credential could not get a token"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some(), "{error:?}");
}
