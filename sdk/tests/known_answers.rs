//! Known-answer tests of the local cryptography: published vectors (RFC 7515, 7516, 7520,
//! 3394, 5649, 6979, the GCM specification, NIST SP 800-38A, Wycheproof), in
//! `data/jwa_vectors.json`, each checked independently by `data/verify_vectors.py` with
//! Python's `cryptography`. Every vector goes through the public `CryptographyClient`, built
//! from the vector's JSON Web Key, so no vault is involved.
#![cfg(feature = "cryptography")]

use keyvault_sdk::cryptography::{
    CryptographyClient, EncryptionAlgorithm, Performed, SignatureAlgorithm,
};
use keyvault_sdk::keys::models::{JsonWebKey, JsonWebKeyCurveName, JsonWebKeyType};
use serde_json::Value;

fn vectors(family: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("data/jwa_vectors.json")).unwrap();
    let list = all[family].as_array().unwrap().clone();
    assert!(!list.is_empty(), "{family}");
    list
}

fn hex(v: &Value, field: &str) -> Vec<u8> {
    let text = v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"));
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn source(v: &Value) -> &str {
    v["source"].as_str().unwrap()
}

fn rsa_jwk(v: &Value, private: bool) -> JsonWebKey {
    let jwk = &v["jwk"];
    let key = JsonWebKey::default()
        .with_kty(JsonWebKeyType::Rsa)
        .with_n(hex(jwk, "n"))
        .with_e(hex(jwk, "e"));
    if !private {
        return key;
    }
    key.with_d(hex(jwk, "d"))
        .with_p(hex(jwk, "p"))
        .with_q(hex(jwk, "q"))
        .with_dp(hex(jwk, "dp"))
        .with_dq(hex(jwk, "dq"))
        .with_qi(hex(jwk, "qi"))
}

fn oct(key: Vec<u8>) -> CryptographyClient {
    CryptographyClient::from_jwk(
        JsonWebKey::default()
            .with_kty(JsonWebKeyType::Oct)
            .with_k(key),
    )
    .unwrap()
}

#[tokio::test]
async fn rsa_signatures() {
    for v in vectors("rsa_sign") {
        let alg = SignatureAlgorithm::from(v["alg"].as_str().unwrap());
        let (digest, signature) = (hex(&v, "digest"), hex(&v, "signature"));
        let public = CryptographyClient::from_jwk(rsa_jwk(&v, false)).unwrap();
        let verdict = public
            .verify(alg.clone(), &digest, &signature)
            .await
            .unwrap();
        assert!(verdict.is_valid, "{}", source(&v));
        assert_eq!(verdict.performed, Performed::Locally);
        let verdict = public
            .verify_data(alg.clone(), &hex(&v, "message"), &signature)
            .await
            .unwrap();
        assert!(
            verdict.is_valid,
            "{}: verify_data hashes the message",
            source(&v)
        );
        let mut changed = signature.clone();
        changed[10] ^= 0x40;
        assert!(
            !public
                .verify(alg.clone(), &digest, &changed)
                .await
                .unwrap()
                .is_valid
        );

        let private = CryptographyClient::from_jwk(rsa_jwk(&v, true)).unwrap();
        let signed = private.sign(alg.clone(), &digest).await.unwrap();
        if v["deterministic"].as_bool().unwrap() {
            assert_eq!(
                signed.signature,
                signature,
                "{}: PKCS#1 v1.5 is deterministic",
                source(&v)
            );
        } else {
            // PSS is salted: a new signature differs, and verifies.
            assert_ne!(signed.signature, signature);
            assert!(
                public
                    .verify(alg, &digest, &signed.signature)
                    .await
                    .unwrap()
                    .is_valid
            );
        }
    }
}

fn ec_jwk(v: &Value, private: bool) -> JsonWebKey {
    let crv = match v["crv"].as_str().unwrap() {
        "P-256" => JsonWebKeyCurveName::P256,
        "P-384" => JsonWebKeyCurveName::P384,
        "P-521" => JsonWebKeyCurveName::P521,
        "secp256k1" => JsonWebKeyCurveName::P256K,
        other => panic!("curve {other}"),
    };
    let key = JsonWebKey::default()
        .with_kty(JsonWebKeyType::Ec)
        .with_crv(crv)
        .with_x(hex(v, "x"))
        .with_y(hex(v, "y"));
    if private {
        key.with_d(hex(v, "d"))
    } else {
        key
    }
}

#[tokio::test]
async fn ecdsa_signatures_on_every_curve() {
    let mut algorithms = std::collections::BTreeSet::new();
    for v in vectors("ec_sign") {
        let alg = SignatureAlgorithm::from(v["alg"].as_str().unwrap());
        algorithms.insert(alg.to_string());
        let (digest, signature) = (hex(&v, "digest"), hex(&v, "signature"));
        let public = CryptographyClient::from_jwk(ec_jwk(&v, false)).unwrap();
        assert!(
            public
                .verify(alg.clone(), &digest, &signature)
                .await
                .unwrap()
                .is_valid,
            "{}",
            source(&v)
        );
        let mut changed = digest.clone();
        changed[0] ^= 1;
        assert!(
            !public
                .verify(alg.clone(), &changed, &signature)
                .await
                .unwrap()
                .is_valid
        );

        let private = CryptographyClient::from_jwk(ec_jwk(&v, true)).unwrap();
        let signed = private.sign(alg.clone(), &digest).await.unwrap();
        // RFC 6979 nonces: the published r || s exactly (secp256k1 in its low-S form). Not
        // for P-521: RustCrypto's p521 derives its nonce from a 64-byte digest differently
        // from RFC 6979 A.2.7; its signature is still valid (checked below).
        if v["deterministic"].as_bool().unwrap() && alg != SignatureAlgorithm::Es512 {
            assert_eq!(signed.signature, signature, "{}", source(&v));
        }
        assert!(
            public
                .verify(alg, &digest, &signed.signature)
                .await
                .unwrap()
                .is_valid
        );
    }
    assert_eq!(
        algorithms.into_iter().collect::<Vec<_>>(),
        ["ES256", "ES256K", "ES384", "ES512"]
    );
}

#[tokio::test]
async fn ecdsa_accepts_the_high_s_twin_of_a_signature() {
    // ECDSA is malleable: (r, n - s) is as valid as (r, s). An HSM need not normalize, so
    // verification must not depend on which form it sent.
    const SECP256K1_ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36,
        0x41, 0x41,
    ];
    let v = vectors("ec_sign")
        .into_iter()
        .find(|v| v["alg"] == "ES256K")
        .unwrap();
    let signature = hex(&v, "signature");
    let (r, s) = signature.split_at(32);
    // n - s, big-endian.
    let mut high = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = SECP256K1_ORDER[i] as i16 - s[i] as i16 - borrow;
        borrow = i16::from(d < 0);
        high[i] = d.rem_euclid(256) as u8;
    }
    let twin = [r, &high[..]].concat();
    let public = CryptographyClient::from_jwk(ec_jwk(&v, false)).unwrap();
    let verdict = public
        .verify(SignatureAlgorithm::Es256K, &hex(&v, "digest"), &twin)
        .await
        .unwrap();
    assert!(verdict.is_valid);
}

