//! The default transport against real loopback servers: proxies (a real `CONNECT` proxy),
//! proxy credentials, and bad settings answered with typed errors.

use std::sync::{Arc, Mutex, PoisonError};

use e2e_tests::{LoopbackServer, Reply};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::ErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A `CONNECT` proxy on loopback that records each request head and then tunnels bytes.
struct ConnectProxy {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    async fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let target = head.split(' ').nth(1).unwrap_or("").to_owned();
                    seen.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(head);
                    let Ok(mut upstream) = TcpStream::connect(&target).await else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    let _ = client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        ConnectProxy { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

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
async fn without_a_proxy_requests_go_direct() {
    let server = LoopbackServer::start(Reply::json(200, "{}")).await;
    let proxy = ConnectProxy::start().await;
    let mut options = TransportOptions::default();
    options.proxy_from_env = false;
    let transport = HyperTransport::new(&options).unwrap();
    transport
        .execute(&get(&format!("{}/x", server.url())))
        .await
        .unwrap();
    assert!(proxy.heads().is_empty());
    assert_eq!(server.seen().len(), 1);
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
        ("socks5://127.0.0.1:1080", "scheme `socks5`"),
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
