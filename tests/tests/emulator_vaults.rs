//! Several vaults on one emulator: by host name (`{vault}.localhost`, which our transport
//! resolves to loopback itself), by alias, by path, and named vaults on ports of their own;
//! each vault's objects stay its own, and ids name the URL the client used.

use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_emulator::{Emulator, EmulatorOptions};
use keyvault_runtime::ErrorKind;

async fn secret_value(client: &SecretClient, name: &str) -> Option<String> {
    match client.get_secret(name).await {
        Ok(bundle) => bundle.value.map(|v| v.expose().clone()),
        Err(e) if matches!(e.kind(), ErrorKind::Service(s) if s.status.as_u16() == 404) => None,
        Err(e) => panic!("get {name}: {e}"),
    }
}

#[tokio::test]
async fn vaults_by_host_name_alias_path_and_own_port_are_separate() {
    let (emulator, options) = crate::emulator::start(
        EmulatorOptions::default()
            .with_vault("alpha")
            .with_alias("localhost", "beta"),
    )
    .await;
    let port = emulator.addr().port();
    let client = |url: &str| SecretClient::new(url, options.clone()).unwrap();

    // `alpha` by host name on the main port (resolved to loopback by our transport; the
    // challenge's resource is that host, so the client's resource check passes as on Azure).
    let alpha_url = emulator.vault_host_url("alpha");
    assert_eq!(alpha_url, format!("https://alpha.localhost:{port}"));
    let alpha = client(&alpha_url);
    let set = alpha
        .set_secret("shared-name", SecretSetParameters::new("in alpha"))
        .await
        .unwrap();
    let id = set.id.unwrap();
    assert!(
        id.starts_with(&format!("{alpha_url}/secrets/shared-name/")),
        "{id}"
    );

    // The same vault on its own port, which any client reaches without name resolution.
    let own_port = emulator.vault_url("alpha").unwrap();
    assert_ne!(own_port, emulator.url());
    assert_eq!(
        secret_value(&client(&own_port), "shared-name")
            .await
            .as_deref(),
        Some("in alpha")
    );
    assert!(emulator.vault_url("not-named").is_none());
    let named: Vec<_> = emulator.named_vaults().map(|(n, _)| n.to_owned()).collect();
    assert_eq!(named, ["alpha"]);

    // `beta` through its alias `localhost`, and by path on the main address.
    let beta = client(&format!("https://localhost:{port}"));
    assert_eq!(secret_value(&beta, "shared-name").await, None);
    beta.set_secret("shared-name", SecretSetParameters::new("in beta"))
        .await
        .unwrap();
    let by_path = client(&format!("{}/vaults/beta", emulator.url()));
    assert_eq!(
        secret_value(&by_path, "shared-name").await.as_deref(),
        Some("in beta")
    );
    assert_eq!(
        secret_value(&alpha, "shared-name").await.as_deref(),
        Some("in alpha")
    );

    // An unnamed vault under `.localhost` and the bare address are vaults of their own.
    let gamma = client(&emulator.vault_host_url("Gamma"));
    assert_eq!(secret_value(&gamma, "shared-name").await, None);
    assert_eq!(
        secret_value(&client(&emulator.url()), "shared-name").await,
        None
    );
    // Vault names are case-insensitive, as DNS names are.
    let gamma_upper = client(&format!("https://GAMMA.localhost:{port}"));
    gamma
        .set_secret("g", SecretSetParameters::new("in gamma"))
        .await
        .unwrap();
    assert_eq!(
        secret_value(&gamma_upper, "g").await.as_deref(),
        Some("in gamma")
    );
}

#[tokio::test]
async fn vault_names_that_are_not_dns_labels_are_refused_at_start() {
    for options in [
        EmulatorOptions::default().with_vault("has space"),
        EmulatorOptions::default().with_vault("-leading"),
        EmulatorOptions::default().with_alias("vault.example", "under_score"),
    ] {
        let error = Emulator::start(options).await.err().expect("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("is not a vault name"), "{error}");
    }
}
