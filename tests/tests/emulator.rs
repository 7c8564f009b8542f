//! Our clients against the local Key Vault emulator (HTTPS, challenge auth with its token
//! endpoint, soft delete that takes time): whole flows, and the emulator's answers to bad
//! requests.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use keyvault::secrets::{models, SecretClient};
use keyvault_emulator::{Emulator, EmulatorOptions};
use keyvault_identity::{ClientSecretCredential, CredentialOptions};
use keyvault_runtime::http::HttpClient;
use keyvault_runtime::transport::TransportOptions;
use keyvault_runtime::{ClientOptions, ErrorKind, PollerOptions};
use keyvault_sdk::SecretPollers;

const TENANT: &str = "00000000-0000-0000-0000-00000000e001";

pub(crate) async fn start(options: EmulatorOptions) -> (Emulator, ClientOptions) {
    let emulator = Emulator::start(options).await.unwrap();
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    let mut credential_options = CredentialOptions::default()
        .with_authority_host(emulator.url().parse().unwrap())
        .with_root_certificate_pem(pem.clone());
    if let Some(transport) = suite_transport(&pem) {
        credential_options = credential_options.with_transport(transport);
    }
    let credential = ClientSecretCredential::new(TENANT, "app", "pw", credential_options).unwrap();
    let options = client_options(&pem).with_credential(Arc::new(credential));
    (emulator, options)
}

/// Options trusting the emulator's certificate, over the suite's transport.
pub(crate) fn client_options(pem: &[u8]) -> ClientOptions {
    let options = ClientOptions::default().with_root_certificate_pem(pem.to_vec());
    match suite_transport(pem) {
        Some(transport) => options.with_transport(transport),
        None => options,
    }
}

/// The transport this test binary runs the emulator suite over: `None` for the default one
/// (binary `e2e`), a reqwest client built by `reqwest_transport::client` in `e2e_reqwest`, so
/// both transports pass the same flows.
pub(crate) fn suite_transport(pem: &[u8]) -> Option<Arc<dyn HttpClient>> {
    crate::REQWEST_TRANSPORT.then(|| {
        let settings = TransportOptions::default().with_root_certificate_pem(pem.to_vec());
        Arc::new(keyvault_runtime::reqwest_transport::client(&settings).unwrap())
            as Arc<dyn HttpClient>
    })
}

/// The service error an operation failed with, checked for status and code.
fn service_error(err: &keyvault_runtime::Error, status: u16, code: &str) {
    let ErrorKind::Service(service) = err.kind() else {
        panic!("expected a service error, got {err}")
    };
    assert_eq!(service.status.as_u16(), status, "{err}");
    assert_eq!(service.code.as_deref(), Some(code), "{err}");
    assert!(service.message.as_deref().is_some_and(|m| !m.is_empty()));
}

/// The DER of the first certificate in a PEM text.
fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn fast<T: Send + 'static>(mut poller: keyvault_runtime::Poller<T>) -> keyvault_runtime::Poller<T> {
    poller.set_options(PollerOptions::with_interval(Duration::from_millis(50)));
    poller
}

