//! The emulator's state outliving the process (`with_state_file`, `--state`) and its export
//! and import (`/_emulator/state`), through our clients: secrets, a key's private material (a
//! ciphertext made before the restart is decrypted after it), a soft delete, a vault created
//! through the management plane (its `vaultUri` served again), the simulated clock, and the
//! CA (clients that trusted the first run's certificate still connect).

use std::time::Duration;

use keyvault::keys::models::{
    JsonWebKeyEncryptionAlgorithm as Enc, JsonWebKeyType, KeyCreateParameters,
    KeyOperationsParameters,
};
use keyvault::keys::KeyClient;
use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_emulator::EmulatorOptions;
use keyvault_mgmt::management::{models as m, KeyVaultManagementClient};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::PollerOptions;
use keyvault_sdk::SecretPollers;

/// A control request to `/_emulator/...` with any token; status and body.
async fn control(
    emulator: &keyvault_emulator::Emulator,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> (u16, Vec<u8>) {
    let transport = keyvault_runtime::transport::HyperTransport::new(
        &keyvault_runtime::transport::TransportOptions::default()
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
    let mut request = Request::new(
        method,
        Url::parse(&format!("{}{path}", emulator.url())).unwrap(),
    );
    if let Some(body) = body {
        request.set_json_body(body.into());
    }
    let response = transport.execute(&request).await.unwrap();
    (response.status.as_u16(), response.body.to_vec())
}

#[tokio::test]
async fn a_restarted_emulator_serves_the_state_it_wrote() {
    let dir = std::env::temp_dir().join(format!("kv-emulator-state-e2e-{}", std::process::id()));
    let file = dir.join("nested/state.json");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let fast = PollerOptions::with_interval(Duration::from_millis(20));

    let (emulator, options) = crate::emulator::start(
        EmulatorOptions::default()
            .with_state_file(&file)
            .with_delete_delay(Duration::ZERO),
    )
    .await;
    let secrets = SecretClient::new(&emulator.url(), options.clone()).unwrap();
    secrets
        .set_secret("kept", SecretSetParameters::new("across restarts"))
        .await
        .unwrap();
    secrets
        .set_secret("doomed", SecretSetParameters::new("x"))
        .await
        .unwrap();
    let mut delete = secrets.begin_delete_secret("doomed");
    delete.set_options(fast);
    delete.await.unwrap();
    let keys = KeyClient::new(&emulator.url(), options.clone()).unwrap();
    keys.create_key(
        "kept-key",
        KeyCreateParameters::new(JsonWebKeyType::Rsa).with_key_size(2048),
    )
    .await
    .unwrap();
    let sealed = keys
        .encrypt(
            "kept-key",
            KeyOperationsParameters::new(Enc::RsaOaep256, b"sealed before".to_vec()),
        )
        .await
        .unwrap()
        .result
        .unwrap();
    let mgmt =
        KeyVaultManagementClient::with_endpoint(&emulator.url(), "sub-1", options.clone()).unwrap();
    let tenant = "00000000-0000-0000-0000-000000000001";
    let vault = mgmt
        .vaults()
        .create_or_update(
            "rg",
            "kept-vault",
            m::VaultCreateOrUpdateParameters::new(
                "westeurope",
                m::VaultProperties::new(tenant, m::Sku::new(m::SkuName::Standard)),
            ),
        )
        .poller_options(fast)
        .await
        .unwrap();
    let vault_uri = vault.properties.unwrap().vault_uri.unwrap();
    SecretClient::new(&vault_uri, options.clone())
        .unwrap()
        .set_secret("in-kept-vault", SecretSetParameters::new("v"))
        .await
        .unwrap();
    let (status, _) = control(
        &emulator,
        Method::POST,
        "/_emulator/clock",
        Some(br#"{"advance": "P3D"}"#.to_vec()),
    )
    .await;
    assert_eq!(status, 200);
    let exported = control(&emulator, Method::GET, "/_emulator/state", None).await;
    assert_eq!(exported.0, 200);
    let first_ca = emulator.certificate_pem().to_owned();
    drop(emulator);
    // Dropping aborts the listeners' tasks; their sockets close once the runtime has run the
    // aborts (a new process, the real use, finds them closed).
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A new emulator on the same file (another port: vaults are addressed by host, here
    // `127.0.0.1` again).
    let (emulator, options) =
        crate::emulator::start(EmulatorOptions::default().with_state_file(&file)).await;
    // The CA is kept beside the state: a client set up with the first run's certificate
    // connects to the new process (TLS verified against that certificate).
    assert_eq!(
        emulator.certificate_pem(),
        first_ca,
        "the same CA after a restart"
    );
    let ca_file = std::fs::read_to_string(dir.join("nested/state.json.ca.pem")).unwrap();
    assert!(ca_file.starts_with(&first_ca) && ca_file.contains("PRIVATE KEY"));
    // Trusting only the first run's certificate (the token comes from the new process).
    let trusting_first = keyvault_runtime::ClientOptions::default()
        .with_root_certificate_pem(first_ca.as_bytes().to_vec())
        .with_credential(options.credential.clone().unwrap());
    let secrets = SecretClient::new(&emulator.url(), trusting_first).unwrap();
    let kept = secrets.get_secret("kept").await.unwrap();
    assert_eq!(kept.value.unwrap().expose(), "across restarts");
    let secrets = SecretClient::new(&emulator.url(), options.clone()).unwrap();
    assert!(secrets.get_secret("doomed").await.is_err());
    assert!(
        secrets.get_deleted_secret("doomed").await.is_ok(),
        "still soft-deleted"
    );
    let keys = KeyClient::new(&emulator.url(), options.clone()).unwrap();
    let opened = keys
        .decrypt(
            "kept-key",
            KeyOperationsParameters::new(Enc::RsaOaep256, sealed.expose().clone()),
        )
        .await
        .unwrap();
    assert_eq!(opened.result.unwrap().expose(), b"sealed before");
    let mgmt =
        KeyVaultManagementClient::with_endpoint(&emulator.url(), "sub-1", options.clone()).unwrap();
    let again = mgmt.vaults().get("rg", "kept-vault").await.unwrap();
    let again_uri = again.properties.unwrap().vault_uri.unwrap();
    assert_eq!(
        again_uri, vault_uri,
        "the vault's own port again (it was free)"
    );
    let in_vault = SecretClient::new(&again_uri, options.clone())
        .unwrap()
        .get_secret("in-kept-vault")
        .await
        .unwrap();
    assert_eq!(in_vault.value.unwrap().expose(), "v");
    let (_, clock) = control(&emulator, Method::GET, "/_emulator/clock", None).await;
    let clock: serde_json::Value = serde_json::from_slice(&clock).unwrap();
    assert_eq!(
        clock["offsetSeconds"],
        3 * 86_400,
        "the clock kept its offset"
    );
    drop(emulator);

    // Import: the exported JSON into an emulator without a file.
    let (emulator, options) = crate::emulator::start(EmulatorOptions::default()).await;
    let secrets = SecretClient::new(&emulator.url(), options.clone()).unwrap();
    assert!(secrets.get_secret("kept").await.is_err());
    let (status, _) = control(&emulator, Method::PUT, "/_emulator/state", Some(exported.1)).await;
    assert_eq!(status, 204);
    let kept = secrets.get_secret("kept").await.unwrap();
    assert_eq!(kept.value.unwrap().expose(), "across restarts");
    let (status, body) = control(
        &emulator,
        Method::PUT,
        "/_emulator/state",
        Some(br#"{"format": 7}"#.to_vec()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("state format 7 is not supported"));
    std::fs::remove_dir_all(&dir).unwrap();
}
