//! What every example needs: where to run (a real Azure environment when configured, else the
//! local emulator started in-process) and client options that authenticate there.

#![allow(dead_code)]

use std::sync::Arc;

use keyvault_sdk::identity::{ClientSecretCredential, CredentialOptions, DefaultAzureCredential};
use keyvault_sdk::ClientOptions;

/// Where the example runs.
pub struct Target {
    /// Keeps the emulator running for the example's lifetime.
    pub emulator: Option<keyvault_emulator::Emulator>,
    /// The data-plane vault URL (`AZURE_KEYVAULT_URL` or the emulator's).
    pub vault_url: String,
    /// The management endpoint (`https://management.azure.com` or the emulator's).
    pub management_endpoint: String,
    /// `AZURE_SUBSCRIPTION_ID`, or a placeholder for the emulator.
    pub subscription_id: String,
    /// `AZURE_TENANT_ID`, or the emulator's tenant.
    pub tenant_id: String,
    /// Options with a credential for the target.
    pub options: ClientOptions,
}

/// The emulator's tenant (its challenges name it).
pub const EMULATOR_TENANT: &str = "00000000-0000-0000-0000-00000000e001";

/// Uses Azure when `AZURE_KEYVAULT_URL` (data plane) or `AZURE_SUBSCRIPTION_ID` (management)
/// is set, with `DefaultAzureCredential`; otherwise starts the emulator.
pub async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    let azure_vault = std::env::var("AZURE_KEYVAULT_URL").ok();
    let azure_subscription = std::env::var("AZURE_SUBSCRIPTION_ID").ok();
    if azure_vault.is_some() || azure_subscription.is_some() {
        let options =
            ClientOptions::default().with_credential(Arc::new(DefaultAzureCredential::new()));
        return Ok(Target {
            emulator: None,
            vault_url: azure_vault.unwrap_or_default(),
            management_endpoint: "https://management.azure.com".into(),
            subscription_id: azure_subscription.unwrap_or_default(),
            tenant_id: std::env::var("AZURE_TENANT_ID").unwrap_or_default(),
            options,
        });
    }
    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default()).await?;
    let url = emulator.url();
    println!("(no AZURE_* environment: running against the local emulator at {url})");
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    let credential = ClientSecretCredential::new(
        EMULATOR_TENANT,
        "example-app",
        "example-secret",
        CredentialOptions::default()
            .with_authority_host(url.parse()?)
            .with_root_certificate_pem(pem.clone()),
    )?;
    Ok(Target {
        emulator: Some(emulator),
        vault_url: url.clone(),
        management_endpoint: url,
        subscription_id: "00000000-0000-0000-0000-0000000000aa".into(),
        tenant_id: EMULATOR_TENANT.into(),
        options: ClientOptions::default()
            .with_credential(Arc::new(credential))
            .with_root_certificate_pem(pem),
    })
}