#[tokio::test]
async fn secrets_full_lifecycle_with_soft_delete_backup_and_restore() {
    let (emulator, options) = start(EmulatorOptions::default().with_strict_auth(true)).await;
    let client = SecretClient::new(&emulator.url(), options).unwrap();

    let mut params = models::SecretSetParameters::new("v1");
    params.content_type = Some("text/plain".into());
    let first = client.set_secret("app-password", params).await.unwrap();
    let second = client
        .set_secret("app-password", models::SecretSetParameters::new("v2"))
        .await
        .unwrap();
    let first_version = first.id.unwrap().rsplit('/').next().unwrap().to_owned();
    let latest = client.get_secret("app-password").await.unwrap();
    assert_eq!(latest.value.unwrap().expose(), "v2");
    assert_eq!(latest.id, second.id);
    let old = client
        .get_secret("app-password")
        .secret_version(first_version.clone())
        .await
        .unwrap();
    assert_eq!(old.value.unwrap().expose(), "v1");
    assert_eq!(old.content_type.as_deref(), Some("text/plain"));

    // Paging: 7 secrets, 3 per page.
    for i in 0..6 {
        client
            .set_secret(format!("s{i}"), models::SecretSetParameters::new("x"))
            .await
            .unwrap();
    }
    let pages: Vec<_> = client
        .get_secrets()
        .maxresults(3)
        .into_pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 7);
    let versions: Vec<_> = client
        .get_secret_versions("app-password")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);

    // Update attributes of one version.
    let mut update = models::SecretUpdateParameters::default();
    update.tags = Some([("env".to_owned(), "test".to_owned())].into());
    let updated = client
        .update_secret("app-password", update)
        .secret_version(first_version)
        .await
        .unwrap();
    assert_eq!(updated.tags.unwrap()["env"], "test");

    // Backup, delete (the poller waits out "currently being deleted"), purge, restore.
    let backup = client.backup_secret("app-password").await.unwrap();
    let deleted = fast(client.begin_delete_secret("app-password"))
        .await
        .unwrap();
    assert!(deleted
        .recovery_id
        .unwrap()
        .ends_with("/deletedsecrets/app-password"));
    let err = client
        .set_secret("app-password", models::SecretSetParameters::new("again"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    client.purge_deleted_secret("app-password").await.unwrap();
    let restored = client
        .restore_secret(models::SecretRestoreParameters::new(backup.value.unwrap()))
        .await
        .unwrap();
    assert!(restored.id.unwrap().contains("/secrets/app-password/"));
    assert_eq!(
        client
            .get_secret("app-password")
            .await
            .unwrap()
            .value
            .unwrap()
            .expose(),
        "v2"
    );

    // Delete and recover through the pollers.
    fast(client.begin_delete_secret("s0")).await.unwrap();
    let deleted: Vec<_> = client
        .get_deleted_secrets()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(deleted.len(), 1);
    let recovered = fast(client.begin_recover_deleted_secret("s0"))
        .await
        .unwrap();
    assert!(recovered.id.unwrap().contains("/secrets/s0/"));
}

#[tokio::test]
async fn purge_right_after_delete_conflicts_unless_the_delete_poller_is_awaited() {
    let (emulator, options) =
        start(EmulatorOptions::default().with_delete_delay(Duration::from_millis(400))).await;
    let client = SecretClient::new(&emulator.url(), options).unwrap();
    for name in ["raced", "awaited"] {
        client
            .set_secret(name, models::SecretSetParameters::new("x"))
            .await
            .unwrap();
    }
    client.delete_secret("raced").await.unwrap();
    let err = client.purge_deleted_secret("raced").await.unwrap_err();
    let ErrorKind::Service(service) = err.kind() else {
        panic!("{err}")
    };
    assert_eq!(service.status.as_u16(), 409);
    assert!(service
        .message
        .as_deref()
        .unwrap()
        .contains("currently being deleted"));
    assert!(err.to_string().contains("begin_delete_* poller"), "{err}");
    fast(client.begin_delete_secret("awaited")).await.unwrap();
    client.purge_deleted_secret("awaited").await.unwrap();
}

#[tokio::test]
async fn bad_requests_get_key_vaults_error_shape() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    // Constraint checks off, so the emulator sees what a careless client would send.
    let client = SecretClient::new(
        &emulator.url(),
        options.clone().with_constraint_checks(false),
    )
    .unwrap();
    let cases = [
        (
            client
                .set_secret("bad_name!", models::SecretSetParameters::new("x"))
                .await
                .unwrap_err(),
            400,
            "BadParameter",
        ),
        (
            client.get_secret("missing").await.unwrap_err(),
            404,
            "SecretNotFound",
        ),
        (
            SecretClient::new(
                &emulator.url(),
                options.clone().with_api_version("1999-01-01"),
            )
            .unwrap()
            .get_secret("x")
            .await
            .unwrap_err(),
            400,
            "BadParameter",
        ),
    ];
    for (err, status, code) in cases {
        let ErrorKind::Service(service) = err.kind() else {
            panic!("{err}")
        };
        assert_eq!(service.status.as_u16(), status, "{err}");
        assert_eq!(service.code.as_deref(), Some(code), "{err}");
        assert!(service.message.as_deref().is_some_and(|m| !m.is_empty()));
    }
    // Malformed JSON, straight through the transport.
    let pem = emulator.certificate_pem().as_bytes();
    let transport = suite_transport(pem).unwrap_or_else(|| {
        Arc::new(
            keyvault_runtime::transport::HyperTransport::new(
                &TransportOptions::default().with_root_certificate_pem(pem.to_vec()),
            )
            .unwrap(),
        )
    });
    let mut request = keyvault_runtime::http::Request::new(
        keyvault_runtime::http::Method::PUT,
        format!("{}/secrets/x?api-version=2025-07-01", emulator.url())
            .parse()
            .unwrap(),
    );
    request
        .headers
        .insert("authorization", "Bearer anything".parse().unwrap());
    request.body = bytes::Bytes::from_static(b"{not json");
    let response = transport.execute(&request).await.unwrap();
    assert_eq!(response.status.as_u16(), 400);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["error"]["code"], "BadParameter");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid"));
}

