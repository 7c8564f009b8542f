//! The default transport against real loopback servers: an explicit proxy (a real `CONNECT`
//! proxy), proxy credentials, connection timeouts, and bad settings answered with typed errors.
//! Proxies from the environment are tested in `proxy_env.rs`, a process of its own.

use std::time::{Duration, Instant};

use e2e_tests::{ConnectProxy, LoopbackServer, Reply, Socks5Proxy};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::ErrorKind;
use tokio::net::TcpListener;

fn get(url: &str) -> Request {
    Request::new(Method::GET, Url::parse(url).unwrap())
}

#[tokio::test]
async fn an_explicit_proxy_tunnels_every_request() {
    let server = LoopbackServer::start(Reply::json(200, r#"{"ok":true}"#)).await;
    let proxy = ConnectProxy::start().await;
    let mut options = TransportOptions::default();
    options.proxy = Some(proxy.url.replace("http://", "http://alice:s3cret@"));
    let transport = HyperTransport::new(&options).unwrap();

    let response = transport
        .execute(&get(&format!("{}/secrets/a", server.url())))
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(&response.body[..], br#"{"ok":true}"#);

    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "one tunnel, reused: {heads:?}");
    let authority = server.url().trim_start_matches("http://").to_owned();
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{}",
        heads[0]
    );
    // alice:s3cret, as RFC 7617 Basic credentials.
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic ywxpy2u6cznjcmv0\r\n"),
        "{}",
        heads[0]
    );
    // The origin server got the request through the tunnel, in origin form.
    assert_eq!(server.seen()[0].target, "/secrets/a");

    // A second request rides the pooled tunnel.
    transport
        .execute(&get(&format!("{}/secrets/b", server.url())))
        .await
        .unwrap();
    assert_eq!(proxy.heads().len(), 1);
    assert_eq!(server.seen()[1].target, "/secrets/b");
}

#[tokio::test]
async fn a_proxy_that_refuses_gives_a_transport_error() {
    let proxy = ConnectProxy::start().await;
    let mut options = TransportOptions::default();
    options.proxy = Some(proxy.url.clone());
    let transport = HyperTransport::new(&options).unwrap();
    // Nothing listens on port 9 of 127.0.0.1: the proxy answers 502.
    let error = transport
        .execute(&get("http://127.0.0.1:9/x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { .. }),
        "{error:?}"
    );
    assert_eq!(proxy.heads().len(), 1);
}

#[test]
fn a_proxy_setting_that_cannot_work_is_refused_up_front() {
    for (proxy, why) in [
        ("not a url", "is not a URL"),
        ("socks4://127.0.0.1:1080", "scheme `socks4`"),
        ("https://proxy.example:443", "scheme `https`"),
    ] {
        let mut options = TransportOptions::default();
        options.proxy = Some(proxy.to_owned());
        let error = HyperTransport::new(&options).unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::InvalidInput { .. }),
            "{proxy}: {error:?}"
        );
        assert!(error.to_string().contains(why), "{proxy}: {error}");
    }
}

#[test]
fn a_bad_root_certificate_is_a_typed_error() {
    for pem in [
        &b"not a certificate"[..],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let options = TransportOptions::default().with_root_certificate_pem(pem);
        let error = HyperTransport::new(&options).unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Transport { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("root certificate"), "{error}");
    }
}

#[tokio::test]
async fn an_unreachable_host_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut options = TransportOptions::default();
    options.proxy_from_env = false;
    let transport = HyperTransport::new(&options).unwrap();
    let error = transport
        .execute(&get(&format!("http://{addr}/x")))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[tokio::test]
