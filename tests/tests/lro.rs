//! Every long-running operation of the management spec against a loopback server scripting
//! each ARM flavour; the exact request sequence is asserted (the original request is never
//! re-sent). Plus stepping, continuation tokens and Retry-After on polls.

use std::time::Duration;

use e2e_tests::{LoopbackServer, Reply};
use keyvault_mgmt::management::{models, KeyVaultManagementClient};
use keyvault_runtime::http::BoxFuture;
use keyvault_runtime::{ClientOptions, ErrorKind, PollStatus, PollerOptions, Result};

const SUB: &str = "/subscriptions/sub-1";
const RG: &str = "/subscriptions/sub-1/resourceGroups/rg";

fn client(server: &LoopbackServer) -> KeyVaultManagementClient {
    KeyVaultManagementClient::with_endpoint(&server.url(), "sub-1", ClientOptions::default())
        .unwrap()
}

fn fast() -> PollerOptions {
    PollerOptions::with_interval(Duration::ZERO)
}

type Start = fn(&KeyVaultManagementClient) -> BoxFuture<'static, Result<()>>;

/// The management spec's long-running operations: (operationId, HTTP method, path, start).
fn operations() -> Vec<(&'static str, &'static str, String, Start)> {
    vec![
        (
            "Vaults_CreateOrUpdate",
            "PUT",
            format!("{RG}/providers/Microsoft.KeyVault/vaults/v1"),
            |c| {
                let p = c
                    .vaults()
                    .create_or_update("rg", "v1", models::VaultCreateOrUpdateParameters::default())
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "Vaults_PurgeDeleted",
            "POST",
            format!("{SUB}/providers/Microsoft.KeyVault/locations/westus/deletedVaults/v1/purge"),
            |c| {
                let p = c
                    .vaults()
                    .purge_deleted("westus", "v1")
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "ManagedHsms_CreateOrUpdate",
            "PUT",
            format!("{RG}/providers/Microsoft.KeyVault/managedHSMs/h1"),
            |c| {
                let p = c
                    .managed_hsms()
                    .create_or_update("rg", "h1", models::ManagedHsm::default())
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "ManagedHsms_Update",
            "PATCH",
            format!("{RG}/providers/Microsoft.KeyVault/managedHSMs/h1"),
            |c| {
                let p = c
                    .managed_hsms()
                    .update("rg", "h1", models::ManagedHsm::default())
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "ManagedHsms_Delete",
            "DELETE",
            format!("{RG}/providers/Microsoft.KeyVault/managedHSMs/h1"),
            |c| {
                let p = c
                    .managed_hsms()
                    .delete("rg", "h1")
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "ManagedHsms_PurgeDeleted",
            "POST",
            format!(
                "{SUB}/providers/Microsoft.KeyVault/locations/westus/deletedManagedHSMs/h1/purge"
            ),
            |c| {
                let p = c
                    .managed_hsms()
                    .purge_deleted("westus", "h1")
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "MHSMPrivateEndpointConnections_Delete",
            "DELETE",
            format!(
                "{RG}/providers/Microsoft.KeyVault/managedHSMs/h1/privateEndpointConnections/pe1"
            ),
            |c| {
                let p = c
                    .mhsm_private_endpoint_connections()
                    .delete("rg", "h1", "pe1")
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
        (
            "PrivateEndpointConnections_Delete",
            "DELETE",
            format!("{RG}/providers/Microsoft.KeyVault/vaults/v1/privateEndpointConnections/pe1"),
            |c| {
                let p = c
                    .private_endpoint_connections()
                    .delete("rg", "v1", "pe1")
                    .poller_options(fast())
                    .into_poller();
                Box::pin(async move { p.await.map(drop) })
            },
        ),
    ]
}

const RESOURCE: &str = r#"{"id":"x","name":"n","properties":{"provisioningState":"Succeeded"}}"#;

/// Runs one flavour against a fresh server; returns the outcome and "METHOD path" per request.
async fn run(start: Start, script: impl FnOnce(&str) -> Vec<Reply>) -> (Result<()>, Vec<String>) {
    let server =
        LoopbackServer::start(Reply::json(500, r#"{"error":{"code":"Unscripted"}}"#)).await;
    for reply in script(&server.url()) {
        server.push(reply);
    }
    let outcome = start(&client(&server)).await;
    let seen = server
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.path()))
        .collect();
    (outcome, seen)
}

#[tokio::test]
async fn every_management_lro_polls_each_arm_flavour_without_resending() {
    let ops = operations();
    assert_eq!(
        ops.len(),
        8,
        "the management spec has 8 long-running operations"
    );
    for (op_id, method, path, start) in ops {
        let initial = format!("{method} {path}");
        let put_or_patch = method == "PUT" || method == "PATCH";

        // Azure-AsyncOperation: poll the status monitor; then read the result (PUT/PATCH: the
        // resource itself, since there is no Location).
        let (outcome, seen) = run(start, |base| {
            vec![
                Reply::json(201, "{}").header("azure-asyncoperation", &format!("{base}/ops/1")),
                Reply::json(200, r#"{"status":"InProgress"}"#),
                Reply::json(200, r#"{"status":"Succeeded"}"#),
                Reply::json(200, RESOURCE),
            ]
        })
        .await;
        outcome.unwrap_or_else(|e| panic!("{op_id} azure-async-operation: {e}"));
        let mut expected = vec![initial.clone(), "GET /ops/1".into(), "GET /ops/1".into()];
        if put_or_patch {
            expected.push(format!("GET {path}"));
        }
        assert_eq!(seen, expected, "{op_id}: azure-async-operation");

        // Location: 202 until done, then the result from the Location URL.
        let (outcome, seen) = run(start, |base| {
            vec![
                Reply::json(202, "").header("location", &format!("{base}/results/1")),
                Reply::json(202, ""),
                Reply::json(200, RESOURCE),
            ]
        })
        .await;
        outcome.unwrap_or_else(|e| panic!("{op_id} location: {e}"));
        assert_eq!(
            seen,
            vec![
                initial.clone(),
                "GET /results/1".into(),
                "GET /results/1".into()
            ],
            "{op_id}: location"
        );

        if put_or_patch {
            // provisioningState in the body, no header: re-read the resource.
            let (outcome, seen) = run(start, |_| {
                vec![
                    Reply::json(201, r#"{"properties":{"provisioningState":"Creating"}}"#),
                    Reply::json(200, r#"{"properties":{"provisioningState":"Updating"}}"#),
                    Reply::json(200, RESOURCE),
                ]
            })
            .await;
            outcome.unwrap_or_else(|e| panic!("{op_id} provisioningState: {e}"));
            assert_eq!(
                seen,
                vec![
                    initial.clone(),
                    format!("GET {path}"),
                    format!("GET {path}")
                ],
                "{op_id}: provisioningState"
            );
        } else {
            // Done at once (204 for DELETE, 200 for POST).
            let status = if method == "DELETE" { 204 } else { 200 };
            let (outcome, seen) = run(start, |_| vec![Reply::json(status, "")]).await;
            outcome.unwrap_or_else(|e| panic!("{op_id} immediate: {e}"));
            assert_eq!(seen, vec![initial.clone()], "{op_id}: done at once");
        }

        // Terminal failure and cancellation carry the service's error body.
        for terminal in ["Failed", "Canceled"] {
            let (outcome, seen) = run(start, |base| {
                vec![
                    Reply::json(202, "").header("azure-asyncoperation", &format!("{base}/ops/2")),
                    Reply::json(
                        200,
                        &format!(
                            r#"{{"status":"{terminal}","error":{{"code":"Conflict","message":"{terminal} by test"}}}}"#
                        ),
                    ),
                ]
            })
            .await;
            let err = outcome.expect_err(op_id);
            let ErrorKind::Poller { response, .. } = err.kind() else {
                panic!("{op_id}: {err}")
            };
            let service = response.as_ref().expect("the error body is kept");
            assert_eq!(service.code.as_deref(), Some("Conflict"));
            assert_eq!(
                service.message.as_deref(),
                Some(&*format!("{terminal} by test"))
            );
            assert_eq!(
                seen,
                vec![initial.clone(), "GET /ops/2".into()],
                "{op_id}: {terminal}"
            );
        }
    }
}

#[tokio::test]
async fn a_poller_stepped_once_resumes_from_its_token_in_a_fresh_poller() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    server.push(Reply::json(201, "{}").header("azure-asyncoperation", &format!("{base}/ops/9")));
    server.push(Reply::json(200, r#"{"status":"InProgress"}"#));
    server.push(Reply::json(200, r#"{"status":"Succeeded"}"#));
    server.push(Reply::json(
        200,
        r#"{"id":"/v/1","name":"resumed","properties":{"provisioningState":"Succeeded","vaultUri":"https://resumed.vault.azure.net/"}}"#,
    ));
    let mut poller = client(&server)
        .vaults()
        .create_or_update("rg", "v1", models::VaultCreateOrUpdateParameters::default())
        .into_poller();
    let step = poller.step().await.unwrap();
    assert!(matches!(step.status, PollStatus::InProgress(_)));
    assert_eq!(step.response.unwrap().status.as_u16(), 201);
    let token = poller.continuation_token().unwrap();
    drop(poller);

    // A fresh client (as in another process) resumes from the string alone.
    let mut resumed = client(&server)
        .vaults()
        .resume_create_or_update(&token)
        .unwrap();
    resumed.set_options(fast());
    let vault = resumed.await.unwrap();
    assert_eq!(vault.name.as_deref(), Some("resumed"));
    let methods: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.path()))
        .collect();
    assert_eq!(
        methods,
        vec![
            format!("PUT {RG}/providers/Microsoft.KeyVault/vaults/v1"),
            "GET /ops/9".into(),
            "GET /ops/9".into(),
            format!("GET {RG}/providers/Microsoft.KeyVault/vaults/v1"),
        ]
    );

    // A token is bound to the client's endpoint, and garbage is a typed error.
    let elsewhere = KeyVaultManagementClient::with_endpoint(
        "https://other.example",
        "sub-1",
        ClientOptions::default(),
    )
    .unwrap();
    for bad in [token.as_str(), "not-a-token", "kvpoll1.e30"] {
        let err = elsewhere.vaults().resume_create_or_update(bad).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { .. }),
            "{err}"
        );
    }
}

#[tokio::test]
async fn retry_after_on_a_poll_is_obeyed_by_the_servers_clock() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    server.push(
        Reply::json(202, "")
            .header("location", &format!("{base}/results/3"))
            .header("retry-after", "1"),
    );
    server.push(Reply::json(202, "").header("retry-after-ms", "300"));
    server.push(Reply::json(204, ""));
    client(&server)
        .vaults()
        .purge_deleted("westus", "v1")
        .poller_options(fast())
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let first_wait = seen[1].at - seen[0].at;
    let second_wait = seen[2].at - seen[1].at;
    assert!(first_wait >= Duration::from_millis(950), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(280), "{second_wait:?}");
}