#[tokio::test]
async fn strict_auth_accepts_only_tokens_it_issued() {
    let (emulator, _) = start(EmulatorOptions::default().with_strict_auth(true)).await;
    let forged = Arc::new(keyvault_identity::CallbackCredential::new(|_| {
        Box::pin(async {
            Ok(keyvault_runtime::AccessToken::new(
                "forged",
                keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(600),
            ))
        })
    }));
    let client = SecretClient::new(
        &emulator.url(),
        client_options(emulator.certificate_pem().as_bytes()).with_credential(forged),
    )
    .unwrap();
    let err = client.get_secret("x").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn keys_with_real_cryptography() {
    use keyvault::keys::{models as k, KeyClient};
    use keyvault_sdk::KeyPollers;
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let client = KeyClient::new(&emulator.url(), options).unwrap();

    // RSA: sign/verify (PKCS#1 and PSS), encrypt/decrypt, wrap/unwrap.
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::Rsa);
    create.key_size = Some(2048);
    let rsa = client.create_key("rsa-key", create).await.unwrap();
    let jwk = rsa.key.unwrap();
    let first_kid = jwk.kid.clone();
    assert_eq!(jwk.n.as_ref().map(Vec::len), Some(256));
    assert!(jwk.d.is_none(), "private parts never leave the vault");
    let digest = vec![0x5a; 32];
    for alg in [
        k::JsonWebKeySignatureAlgorithm::Rs256,
        k::JsonWebKeySignatureAlgorithm::Ps256,
    ] {
        let signed = client
            .sign(
                "rsa-key",
                k::KeySignParameters::new(alg.clone(), digest.clone()),
            )
            .await
            .unwrap();
        let signature = signed.result.unwrap().into_inner();
        let verified = client
            .verify(
                "rsa-key",
                k::KeyVerifyParameters::new(alg.clone(), digest.clone(), signature.clone()),
            )
            .await
            .unwrap();
        assert_eq!(verified.value, Some(true), "{alg}");
        let tampered = client
            .verify(
                "rsa-key",
                k::KeyVerifyParameters::new(alg.clone(), vec![0x5b; 32], signature),
            )
            .await
            .unwrap();
        assert_eq!(tampered.value, Some(false), "{alg}");
    }
    let alg = k::JsonWebKeyEncryptionAlgorithm::RsaOaep256;
    let encrypted = client
        .encrypt(
            "rsa-key",
            k::KeyOperationsParameters::new(alg.clone(), b"plaintext".to_vec()),
        )
        .await
        .unwrap();
    let decrypted = client
        .decrypt(
            "rsa-key",
            k::KeyOperationsParameters::new(alg.clone(), encrypted.result.unwrap().into_inner()),
        )
        .await
        .unwrap();
    assert_eq!(decrypted.result.unwrap().expose(), b"plaintext");
    let wrapped = client
        .wrap_key(
            "rsa-key",
            k::KeyOperationsParameters::new(alg.clone(), vec![9u8; 32]),
        )
        .await
        .unwrap();
    let unwrapped = client
        .unwrap_key(
            "rsa-key",
            k::KeyOperationsParameters::new(alg, wrapped.result.unwrap().into_inner()),
        )
        .await
        .unwrap();
    assert_eq!(unwrapped.result.unwrap().expose(), &vec![9u8; 32]);

    // EC on every curve.
    for (crv, alg, len) in [
        (
            k::JsonWebKeyCurveName::P256,
            k::JsonWebKeySignatureAlgorithm::Es256,
            32,
        ),
        (
            k::JsonWebKeyCurveName::P384,
            k::JsonWebKeySignatureAlgorithm::Es384,
            48,
        ),
        (
            k::JsonWebKeyCurveName::P521,
            k::JsonWebKeySignatureAlgorithm::Es512,
            64,
        ),
        (
            k::JsonWebKeyCurveName::P256K,
            k::JsonWebKeySignatureAlgorithm::Es256K,
            32,
        ),
    ] {
        let name = format!("ec-{}", crv.as_str().to_ascii_lowercase());
        let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::Ec);
        create.curve = Some(crv.clone());
        client.create_key(name.clone(), create).await.unwrap();
        let digest = vec![1u8; len];
        let signature = client
            .sign(
                name.clone(),
                k::KeySignParameters::new(alg.clone(), digest.clone()),
            )
            .await
            .unwrap()
            .result
            .unwrap()
            .into_inner();
        let ok = client
            .verify(
                name.clone(),
                k::KeyVerifyParameters::new(alg.clone(), digest, signature),
            )
            .await
            .unwrap();
        assert_eq!(ok.value, Some(true), "{crv}");
    }

    // Import an EC key; rotate; rotation policy; random bytes; list; backup, delete, restore.
    let mut jwk = k::JsonWebKey::default();
    jwk.kty = Some(k::JsonWebKeyType::Ec);
    jwk.crv = Some(k::JsonWebKeyCurveName::P256);
    jwk.d = Some(vec![1u8; 32].into());
    let imported = client
        .import_key("imported", k::KeyImportParameters::new(jwk))
        .await
        .unwrap();
    assert_eq!(imported.key.unwrap().x.map(|x| x.len()), Some(32));
    let rotated = client.rotate_key("rsa-key").await.unwrap();
    assert_ne!(rotated.key.unwrap().kid, first_kid);
    let mut policy = k::KeyRotationPolicy::default();
    policy.lifetime_actions = Some(vec![]);
    client
        .update_key_rotation_policy("rsa-key", policy)
        .await
        .unwrap();
    let read = client.get_key_rotation_policy("rsa-key").await.unwrap();
    assert!(read.id.unwrap().ends_with("/keys/rsa-key/rotationpolicy"));
    let random = client
        .get_random_bytes(k::GetRandomBytesRequest::new(16))
        .await
        .unwrap();
    assert_eq!(random.value.unwrap().expose().len(), 16);
    let keys: Vec<_> = client.get_keys().into_stream().try_collect().await.unwrap();
    assert_eq!(keys.len(), 6);
    let backup = client.backup_key("imported").await.unwrap();
    fast(client.begin_delete_key("imported")).await.unwrap();
    client.purge_deleted_key("imported").await.unwrap();
    client
        .restore_key(k::KeyRestoreParameters::new(backup.value.unwrap()))
        .await
        .unwrap();
    fast(client.begin_delete_key("imported")).await.unwrap();
    fast(client.begin_recover_deleted_key("imported"))
        .await
        .unwrap();
    // Operations the key does not allow are refused.
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::Ec);
    create.key_ops = Some(vec![k::JsonWebKeyOperation::Verify]);
    client.create_key("verify-only", create).await.unwrap();
    let err = client
        .sign(
            "verify-only",
            k::KeySignParameters::new(k::JsonWebKeySignatureAlgorithm::Es256, vec![0; 32]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn certificates_issue_cancel_import_and_manage() {
    use keyvault::certificates::{models as c, CertificateClient};
    use keyvault_sdk::{CertificateCreation, CertificateDeletePollers, CertificatePollers};
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let client = CertificateClient::new(&emulator.url(), options.clone()).unwrap();

    // Self-signed issuance through the pending operation.
    let mut policy = c::CertificatePolicy::default();
    let mut x509 = c::X509CertificateProperties::default();
    x509.subject = Some("CN=emulated.example".into());
    x509.validity_in_months = Some(6);
    policy.x509_certificate_properties = Some(x509);
    let mut issuer = c::IssuerParameters::default();
    issuer.name = Some("Self".into());
    policy.issuer_parameters = Some(issuer);
    let mut params = c::CertificateCreateParameters::default();
    params.certificate_policy = Some(policy.clone());
    let outcome = fast(client.begin_create_certificate("site", params.clone()))
        .await
        .unwrap();
    let CertificateCreation::Issued(certificate) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(certificate.cer.as_ref().is_some_and(|der| der.len() > 300));
    assert_eq!(certificate.x509_thumbprint.as_ref().map(Vec::len), Some(20));
    // Its secret holds the certificate and key as PKCS#12, the service's default when the
    // policy names no content type; its key can sign.
    let sid = certificate.sid.clone().unwrap();
    let secrets = SecretClient::new(&emulator.url(), options.clone()).unwrap();
    let secret = secrets
        .get_secret("site")
        .secret_version(sid.rsplit('/').next().unwrap())
        .await
        .unwrap();
    assert_eq!(secret.content_type.as_deref(), Some("application/x-pkcs12"));
    assert!(certificate.kid.unwrap().contains("/keys/site/"));

    // With PEM named, the secret holds the certificate and key as PEM.
    let mut pem_policy = policy.clone();
    pem_policy.secret_properties =
        Some(c::SecretProperties::default().with_content_type("application/x-pem-file"));
    let mut pem_params = params.clone();
    pem_params.certificate_policy = Some(pem_policy);
    let outcome = fast(client.begin_create_certificate("site-pem", pem_params))
        .await
        .unwrap();
    let CertificateCreation::Issued(issued) = outcome else {
        panic!("{outcome:?}")
    };
    let sid = issued.sid.unwrap();
    let secret = secrets
        .get_secret("site-pem")
        .secret_version(sid.rsplit('/').next().unwrap())
        .await
        .unwrap();
    let pem = secret.value.unwrap().into_inner();
    assert!(pem.contains("BEGIN CERTIFICATE") && pem.contains("BEGIN PRIVATE KEY"));

    // Cancelled before issuance: the poller ends with the cancellation.
    let mut poller = client.begin_create_certificate("cancelled", params.clone());
    poller.step().await.unwrap();
    client
        .cancel_certificate_operation("cancelled")
        .await
        .unwrap();
    let err = fast(poller).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");

    // Issuer `Unknown`: the CSR comes back for a merge.
    policy.issuer_parameters.as_mut().unwrap().name = Some("Unknown".into());
    params.certificate_policy = Some(policy);
    let outcome = fast(client.begin_create_certificate("external", params))
        .await
        .unwrap();
    let CertificateCreation::MergeRequired(pending) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(pending.csr.is_some_and(|csr| csr.len() > 100));

    // Import PEM (certificate and key).
    let pem = include_str!("../../identity/tests/data/cert.pem");
    let imported = client
        .import_certificate(
            "imported",
            c::CertificateImportParameters::new(pem.to_owned()),
        )
        .await
        .unwrap();
    assert!(imported.id.unwrap().contains("/certificates/imported/"));

    // Import PKCS#12 (base64, with its password). The secret keeps the format: a PFX without a
    // password, as the service returns it, holding the same certificate.
    {
        use base64::Engine;
        use keyvault_identity::certificate::ClientCertificate;
        let pfx = include_bytes!("../../identity/tests/data/cert.pfx");
        let import = |password: &str| {
            let mut params = c::CertificateImportParameters::new(
                base64::engine::general_purpose::STANDARD.encode(pfx),
            );
            params.password = Some(keyvault_runtime::Secret::new(password.to_owned()));
            client.import_certificate("imported-pfx", params)
        };
        let imported = import("test-password").await.unwrap();
        let secret = secrets.get_secret("imported-pfx").await.unwrap();
        assert_eq!(secret.content_type.as_deref(), Some("application/x-pkcs12"));
        let returned = base64::engine::general_purpose::STANDARD
            .decode(secret.value.unwrap().expose())
            .unwrap();
        let reopened = ClientCertificate::from_pkcs12(&returned, "").unwrap();
        let original = ClientCertificate::from_pkcs12(pfx, "test-password").unwrap();
        assert_eq!(reopened.certificate_der(), original.certificate_der());
        assert_eq!(imported.cer.as_deref(), Some(original.certificate_der()));
        // A wrong password is the service's BadParameter, not a crash.
        let error = import("wrong").await.unwrap_err();
        let ErrorKind::Service(service) = error.kind() else {
            panic!("{error}")
        };
        assert_eq!(service.code.as_deref(), Some("BadParameter"), "{error}");
    }

    // Policy, issuers, contacts, lists, update.
    let read = client.get_certificate_policy("site").await.unwrap();
    assert_eq!(
        read.x509_certificate_properties.unwrap().subject.as_deref(),
        Some("CN=emulated.example")
    );
    client
        .set_certificate_issuer("my-ca", c::CertificateIssuerSetParameters::new("Test"))
        .await
        .unwrap();
    assert_eq!(
        client
            .get_certificate_issuer("my-ca")
            .await
            .unwrap()
            .provider
            .as_deref(),
        Some("Test")
    );
    let issuers: Vec<_> = client
        .get_certificate_issuers()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(issuers.len(), 1);
    client.delete_certificate_issuer("my-ca").await.unwrap();
    let mut contact = c::Contact::default();
    contact.email_address = Some("admin@example.com".into());
    let mut contacts = c::Contacts::default();
    contacts.contact_list = Some(vec![contact]);
    client.set_certificate_contacts(contacts).await.unwrap();
    assert_eq!(
        client
            .get_certificate_contacts()
            .await
            .unwrap()
            .contact_list
            .unwrap()
            .len(),
        1
    );
    client.delete_certificate_contacts().await.unwrap();
    let listed: Vec<_> = client
        .get_certificates()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 4, "site, site-pem, imported and imported-pfx");
    let mut update = c::CertificateUpdateParameters::default();
    update.tags = Some([("team".to_owned(), "web".to_owned())].into());
    let updated = client.update_certificate("site", update).await.unwrap();
    assert_eq!(updated.tags.unwrap()["team"], "web");

    // Backup, delete, purge, restore; delete and recover.
    let backup = client.backup_certificate("imported").await.unwrap();
    fast(client.begin_delete_certificate("imported"))
        .await
        .unwrap();
    client.purge_deleted_certificate("imported").await.unwrap();
    client
        .restore_certificate(c::CertificateRestoreParameters::new(backup.value.unwrap()))
        .await
        .unwrap();
    fast(client.begin_delete_certificate("site")).await.unwrap();
    fast(client.begin_recover_deleted_certificate("site"))
        .await
        .unwrap();
}

#[tokio::test]
async fn management_vault_lifecycle_with_recovery_of_its_secrets() {
    use keyvault_mgmt::management::{models as m, KeyVaultManagementClient};
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let mgmt =
        KeyVaultManagementClient::with_endpoint(&emulator.url(), "sub-1", options.clone()).unwrap();
    let fast_poll = PollerOptions::with_interval(Duration::from_millis(50));
    let tenant = "00000000-0000-0000-0000-000000000001";

    let name = mgmt
        .vaults()
        .check_name_availability(m::VaultCheckNameAvailabilityParameters::new("seed-vault"))
        .await
        .unwrap();
    assert_eq!(name.name_available, Some(true));

    // Create with an access policy; the poller's result carries the vault URI.
    let mut permissions = m::Permissions::default();
    permissions.secrets = Some(vec![m::SecretPermissions::Get, m::SecretPermissions::Set]);
    let mut properties = m::VaultProperties::new(tenant, m::Sku::new(m::SkuName::Standard));
    properties.access_policies = Some(vec![m::AccessPolicyEntry::new(
        tenant,
        "object-1",
        permissions,
    )]);
    let vault = mgmt
        .vaults()
        .create_or_update(
            "rg",
            "seed-vault",
            m::VaultCreateOrUpdateParameters::new("westeurope", properties),
        )
        .poller_options(fast_poll)
        .await
        .unwrap();
    let props = vault.properties.unwrap();
    assert_eq!(
        props.provisioning_state,
        Some(m::VaultProvisioningState::Succeeded)
    );
    let vault_uri = props.vault_uri.unwrap();
    assert_eq!(props.access_policies.unwrap().len(), 1);

    // The vault URI serves the data plane.
    let secrets = SecretClient::new(&vault_uri, options.clone()).unwrap();
    secrets
        .set_secret("kept", models::SecretSetParameters::new("survives"))
        .await
        .unwrap();

    // Access policies, update, lists.
    let mut more = m::Permissions::default();
    more.keys = Some(vec![m::KeyPermissions::Get]);
    let change = m::VaultAccessPolicyProperties::new(vec![m::AccessPolicyEntry::new(
        tenant, "object-2", more,
    )]);
    let updated = mgmt
        .vaults()
        .update_access_policy(
            "rg",
            "seed-vault",
            m::AccessPolicyUpdateKind::Add,
            m::VaultAccessPolicyParameters::new(change),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.properties.unwrap().access_policies.unwrap().len(),
        2
    );
    let listed: Vec<_> = mgmt
        .vaults()
        .list_by_resource_group("rg")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // Soft delete, list deleted, recover (the secrets come back), delete, purge.
    mgmt.vaults().delete("rg", "seed-vault").await.unwrap();
    let deleted: Vec<_> = mgmt
        .vaults()
        .list_deleted()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(deleted.len(), 1);
    mgmt.vaults()
        .get_deleted("westeurope", "seed-vault")
        .await
        .unwrap();
    let mut recover = m::VaultProperties::new(tenant, m::Sku::new(m::SkuName::Standard));
    recover.create_mode = Some(m::CreateMode::Recover);
    mgmt.vaults()
        .create_or_update(
            "rg",
            "seed-vault",
            m::VaultCreateOrUpdateParameters::new("westeurope", recover),
        )
        .poller_options(fast_poll)
        .await
        .unwrap();
    let kept = secrets.get_secret("kept").await.unwrap();
    assert_eq!(kept.value.unwrap().expose(), "survives");
    mgmt.vaults().delete("rg", "seed-vault").await.unwrap();
    mgmt.vaults()
        .purge_deleted("westeurope", "seed-vault")
        .poller_options(fast_poll)
        .await
        .unwrap();
    assert!(mgmt
        .vaults()
        .get_deleted("westeurope", "seed-vault")
        .await
        .is_err());
    let err = secrets.get_secret("kept").await.unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(404),
        "purged with its vault"
    );
}

