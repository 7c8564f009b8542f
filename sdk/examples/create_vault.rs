//! The seed's second flow: create a vault with an access policy through the management client;
//! the long-running create returns a poller whose result is the vault, with its URI.
//!
//! `cargo run --example create_vault` (with `AZURE_SUBSCRIPTION_ID`, `AZURE_TENANT_ID` and a
//! resource group `AZURE_RESOURCE_GROUP` for a real subscription)

mod common;

use keyvault_sdk::management::{models, KeyVaultManagementClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let group = std::env::var("AZURE_RESOURCE_GROUP").unwrap_or_else(|_| "examples".into());
    let client = KeyVaultManagementClient::with_endpoint(
        &target.management_endpoint,
        target.subscription_id.clone(),
        target.options.clone(),
    )?;
    // Required fields are constructor arguments; the others chain with `with_*`.
    let permissions = models::Permissions::default().with_secrets([
        models::SecretPermissions::Get,
        models::SecretPermissions::List,
        models::SecretPermissions::Set,
    ]);
    let properties = models::VaultProperties::new(
        target.tenant_id.clone(),
        models::Sku::new(models::SkuName::Standard),
    )
    .with_enable_rbac_authorization(false)
    .with_access_policies([models::AccessPolicyEntry::new(
        target.tenant_id.clone(),
        "00000000-0000-0000-0000-0000000000b1",
        permissions,
    )]);
    let poller = client
        .vaults()
        .create_or_update(
            group,
            "seed-example-vault",
            models::VaultCreateOrUpdateParameters::new("westeurope", properties),
        )
        .into_poller();
    let vault = poller.await?;
    let uri = vault
        .properties
        .and_then(|p| p.vault_uri)
        .unwrap_or_default();
    println!("vault_uri: {uri}");
    Ok(())
}
