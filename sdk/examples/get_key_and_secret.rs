//! The seed's first flow: read a key and a specific version of a secret, authenticating with
//! a callback that is told what the vault's challenge asked for (authorization server,
//! resource, the scopes to ask for) and returns a token.
//!
//! `cargo run --features keyvault-sdk/cryptography --example get_key_and_secret`

mod common;

use std::sync::Arc;
use std::time::Duration;

use keyvault_sdk::identity::{CallbackCredential, TokenContext};
use keyvault_sdk::keys::{models as keys, KeyClient};
use keyvault_sdk::runtime::OffsetDateTime;
use keyvault_sdk::secrets::{models as secrets, SecretClient};
use keyvault_sdk::{AccessToken, TokenCredential, TokenRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    // The callback gets the challenge's details; here it asks the target's own credential
    // (a real app might call its identity provider, or a token broker).
    let inner: Arc<dyn TokenCredential> = target
        .options
        .credential
        .clone()
        .ok_or("the target has no credential")?;
    let credential = CallbackCredential::new(move |context: TokenContext| {
        let inner = inner.clone();
        Box::pin(async move {
            println!(
                "token callback: authorization server {:?}, resource {:?}, scopes to ask for {:?}",
                context.authorization_server, context.resource, context.scopes
            );
            let mut request = TokenRequest::new(context.scopes.clone());
            request.tenant_id = context.tenant_id.clone();
            let token = inner.get_token(&request).await?;
            Ok(AccessToken::new(
                token.token.expose().clone(),
                OffsetDateTime::now_utc() + Duration::from_secs(3600),
            ))
        })
    });
    let options = target.options.clone().with_credential(Arc::new(credential));

    let key_client = KeyClient::new(&target.vault_url, options.clone())?;
    let secret_client = SecretClient::new(&target.vault_url, options)?;
    if target.emulator.is_some() {
        // Something to read in the empty emulator.
        key_client
            .create_key(
                "seed-key",
                keys::KeyCreateParameters::new(keys::JsonWebKeyType::Rsa),
            )
            .await?;
        secret_client
            .set_secret(
                "seed-secret",
                secrets::SecretSetParameters::new("version one"),
            )
            .await?;
        secret_client
            .set_secret(
                "seed-secret",
                secrets::SecretSetParameters::new("version two"),
            )
            .await?;
    }

    let key = key_client.get_key("seed-key").await?;
    println!("key {}", key.key.and_then(|k| k.kid).unwrap_or_default());
    let versions = secret_client
        .get_secret_versions("seed-secret")
        .into_stream()
        .collect_all()
        .await?;
    let first = versions
        .iter()
        .filter_map(|v| v.id.as_deref())
        .filter_map(|id| id.rsplit('/').next())
        .next()
        .ok_or("the secret has no versions")?;
    let secret = secret_client
        .get_secret("seed-secret")
        .secret_version(first)
        .await?;
    println!(
        "secret version {first}: {} characters",
        secret.value.map(|v| v.expose().len()).unwrap_or(0)
    );
    Ok(())
}
