//! JSON Web Keys as a vault or a user hands them to `CryptographyClient::from_jwk`, and the
//! operations that then run on them in the process. Parsing never panics (a malformed or
//! inconsistent key is an error), operations on any input never panic, and whatever a key
//! encrypts or wraps it decrypts or unwraps to the same bytes.
#![no_main]

use keyvault::keys::models::JsonWebKey;
use keyvault_sdk::cryptography::{CryptographyClient, EncryptionAlgorithm, SignatureAlgorithm};
use libfuzzer_sys::fuzz_target;

const ENCRYPTION: [&str; 17] = [
    "RSA-OAEP",
    "RSA-OAEP-256",
    "RSA1_5",
    "A128GCM",
    "A192GCM",
    "A256GCM",
    "A128KW",
    "A192KW",
    "A256KW",
    "A128CBC",
    "A192CBC",
    "A256CBC",
    "A128CBCPAD",
    "A192CBCPAD",
    "A256CBCPAD",
    "CKM_AES_KEY_WRAP",
    "CKM_AES_KEY_WRAP_PAD",
];
const SIGNATURE: [&str; 10] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(jwk) = serde_json::from_slice::<JsonWebKey>(rest) else {
        return;
    };
    let Ok(client) = CryptographyClient::from_jwk(jwk) else {
        return;
    };
    let encryption = EncryptionAlgorithm::from(ENCRYPTION[selector as usize % ENCRYPTION.len()]);
    let signature = SignatureAlgorithm::from(SIGNATURE[selector as usize % SIGNATURE.len()]);
    // Some bytes of the input as data: block-sized for AES-CBC without padding.
    let payload = &rest[..rest.len().min(if selector & 0x80 == 0 { 32 } else { 21 })];
    // A key from JSON alone never needs the network: every future is ready at once.
    futures::executor::block_on(async {
        if let Ok(sealed) = client.encrypt(encryption.clone(), payload).await {
            let opened = client.decrypt_result(&sealed).await;
            if let Ok(opened) = opened {
                assert_eq!(
                    opened.plaintext.expose().as_slice(),
                    payload,
                    "{encryption}"
                );
            }
        }
        if let Ok(wrapped) = client.wrap_key(encryption.clone(), payload).await {
            if let Ok(unwrapped) = client
                .unwrap_key(encryption.clone(), &wrapped.encrypted_key)
                .await
            {
                assert_eq!(unwrapped.key.expose().as_slice(), payload, "{encryption}");
            }
        }
        let _ = client
            .decrypt(encryption.clone(), rest)
            .iv(&rest[..rest.len().min(16)])
            .await;
        let _ = client.unwrap_key(encryption, rest).await;
        let digest = vec![selector; [32, 48, 64][selector as usize % 3]];
        if let Ok(signed) = client.sign(signature.clone(), &digest).await {
            let verdict = client
                .verify(signature.clone(), &digest, &signed.signature)
                .await;
            assert!(
                verdict.is_ok_and(|v| v.is_valid),
                "{signature}: its own signature"
            );
        }
        let _ = client.verify(signature, &digest, rest).await;
    });
});