#[cfg(all(
    keyvault_module = "backup_restore",
    keyvault_module = "rbac",
    keyvault_module = "security_domain",
    keyvault_module = "settings"
))]
#[tokio::test]
async fn managed_hsm_administration_rbac_settings_backup_restore_and_security_domain() {
    use keyvault::backup_restore::{models as b, BackupClient};
    use keyvault::keys::{models as k, KeyClient};
    use keyvault::rbac::{models as r, AccessControlClient};
    use keyvault::security_domain::{models as sd, SecurityDomainClient};
    use keyvault::settings::{models as st, SettingsClient};
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let url = emulator.url();

    // Role definitions and assignments at the global scope and a narrower one.
    let rbac = AccessControlClient::new(&url, options.clone()).unwrap();
    let built_in: Vec<_> = rbac
        .role_definitions()
        .list("/")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(built_in.len() >= 3);
    let mut properties = r::RoleDefinitionProperties::default();
    properties.role_name = Some("Key reader".into());
    let custom = rbac
        .role_definitions()
        .create_or_update(
            "/",
            "11111111-1111-1111-1111-111111111111",
            r::RoleDefinitionCreateParameters::new(properties),
        )
        .await
        .unwrap();
    let role_id = custom.id.unwrap();
    rbac.role_definitions()
        .get("/", "11111111-1111-1111-1111-111111111111")
        .await
        .unwrap();
    for scope in ["/", "/keys"] {
        rbac.role_assignments()
            .create(
                scope,
                format!("assignment{}", scope.len()),
                r::RoleAssignmentCreateParameters::new(r::RoleAssignmentProperties::new(
                    role_id.clone(),
                    "principal-1",
                )),
            )
            .await
            .unwrap();
    }
    let at_keys: Vec<_> = rbac
        .role_assignments()
        .list_for_scope("/keys")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(at_keys.len(), 1);
    rbac.role_assignments()
        .delete("/keys", "assignment5")
        .await
        .unwrap();
    rbac.role_definitions()
        .delete("/", "11111111-1111-1111-1111-111111111111")
        .await
        .unwrap();

    // Settings.
    let settings = SettingsClient::new(&url, options.clone()).unwrap();
    let all = settings.get_settings().await.unwrap();
    assert!(all.settings.unwrap().len() >= 2);
    let changed = settings
        .update_setting(
            "AllowKeyManagementOperationsThroughARM",
            st::UpdateSettingRequest::new("true"),
        )
        .await
        .unwrap();
    assert_eq!(changed.value.as_deref(), Some("true"));
    let err = settings
        .update_setting(
            "AllowKeyManagementOperationsThroughARM",
            st::UpdateSettingRequest::new("maybe"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));

    // Full backup, then a key changes, then a selective restore and a full restore bring it back.
    let keys = KeyClient::new(&url, options.clone()).unwrap();
    keys.create_key(
        "hsm-key",
        k::KeyCreateParameters::new(k::JsonWebKeyType::RsaHsm),
    )
    .await
    .unwrap();
    let original = keys.get_key("hsm-key").await.unwrap().key.unwrap().kid;
    let backup = BackupClient::new(&url, options.clone()).unwrap();
    let mut sas = b::SasTokenParameter::new("https://account.blob.core.windows.net/backups");
    sas.token = Some("sv=2025&sig=secret".into());
    let fast_poll = PollerOptions::with_interval(Duration::from_millis(50));
    backup
        .pre_full_backup(b::PreBackupOperationParameters::default())
        .poller_options(fast_poll)
        .await
        .unwrap_err();
    let mut pre = b::PreBackupOperationParameters::default();
    pre.storage_resource_uri = sas.storage_resource_uri.clone();
    pre.token = sas.token.clone();
    backup
        .pre_full_backup(pre)
        .poller_options(fast_poll)
        .await
        .unwrap();
    let done = backup
        .full_backup(sas.clone())
        .poller_options(fast_poll)
        .await
        .unwrap();
    assert_eq!(done.status, Some(b::OperationStatus::Succeeded));
    let folder_uri = done.azure_storage_blob_container_uri.unwrap();
    let folder = folder_uri.rsplit('/').next().unwrap().to_owned();
    keys.rotate_key("hsm-key").await.unwrap();
    assert_ne!(
        keys.get_key("hsm-key").await.unwrap().key.unwrap().kid,
        original
    );
    backup
        .selective_key_restore_operation(
            "hsm-key",
            b::SelectiveKeyRestoreOperationParameters::new(sas.clone(), folder.clone()),
        )
        .poller_options(fast_poll)
        .await
        .unwrap();
    assert_eq!(
        keys.get_key("hsm-key").await.unwrap().key.unwrap().kid,
        original
    );
    keys.create_key(
        "after-backup",
        k::KeyCreateParameters::new(k::JsonWebKeyType::Ec),
    )
    .await
    .unwrap();
    backup
        .full_restore_operation(b::RestoreOperationParameters::new(sas.clone(), folder))
        .poller_options(fast_poll)
        .await
        .unwrap();
    assert_eq!(
        keys.get_key("after-backup")
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(404)
    );

    // Security domain: download (the result is the initial body), transfer key, upload.
    let domain = SecurityDomainClient::new(&url, options).unwrap();
    let certificates = sd::CertificateInfoObject::new(
        (0..3)
            .map(|_| sd::SecurityDomainJsonWebKey::default())
            .collect::<Vec<_>>(),
    );
    let mut download = certificates.clone();
    download.required = Some(2);
    let downloaded = domain
        .hsm_security_domain()
        .download(download)
        .poller_options(fast_poll)
        .await
        .unwrap();
    let blob = downloaded.value.unwrap().into_inner();
    assert!(blob.contains("EncData"));
    domain.hsm_security_domain().transfer_key().await.unwrap();
    domain
        .hsm_security_domain()
        .upload(sd::SecurityDomainObject::new(blob))
        .poller_options(fast_poll)
        .await
        .unwrap();
}

