//! The emulator built without its `crypto` feature (`cargo test -p keyvault-emulator
//! --no-default-features --test without_crypto`, which the test command runs): secrets and
//! symmetric keys work, and what needs the feature is a 400 naming it.
#![cfg(not(feature = "crypto"))]

mod common;

use keyvault_emulator::{Emulator, EmulatorOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_work_and_rsa_keys_and_certificates_name_the_missing_feature() {
    let emulator = Emulator::start(EmulatorOptions::default().with_plain_http())
        .await
        .unwrap();
    let addr = emulator.addr().to_string();
    let answers = tokio::task::spawn_blocking(move || {
        let call = |method: &str, path: &str, body: &str| {
            common::send(
                &addr,
                method,
                &format!("{path}?api-version=2026-04-01"),
                body,
            )
            .unwrap()
        };
        vec![
            call("PUT", "/secrets/light", r#"{"value": "v"}"#),
            call("GET", "/secrets/light", ""),
            call("POST", "/keys/rsa/create", r#"{"kty": "RSA"}"#),
            call(
                "POST",
                "/keys/aes/create",
                r#"{"kty": "oct-HSM", "key_size": 256}"#,
            ),
            call("POST", "/certificates/c/create", r#"{"policy": {}}"#),
        ]
    })
    .await
    .unwrap();
    assert_eq!(answers[0].0, 200, "{}", answers[0].1);
    assert!(answers[1].1.contains("\"value\":\"v\""), "{}", answers[1].1);
    for refused in [&answers[2], &answers[4]] {
        assert_eq!(refused.0, 400, "{}", refused.1);
        assert!(
            refused.1.contains("without its `crypto` feature"),
            "{}",
            refused.1
        );
    }
    assert_eq!(answers[3].0, 200, "{}", answers[3].1);
}
