//! The "Key Vault recovery" sample: soft-delete a vault and recover it with its secrets; then
//! delete, recover and purge a secret inside it.
//!
//! `cargo run --example recovery`

mod common;

use std::time::Duration;

use keyvault_sdk::management::{models, KeyVaultManagementClient};
use keyvault_sdk::secrets::{models as secrets, SecretClient};
use keyvault_sdk::PollerOptions;
use keyvault_sdk::SecretPollers;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let group = std::env::var("AZURE_RESOURCE_GROUP").unwrap_or_else(|_| "examples".into());
    let mgmt = KeyVaultManagementClient::with_endpoint(
        &target.management_endpoint,
        target.subscription_id.clone(),
        target.options.clone(),
    )?;
    let polling = PollerOptions::with_interval(Duration::from_millis(500));
    let name = "recovery-sample-vault";
    let properties = models::VaultProperties::new(
        target.tenant_id.clone(),
        models::Sku::new(models::SkuName::Standard),
    );
    let vault = mgmt
        .vaults()
        .create_or_update(
            &group,
            name,
            models::VaultCreateOrUpdateParameters::new("westeurope", properties),
        )
        .poller_options(polling)
        .await?;
    let vault_uri = vault
        .properties
        .and_then(|p| p.vault_uri)
        .ok_or("no vault URI")?;
    let secret_client = SecretClient::new(&vault_uri, target.options.clone())?;
    secret_client
        .set_secret("recoverable", secrets::SecretSetParameters::new("keep me"))
        .await?;

    // Soft-delete the vault, then recover it: its secrets come back with it.
    mgmt.vaults().delete(&group, name).await?;
    let deleted = mgmt.vaults().get_deleted("westeurope", name).await?;
    println!(
        "vault deleted on {:?}",
        deleted.properties.and_then(|p| p.deletion_date)
    );
    let mut recover = models::VaultProperties::new(
        target.tenant_id.clone(),
        models::Sku::new(models::SkuName::Standard),
    );
    recover.create_mode = Some(models::CreateMode::Recover);
    mgmt.vaults()
        .create_or_update(
            &group,
            name,
            models::VaultCreateOrUpdateParameters::new("westeurope", recover),
        )
        .poller_options(polling)
        .await?;
    let secret = secret_client.get_secret("recoverable").await?;
    println!(
        "vault recovered; its secret is back ({} characters)",
        secret.value.map(|v| v.expose().len()).unwrap_or(0)
    );

    // A secret on its own: delete (awaited, so the purge cannot race it), recover, delete, purge.
    let mut delete = secret_client.begin_delete_secret("recoverable");
    delete.set_options(polling);
    delete.await?;
    let mut recover = secret_client.begin_recover_deleted_secret("recoverable");
    recover.set_options(polling);
    recover.await?;
    println!("secret deleted and recovered");
    let mut delete = secret_client.begin_delete_secret("recoverable");
    delete.set_options(polling);
    delete.await?;
    secret_client.purge_deleted_secret("recoverable").await?;
    println!("secret purged");

    mgmt.vaults().delete(&group, name).await?;
    mgmt.vaults()
        .purge_deleted("westeurope", name)
        .poller_options(polling)
        .await?;
    println!("vault purged");
    Ok(())
}