async fn a_server_that_accepts_and_stays_silent_times_out_while_connecting() {
    // TCP connects, the TLS handshake never gets an answer.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut options = TransportOptions::default();
    options.proxy_from_env = false;
    options.connect_timeout = Some(Duration::from_millis(300));
    let transport = HyperTransport::new(&options).unwrap();
    let started = Instant::now();
    let error = transport
        .execute(&get(&format!("https://{addr}/x")))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout { .. }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn proxy_credentials_stay_out_of_debug_output_and_errors() {
    let mut options = TransportOptions::default();
    options.proxy = Some("http://alice:s3cret@proxy.example:3128".to_owned());
    let shown = format!(
        "{options:?} {:?}",
        keyvault_runtime::ClientOptions::default().with_root_certificate_pem(Vec::new())
    );
    assert!(
        !shown.contains("s3cret") && !shown.contains("alice"),
        "{shown}"
    );
    assert!(shown.contains("REDACTED@proxy.example:3128"), "{shown}");

    options.proxy = Some("http://alice:s3cret@[zz]:3128".to_owned());
    let error = HyperTransport::new(&options).unwrap_err();
    assert!(
        !format!("{error} {error:?}").contains("s3cret"),
        "{error:?}"
    );
}

/// A certificate the client does not trust fails the same way every time: the error says so
/// (with the host and port), is not transient, and is not retried (one connection through
/// the counting proxy, though three retries were allowed).
#[tokio::test]
async fn an_untrusted_certificate_is_named_and_not_retried() {
    use keyvault::secrets::SecretClient;
    use keyvault_runtime::{ClientOptions, RetryOptions};

    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default())
            .await
            .unwrap();
    let proxy = ConnectProxy::start().await;
    let mut options = ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(3)
            .with_initial_delay(Duration::from_millis(10)),
    );
    options.transport_options.proxy = Some(proxy.url.clone());
    let client = SecretClient::new(&emulator.url(), options).unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    let authority = emulator.url().trim_start_matches("https://").to_owned();
    assert_eq!(
        error.to_string(),
        format!("transport error: could not connect to {authority}: the server's TLS certificate was rejected (UnknownIssuer)")
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
    assert_eq!(proxy.heads().len(), 1, "no retry: {:?}", proxy.heads());
}

