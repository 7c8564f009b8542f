//! Key Vault's pseudo long-running operations (hand-written in `keyvault-sdk` on the generated
//! clients) and the spec-marked data-plane ones (backup/restore), against a loopback vault.

use std::time::Duration;

use e2e_tests::{LoopbackServer, Reply};
use keyvault::certificates::{models as certs, CertificateClient};
use keyvault::keys::KeyClient;
use keyvault::secrets::SecretClient;
use keyvault_runtime::{ClientOptions, ErrorKind, PollStatus, Poller, PollerOptions};
use keyvault_sdk::{
    CertificateCreation, CertificateDeletePollers, CertificatePollers, KeyPollers, SecretPollers,
};

fn fast<T: Send + 'static>(mut poller: Poller<T>) -> Poller<T> {
    poller.set_options(PollerOptions::with_interval(Duration::ZERO));
    poller
}

fn requests(server: &LoopbackServer) -> Vec<String> {
    server
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.path()))
        .collect()
}

const NOT_FOUND: &str = r#"{"error":{"code":"SecretNotFound","message":"not yet"}}"#;

fn deleted(level: &str) -> String {
    format!(
        r#"{{"id":"https://v/x/n","recoveryId":"https://v/deleted/n","attributes":{{"recoveryLevel":"{level}"}}}}"#
    )
}

#[tokio::test]
async fn delete_polls_the_deleted_item_until_it_exists_for_every_item_type() {
    // (collection, deleted collection)
    for (items, deleted_items) in [
        ("secrets", "deletedsecrets"),
        ("keys", "deletedkeys"),
        ("certificates", "deletedcertificates"),
    ] {
        let server = LoopbackServer::start(Reply::json(500, "{}")).await;
        server.push(Reply::json(200, &deleted("Recoverable+Purgeable")));
        server.push(Reply::json(404, NOT_FOUND));
        server.push(Reply::json(404, NOT_FOUND));
        server.push(Reply::json(200, &deleted("Recoverable+Purgeable")));
        let url = server.url();
        let options = ClientOptions::default;
        let recovery_id = match items {
            "secrets" => {
                fast(
                    SecretClient::new(&url, options())
                        .unwrap()
                        .begin_delete_secret("n"),
                )
                .await
                .unwrap()
                .recovery_id
            }
            "keys" => {
                fast(
                    KeyClient::new(&url, options())
                        .unwrap()
                        .begin_delete_key("n"),
                )
                .await
                .unwrap()
                .recovery_id
            }
            _ => {
                fast(
                    CertificateClient::new(&url, options())
                        .unwrap()
                        .begin_delete_certificate("n"),
                )
                .await
                .unwrap()
                .recovery_id
            }
        };
        assert_eq!(recovery_id.as_deref(), Some("https://v/deleted/n"));
        assert_eq!(
            requests(&server),
            vec![
                format!("DELETE /{items}/n"),
                format!("GET /{deleted_items}/n"),
                format!("GET /{deleted_items}/n"),
                format!("GET /{deleted_items}/n"),
            ],
            "{items}"
        );
    }
}

#[tokio::test]
async fn delete_without_soft_delete_is_done_at_once() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    server.push(Reply::json(200, &deleted("Purgeable")));
    let client = SecretClient::new(&server.url(), ClientOptions::default()).unwrap();
    let mut poller = client.begin_delete_secret("n");
    assert_eq!(poller.step().await.unwrap().status, PollStatus::Succeeded);
    poller.await.unwrap();
    assert_eq!(requests(&server), vec!["DELETE /secrets/n"]);
}

