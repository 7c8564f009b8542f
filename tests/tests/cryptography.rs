//! `CryptographyClient` against the emulator, for every algorithm and in both directions: what
//! this process encrypts, wraps or signs the vault decrypts, unwraps or verifies, and the
//! reverse (with the same key imported into the vault and held here as a private JWK). Then
//! the checks a local operation makes (`key_ops`, `nbf`/`exp`, enabled), the errors for bad
//! input, and, against a counting loopback vault, that the key is fetched once and that a
//! 403 for the fetch leaves every operation to the vault.

use keyvault::keys::models::{
    JsonWebKey, JsonWebKeyCurveName, JsonWebKeyEncryptionAlgorithm as Enc, JsonWebKeyOperation,
    JsonWebKeySignatureAlgorithm as Sig, JsonWebKeyType, KeyAttributes, KeyCreateParameters,
    KeyImportParameters, KeyOperationsParameters, KeyVerifyParameters,
};
use keyvault::keys::KeyClient;
use keyvault_runtime::{ClientOptions, OffsetDateTime, RetryOptions};
use keyvault_sdk::cryptography::{CryptographyClient, CryptographyError, Performed};
use rand_core::{OsRng, RngCore};

use crate::emulator::start;
use keyvault_emulator::EmulatorOptions;

