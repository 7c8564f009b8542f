//! A full auth + set/get secret flow with tracing at TRACE level: no token, client secret or
//! secret value reaches the logs or any Debug output.

#![cfg(keyvault_module = "secrets")]

use std::io::Write;
use std::sync::{Arc, Mutex};

use e2e_tests::{LoopbackServer, Reply, Seen};
use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_identity::{ClientSecretCredential, CredentialOptions};
use keyvault_runtime::auth::AuthOptions;
use keyvault_runtime::http::Url;
use keyvault_runtime::ClientOptions;

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.sensitive-token-body";
const CLIENT_SECRET: &str = "client-secret-QQQ-999";
const SECRET_VALUE: &str = "top-secret-value-ZZZ";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nothing_sensitive_reaches_logs_or_debug_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The only test in its process (see Cargo.toml), so a global subscriber sees every event.
    tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");

    let tokens = LoopbackServer::start(Reply::token(TOKEN, 3600)).await;
    let authority = format!("{}/tenant", tokens.url());
    let body = format!(r#"{{"value":"{SECRET_VALUE}","id":"https://v/secrets/s/1"}}"#);
    let vault = LoopbackServer::start_with(move |req: &Seen| match req.header("authorization") {
        None => Reply::json(401, "{}").header(
            "www-authenticate",
            &format!(r#"Bearer authorization="{authority}", resource="http://127.0.0.1""#),
        ),
        Some(_) => Reply::json(200, &body).header("x-ms-request-id", "req-1"),
    })
    .await;
    let credential = Arc::new(
        ClientSecretCredential::new(
            "tenant",
            "app",
            CLIENT_SECRET,
            CredentialOptions::default()
                .with_authority_host(Url::parse(&tokens.url()).unwrap())
                .with_http_loopback(true),
        )
        .unwrap(),
    );
    let options = ClientOptions::default()
        .with_credential(credential.clone())
        .with_auth_options(AuthOptions::default().with_http_loopback(true));
    let client = SecretClient::new(&vault.url(), options.clone()).unwrap();
    let set = client
        .set_secret("s", SecretSetParameters::new(SECRET_VALUE))
        .send()
        .await
        .unwrap();
    let got = client.get_secret("s").await.unwrap();
    assert_eq!(got.value.as_ref().unwrap().expose(), SECRET_VALUE);
    // An error response carrying the secret value in its body.
    let failing = LoopbackServer::start(Reply::json(
        400,
        &format!(r#"{{"error":{{"code":"Bad","message":"x"}},"echo":"{SECRET_VALUE}"}}"#),
    ))
    .await;
    let err = SecretClient::new(&failing.url(), ClientOptions::default())
        .unwrap()
        .get_secret("s")
        .await
        .unwrap_err();
    // A body that does not decode, quoting the secret.
    let garbled =
        LoopbackServer::start(Reply::json(200, &format!(r#"{{"value":{{"{SECRET_VALUE}"#))).await;
    let decode_err = SecretClient::new(&garbled.url(), ClientOptions::default())
        .unwrap()
        .get_secret("s")
        .await
        .unwrap_err();

    let debug = format!(
        "{set:?}\n{got:?}\n{err:?}\n{err}\n{decode_err:?}\n{decode_err}\n{credential:?}\n{options:?}\n{client:?}"
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("request") && logs.contains("response"),
        "tracing is on: {logs}"
    );
    assert!(
        logs.contains("keyvault.call"),
        "spans name the operation: {logs}"
    );
    for needle in [TOKEN, "sensitive-token-body", CLIENT_SECRET, SECRET_VALUE] {
        assert!(
            !logs.contains(needle),
            "{needle} leaked into the logs:\n{logs}"
        );
        assert!(
            !debug.contains(needle),
            "{needle} leaked into Debug output:\n{debug}"
        );
    }
    // The requests really carried them (so the absence above means something).
    assert!(vault
        .seen()
        .iter()
        .any(|s| s.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
    assert!(tokens.seen()[0].form()["client_secret"] == CLIENT_SECRET);
}
