//! The reqwest transport against real loopback servers: what the emulator suite cannot show
//! (redirects, connection reuse, proxies, how failures are classified). The emulator suite
//! itself runs over reqwest in this binary too.

use std::sync::Arc;
use std::time::Duration;

use e2e_tests::{closed_port, ConnectProxy, LoopbackServer, Reply};
use keyvault::secrets::SecretClient;
use keyvault_runtime::reqwest_transport;
use keyvault_runtime::transport::TransportOptions;
use keyvault_runtime::{ClientOptions, ErrorKind, RetryOptions};

const SECRET: &str = r#"{"value":"v","id":"https://v/secrets/s/1"}"#;

fn options(client: reqwest::Client) -> ClientOptions {
    ClientOptions::default()
        .with_transport(Arc::new(client))
        .with_retry(
            RetryOptions::default()
                .with_max_retries(2)
                .with_initial_delay(Duration::from_millis(10)),
        )
}

#[tokio::test]
async fn a_redirect_reaches_the_pipeline_and_a_client_that_follows_one_is_refused() {
    let server = LoopbackServer::start_with(|seen| {
        if seen.path() == "/secrets/moved" {
            Reply::json(200, SECRET)
        } else {
            Reply::json(302, "").header("location", "/secrets/moved")
        }
    })
    .await;
    // Ours does not follow: the 302 is the answer, as with the default transport.
    let ours = reqwest_transport::client(&TransportOptions::default()).unwrap();
    let client = SecretClient::new(&server.url(), options(ours)).unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302), "{error:?}");
    assert_eq!(server.seen().len(), 1);

    // reqwest's default follows it: refused, named, not retried.
    let client = SecretClient::new(&server.url(), options(reqwest::Client::new())).unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    assert!(
        error.to_string().contains("followed a redirect")
            && error.to_string().contains("Policy::none()"),
        "{error}"
    );
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Transport {
                transient: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 3, "one try, redirected once");
}

#[tokio::test]
async fn clients_sharing_one_reqwest_client_share_its_connections() {
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    let shared = reqwest_transport::client(&TransportOptions::default()).unwrap();
    let clients: Vec<SecretClient> = (0..4)
        .map(|_| SecretClient::new(&server.url(), options(shared.clone())).unwrap())
        .collect();
    for client in &clients {
        let secret = client.get_secret("s").await.unwrap();
        assert_eq!(
            secret.value.as_ref().map(|v| v.expose()),
            Some(&"v".to_owned())
        );
    }
    assert_eq!(server.seen().len(), 4);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn failures_are_classified_as_the_default_transport_classifies_them() {
    // Nothing listens: a connect failure, never sent, transient (so it was retried).
    let refused = format!("http://{}", closed_port());
    let client = SecretClient::new(
        &refused,
        options(reqwest_transport::client(&TransportOptions::default()).unwrap()),
    )
    .unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Transport {
                request_sent: false,
                transient: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("could not connect to 127.0.0.1:"),
        "{error}"
    );

    // An untrusted certificate: named, not transient, not retried.
    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default())
            .await
            .unwrap();
    let proxy = ConnectProxy::start().await;
    let settings = TransportOptions::default().with_proxy(proxy.url.clone());
    let client = SecretClient::new(
        &emulator.url(),
        options(reqwest_transport::client(&settings).unwrap()),
    )
    .unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the server's TLS certificate was rejected (UnknownIssuer)"),
        "{error}"
    );
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Transport {
                transient: false,
                request_sent: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        proxy.heads().len(),
        1,
        "through the proxy, once: {:?}",
        proxy.heads()
    );

    // A server that never answers: the per-try timeout, then the retries' timeouts.
    let silent = LoopbackServer::start(Reply::stall()).await;
    let client = SecretClient::new(
        &silent.url(),
        options(reqwest_transport::client(&TransportOptions::default()).unwrap())
            .with_try_timeout(Some(Duration::from_millis(200))),
    )
    .unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_proxy_settings_and_root_certificates_apply() {
    // Through an explicit CONNECT proxy with credentials, to the emulator whose certificate
    // the settings trust.
    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default())
            .await
            .unwrap();
    let proxy = ConnectProxy::start().await;
    let settings = TransportOptions::default()
        .with_proxy(proxy.url.replace("http://", "http://alice:s3cret@"))
        .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec());
    let transport: Arc<dyn keyvault_runtime::http::HttpClient> =
        Arc::new(reqwest_transport::client(&settings).unwrap());
    let credential = keyvault_identity::CallbackCredential::new(|_| {
        Box::pin(async {
            Ok(keyvault_runtime::AccessToken::new(
                "any",
                keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(600),
            ))
        })
    });
    let client = SecretClient::new(
        &emulator.url(),
        ClientOptions::default()
            .with_transport(transport)
            .with_credential(Arc::new(credential)),
    )
    .unwrap();
    client
        .set_secret(
            "through-proxy",
            keyvault::secrets::models::SecretSetParameters::new("v"),
        )
        .await
        .unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let authority = emulator.url().trim_start_matches("https://").to_owned();
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{}",
        heads[0]
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic ywxpy2u6cznjcmv0\r\n"),
        "{}",
        heads[0]
    );
}

#[tokio::test]
async fn http2_is_negotiated_unless_turned_off() {
    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default())
            .await
            .unwrap();
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    for (http1_only, expected) in [
        (false, reqwest::Version::HTTP_2),
        (true, reqwest::Version::HTTP_11),
    ] {
        let settings = TransportOptions::default()
            .with_root_certificate_pem(pem.clone())
            .with_http1_only(http1_only);
        let client = reqwest_transport::client(&settings).unwrap();
        let response = client
            .get(format!(
                "{}/secrets/x?api-version=2025-07-01",
                emulator.url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.version(), expected, "http1_only = {http1_only}");
    }
}
