//! The quickstart: secrets set, get, list, delete and recover.
//!
//! With no environment set it starts the local Key Vault emulator in-process (HTTPS with a
//! self-signed certificate, its own token endpoint) and runs against it. With
//! `AZURE_KEYVAULT_URL` set it runs against that vault, authenticating with
//! `DefaultAzureCredential` (environment, workload identity, managed identity, `az login`).
//!
//! `cargo run --example quickstart`

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_identity::{ClientSecretCredential, CredentialOptions, DefaultAzureCredential};
use keyvault_runtime::{ClientOptions, PollerOptions};
use keyvault_sdk::SecretPollers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keeps the emulator alive for the whole run when one is used.
    let mut _emulator = None;
    let (vault_url, options) = match std::env::var("AZURE_KEYVAULT_URL") {
        Ok(url) => {
            println!("using the vault at {url}");
            let options =
                ClientOptions::default().with_credential(Arc::new(DefaultAzureCredential::new()));
            (url, options)
        }
        Err(_) => {
            let emulator = emulator::Emulator::start(emulator::EmulatorOptions::default()).await?;
            let url = emulator.url();
            println!("AZURE_KEYVAULT_URL is not set: started the local emulator at {url}");
            // The emulator's challenge points at its own token endpoint; trust its certificate
            // for both the token requests and the vault calls.
            let pem = emulator.certificate_pem().as_bytes().to_vec();
            let credential = ClientSecretCredential::new(
                "00000000-0000-0000-0000-00000000e001",
                "quickstart-app",
                "quickstart-secret",
                CredentialOptions::default()
                    .with_authority_host(url.parse()?)
                    .with_root_certificate_pem(pem.clone()),
            )?;
            let options = ClientOptions::default()
                .with_credential(Arc::new(credential))
                .with_root_certificate_pem(pem);
            _emulator = Some(emulator);
            (url, options)
        }
    };

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
        .map_ok(|item| item.id.unwrap_or_default())
        .try_collect()
        .await?;
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