#[tokio::test]
async fn recover_polls_the_item_until_it_is_back() {
    for (items, deleted_items) in [
        ("secrets", "deletedsecrets"),
        ("keys", "deletedkeys"),
        ("certificates", "deletedcertificates"),
    ] {
        let server = LoopbackServer::start(Reply::json(500, "{}")).await;
        server.push(Reply::json(200, r#"{"id":"https://v/x/n/1"}"#));
        server.push(Reply::json(404, NOT_FOUND));
        server.push(Reply::json(200, r#"{"id":"https://v/x/n/2"}"#));
        let url = server.url();
        let id = match items {
            "secrets" => {
                fast(
                    SecretClient::new(&url, ClientOptions::default())
                        .unwrap()
                        .begin_recover_deleted_secret("n"),
                )
                .await
                .unwrap()
                .id
            }
            "keys" => fast(
                KeyClient::new(&url, ClientOptions::default())
                    .unwrap()
                    .begin_recover_deleted_key("n"),
            )
            .await
            .unwrap()
            .key
            .and_then(|k| k.kid),
            _ => {
                fast(
                    CertificateClient::new(&url, ClientOptions::default())
                        .unwrap()
                        .begin_recover_deleted_certificate("n"),
                )
                .await
                .unwrap()
                .id
            }
        };
        if items != "keys" {
            assert_eq!(
                id.as_deref(),
                Some("https://v/x/n/2"),
                "{items}: the result is the item read back"
            );
        }
        let seen = requests(&server);
        assert_eq!(seen[0], format!("POST /{deleted_items}/n/recover"));
        assert_eq!(seen.len(), 3, "{items}: {seen:?}");
        assert!(
            seen[1..]
                .iter()
                .all(|r| r.starts_with(&format!("GET /{items}/n"))),
            "{seen:?}"
        );
    }
}

#[tokio::test]
async fn delete_resumes_from_its_token_in_a_fresh_poller() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    server.push(Reply::json(200, &deleted("Recoverable")));
    server.push(Reply::json(404, NOT_FOUND));
    server.push(Reply::json(200, &deleted("Recoverable")));
    let client = SecretClient::new(&server.url(), ClientOptions::default()).unwrap();
    let mut poller = client.begin_delete_secret("n");
    assert!(
        poller.continuation_token().is_err(),
        "no token before the first step"
    );
    poller.step().await.unwrap();
    let token = poller.continuation_token().unwrap();
    drop(poller);
    let fresh = SecretClient::new(&server.url(), ClientOptions::default()).unwrap();
    let resumed = fast(fresh.resume_delete_secret(&token).unwrap())
        .await
        .unwrap();
    assert_eq!(resumed.recovery_id.as_deref(), Some("https://v/deleted/n"));
    assert_eq!(
        requests(&server),
        vec![
            "DELETE /secrets/n",
            "GET /deletedsecrets/n",
            "GET /deletedsecrets/n"
        ]
    );
    // Bound to its vault and its kind.
    let other =
        SecretClient::new("https://other.vault.azure.net", ClientOptions::default()).unwrap();
    assert!(matches!(
        other.resume_delete_secret(&token).unwrap_err().kind(),
        ErrorKind::InvalidInput { .. }
    ));
    assert!(fresh.resume_recover_deleted_secret(&token).is_err());
}

fn operation(status: &str, issuer: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"https://v/certificates/c/pending","issuer":{{"name":"{issuer}"}},"csr":"AQID","status":"{status}"{extra}}}"#
    )
}

#[tokio::test]
async fn create_certificate_completes_fails_cancels_or_awaits_a_merge() {
    let policy = certs::CertificateCreateParameters::default;

    // Completed: the certificate is read once the operation says so.
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    server.push(Reply::json(202, &operation("inProgress", "Self", "")));
    server.push(Reply::json(200, &operation("inProgress", "Self", "")));
    server.push(Reply::json(
        200,
        &operation(
            "completed",
            "Self",
            r#","target":"https://v/certificates/c""#,
        ),
    ));
    server.push(Reply::json(
        200,
        r#"{"id":"https://v/certificates/c/v1","cer":"AQID"}"#,
    ));
    let client = CertificateClient::new(&server.url(), ClientOptions::default()).unwrap();
    let outcome = fast(client.begin_create_certificate("c", policy()))
        .await
        .unwrap();
    let CertificateCreation::Issued(certificate) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        certificate.id.as_deref(),
        Some("https://v/certificates/c/v1")
    );
    let seen = requests(&server);
    assert_eq!(
        &seen[..3],
        [
            "POST /certificates/c/create",
            "GET /certificates/c/pending",
            "GET /certificates/c/pending"
        ]
    );
    assert!(seen[3].starts_with("GET /certificates/c"), "{seen:?}");

    // Failed and cancelled end with errors carrying the operation.
    for (status, words) in [("failed", "failed"), ("cancelled", "cancelled")] {
        let server = LoopbackServer::start(Reply::json(500, "{}")).await;
        server.push(Reply::json(202, &operation("inProgress", "Self", "")));
        server.push(Reply::json(
            200,
            &operation(
                status,
                "Self",
                r#","error":{"code":"CertificateError","message":"issuer said no"}"#,
            ),
        ));
        let client = CertificateClient::new(&server.url(), ClientOptions::default()).unwrap();
        let err = fast(client.begin_create_certificate("c", policy()))
            .await
            .unwrap_err();
        let ErrorKind::Poller { message, response } = err.kind() else {
            panic!("{err}")
        };
        assert!(message.contains(words), "{message}");
        assert_eq!(
            response.as_ref().unwrap().code.as_deref(),
            Some("CertificateError")
        );
        assert_eq!(requests(&server).len(), 2);
    }

    // Issuer `Unknown`: no polling forever; the operation (with its CSR) comes back for a merge.
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    server.push(Reply::json(202, &operation("inProgress", "Unknown", "")));
    let client = CertificateClient::new(&server.url(), ClientOptions::default()).unwrap();
    let outcome = fast(client.begin_create_certificate("c", policy()))
        .await
        .unwrap();
    let CertificateCreation::MergeRequired(pending) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(pending.csr.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(requests(&server), vec!["POST /certificates/c/create"]);

    // The cancel helper asks for cancellation on the pending operation.
    server.push(Reply::json(
        200,
        &operation("inProgress", "Unknown", r#","cancellation_requested":true"#),
    ));
    let cancelled = client.cancel_certificate_operation("c").await.unwrap();
    assert_eq!(cancelled.cancellation_requested, Some(true));
    let last = server.seen().pop().unwrap();
    assert_eq!(
        format!("{} {}", last.method, last.path()),
        "PATCH /certificates/c/pending"
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&last.body).unwrap(),
        serde_json::json!({"cancellation_requested": true})
    );
}