fn random(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn rsa_private_jwk() -> JsonWebKey {
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let key = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
    let [p, q] = [&key.primes()[0], &key.primes()[1]];
    JsonWebKey::default()
        .with_kty(JsonWebKeyType::Rsa)
        .with_n(key.n().to_bytes_be())
        .with_e(key.e().to_bytes_be())
        .with_d(key.d().to_bytes_be())
        .with_p(p.to_bytes_be())
        .with_q(q.to_bytes_be())
}

/// A private EC JWK on `crv`, its coordinates at the curve's full width.
fn ec_private_jwk(crv: JsonWebKeyCurveName) -> JsonWebKey {
    macro_rules! key {
        ($curve:ident) => {{
            use $curve::elliptic_curve::sec1::ToEncodedPoint;
            let secret = $curve::SecretKey::random(&mut OsRng);
            let point = secret.public_key().to_encoded_point(false);
            (
                secret.to_bytes().to_vec(),
                point.x().unwrap().to_vec(),
                point.y().unwrap().to_vec(),
            )
        }};
    }
    let (d, x, y) = match crv {
        JsonWebKeyCurveName::P256 => key!(p256),
        JsonWebKeyCurveName::P384 => key!(p384),
        JsonWebKeyCurveName::P521 => key!(p521),
        _ => key!(k256),
    };
    JsonWebKey::default()
        .with_kty(JsonWebKeyType::Ec)
        .with_crv(crv)
        .with_x(x)
        .with_y(y)
        .with_d(d)
}

fn oct_jwk(k: &[u8]) -> JsonWebKey {
    JsonWebKey::default()
        .with_kty(JsonWebKeyType::Oct)
        .with_k(k.to_vec())
}

/// The private JWK's public part, as a vault would return it.
fn public(jwk: &JsonWebKey) -> JsonWebKey {
    let mut public = jwk.clone();
    public.d = None;
    public.p = None;
    public.q = None;
    public.dp = None;
    public.dq = None;
    public.qi = None;
    public
}

/// Imports `jwk` as `name`; returns a client that fetches the vault's (public) copy and one
/// holding the private JWK that never calls the vault.
async fn import(
    keys: &KeyClient,
    name: &str,
    jwk: &JsonWebKey,
) -> (CryptographyClient, CryptographyClient) {
    let mut parameters = KeyImportParameters::new(jwk.clone());
    if matches!(jwk.kty, Some(JsonWebKeyType::Oct)) {
        parameters = parameters.with_hsm(true);
    }
    let bundle = keys.import_key(name, parameters).await.unwrap();
    let kid = bundle.key.unwrap().kid.unwrap();
    let vault = CryptographyClient::new(keys.clone(), &kid).unwrap();
    let offline = CryptographyClient::from_jwk(jwk.clone()).unwrap();
    (vault, offline)
}

fn sha(alg: &Sig, data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    match alg.as_str() {
        "RS384" | "PS384" | "ES384" => sha2::Sha384::digest(data).to_vec(),
        "RS512" | "PS512" | "ES512" => sha2::Sha512::digest(data).to_vec(),
        _ => sha2::Sha256::digest(data).to_vec(),
    }
}

/// Signed by `signer`, verified by `verifier` (its other half), and a changed digest refused.
async fn sign_both_ways(
    keys: &KeyClient,
    name: &str,
    vault: &CryptographyClient,
    offline: &CryptographyClient,
    alg: Sig,
) {
    let digest = sha(&alg, format!("document for {alg}").as_bytes());
    let mut other = digest.clone();
    other[0] ^= 1;

    // The vault signs (no private key here), this process verifies.
    let signed = vault.sign(alg.clone(), &digest).await.unwrap();
    assert_eq!(signed.performed, Performed::ByVault, "{alg}");
    let verdict = vault
        .verify(alg.clone(), &digest, &signed.signature)
        .await
        .unwrap();
    assert_eq!(verdict.performed, Performed::Locally, "{alg}");
    assert!(
        verdict.is_valid,
        "{alg}: the vault's signature verifies here"
    );
    let tampered = vault
        .verify(alg.clone(), &other, &signed.signature)
        .await
        .unwrap();
    assert!(!tampered.is_valid, "{alg}: a changed digest is refused");

    // This process signs with the private JWK, the vault verifies.
    let signed = offline.sign(alg.clone(), &digest).await.unwrap();
    assert_eq!(signed.performed, Performed::Locally, "{alg}");
    for (digest, expected) in [(&digest, true), (&other, false)] {
        let parameters =
            KeyVerifyParameters::new(alg.clone(), digest.clone(), signed.signature.clone());
        let verdict = keys.verify(name, parameters).await.unwrap();
        assert_eq!(
            verdict.value,
            Some(expected),
            "{alg}: the vault verifies a local signature"
        );
    }
    // sign_data hashes as the algorithm says.
    let signed = offline
        .sign_data(alg.clone(), format!("document for {alg}").as_bytes())
        .await
        .unwrap();
    assert!(
        vault
            .verify(alg.clone(), &digest, &signed.signature)
            .await
            .unwrap()
            .is_valid,
        "{alg}"
    );
}

#[tokio::test]
async fn rsa_encrypt_wrap_and_sign_in_both_directions() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let keys = KeyClient::new(&emulator.url(), options).unwrap();
    let jwk = rsa_private_jwk();
    let (vault, offline) = import(&keys, "rsa", &jwk).await;

    for alg in [Enc::RsaOaep, Enc::RsaOaep256, Enc::Rsa15] {
        // Encrypted here with the public key, decrypted by the vault.
        let sealed = vault.encrypt(alg.clone(), b"for the vault").await.unwrap();
        assert_eq!(sealed.performed, Performed::Locally, "{alg}");
        assert_eq!(sealed.key_id, vault.key_id(), "{alg}: the versioned kid");
        let opened = vault
            .decrypt(alg.clone(), &sealed.ciphertext)
            .await
            .unwrap();
        assert_eq!(opened.performed, Performed::ByVault, "{alg}");
        assert_eq!(opened.plaintext.expose(), b"for the vault", "{alg}");

        // Encrypted by the vault, decrypted here with the private JWK.
        let answer = keys
            .encrypt(
                "rsa",
                KeyOperationsParameters::new(alg.clone(), b"from the vault".to_vec()),
            )
            .await
            .unwrap();
        let opened = offline
            .decrypt(alg.clone(), answer.result.unwrap().expose())
            .await
            .unwrap();
        assert_eq!(opened.performed, Performed::Locally, "{alg}");
        assert_eq!(opened.plaintext.expose(), b"from the vault", "{alg}");

        // The same for key wrapping.
        let cek = random(32);
        let wrapped = vault.wrap_key(alg.clone(), &cek).await.unwrap();
        assert_eq!(wrapped.performed, Performed::Locally, "{alg}");
        let unwrapped = vault
            .unwrap_key(alg.clone(), &wrapped.encrypted_key)
            .await
            .unwrap();
        assert_eq!(unwrapped.performed, Performed::ByVault, "{alg}");
        assert_eq!(unwrapped.key.expose(), &cek, "{alg}");
        let answer = keys
            .wrap_key(
                "rsa",
                KeyOperationsParameters::new(alg.clone(), cek.clone()),
            )
            .await
            .unwrap();
        let unwrapped = offline
            .unwrap_key(alg.clone(), answer.result.unwrap().expose())
            .await
            .unwrap();
        assert_eq!(unwrapped.key.expose(), &cek, "{alg}");
    }
    // A ciphertext made for another key does not decrypt here.
    let other = CryptographyClient::from_jwk(rsa_private_jwk()).unwrap();
    let sealed = vault.encrypt(Enc::RsaOaep256, b"x").await.unwrap();
    let err = other
        .decrypt(Enc::RsaOaep256, &sealed.ciphertext)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CryptographyError::DecryptionFailed { .. }),
        "{err}"
    );

    for alg in [
        Sig::Rs256,
        Sig::Rs384,
        Sig::Rs512,
        Sig::Ps256,
        Sig::Ps384,
        Sig::Ps512,
    ] {
        sign_both_ways(&keys, "rsa", &vault, &offline, alg).await;
    }
}

