//! Our clients against the local Key Vault emulator (HTTPS, challenge auth with its token
//! endpoint, soft delete that takes time): whole flows, and the emulator's answers to bad
//! requests.

use std::sync::Arc;
use std::time::Duration;

use emulator::{Emulator, EmulatorOptions};
use futures::TryStreamExt;
use keyvault::secrets::{models, SecretClient};
use keyvault_identity::{ClientSecretCredential, CredentialOptions};
use keyvault_runtime::{ClientOptions, ErrorKind, PollerOptions};
use keyvault_sdk::SecretPollers;

const TENANT: &str = "00000000-0000-0000-0000-00000000e001";

async fn start(options: EmulatorOptions) -> (Emulator, ClientOptions) {
    let emulator = Emulator::start(options).await.unwrap();
    let pem = emulator.certificate_pem().as_bytes().to_vec();
    let credential = ClientSecretCredential::new(
        TENANT,
        "app",
        "pw",
        CredentialOptions::default()
            .with_authority_host(emulator.url().parse().unwrap())
            .with_root_certificate_pem(pem.clone()),
    )
    .unwrap();
    let options = ClientOptions::default()
        .with_credential(Arc::new(credential))
        .with_root_certificate_pem(pem);
    (emulator, options)
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
    let transport = keyvault_runtime::transport::ReqwestTransport::new(
        &keyvault_runtime::transport::TransportOptions::default()
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
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
    use keyvault_runtime::http::HttpClient;
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
        ClientOptions::default()
            .with_credential(forged)
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
    let err = client.get_secret("x").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}
