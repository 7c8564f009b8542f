//! The quickstart: secrets set, get, list, delete and recover.
//!
//! With no environment set it starts the local Key Vault emulator in-process (HTTPS with a
//! self-signed certificate, its own token endpoint) and runs against it. With
//! `AZURE_KEYVAULT_URL` set it runs against that vault, authenticating with
//! `DefaultAzureCredential` (environment, workload identity, managed identity, `az login`).
//!
//! `cargo run --example quickstart`

mod common;

use std::time::Duration;

use keyvault_sdk::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_sdk::PollerOptions;
use keyvault_sdk::SecretPollers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    if target.emulator.is_none() {
        println!("using the vault at {}", target.vault_url);
    }
    let (vault_url, options) = (target.vault_url.clone(), target.options.clone());
    let client = SecretClient::new(&vault_url, options)?;
    let name = "quickstart-secret";
    let set = client
        .set_secret(name, SecretSetParameters::new("hello from Rust"))
        .await?;
    println!("set {}", set.id.as_deref().unwrap_or_default());

    let got = client.get_secret(name).await?;
    println!(
        "get: {} bytes (the value itself stays out of logs: {:?})",
        got.value.as_ref().map(|v| v.expose().len()).unwrap_or(0),
        got.value
    );

    let names: Vec<String> = client
        .get_secrets()
        .into_stream()
        .collect_all()
        .await?
        .into_iter()
        .map(|item| item.id.unwrap_or_default())
        .collect();
    println!("list: {} secret(s)", names.len());

    let mut delete = client.begin_delete_secret(name);
    delete.set_options(PollerOptions::with_interval(Duration::from_millis(250)));
    let deleted = delete.await?;
    println!(
        "deleted; recoverable at {}",
        deleted.recovery_id.as_deref().unwrap_or_default()
    );

    let mut recover = client.begin_recover_deleted_secret(name);
    recover.set_options(PollerOptions::with_interval(Duration::from_millis(250)));
    let recovered = recover.await?;
    println!("recovered {}", recovered.id.as_deref().unwrap_or_default());
    Ok(())
}