/// A proxy's refusal keeps its status and reason, and one that cannot heal (407: credentials
/// do not change between tries) is not retried.
#[tokio::test]
async fn a_proxy_refusal_keeps_its_status_and_a_407_is_not_retried() {
    use keyvault::secrets::SecretClient;
    use keyvault_runtime::{ClientOptions, RetryOptions};

    let proxy = ConnectProxy::refusing(
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n",
    )
    .await;
    let mut options = ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(3)
            .with_initial_delay(Duration::from_millis(10)),
    );
    options.transport_options.proxy = Some(proxy.url.clone());
    let client = SecretClient::new("https://v.vault.azure.net", options).unwrap();
    let error = client.get_secret("s").await.unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains(
            "refused the tunnel to v.vault.azure.net:443: 407 Proxy Authentication Required"
        ),
        "{shown}"
    );
    assert_cannot_heal(&error);
    assert_eq!(proxy.heads().len(), 1, "not retried");

    // A 502 (the proxy could not reach the host) keeps its status too.
    let tunnelling = ConnectProxy::start().await;
    let mut options = TransportOptions::default();
    options.proxy = Some(tunnelling.url.clone());
    let error = HyperTransport::new(&options)
        .unwrap()
        .execute(&get("http://127.0.0.1:9/x"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
}

/// An `http://` URL without a port is tunnelled to port 80, not 443.
#[tokio::test]
async fn an_http_url_is_tunnelled_to_its_own_port() {
    let proxy = ConnectProxy::refusing("HTTP/1.1 403 Forbidden\r\n\r\n").await;
    let mut options = TransportOptions::default();
    options.proxy = Some(proxy.url.clone());
    let transport = HyperTransport::new(&options).unwrap();
    transport
        .execute(&get("http://plain.example/x"))
        .await
        .unwrap_err();
    transport
        .execute(&get("https://tls.example/x"))
        .await
        .unwrap_err();
    let heads = proxy.heads();
    assert!(
        heads[0].starts_with("CONNECT plain.example:80 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(
        heads[1].starts_with("CONNECT tls.example:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
}

/// SOCKS5 proxies: `socks5://` resolves names here, `socks5h://` lets the proxy resolve them;
/// user and password are sent when the URL has them, and refused ones are not retried.
#[tokio::test]
async fn socks5_proxies_carry_requests_with_local_or_remote_name_resolution() {
    let server = LoopbackServer::start(Reply::json(200, r#"{"ok":true}"#)).await;
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let socks = Socks5Proxy::start(Some(("alice", "s3cret"))).await;
    for (scheme, expected) in [("socks5", "127.0.0.1"), ("socks5h", "localhost")] {
        let mut options = TransportOptions::default();
        options.proxy = Some(format!("{scheme}://alice:s3cret@{}", socks.addr));
        let response = HyperTransport::new(&options)
            .unwrap()
            .execute(&get(&format!("http://localhost:{port}/through-{scheme}")))
            .await
            .unwrap();
        assert_eq!(response.status.as_u16(), 200);
        assert_eq!(
            socks.targets().last().unwrap(),
            &format!("{expected}:{port}"),
            "{scheme}"
        );
    }
    let mut options = TransportOptions::default();
    options.proxy = Some(format!("socks5h://alice:wrong@{}", socks.addr));
    let error = HyperTransport::new(&options)
        .unwrap()
        .execute(&get(&format!("http://localhost:{port}/x")))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("SOCKS5 proxy"), "{error}");
    assert_cannot_heal(&error);
    let paths: Vec<String> = server.seen().iter().map(|s| s.path().to_owned()).collect();
    assert_eq!(paths, ["/through-socks5", "/through-socks5h"]);
}

/// A transport error another try cannot fix (so it was not retried).
fn assert_cannot_heal(error: &keyvault_runtime::Error) {
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
}

/// A data-plane answer for any request, and a token for the token endpoint.
fn vault_and_token_endpoint(seen: &e2e_tests::Seen) -> Reply {
    if seen.path().ends_with("/oauth2/v2.0/token") {
        Reply::token("shared-pool-token", 3600)
    } else {
        Reply::json(200, r#"{"value":"v","id":"https://v/secrets/s/1"}"#)
    }
}

#[tokio::test]
async fn clients_and_their_credential_share_one_connection_pool_by_default() {
    use keyvault_identity::{ClientSecretCredential, CredentialOptions};
    use keyvault_runtime::auth::AuthOptions;
    use keyvault_runtime::ClientOptions;
    use std::sync::Arc;

    // Four clients of three crates and a credential, all with default transport settings,
    // to one host: one pool, so sequential calls reuse one connection.
    let server = LoopbackServer::start_with(vault_and_token_endpoint).await;
    let url = server.url();
    let credential = ClientSecretCredential::new(
        "tenant",
        "app",
        "secret",
        CredentialOptions::default()
            .with_authority_host(url.parse().unwrap())
            .with_http_loopback(true),
    )
    .unwrap();
    let options = ClientOptions::default()
        .with_credential(Arc::new(credential))
        .with_auth_options(AuthOptions::default().with_http_loopback(true));
    let secrets = keyvault::secrets::SecretClient::new(&url, options.clone()).unwrap();
    let keys = keyvault::keys::KeyClient::new(&url, options.clone()).unwrap();
    let certificates =
        keyvault::certificates::CertificateClient::new(&url, options.clone()).unwrap();
    let management =
        keyvault_mgmt::management::KeyVaultManagementClient::with_endpoint(&url, "sub", options)
            .unwrap();
    for _ in 0..2 {
        secrets.get_secret("s").await.unwrap();
        let _ = keys.get_key("k").await;
        let _ = certificates.get_certificate("c").await;
        let _ = management.vaults().get("rg", "v").await;
    }
    let requests = server.seen().len();
    assert!(requests >= 9, "8 calls and a token request: {requests}");
    assert_eq!(
        server.connections(),
        1,
        "{requests} requests over one connection"
    );

    // The control: a transport per client opens a connection per client.
    let server = LoopbackServer::start_with(vault_and_token_endpoint).await;
    let url = server.url();
    for _ in 0..4 {
        let own = Arc::new(HyperTransport::new(&TransportOptions::default()).unwrap());
        let client = keyvault::secrets::SecretClient::new(
            &url,
            ClientOptions::default().with_transport(own),
        )
        .unwrap();
        client.get_secret("s").await.unwrap();
    }
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn different_settings_get_different_transports() {
    let default = HyperTransport::shared(&TransportOptions::default()).unwrap();
    let again = HyperTransport::shared(&TransportOptions::default()).unwrap();
    assert!(std::sync::Arc::ptr_eq(&default, &again));
    let mut http1 = TransportOptions::default();
    http1.http1_only = true;
    let other = HyperTransport::shared(&http1).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&default, &other));
    // Another runtime gets its own: connections opened on this one die with it.
    let elsewhere = std::thread::spawn(|| {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async { HyperTransport::shared(&TransportOptions::default()).unwrap() })
    })
    .join()
    .unwrap();
    assert!(!std::sync::Arc::ptr_eq(&default, &elsewhere));
}
