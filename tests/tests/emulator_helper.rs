//! The test helper users call in their own tests: `keyvault_emulator::start()` and
//! `Emulator::client_options()`, over HTTPS, with strict auth, over plain http, and for the
//! management client.

use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_emulator::{Emulator, EmulatorOptions};

async fn round_trip(emulator: &Emulator, url: &str) {
    let client = SecretClient::new(url, emulator.client_options()).unwrap();
    client
        .set_secret("helper", SecretSetParameters::new("works"))
        .await
        .unwrap();
    let got = client.get_secret("helper").await.unwrap();
    assert_eq!(got.value.unwrap().expose(), "works");
}

#[tokio::test]
async fn one_call_gives_a_running_emulator_and_options_for_it() {
    let emulator = keyvault_emulator::start().await.unwrap();
    round_trip(&emulator, &emulator.url()).await;
    // Any vault of it, by host name too.
    round_trip(&emulator, &emulator.vault_host_url("another")).await;
    // The credential's Debug output shows no token.
    let debug = format!("{:?}", emulator.credential());
    assert!(!debug.contains("emulator."), "{debug}");

    use keyvault_mgmt::management::KeyVaultManagementClient;
    let mgmt =
        KeyVaultManagementClient::with_endpoint(&emulator.url(), "sub", emulator.client_options())
            .unwrap();
    let listed = mgmt
        .vaults()
        .list_by_resource_group("rg")
        .into_stream()
        .collect_all()
        .await;
    assert!(listed.unwrap().is_empty());
}

#[tokio::test]
async fn its_options_pass_strict_auth_and_plain_http() {
    let strict = Emulator::start(EmulatorOptions::default().with_strict_auth(true))
        .await
        .unwrap();
    round_trip(&strict, &strict.url()).await;
    // A token it did not issue is refused there (the control).
    let foreign = keyvault_runtime::ClientOptions::default()
        .with_root_certificate_pem(strict.certificate_pem().as_bytes().to_vec())
        .with_credential(std::sync::Arc::new(
            keyvault_emulator::start().await.unwrap().credential(),
        ));
    let refused = SecretClient::new(&strict.url(), foreign)
        .unwrap()
        .get_secret("helper")
        .await;
    assert!(refused.is_err());

    let http = Emulator::start(EmulatorOptions::default().with_plain_http())
        .await
        .unwrap();
    assert!(http.url().starts_with("http://"));
    round_trip(&http, &http.url()).await;
}