#[tokio::test]
async fn ec_signatures_on_every_curve_in_both_directions() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let keys = KeyClient::new(&emulator.url(), options).unwrap();
    for (crv, alg) in [
        (JsonWebKeyCurveName::P256, Sig::Es256),
        (JsonWebKeyCurveName::P384, Sig::Es384),
        (JsonWebKeyCurveName::P521, Sig::Es512),
        (JsonWebKeyCurveName::P256K, Sig::Es256K),
    ] {
        let name = format!("ec-{}", alg.as_str().to_lowercase());
        let (vault, offline) = import(&keys, &name, &ec_private_jwk(crv)).await;
        sign_both_ways(&keys, &name, &vault, &offline, alg.clone()).await;
        // ECDSA on one curve only: ES384 on a P-256 key is the vault's to refuse.
        let wrong = if alg == Sig::Es384 {
            Sig::Es256
        } else {
            Sig::Es384
        };
        let digest = sha(&wrong, b"x");
        let err = offline.sign(wrong, &digest).await.unwrap_err();
        assert!(
            matches!(err, CryptographyError::Unsupported { .. }),
            "{err}"
        );
    }
}

#[tokio::test]
async fn aes_encrypt_and_wrap_in_both_directions_for_every_size() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let keys = KeyClient::new(&emulator.url(), options).unwrap();
    for bits in [128, 192, 256] {
        let name = format!("aes-{bits}");
        let (vault, offline) = import(&keys, &name, &oct_jwk(&random(bits / 8))).await;
        let modes = [
            (format!("A{bits}GCM"), b"gcm: any length".to_vec()),
            (format!("A{bits}CBC"), vec![7u8; 32]),
            (format!("A{bits}CBCPAD"), b"cbc with padding".to_vec()),
        ];
        for (alg, plaintext) in modes {
            let alg = Enc::from(alg.as_str());
            // Sealed here, opened by the vault (which returns no `k`: all its work is remote).
            let mut call = offline.encrypt(alg.clone(), &plaintext);
            if alg.as_str().ends_with("GCM") {
                call = call.additional_authenticated_data(b"context".to_vec());
            }
            let sealed = call.await.unwrap();
            assert_eq!(sealed.performed, Performed::Locally, "{alg}");
            let opened = vault.decrypt_result(&sealed).await.unwrap();
            assert_eq!(opened.performed, Performed::ByVault, "{alg}");
            assert_eq!(opened.plaintext.expose(), &plaintext, "{alg}");

            // Sealed by the vault, opened here.
            let mut call = vault.encrypt(alg.clone(), &plaintext);
            if alg.as_str().ends_with("GCM") {
                call = call.additional_authenticated_data(b"context".to_vec());
            }
            let sealed = call.await.unwrap();
            assert_eq!(sealed.performed, Performed::ByVault, "{alg}");
            let opened = offline.decrypt_result(&sealed).await.unwrap();
            assert_eq!(opened.plaintext.expose(), &plaintext, "{alg}");
        }
        for alg in [
            format!("A{bits}KW"),
            "CKM_AES_KEY_WRAP".into(),
            "CKM_AES_KEY_WRAP_PAD".into(),
        ] {
            let alg = Enc::from(alg.as_str());
            let cek = if alg == Enc::CkmAesKeyWrapPad {
                random(21)
            } else {
                random(32)
            };
            let wrapped = offline.wrap_key(alg.clone(), &cek).await.unwrap();
            let unwrapped = vault
                .unwrap_key(alg.clone(), &wrapped.encrypted_key)
                .await
                .unwrap();
            assert_eq!(
                unwrapped.key.expose(),
                &cek,
                "{alg}: wrapped here, unwrapped by the vault"
            );
            let wrapped = vault.wrap_key(alg.clone(), &cek).await.unwrap();
            assert_eq!(wrapped.performed, Performed::ByVault);
            let unwrapped = offline
                .unwrap_key(alg.clone(), &wrapped.encrypted_key)
                .await
                .unwrap();
            assert_eq!(unwrapped.performed, Performed::Locally);
            assert_eq!(
                unwrapped.key.expose(),
                &cek,
                "{alg}: wrapped by the vault, unwrapped here"
            );
        }
    }
}

