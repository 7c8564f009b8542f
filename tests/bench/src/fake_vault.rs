//! A fast fake vault: TLS (HTTP/1.1, or HTTP/2 when `h2`), a Key Vault challenge for requests
//! without a token, a fixed secret body for `GET /secrets/...`, and a paged secret list of a
//! configurable size (25 per page) for the memory benchmark. Runs in its own process, pinned
//! to its own core where possible, so the client's CPU time is the client's alone.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

const SECRET: &str = r#"{"value":"benchmark-secret-value","id":"https://127.0.0.1/secrets/bench/0123456789abcdef0123456789abcdef","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable"}}"#;

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
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("listening {}", listener.local_addr().expect("addr").port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| async move {
                        Ok::<_, std::convert::Infallible>(respond(&request, list_size))
                    },
                );
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
}

fn respond(
    request: &hyper::Request<hyper::body::Incoming>,
    list_size: usize,
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
    let path = request.uri().path();
    let body = if path == "/secrets" {
        // `$skiptoken` is the offset; 25 per page.
        let skip: usize = request
            .uri()
            .query()
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
    } else {
        Bytes::from_static(SECRET.as_bytes())
    };
    hyper::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(body))
        .expect("response")
}
