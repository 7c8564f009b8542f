//! A fast fake vault: TLS (HTTP/1.1, or HTTP/2 when `h2`), a Key Vault challenge for requests
//! without a token, and fixed answers: a small secret (`GET /secrets/bench`), a 25 KB one
//! (`GET`/`PUT /secrets/large`), a certificate (`GET /certificates/bench`), a 40 KB backup
//! (`POST /secrets/bench/backup`, `POST /secrets/restore`), a secret answered after a delay
//! (`GET /secrets/slow`, for memory per in-flight call) and a paged secret list of a
//! configurable size (25 per page) for the paging benchmark. Runs in its own process, pinned
//! to its own core where possible, so the client's CPU time is the client's alone.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

const SECRET: &str = r#"{"value":"benchmark-secret-value","id":"https://127.0.0.1/secrets/bench/0123456789abcdef0123456789abcdef","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable"}}"#;

/// How long `GET /secrets/slow` waits before answering.
pub const SLOW_ANSWER: std::time::Duration = std::time::Duration::from_millis(1500);

/// The fixed answers, made once at start.
struct Answers {
    large_secret: Bytes,
    certificate: Bytes,
    backup: Bytes,
}

impl Answers {
    fn new() -> Answers {
        let secret_bundle = |value: &str| {
            serde_json::json!({
                "value": value,
                "contentType": "application/x-pem-file",
                "id": "https://127.0.0.1/secrets/large/0123456789abcdef0123456789abcdef",
                "attributes": {"enabled": true, "created": 1700000000, "updated": 1700000000,
                    "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
                "tags": {"owner": "bench"}
            })
        };
        let certificate = serde_json::json!({
            "id": "https://127.0.0.1/certificates/bench/0123456789abcdef0123456789abcdef",
            "kid": "https://127.0.0.1/keys/bench/0123456789abcdef0123456789abcdef",
            "sid": "https://127.0.0.1/secrets/bench/0123456789abcdef0123456789abcdef",
            "x5t": "fLi3U52HunIVNXubkEnf8tP6Wbo",
            "cer": crate::payloads::base64(&crate::payloads::bytes_of(CERTIFICATE_DER_BYTES, 7), false),
            "attributes": {"enabled": true, "nbf": 1700000000, "exp": 1731536000,
                "created": 1700000000, "updated": 1700000000,
                "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
            "policy": {
                "id": "https://127.0.0.1/certificates/bench/policy",
                "key_props": {"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
                "secret_props": {"contentType": "application/x-pkcs12"},
                "x509_props": {"subject": "CN=bench.example.com", "sans": {"dns_names": ["bench.example.com", "www.bench.example.com"]},
                    "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
                    "key_usage": ["digitalSignature", "keyEncipherment"], "validity_months": 12},
                "lifetime_actions": [{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}],
                "issuer": {"name": "Self"},
                "attributes": {"enabled": true, "created": 1700000000, "updated": 1700000000}
            }
        });
        Answers {
            large_secret: Bytes::from(secret_bundle(&crate::payloads::large_secret_value()).to_string()),
            certificate: Bytes::from(certificate.to_string()),
            backup: Bytes::from(
                serde_json::json!({"value": crate::payloads::base64(&crate::payloads::backup_blob(), true)}).to_string(),
            ),
        }
    }
}

/// The size of the certificate's DER (an RSA 2048 certificate is about this).
const CERTIFICATE_DER_BYTES: usize = 1400;

/// Serves until killed; prints `listening PORT` and writes the certificate PEM to `cert`.
pub fn serve(h2: bool, list_size: usize, cert: &str) {
    crate::pin_to_core(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
                .expect("certificate");
        std::fs::write(cert, certified.cert.pem()).expect("write the certificate");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()),
        );
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("config");
        config.alpn_protocols = if h2 {
            vec![b"h2".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let answers = Arc::new(Answers::new());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("listening {}", listener.local_addr().expect("addr").port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let answers = answers.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(
                                respond(request, list_size, &answers).await,
                            )
                        }
                    },
                );
                let mut builder =
                    hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                // Room for the memory benchmark's in-flight calls on one connection.
                builder.http2().max_concurrent_streams(4096);
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
}

async fn respond(
    request: hyper::Request<hyper::body::Incoming>,
    list_size: usize,
    answers: &Answers,
) -> hyper::Response<Full<Bytes>> {
    let host = request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .or_else(|| {
            request
                .headers()
                .get("host")
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    if !request.headers().contains_key("authorization") {
        return hyper::Response::builder()
            .status(401)
            .header("www-authenticate", format!(r#"Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001", resource="https://{host}""#))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(b"{\"error\":{\"code\":\"Unauthorized\",\"message\":\"challenge\"}}")))
            .expect("response");
    }
    let path = request.uri().path().trim_end_matches('/').to_owned();
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    // Every body is read whole, as a service does before it answers.
    let Ok(received) = request.into_body().collect().await else {
        return hyper::Response::builder()
            .status(400)
            .body(Full::new(Bytes::new()))
            .expect("response");
    };
    let received = received.to_bytes();
    let body = if path == "/secrets" {
        // `$skiptoken` is the offset; 25 per page.
        let skip: usize = query
            .as_deref()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("$skiptoken=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let end = (skip + 25).min(list_size);
        let items: Vec<String> = (skip..end)
            .map(|i| format!(r#"{{"id":"https://{host}/secrets/secret-{i:06}","attributes":{{"enabled":true,"created":1700000000,"updated":1700000000}},"contentType":"text/plain","tags":{{"index":"{i}"}}}}"#))
            .collect();
        let next = if end < list_size {
            format!(
                r#","nextLink":"https://{host}/secrets?api-version=2025-07-01&$skiptoken={end}""#
            )
        } else {
            String::new()
        };
        Bytes::from(format!(r#"{{"value":[{}]{next}}}"#, items.join(",")))
    } else if path == "/secrets/large" {
        // PUT answers the bundle with the value it was sent, as the service does.
        if method == hyper::Method::PUT && received.len() < 20_000 {
            return status(400);
        }
        answers.large_secret.clone()
    } else if path == "/certificates/bench" {
        answers.certificate.clone()
    } else if path == "/secrets/bench/backup" {
        answers.backup.clone()
    } else if path == "/secrets/restore" {
        if received.len() < 40_000 {
            return status(400);
        }
        Bytes::from_static(SECRET.as_bytes())
    } else if path == "/secrets/slow" {
        tokio::time::sleep(SLOW_ANSWER).await;
        Bytes::from_static(SECRET.as_bytes())
    } else {
        Bytes::from_static(SECRET.as_bytes())
    };
    hyper::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(body))
        .expect("response")
}

fn status(code: u16) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(code)
        .body(Full::new(Bytes::new()))
        .expect("response")
}
