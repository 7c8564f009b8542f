//! Identifiers and the secret cache: parse the id a secret comes back with, read that exact
//! version by it, and serve a hot-path secret from a cache that refreshes in the background.
//!
//! `cargo run --example ids_and_cache` (the emulator, or `AZURE_KEYVAULT_URL`)

mod common;

use std::time::Duration;

use keyvault_sdk::identifier::KeyVaultId;
use keyvault_sdk::prelude::*;
use keyvault_sdk::secret_cache::{SecretCache, SecretCacheOptions};
use keyvault_sdk::secrets::{models::SecretSetParameters, SecretClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let client = SecretClient::new(&target.vault_url, target.options.clone())?;
    let first = client
        .set_secret("ids-and-cache", SecretSetParameters::new("first value"))
        .await?;
    client
        .set_secret("ids-and-cache", SecretSetParameters::new("second value"))
        .await?;

    // An id from the service, parsed: vault, kind, name, version.
    let id: KeyVaultId = first.id.as_deref().unwrap_or_default().parse()?;
    println!(
        "id: vault {}, {:?} `{}`, version {}",
        id.vault_url(),
        id.kind(),
        id.name(),
        id.version().unwrap_or("(latest)")
    );
    let pinned = client.get_secret_by_id(&id)?.await?;
    println!(
        "by id: {} characters (the first version)",
        pinned.value.map(|v| v.expose().len()).unwrap_or(0)
    );

    // The cache: the first read asks the vault, the next ones are served from memory.
    let cache = SecretCache::new(
        client,
        SecretCacheOptions::default().with_ttl(Duration::from_secs(60)),
    );
    for _ in 0..3 {
        let latest = cache.get("ids-and-cache").await?;
        println!(
            "cached read: version {}",
            latest
                .id
                .as_deref()
                .and_then(|i| i.parse::<KeyVaultId>().ok())
                .and_then(|i| i.version().map(str::to_owned))
                .unwrap_or_default()
        );
    }
    Ok(())
}
