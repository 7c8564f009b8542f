//! A new application's whole `src/main.rs`: `cargo new`, one dependency line for
//! `keyvault-sdk` and one for tokio. `tests/new_app/run.sh` builds it outside this workspace
//! and runs it against the emulator binary, so the one-crate install is tested as a user
//! meets it: only `keyvault_sdk::` paths, only what the crate's docs show.

use std::sync::Arc;
use std::time::Duration;

use keyvault_sdk::cryptography::{CryptographyClient, EncryptionAlgorithm, Performed};
use keyvault_sdk::identifier::KeyVaultId;
use keyvault_sdk::identity::{CallbackCredential, TokenContext};
use keyvault_sdk::keys::{models as keys, KeyClient};
use keyvault_sdk::management::{models, KeyVaultManagementClient};
use keyvault_sdk::prelude::*;
use keyvault_sdk::runtime::OffsetDateTime;
use keyvault_sdk::secret_cache::SecretCache;
use keyvault_sdk::secrets::{models as secrets, SecretClient};
use keyvault_sdk::{AccessToken, ClientOptions};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vault_url = env("AZURE_KEYVAULT_URL")?;
    let management_endpoint = env("KEYVAULT_MANAGEMENT_ENDPOINT")?;
    let ca = std::fs::read(env("KEYVAULT_CA_PEM")?)?;

    // The callback credential: told what the vault's challenge asked for.
    let credential = CallbackCredential::new(|context: TokenContext| {
        Box::pin(async move {
            println!("token asked for scopes {:?}", context.scopes);
            Ok(AccessToken::new(
                "a-token-from-my-broker",
                OffsetDateTime::now_utc() + Duration::from_secs(3600),
            ))
        })
    });
    let options = ClientOptions::default()
        .with_credential(Arc::new(credential))
        .with_root_certificate_pem(ca);

    // A key as a JWK, by name and version.
    let key_client = KeyClient::new(&vault_url, options.clone())?;
    let created = key_client
        .create_key("app-key", keys::KeyCreateParameters::new(keys::JsonWebKeyType::Rsa))
        .await?;
    let kid: KeyVaultId = created.key.and_then(|k| k.kid).ok_or("no kid")?.parse()?;
    let version = kid.version().ok_or("no version")?;
    let jwk = key_client
        .get_key(kid.name())
        .key_version(version)
        .await?
        .key
        .ok_or("no key")?;
    println!(
        "key {} version {version}: {:?}, {}-bit modulus",
        kid.name(),
        jwk.kty,
        jwk.n.as_ref().map_or(0, |n| n.len() * 8)
    );

    // A secret by version, by id, and through the cache.
    let secret_client = SecretClient::new(&vault_url, options.clone())?;
    let first = secret_client
        .set_secret("app-secret", secrets::SecretSetParameters::new("version one"))
        .await?;
    secret_client
        .set_secret("app-secret", secrets::SecretSetParameters::new("version two"))
        .await?;
    let first_id: KeyVaultId = first.id.ok_or("no id")?.parse()?;
    let pinned = secret_client
        .get_secret("app-secret")
        .secret_version(first_id.version().ok_or("no version")?)
        .await?;
    let by_id = secret_client.get_secret_by_id(&first_id)?.await?;
    let cache = SecretCache::new(secret_client.clone(), Default::default());
    let cached = cache.get("app-secret").await?;
    let values = [&pinned, &by_id, &cached].map(|s| s.value.as_ref().map(|v| v.expose().clone()));
    println!("secret by version, by id, cached: {values:?}");
    if values != [Some("version one".into()), Some("version one".into()), Some("version two".into())] {
        return Err("unexpected secret values".into());
    }

    // Local cryptography with the vault's key.
    let crypto = CryptographyClient::new(key_client, &jwk.kid.clone().unwrap_or_default())?;
    let sealed = crypto.encrypt(EncryptionAlgorithm::RsaOaep256, b"hello").await?;
    let opened = crypto.decrypt_result(&sealed).await?;
    println!(
        "encrypted locally: {}, decrypted by the vault: {}",
        sealed.performed == Performed::Locally,
        opened.performed == Performed::ByVault
    );
    if opened.plaintext.expose() != b"hello" {
        return Err("the round trip failed".into());
    }

    // A vault through the management plane, and its vault_uri.
    let mgmt = KeyVaultManagementClient::with_endpoint(
        &management_endpoint,
        "00000000-0000-0000-0000-0000000000aa",
        options.clone(),
    )?;
    let tenant = "00000000-0000-0000-0000-00000000e001";
    let properties =
        models::VaultProperties::new(tenant, models::Sku::new(models::SkuName::Standard))
            .with_enable_rbac_authorization(false)
            .with_access_policies([models::AccessPolicyEntry::new(
                tenant,
                "00000000-0000-0000-0000-0000000000b1",
                models::Permissions::default().with_secrets([models::SecretPermissions::Get]),
            )]);
    let vault = mgmt
        .vaults()
        .create_or_update(
            "app-rg",
            "app-vault",
            models::VaultCreateOrUpdateParameters::new("westeurope", properties),
        )
        .await?;
    let vault_uri = vault.properties.and_then(|p| p.vault_uri).ok_or("no vault_uri")?;
    println!("created vault app-vault at {vault_uri}");
    let new_vault = SecretClient::new(&vault_uri, options)?;
    new_vault
        .set_secret("in-the-new-vault", secrets::SecretSetParameters::new("yes"))
        .await?;
    println!("the new vault answers");
    Ok(())
}