#[tokio::test]
async fn symmetric_keys_and_certificate_merge() {
    use keyvault::certificates::{models as c, CertificateClient};
    use keyvault::keys::{models as k, KeyClient};
    use keyvault_sdk::{CertificateCreation, CertificatePollers};
    let (emulator, options) = start(EmulatorOptions::default()).await;

    // oct-HSM: AES key wrap and AES-GCM with IV, AAD and tag.
    let keys = KeyClient::new(&emulator.url(), options.clone()).unwrap();
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::OctHsm);
    create.key_size = Some(256);
    keys.create_key("aes", create).await.unwrap();
    let wrapped = keys
        .wrap_key(
            "aes",
            k::KeyOperationsParameters::new(
                k::JsonWebKeyEncryptionAlgorithm::A256Kw,
                vec![7u8; 32],
            ),
        )
        .await
        .unwrap();
    let unwrapped = keys
        .unwrap_key(
            "aes",
            k::KeyOperationsParameters::new(
                k::JsonWebKeyEncryptionAlgorithm::A256Kw,
                wrapped.result.unwrap().into_inner(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(unwrapped.result.unwrap().expose(), &vec![7u8; 32]);
    let mut encrypt = k::KeyOperationsParameters::new(
        k::JsonWebKeyEncryptionAlgorithm::A256Gcm,
        b"gcm data".to_vec(),
    );
    encrypt.aad = Some(b"context".to_vec());
    let sealed = keys.encrypt("aes", encrypt).await.unwrap();
    let mut decrypt = k::KeyOperationsParameters::new(
        k::JsonWebKeyEncryptionAlgorithm::A256Gcm,
        sealed.result.unwrap().into_inner(),
    );
    decrypt.iv = sealed.iv;
    decrypt.aad = Some(b"context".to_vec());
    decrypt.tag = sealed.authentication_tag;
    let opened = keys.decrypt("aes", decrypt).await.unwrap();
    assert_eq!(opened.result.unwrap().expose(), b"gcm data");

    // Issuer `Unknown`, then the signed certificate merged in.
    let certificates = CertificateClient::new(&emulator.url(), options).unwrap();
    let mut policy = c::CertificatePolicy::default();
    let mut issuer = c::IssuerParameters::default();
    issuer.name = Some("Unknown".into());
    policy.issuer_parameters = Some(issuer);
    let mut params = c::CertificateCreateParameters::default();
    params.certificate_policy = Some(policy);
    let outcome = fast(certificates.begin_create_certificate("merged", params))
        .await
        .unwrap();
    assert!(matches!(outcome, CertificateCreation::MergeRequired(_)));
    // The emulator does not check the signature chain; any DER certificate stands in for the
    // one a CA would return for the CSR.
    let der = pem_der(include_str!("../../identity/tests/data/cert.pem"));
    let merged = certificates
        .merge_certificate(
            "merged",
            c::CertificateMergeParameters::new(vec![der.clone()]),
        )
        .await
        .unwrap();
    assert_eq!(merged.cer.unwrap(), der);
    assert!(
        certificates
            .get_certificate_operation("merged")
            .await
            .is_err(),
        "the pending operation is gone"
    );
}

#[tokio::test]
async fn secure_wrap_and_unwrap_with_real_cryptography() {
    use keyvault::keys::{models as k, KeyClient};
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let client = KeyClient::new(&emulator.url(), options.clone()).unwrap();
    let rsa_oaep = k::JsonWebKeyWrapAlgorithm::RsaOaep256;

    // RSA: a fresh AES-256 key comes back wrapped only; unwrapping it (for an attested target)
    // gives the 32 bytes, and each wrap makes a new key.
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::Rsa);
    create.key_size = Some(2048);
    let kek = client.create_key("kek", create).await.unwrap();
    let kid = kek.key.unwrap().kid.unwrap();
    assert_eq!(
        kek.attributes.unwrap().key_size,
        None,
        "RSA keys have no key_size"
    );
    let version = kid.rsplit('/').next().unwrap().to_owned();
    let wrapped = client
        .secure_wrap_key(
            "kek",
            k::SecureKeyWrapOperationParameters::new(rsa_oaep.clone()),
        )
        .key_version(version.clone())
        .await
        .unwrap();
    assert_eq!(wrapped.kid.as_deref(), Some(kid.as_str()));
    assert_eq!(wrapped.algorithm, Some(rsa_oaep.clone()));
    let wrapped = wrapped.value.unwrap();
    assert_eq!(wrapped.len(), 256, "RSA-OAEP over a 2048-bit key");
    let unwrapped = client
        .secure_unwrap_key(
            "kek",
            k::SecureKeyUnWrapOperationParameters::new(
                rsa_oaep.clone(),
                wrapped.clone(),
                "attestation-token",
            ),
        )
        .key_version(version)
        .await
        .unwrap();
    assert_eq!(unwrapped.kid.as_deref(), Some(kid.as_str()));
    let aes_key = unwrapped.value.unwrap();
    assert_eq!(aes_key.len(), 32);
    // Without a version: the latest (`/keys/kek//securewrapkey`).
    let again = client
        .secure_wrap_key(
            "kek",
            k::SecureKeyWrapOperationParameters::new(rsa_oaep.clone()),
        )
        .await
        .unwrap();
    let other_key = client
        .secure_unwrap_key(
            "kek",
            k::SecureKeyUnWrapOperationParameters::new(
                rsa_oaep.clone(),
                again.value.unwrap(),
                "attestation-token",
            ),
        )
        .await
        .unwrap()
        .value
        .unwrap();
    assert_eq!(other_key.len(), 32);
    assert_ne!(other_key, aes_key, "every secure wrap makes a new key");

    // oct-HSM: AES key wrap, and the key's size among its attributes.
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::OctHsm);
    create.key_size = Some(256);
    let aes = client.create_key("kek-aes", create).await.unwrap();
    assert_eq!(aes.attributes.unwrap().key_size, Some(256));
    let a256kw = k::JsonWebKeyWrapAlgorithm::A256Kw;
    let wrapped = client
        .secure_wrap_key(
            "kek-aes",
            k::SecureKeyWrapOperationParameters::new(a256kw.clone()),
        )
        .await
        .unwrap()
        .value
        .unwrap();
    assert_eq!(wrapped.len(), 40, "RFC 3394 adds 8 bytes");
    let unwrapped = client
        .secure_unwrap_key(
            "kek-aes",
            k::SecureKeyUnWrapOperationParameters::new(a256kw, wrapped, "attestation-token"),
        )
        .await
        .unwrap();
    assert_eq!(unwrapped.value.unwrap().len(), 32);

    // A key that may wrap but not unwrap: the wrap works, the unwrap is refused.
    let mut create = k::KeyCreateParameters::new(k::JsonWebKeyType::Rsa);
    create.key_ops = Some(vec![k::JsonWebKeyOperation::WrapKey]);
    client.create_key("wrap-only", create).await.unwrap();
    let wrapped = client
        .secure_wrap_key(
            "wrap-only",
            k::SecureKeyWrapOperationParameters::new(rsa_oaep.clone()),
        )
        .await
        .unwrap()
        .value
        .unwrap();
    let err = client
        .secure_unwrap_key(
            "wrap-only",
            k::SecureKeyUnWrapOperationParameters::new(
                rsa_oaep.clone(),
                wrapped.clone(),
                "attestation-token",
            ),
        )
        .await
        .unwrap_err();
    service_error(&err, 403, "Forbidden");

    // Bad requests reach the emulator with constraint checks off: an empty attestation token,
    // an algorithm outside JsonWebKeyWrapAlgorithm, one that does not fit the key.
    let careless = KeyClient::new(&emulator.url(), options.with_constraint_checks(false)).unwrap();
    let err = careless
        .secure_unwrap_key(
            "kek",
            k::SecureKeyUnWrapOperationParameters::new(rsa_oaep.clone(), wrapped, ""),
        )
        .await
        .unwrap_err();
    service_error(&err, 400, "BadParameter");
    let err = careless
        .secure_wrap_key(
            "kek",
            k::SecureKeyWrapOperationParameters::new(k::JsonWebKeyWrapAlgorithm::from("RSA1_5")),
        )
        .await
        .unwrap_err();
    service_error(&err, 400, "BadParameter");
    let err = careless
        .secure_wrap_key(
            "kek",
            k::SecureKeyWrapOperationParameters::new(k::JsonWebKeyWrapAlgorithm::A256Kw),
        )
        .await
        .unwrap_err();
    service_error(&err, 400, "BadParameter");
    let err = careless
        .secure_wrap_key(
            "missing",
            k::SecureKeyWrapOperationParameters::new(rsa_oaep),
        )
        .await
        .unwrap_err();
    service_error(&err, 404, "KeyNotFound");
}