#[tokio::test]
async fn local_operations_check_key_ops_validity_and_input() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let keys = KeyClient::new(&emulator.url(), options).unwrap();
    let vault_client = |kid: &str| CryptographyClient::new(keys.clone(), kid).unwrap();

    // key_ops without encrypt: refused here, as the vault would.
    let mut create = KeyCreateParameters::new(JsonWebKeyType::Rsa);
    create.key_ops = Some(vec![
        JsonWebKeyOperation::Decrypt,
        JsonWebKeyOperation::Verify,
    ]);
    let bundle = keys.create_key("decrypt-only", create).await.unwrap();
    let client = vault_client(bundle.key.as_ref().unwrap().kid.as_deref().unwrap());
    let err = client.encrypt(Enc::RsaOaep256, b"x").await.unwrap_err();
    assert!(
        matches!(
            &err,
            CryptographyError::OperationNotPermitted {
                operation: "encrypt",
                ..
            }
        ),
        "{err}"
    );

    // Expired: no new encryption or signature, but verifying old signatures still works.
    let now = OffsetDateTime::now_utc();
    let expired = KeyAttributes::default().with_expires(now - std::time::Duration::from_secs(3600));
    let bundle = keys
        .create_key(
            "expired",
            KeyCreateParameters::new(JsonWebKeyType::Rsa).with_key_attributes(expired),
        )
        .await
        .unwrap();
    let client = vault_client(bundle.key.as_ref().unwrap().kid.as_deref().unwrap());
    let err = client.encrypt(Enc::RsaOaep256, b"x").await.unwrap_err();
    assert!(matches!(err, CryptographyError::Expired { .. }), "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
    let verdict = client
        .verify(Sig::Ps256, &[0u8; 32], &[0u8; 256])
        .await
        .unwrap();
    assert_eq!(
        (verdict.performed, verdict.is_valid),
        (Performed::Locally, false)
    );

    // Not yet valid.
    let later =
        KeyAttributes::default().with_not_before(now + std::time::Duration::from_secs(3600));
    let bundle = keys
        .create_key(
            "later",
            KeyCreateParameters::new(JsonWebKeyType::Rsa).with_key_attributes(later),
        )
        .await
        .unwrap();
    let client = CryptographyClient::from_key(keys.clone(), &bundle).unwrap();
    let err = client
        .wrap_key(Enc::RsaOaep256, &[1u8; 32])
        .await
        .unwrap_err();
    assert!(
        matches!(err, CryptographyError::NotYetValid { .. }),
        "{err}"
    );

    // Bad input is refused before anything runs.
    let offline = CryptographyClient::from_jwk(ec_private_jwk(JsonWebKeyCurveName::P256)).unwrap();
    let err = offline.sign(Sig::Es256, &[0u8; 20]).await.unwrap_err();
    assert!(
        matches!(err, CryptographyError::InvalidInput { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("32 bytes, not 20"), "{err}");
    let public_only =
        CryptographyClient::from_jwk(public(&ec_private_jwk(JsonWebKeyCurveName::P384))).unwrap();
    let err = public_only.sign(Sig::Es384, &[0u8; 48]).await.unwrap_err();
    assert!(
        matches!(err, CryptographyError::Unsupported { .. }),
        "{err}"
    );
    let aes = CryptographyClient::from_jwk(oct_jwk(&random(32))).unwrap();
    let err = aes
        .encrypt(Enc::A256Gcm, b"x")
        .iv(vec![0u8; 12])
        .await
        .unwrap_err();
    assert!(
        matches!(err, CryptographyError::InvalidInput { .. }),
        "GCM makes its own IV: {err}"
    );
    let err = aes.encrypt(Enc::A256Cbc, &[0u8; 5]).await.unwrap_err();
    assert!(
        matches!(err, CryptographyError::InvalidInput { .. }),
        "{err}"
    );
    let mut sealed = aes.encrypt(Enc::A256Gcm, b"x").await.unwrap();
    sealed.ciphertext[0] ^= 1;
    let err = aes.decrypt_result(&sealed).await.unwrap_err();
    assert!(
        matches!(err, CryptographyError::DecryptionFailed { .. }),
        "{err}"
    );
    let err = aes.encrypt(Enc::A128Gcm, b"x").await.unwrap_err();
    assert!(
        matches!(err, CryptographyError::Unsupported { .. }),
        "A128GCM with a 256-bit key: {err}"
    );

    // Malformed keys are named as such.
    let mut off_curve = ec_private_jwk(JsonWebKeyCurveName::P256);
    off_curve.y.as_mut().unwrap()[31] ^= 1;
    off_curve.d = None;
    let err = CryptographyClient::from_jwk(off_curve).unwrap_err();
    assert!(matches!(err, CryptographyError::InvalidKey { .. }), "{err}");
    let mut mismatched = ec_private_jwk(JsonWebKeyCurveName::P256);
    mismatched.d = ec_private_jwk(JsonWebKeyCurveName::P256).d;
    let err = CryptographyClient::from_jwk(mismatched).unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");

    // Neither Debug nor errors show key material.
    let k = random(32);
    let client = CryptographyClient::from_jwk(oct_jwk(&k)).unwrap();
    let shown = format!(
        "{client:?} {:?}",
        client.encrypt(Enc::A256Gcm, b"plain").await.unwrap()
    );
    let opened = client.encrypt(Enc::A256Gcm, b"plain").await.unwrap();
    let opened = format!("{:?}", client.decrypt_result(&opened).await.unwrap());
    for text in [shown, opened] {
        assert!(!text.contains(&format!("{k:?}")), "{text}");
        assert!(
            !text.contains("112, 108, 97, 105, 110"),
            "no plaintext bytes in {text}"
        );
    }
}

/// A loopback vault that serves one RSA public key (or 403s the fetch) and counts requests.
#[tokio::test]
async fn the_key_is_fetched_once_and_a_forbidden_fetch_leaves_everything_to_the_vault() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use e2e_tests::{LoopbackServer, Reply, Seen};

    let jwk = rsa_private_jwk();
    let (n, e) = (
        URL_SAFE_NO_PAD.encode(jwk.n.as_ref().unwrap()),
        URL_SAFE_NO_PAD.encode(jwk.e.as_ref().unwrap()),
    );
    let signer = CryptographyClient::from_jwk(jwk).unwrap();
    let digest = sha(&Sig::Rs256, b"signed");
    let signature = signer.sign(Sig::Rs256, &digest).await.unwrap().signature;

    let server = LoopbackServer::start_with(move |seen: &Seen| // A versionless call has an empty version segment (`/keys/k//verify`).
        match (seen.method.as_str(), seen.path().replace("//", "/").trim_end_matches('/')) {
        ("GET", "/keys/allowed") => Reply::json(200, &format!(
            r#"{{"key":{{"kid":"https://v/keys/allowed/v1","kty":"RSA","n":"{n}","e":"{e}","key_ops":["verify","encrypt"]}},"attributes":{{"enabled":true}}}}"#
        )),
        ("GET", "/keys/forbidden") => Reply::json(403, r#"{"error":{"code":"Forbidden","message":"no get permission"}}"#),
        ("POST", "/keys/forbidden/verify") => Reply::json(200, r#"{"value":true}"#),
        _ => Reply::json(404, r#"{"error":{"code":"NotFound","message":"no"}}"#),
    })
    .await;
    let options = ClientOptions::default().with_retry(RetryOptions::default().with_max_retries(0));
    let keys = KeyClient::new(&server.url(), options).unwrap();

    let allowed =
        CryptographyClient::new(keys.clone(), &format!("{}/keys/allowed", server.url())).unwrap();
    for _ in 0..10 {
        let verdict = allowed
            .verify(Sig::Rs256, &digest, &signature)
            .await
            .unwrap();
        assert_eq!(
            (verdict.performed, verdict.is_valid),
            (Performed::Locally, true)
        );
    }
    assert_eq!(
        allowed.key_id().as_deref(),
        Some("https://v/keys/allowed/v1")
    );
    assert_eq!(server.seen().len(), 1, "one fetch for ten verifications");

    let forbidden =
        CryptographyClient::new(keys, &format!("{}/keys/forbidden", server.url())).unwrap();
    for _ in 0..3 {
        let verdict = forbidden
            .verify(Sig::Rs256, &digest, &signature)
            .await
            .unwrap();
        assert_eq!(
            (verdict.performed, verdict.is_valid),
            (Performed::ByVault, true)
        );
    }
    let paths: Vec<String> = server
        .seen()
        .iter()
        .skip(1)
        .map(|s| {
            format!(
                "{} {}",
                s.method,
                s.path().replace("//", "/").trim_end_matches('/')
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            "GET /keys/forbidden",
            "POST /keys/forbidden/verify",
            "POST /keys/forbidden/verify",
            "POST /keys/forbidden/verify"
        ],
        "the 403 is remembered: no second fetch"
    );
}

#[test]
fn ids_of_other_kinds_or_vaults_are_refused() {
    let keys = KeyClient::new("https://one.vault.azure.net", ClientOptions::default()).unwrap();
    assert!(CryptographyClient::new(keys.clone(), "https://one.vault.azure.net/keys/k/v1").is_ok());
    for id in [
        "https://one.vault.azure.net/secrets/k",
        "https://two.vault.azure.net/keys/k",
        "keys/k",
    ] {
        let err = CryptographyClient::new(keys.clone(), id).unwrap_err();
        assert!(
            matches!(err, CryptographyError::InvalidKeyId(_)),
            "{id}: {err}"
        );
    }
    // An RSA key without its modulus.
    let err = CryptographyClient::from_jwk(JsonWebKey::default().with_kty(JsonWebKeyType::Rsa))
        .unwrap_err();
    assert!(err.to_string().contains("`n`"), "{err}");
}
