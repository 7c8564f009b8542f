//! The "manage Key Vault" sample: create, update, list, delete and purge vaults through the
//! management client.
//!
//! `cargo run --example manage_vaults`

mod common;

use std::time::Duration;

use keyvault_sdk::management::{models, KeyVaultManagementClient};
use keyvault_sdk::PollerOptions;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let group = std::env::var("AZURE_RESOURCE_GROUP").unwrap_or_else(|_| "examples".into());
    let client = KeyVaultManagementClient::with_endpoint(
        &target.management_endpoint,
        target.subscription_id.clone(),
        target.options.clone(),
    )?;
    let polling = PollerOptions::with_interval(Duration::from_millis(500));
    let name = "manage-sample-vault";
    let available = client
        .vaults()
        .check_name_availability(models::VaultCheckNameAvailabilityParameters::new(name))
        .await?;
    println!("{name} available: {:?}", available.name_available);

    let properties = models::VaultProperties::new(
        target.tenant_id.clone(),
        models::Sku::new(models::SkuName::Standard),
    );
    let vault = client
        .vaults()
        .create_or_update(
            &group,
            name,
            models::VaultCreateOrUpdateParameters::new("westeurope", properties),
        )
        .poller_options(polling)
        .await?;
    println!("created {}", vault.id.unwrap_or_default());

    let mut patch = models::VaultPatchProperties::default();
    patch.enabled_for_deployment = Some(true);
    let mut update = models::VaultPatchParameters::default();
    update.properties = Some(patch);
    update.tags = Some([("purpose".to_owned(), "sample".to_owned())].into());
    let updated = client.vaults().update(&group, name, update).await?;
    println!("updated tags: {:?}", updated.tags);

    let vaults: Vec<_> = client
        .vaults()
        .list_by_resource_group(&group)
        .into_stream()
        .collect_all()
        .await?;
    println!("{} vault(s) in {group}", vaults.len());

    client.vaults().delete(&group, name).await?;
    println!("deleted {name} (soft delete keeps it recoverable)");
    client
        .vaults()
        .purge_deleted("westeurope", name)
        .poller_options(polling)
        .await?;
    println!("purged {name}");
    Ok(())
}