#[cfg(keyvault_module = "ekm")]
#[tokio::test]
async fn managed_hsm_external_key_manager_connection() {
    use keyvault::ekm::{models as e, EkmClient};
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let ekm = EkmClient::new(&emulator.url(), options.clone()).unwrap();

    // Nothing configured yet.
    service_error(
        &ekm.get_ekm_connection().await.unwrap_err(),
        404,
        "EkmConnectionNotFound",
    );
    service_error(
        &ekm.check_ekm_connection().await.unwrap_err(),
        404,
        "EkmConnectionNotFound",
    );

    // The client certificate the proxy is to trust: made once, the same on every call.
    let certificate = ekm.get_ekm_certificate().await.unwrap();
    assert_eq!(
        certificate.subject_common_name.as_deref(),
        Some("Azure Key Vault EKM Client")
    );
    let chain = certificate.ca_certificates.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0].first(), Some(&0x30), "a DER SEQUENCE");
    assert_eq!(
        ekm.get_ekm_certificate().await.unwrap().ca_certificates,
        Some(chain)
    );

    // Create (the proxy's CA: any X.509 certificate, here the emulator's own), get, update.
    let ca = pem_der(emulator.certificate_pem());
    let mut connection = e::EkmConnection::new("ekm-proxy.contoso.com", vec![ca.clone()]);
    connection.path_prefix = Some("/api/v1".into());
    let created = ekm.create_ekm_connection(connection.clone()).await.unwrap();
    assert_eq!(created, connection);
    service_error(
        &ekm.create_ekm_connection(connection.clone())
            .await
            .unwrap_err(),
        409,
        "Conflict",
    );
    assert_eq!(ekm.get_ekm_connection().await.unwrap(), connection);
    let mut update = e::EkmConnectionUpdate::default();
    update.host = Some("ekm-proxy-updated.contoso.com".into());
    update.path_prefix = Some("/api/v2".into());
    let updated = ekm.update_ekm_connection(update).await.unwrap();
    assert_eq!(
        updated.host.as_deref(),
        Some("ekm-proxy-updated.contoso.com")
    );
    assert_eq!(updated.path_prefix.as_deref(), Some("/api/v2"));
    assert_eq!(
        updated.server_ca_certificates,
        Some(vec![ca]),
        "fields not given stay"
    );
    assert_eq!(ekm.get_ekm_connection().await.unwrap(), updated);

    // The proxy answers the check.
    let info = ekm.check_ekm_connection().await.unwrap();
    for field in [
        &info.api_version,
        &info.proxy_vendor,
        &info.proxy_name,
        &info.ekm_vendor,
        &info.ekm_product,
    ] {
        assert!(field.as_deref().is_some_and(|f| !f.is_empty()), "{info:?}");
    }

    // What the spec requires is checked (constraint checks off, so the emulator sees it).
    let careless = EkmClient::new(&emulator.url(), options.with_constraint_checks(false)).unwrap();
    let mut bad = e::EkmConnectionUpdate::default();
    bad.host = Some("not a host!".into());
    service_error(
        &careless.update_ekm_connection(bad).await.unwrap_err(),
        400,
        "BadParameter",
    );
    let mut bad = e::EkmConnectionUpdate::default();
    bad.server_ca_certificates = Some(vec![b"not DER".to_vec()]);
    service_error(
        &careless.update_ekm_connection(bad).await.unwrap_err(),
        400,
        "BadParameter",
    );

    // Delete answers with the connection; then it is gone.
    assert_eq!(ekm.delete_ekm_connection().await.unwrap(), updated);
    service_error(
        &ekm.get_ekm_connection().await.unwrap_err(),
        404,
        "EkmConnectionNotFound",
    );
    service_error(
        &ekm.delete_ekm_connection().await.unwrap_err(),
        404,
        "EkmConnectionNotFound",
    );
    service_error(
        &careless
            .create_ekm_connection(e::EkmConnection::default())
            .await
            .unwrap_err(),
        400,
        "BadParameter",
    );
}