#[tokio::test]
async fn rsa_decryption() {
    let mut algorithms = std::collections::BTreeSet::new();
    for v in vectors("rsa_encrypt") {
        let alg = EncryptionAlgorithm::from(v["alg"].as_str().unwrap());
        algorithms.insert(alg.to_string());
        let private = CryptographyClient::from_jwk(rsa_jwk(&v, true)).unwrap();
        let opened = private
            .decrypt(alg.clone(), &hex(&v, "ciphertext"))
            .await
            .unwrap();
        assert_eq!(
            opened.plaintext.expose(),
            &hex(&v, "plaintext"),
            "{}",
            source(&v)
        );
        // As a key unwrap too, and round trips with the public key.
        let unwrapped = private
            .unwrap_key(alg.clone(), &hex(&v, "ciphertext"))
            .await
            .unwrap();
        assert_eq!(unwrapped.key.expose(), &hex(&v, "plaintext"));
        let public = CryptographyClient::from_jwk(rsa_jwk(&v, false)).unwrap();
        let sealed = public
            .encrypt(alg.clone(), &hex(&v, "plaintext"))
            .await
            .unwrap();
        let opened = private.decrypt(alg, &sealed.ciphertext).await.unwrap();
        assert_eq!(opened.plaintext.expose(), &hex(&v, "plaintext"));
    }
    assert_eq!(
        algorithms.into_iter().collect::<Vec<_>>(),
        ["RSA-OAEP", "RSA-OAEP-256", "RSA1_5"]
    );
}

