//! Local cryptography: a key created in the vault, its public part used here (encrypt, wrap,
//! verify: no round trip), its private part used by the vault (decrypt, unwrap, sign), and a
//! symmetric key held only by this process.
//!
//! `cargo run --example local_crypto --features cryptography` (the emulator, or
//! `AZURE_KEYVAULT_URL`)

mod common;

use keyvault_sdk::cryptography::{
    CryptographyClient, EncryptionAlgorithm, Performed, SignatureAlgorithm,
};
use keyvault_sdk::keys::models::{JsonWebKey, JsonWebKeyType, KeyCreateParameters};
use keyvault_sdk::keys::KeyClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let keys = KeyClient::new(&target.vault_url, target.options.clone())?;
    let key = keys
        .create_key(
            "local-crypto",
            KeyCreateParameters::new(JsonWebKeyType::Rsa).with_key_size(2048),
        )
        .await?;
    let kid = key
        .key
        .as_ref()
        .and_then(|k| k.kid.clone())
        .unwrap_or_default();

    // From the key id: the key is fetched once, on first use.
    let crypto = CryptographyClient::new(keys, &kid)?;
    let where_ = |p: Performed| {
        if p == Performed::Locally {
            "here"
        } else {
            "by the vault"
        }
    };

    let sealed = crypto
        .encrypt(
            EncryptionAlgorithm::RsaOaep256,
            b"card number 4111 1111 1111 1111",
        )
        .await?;
    let opened = crypto.decrypt_result(&sealed).await?;
    println!(
        "RSA-OAEP-256: encrypted {} ({} bytes), decrypted {} ({} bytes)",
        where_(sealed.performed),
        sealed.ciphertext.len(),
        where_(opened.performed),
        opened.plaintext.expose().len()
    );

    let content_key = [7u8; 32];
    let wrapped = crypto
        .wrap_key(EncryptionAlgorithm::RsaOaep256, &content_key)
        .await?;
    let unwrapped = crypto
        .unwrap_key(EncryptionAlgorithm::RsaOaep256, &wrapped.encrypted_key)
        .await?;
    assert_eq!(unwrapped.key.expose(), &content_key);
    println!(
        "wrap: {}, unwrap: {}",
        where_(wrapped.performed),
        where_(unwrapped.performed)
    );

    let document = b"release notes v1.2";
    let signed = crypto
        .sign_data(SignatureAlgorithm::Ps256, document)
        .await?;
    let verdict = crypto
        .verify_data(SignatureAlgorithm::Ps256, document, &signed.signature)
        .await?;
    println!(
        "PS256: signed {}, verified {}: {}",
        where_(signed.performed),
        where_(verdict.performed),
        if verdict.is_valid { "valid" } else { "INVALID" }
    );

    // A symmetric key that never leaves the process: AES-GCM with additional data.
    let local = CryptographyClient::from_jwk(
        JsonWebKey::default()
            .with_kty(JsonWebKeyType::Oct)
            .with_k(vec![42u8; 32]),
    )?;
    let sealed = local
        .encrypt(EncryptionAlgorithm::A256Gcm, b"row 17")
        .additional_authenticated_data(b"table: payments".to_vec())
        .await?;
    let opened = local.decrypt_result(&sealed).await?;
    println!(
        "A256GCM {}: {} bytes, IV {} bytes, tag {} bytes, round trip {}",
        where_(sealed.performed),
        sealed.ciphertext.len(),
        sealed.iv.as_ref().map_or(0, Vec::len),
        sealed.authentication_tag.as_ref().map_or(0, Vec::len),
        if opened.plaintext.expose() == b"row 17" {
            "ok"
        } else {
            "FAILED"
        }
    );
    Ok(())
}