/// Identifiers the service returns parse, and get the same object back through the clients;
/// an identifier of another kind or vault is refused before anything is sent.
#[tokio::test]
async fn identifiers_from_the_service_get_their_objects_back() {
    use keyvault_sdk::identifier::{IdKind, KeyVaultId};
    use keyvault_sdk::prelude::*;

    let (emulator, options) = start(EmulatorOptions::default()).await;
    let secrets = SecretClient::new(&emulator.url(), options.clone()).unwrap();
    let first = secrets
        .set_secret("by-id", models::SecretSetParameters::new("one"))
        .await
        .unwrap();
    secrets
        .set_secret("by-id", models::SecretSetParameters::new("two"))
        .await
        .unwrap();
    let id: KeyVaultId = first.id.as_deref().unwrap().parse().unwrap();
    assert_eq!((id.kind(), id.name()), (IdKind::Secret, "by-id"));
    assert_eq!(id.to_string(), first.id.unwrap());
    let got = secrets.get_secret_by_id(&id).unwrap().await.unwrap();
    assert_eq!(
        got.value.unwrap().expose(),
        "one",
        "the version the id names"
    );

    let keys = keyvault::keys::KeyClient::new(&emulator.url(), options).unwrap();
    let created = keys
        .create_key(
            "by-id-key",
            keyvault::keys::models::KeyCreateParameters::new(
                keyvault::keys::models::JsonWebKeyType::Ec,
            ),
        )
        .await
        .unwrap();
    let kid: KeyVaultId = created.key.unwrap().kid.unwrap().parse().unwrap();
    let got = keys.get_key_by_id(&kid).unwrap().await.unwrap();
    assert_eq!(
        got.key.unwrap().kid.unwrap(),
        kid.to_string(),
        "the same key version"
    );

    let err = secrets.get_secret_by_id(&kid).unwrap_err();
    assert!(err.to_string().contains("not secrets"), "{err}");
    let elsewhere: KeyVaultId = "https://elsewhere.vault.azure.net/secrets/by-id"
        .parse()
        .unwrap();
    let err = secrets.get_secret_by_id(&elsewhere).unwrap_err();
    assert!(err.to_string().contains("another vault"), "{err}");
}