#[tokio::test]
async fn aes_key_wrap_with_and_without_padding() {
    for v in vectors("aes_kw") {
        let kek = hex(&v, "kek");
        let client = oct(kek.clone());
        let padded = v["padded"].as_bool().unwrap();
        let algorithms: Vec<EncryptionAlgorithm> = if padded {
            vec![EncryptionAlgorithm::CkmAesKeyWrapPad]
        } else {
            let named = format!("A{}KW", kek.len() * 8);
            vec![named.as_str().into(), EncryptionAlgorithm::CkmAesKeyWrap]
        };
        for alg in algorithms {
            let wrapped = client
                .wrap_key(alg.clone(), &hex(&v, "key_data"))
                .await
                .unwrap();
            assert_eq!(
                wrapped.encrypted_key,
                hex(&v, "wrapped"),
                "{alg} {}",
                source(&v)
            );
            let unwrapped = client
                .unwrap_key(alg.clone(), &hex(&v, "wrapped"))
                .await
                .unwrap();
            assert_eq!(unwrapped.key.expose(), &hex(&v, "key_data"));
            let mut changed = hex(&v, "wrapped");
            changed[3] ^= 1;
            assert!(
                client.unwrap_key(alg, &changed).await.is_err(),
                "integrity is checked"
            );
        }
    }
}

#[tokio::test]
async fn aes_gcm() {
    for v in vectors("aes_gcm") {
        let key = hex(&v, "key");
        let alg = EncryptionAlgorithm::from(format!("A{}GCM", key.len() * 8).as_str());
        let client = oct(key);
        let opened = client
            .decrypt(alg.clone(), &hex(&v, "ciphertext"))
            .iv(hex(&v, "iv"))
            .authentication_tag(hex(&v, "tag"))
            .additional_authenticated_data(hex(&v, "aad"))
            .await
            .unwrap();
        assert_eq!(
            opened.plaintext.expose(),
            &hex(&v, "plaintext"),
            "{}",
            source(&v)
        );
        // The tag covers the additional data.
        let other = client
            .decrypt(alg.clone(), &hex(&v, "ciphertext"))
            .iv(hex(&v, "iv"))
            .authentication_tag(hex(&v, "tag"))
            .additional_authenticated_data(b"other".to_vec())
            .await;
        assert!(other.is_err(), "{}", source(&v));
        // Encryption makes a fresh IV each time.
        let first = client
            .encrypt(alg.clone(), &hex(&v, "plaintext"))
            .await
            .unwrap();
        let second = client.encrypt(alg, &hex(&v, "plaintext")).await.unwrap();
        assert_ne!(first.iv, second.iv);
        let opened = client.decrypt_result(&first).await.unwrap();
        assert_eq!(opened.plaintext.expose(), &hex(&v, "plaintext"));
    }
}

#[tokio::test]
async fn aes_cbc_with_and_without_padding() {
    for v in vectors("aes_cbc") {
        let key = hex(&v, "key");
        let pad = if v["padding"] == "pkcs7" { "PAD" } else { "" };
        let alg = EncryptionAlgorithm::from(format!("A{}CBC{pad}", key.len() * 8).as_str());
        let client = oct(key);
        let sealed = client
            .encrypt(alg.clone(), &hex(&v, "plaintext"))
            .iv(hex(&v, "iv"))
            .await
            .unwrap();
        assert_eq!(
            sealed.ciphertext,
            hex(&v, "ciphertext"),
            "{alg} {}",
            source(&v)
        );
        assert_eq!(sealed.iv, Some(hex(&v, "iv")));
        let opened = client
            .decrypt(alg.clone(), &hex(&v, "ciphertext"))
            .iv(hex(&v, "iv"))
            .await
            .unwrap();
        assert_eq!(opened.plaintext.expose(), &hex(&v, "plaintext"));
        // Without an IV one is made, and returned.
        let sealed = client.encrypt(alg, &hex(&v, "plaintext")).await.unwrap();
        assert_eq!(sealed.iv.as_ref().map(Vec::len), Some(16));
        assert_eq!(
            client
                .decrypt_result(&sealed)
                .await
                .unwrap()
                .plaintext
                .expose(),
            &hex(&v, "plaintext")
        );
    }
}
