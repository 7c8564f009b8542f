//! Lists stream across pages; service errors come back typed; long-running management calls poll.

use e2e_tests::{LoopbackServer, Reply};
use futures::TryStreamExt;
use keyvault::secrets::SecretClient;
use keyvault_runtime::{ClientOptions, ErrorKind};

#[tokio::test]
async fn list_follows_next_links_across_pages() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    let client = SecretClient::new(&base, ClientOptions::default()).unwrap();
    let version = client.api_version().to_owned();
    server.push(Reply::json(200, &format!(r#"{{"value":[{{"id":"{base}/secrets/a"}},{{"id":"{base}/secrets/b"}}],"nextLink":"{base}/secrets?api-version={version}&$skiptoken=t1"}}"#)));
    server.push(Reply::json(
        200,
        &format!(r#"{{"value":[{{"id":"{base}/secrets/c"}}],"nextLink":null}}"#),
    ));
    let items: Vec<_> = client
        .get_secrets()
        .maxresults(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|i| i.id.clone().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            format!("{base}/secrets/a"),
            format!("{base}/secrets/b"),
            format!("{base}/secrets/c")
        ]
    );
    let seen = server.seen();
    assert_eq!(
        seen[0].target,
        format!("/secrets?api-version={version}&maxresults=2")
    );
    assert_eq!(
        seen[1].target,
        format!("/secrets?api-version={version}&$skiptoken=t1")
    );
}

#[tokio::test]
async fn service_errors_are_typed() {
    let server = LoopbackServer::start(Reply::json(404, r#"{"error":{"code":"SecretNotFound","message":"A secret with (name/id) x was not found in this key vault."}}"#)).await;
    let client = SecretClient::new(&server.url(), ClientOptions::default()).unwrap();
    let err = client.get_secret("x").await.unwrap_err();
    let ErrorKind::Service(service) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(service.status.as_u16(), 404);
    assert_eq!(service.code.as_deref(), Some("SecretNotFound"));
    let typed: keyvault::secrets::models::KeyVaultError = service.body_as().unwrap();
    assert_eq!(typed.error.unwrap().code.as_deref(), Some("SecretNotFound"));
}

#[tokio::test]
async fn management_create_polls_location_without_resending_the_put() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    let vault = r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v1","name":"v1","properties":{"vaultUri":"https://v1.vault.azure.net/","provisioningState":"Succeeded","tenantId":"t","sku":{"family":"A","name":"standard"}}}"#;
    server.push(Reply {
        status: 201,
        headers: vec![
            ("location".into(), format!("{base}/op/1")),
            ("retry-after".into(), "0".into()),
        ],
        body: r#"{"properties":{"provisioningState":"Provisioning"}}"#.into(),
    });
    server.push(Reply {
        status: 202,
        headers: vec![("retry-after".into(), "0".into())],
        body: String::new(),
    });
    server.push(Reply::json(200, vault));
    server.push(Reply::json(200, vault));
    let client = keyvault_mgmt::management::KeyVaultManagementClient::with_endpoint(
        &base,
        "sub-1",
        ClientOptions::default(),
    )
    .unwrap();
    let properties = keyvault_mgmt::management::models::VaultProperties::new(
        "00000000-0000-0000-0000-000000000000",
        keyvault_mgmt::management::models::Sku::new(
            keyvault_mgmt::management::models::SkuName::Standard,
        ),
    );
    let params =
        keyvault_mgmt::management::models::VaultCreateOrUpdateParameters::new("westus", properties);
    let created = client
        .vaults()
        .create_or_update("rg", "v1", params)
        .await
        .unwrap();
    assert_eq!(
        created.properties.unwrap().vault_uri.as_deref(),
        Some("https://v1.vault.azure.net/")
    );
    let seen: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.target))
        .collect();
    let puts = seen.iter().filter(|s| s.starts_with("PUT")).count();
    assert_eq!(puts, 1, "the PUT is never re-sent: {seen:?}");
    let expected = format!(
        "PUT /subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v1?api-version={}",
        client.api_version()
    );
    assert!(seen[0].starts_with(&expected), "{seen:?}");
    assert_eq!(seen[1], "GET /op/1");
}