#[cfg(keyvault_module = "backup_restore")]
#[tokio::test]
async fn full_backup_follows_its_status_url_and_resumes() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    server.push(
        Reply::json(202, r#"{"status":"InProgress","jobId":"job-1"}"#)
            .header(
                "azure-asyncoperation",
                &format!("{base}/backup/job-1/pending"),
            )
            .header("retry-after", "0"),
    );
    server.push(Reply::json(
        200,
        r#"{"status":"InProgress","jobId":"job-1"}"#,
    ));
    server.push(Reply::json(
        200,
        r#"{"status":"Succeeded","jobId":"job-1","azureStorageBlobContainerUri":"https://s.blob.core.windows.net/c/mhsm-backup"}"#,
    ));
    let client =
        keyvault::backup_restore::BackupClient::new(&base, ClientOptions::default()).unwrap();
    let sas = keyvault::backup_restore::models::SasTokenParameter::new(
        "https://s.blob.core.windows.net/c",
    );
    let mut poller = client.full_backup(sas).into_poller();
    poller.step().await.unwrap();
    let token = poller.continuation_token().unwrap();
    let mut resumed = client.resume_full_backup(&token).unwrap();
    resumed.set_options(PollerOptions::with_interval(Duration::ZERO));
    let status = resumed.await.unwrap();
    assert_eq!(
        status.status,
        Some(keyvault::backup_restore::models::OperationStatus::Succeeded)
    );
    assert_eq!(
        status.azure_storage_blob_container_uri.as_deref(),
        Some("https://s.blob.core.windows.net/c/mhsm-backup")
    );
    assert_eq!(
        requests(&server),
        vec![
            "POST /backup",
            "GET /backup/job-1/pending",
            "GET /backup/job-1/pending"
        ]
    );
}

#[cfg(keyvault_module = "security_domain")]
#[tokio::test]
async fn security_domain_download_returns_the_initial_body_after_polling() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    server.push(
        Reply::json(202, r#"{"value":"{\"EncData\":\"sd-blob\"}"}"#).header(
            "azure-asyncoperation",
            &format!("{base}/securitydomain/download/pending"),
        ),
    );
    server.push(Reply::json(200, r#"{"status":"InProgress"}"#));
    server.push(Reply::json(
        200,
        r#"{"status":"Success","status_details":"done"}"#,
    ));
    let client =
        keyvault::security_domain::SecurityDomainClient::new(&base, ClientOptions::default())
            .unwrap();
    let certificates = keyvault::security_domain::models::CertificateInfoObject::default();
    let mut poller = client
        .hsm_security_domain()
        .download(certificates)
        .into_poller();
    poller.set_options(PollerOptions::with_interval(Duration::ZERO));
    let domain = poller.await.unwrap();
    assert_eq!(
        domain.value.as_ref().map(|v| v.expose().as_str()),
        Some(r#"{"EncData":"sd-blob"}"#)
    );
    assert_eq!(
        requests(&server),
        vec![
            "POST /securitydomain/download",
            "GET /securitydomain/download/pending",
            "GET /securitydomain/download/pending"
        ]
    );
}
