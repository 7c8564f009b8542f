//! The emulator answers what other SDKs and the Azure CLI send as the service answers it:
//! each test is a request seen from one of them (raw JSON, as they send it) that the emulator
//! once got wrong.

use base64::Engine;
use bytes::Bytes;
use keyvault_emulator::{Emulator, EmulatorOptions};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use serde_json::{json, Value};

/// The emulator and a transport that trusts it.
pub(crate) struct Raw {
    pub(crate) emulator: Emulator,
    transport: HyperTransport,
}

impl Raw {
    pub(crate) async fn start() -> Raw {
        let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
        let transport = HyperTransport::new(
            &TransportOptions::default()
                .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
        )
        .unwrap();
        Raw {
            emulator,
            transport,
        }
    }

    /// Sends `method path` (with its query) with any bearer token; the status and JSON body.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = Url::parse(&format!("{}{path}", self.emulator.url())).unwrap();
        let mut request = Request::new(method, url);
        request
            .headers
            .insert("authorization", "Bearer any".parse().unwrap());
        if let Some(body) = body {
            request.set_json_body(Bytes::from(serde_json::to_vec(&body).unwrap()));
        }
        let response = self.transport.execute(&request).await.unwrap();
        let value = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response.body).unwrap_or(Value::Null)
        };
        (response.status.as_u16(), value)
    }

    pub(crate) async fn create_vault(&self, name: &str, retention_days: u32) {
        let (status, _) = self
            .call(
                Method::PUT,
                &format!("/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/{name}?api-version=2026-02-01"),
                Some(json!({
                    "location": "westeurope",
                    "properties": {
                        "tenantId": "00000000-0000-0000-0000-000000000001",
                        "sku": {"family": "A", "name": "standard"},
                        "softDeleteRetentionInDays": retention_days
                    }
                })),
            )
            .await;
        assert!(status == 200 || status == 201, "{status}");
    }
}

/// `az keyvault list` and the JavaScript `vaults.list` use ARM's generic resource list at
/// api-version 2015-11-01; the emulator once refused that version, and the CLI printed `[]`.
#[tokio::test]
async fn the_generic_resource_list_answers_at_api_version_2015_11_01() {
    let raw = Raw::start().await;
    raw.create_vault("listed-vault", 90).await;
    let filter = "%24filter=resourceType%20eq%20%27Microsoft.KeyVault%2Fvaults%27";
    let (status, body) = raw
        .call(
            Method::GET,
            &format!("/subscriptions/sub-1/resources?{filter}&api-version=2015-11-01"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["listed-vault"]);
    assert_eq!(body["value"][0]["type"], "Microsoft.KeyVault/vaults");
    // Another resource type is not a vault.
    let other = "%24filter=resourceType%20eq%20%27Microsoft.KeyVault%2FmanagedHSMs%27";
    let (status, body) = raw
        .call(
            Method::GET,
            &format!("/subscriptions/sub-1/resources?{other}&api-version=2015-11-01"),
            None,
        )
        .await;
    assert_eq!(
        (status, body["value"].as_array().map(Vec::len)),
        (200, Some(0))
    );
}

/// `az keyvault list-deleted` asks for deleted managed HSMs too.
#[tokio::test]
async fn deleted_managed_hsms_are_a_known_empty_list() {
    let raw = Raw::start().await;
    let (status, body) = raw
        .call(
            Method::GET,
            "/subscriptions/sub-1/providers/Microsoft.KeyVault/deletedManagedHSMs?api-version=2026-02-01",
            None,
        )
        .await;
    assert_eq!((status, body), (200, json!({"value": []})));
}

/// A soft-deleted vault is purged after its retention period, not at once.
#[tokio::test]
async fn a_deleted_vaults_purge_date_is_its_retention_after_deletion() {
    let raw = Raw::start().await;
    raw.create_vault("retained-vault", 7).await;
    let (status, _) = raw
        .call(
            Method::DELETE,
            "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/retained-vault?api-version=2026-02-01",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = raw
        .call(
            Method::GET,
            "/subscriptions/sub-1/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/retained-vault?api-version=2026-02-01",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let date = |field: &str| {
        time::OffsetDateTime::parse(
            body["properties"][field].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        date("scheduledPurgeDate") - date("deletionDate"),
        time::Duration::days(7)
    );
}

/// The JavaScript SDK creates certificates with `"key_props": {}, "secret_props": {}`: the
/// service fills the policy in and keeps the secret as PKCS#12, as it does without them.
#[tokio::test]
async fn a_certificate_created_with_empty_policy_parts_gets_the_services_defaults() {
    let raw = Raw::start().await;
    for (name, policy) in [
        (
            "js-style",
            json!({"key_props": {}, "secret_props": {}, "x509_props": {"subject": "CN=js"}, "issuer": {"name": "Self"}}),
        ),
        (
            "no-secret-props",
            json!({"x509_props": {"subject": "CN=bare"}}),
        ),
    ] {
        let (status, body) = raw
            .call(
                Method::POST,
                &format!("/certificates/{name}/create?api-version=2026-04-01"),
                Some(json!({"policy": policy})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let secret = wait_for_secret(&raw, name).await;
        let (_, policy) = raw
            .call(
                Method::GET,
                &format!("/certificates/{name}/policy?api-version=2026-04-01"),
                None,
            )
            .await;
        assert_eq!(
            policy["secret_props"]["contentType"], "application/x-pkcs12",
            "{name}"
        );
        assert_eq!(policy["key_props"]["kty"], "RSA", "{name}");
        assert_eq!(policy["key_props"]["key_size"], 2048, "{name}");
        assert_eq!(policy["key_props"]["exportable"], true, "{name}");
        assert_eq!(
            policy["x509_props"]["ekus"],
            json!(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]),
            "{name}"
        );
        assert_eq!(
            policy["x509_props"]["key_usage"],
            json!(["digitalSignature", "keyEncipherment"]),
            "{name}"
        );
        assert_eq!(
            policy["x509_props"]["basic_constraints"]["ca"], false,
            "{name}"
        );
        assert_eq!(
            policy["lifetime_actions"],
            json!([{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}}]),
            "{name}"
        );
        // Its secret is a PKCS#12 file.
        assert_eq!(secret["contentType"], "application/x-pkcs12", "{name}");
        let pfx = base64::engine::general_purpose::STANDARD
            .decode(secret["value"].as_str().unwrap())
            .unwrap();
        assert_eq!(pfx[0], 0x30, "{name}: a DER SEQUENCE (PFX)");
    }
}

/// The Python SDK and the CLI import a PEM file as base64 of the file; the service accepts it
/// and keeps the secret as PEM.
#[tokio::test]
async fn a_pem_file_imported_as_base64_is_accepted() {
    let raw = Raw::start().await;
    let (status, body) = raw
        .call(
            Method::POST,
            "/certificates/pem-source/create?api-version=2026-04-01",
            Some(json!({"policy": {
                "secret_props": {"contentType": "application/x-pem-file"},
                "x509_props": {"subject": "CN=pem"},
                "issuer": {"name": "Self"}
            }})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let pem = wait_for_secret(&raw, "pem-source").await["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(pem.contains("-----BEGIN CERTIFICATE-----") && pem.contains("PRIVATE KEY-----"));
    let encoded = base64::engine::general_purpose::STANDARD.encode(pem.as_bytes());
    let (status, body) = raw
        .call(
            Method::POST,
            "/certificates/imported/import?api-version=2026-04-01",
            Some(json!({
                "value": encoded,
                "policy": {"secret_props": {"contentType": "application/x-pem-file"}}
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let secret = wait_for_secret(&raw, "imported").await;
    assert_eq!(secret["contentType"], "application/x-pem-file");
    assert!(secret["value"]
        .as_str()
        .unwrap()
        .contains("-----BEGIN CERTIFICATE-----"));
    // Base64 of something that is neither is still refused, with the reason.
    let junk = base64::engine::general_purpose::STANDARD.encode(b"not a certificate");
    let (status, body) = raw
        .call(
            Method::POST,
            "/certificates/junk/import?api-version=2026-04-01",
            Some(json!({"value": junk})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

/// Backup job status carries `error: null` (and `endTime` while running) as the service's does;
/// typed SDKs that expect the field find it.
#[tokio::test]
async fn backup_job_status_has_the_services_fields() {
    let raw = Raw::start().await;
    let (status, body) = raw
        .call(
            Method::POST,
            "/backup?api-version=2026-04-01",
            Some(json!({"storageResourceUri": "https://account.blob.core.windows.net/backups", "token": "sv=x"})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let object = body.as_object().unwrap();
    for field in [
        "status",
        "statusDetails",
        "error",
        "jobId",
        "startTime",
        "endTime",
    ] {
        assert!(object.contains_key(field), "{field} missing: {body}");
    }
    assert_eq!(body["error"], Value::Null);
}

/// `GET /metadata/endpoints`: a custom cloud can be registered from the emulator's address
/// (both response forms), every endpoint pointing back at it.
#[tokio::test]
async fn cloud_metadata_endpoints_point_at_the_emulator() {
    let raw = Raw::start().await;
    let base = format!("{}/", raw.emulator.url());
    let (status, list) = raw
        .call(
            Method::GET,
            "/metadata/endpoints?api-version=2022-09-01",
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["resourceManager"], base.as_str());
    assert_eq!(list[0]["authentication"]["loginEndpoint"], base.as_str());
    assert_eq!(list[0]["authentication"]["audiences"][0], base.as_str());
    let (status, old) = raw
        .call(
            Method::GET,
            "/metadata/endpoints?api-version=2015-01-01",
            None,
        )
        .await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old["authentication"]["loginEndpoint"], base.as_str());
}

/// The certificate's secret once it is issued: polls the pending operation (as the
/// certificate pollers do) until it completes.
async fn wait_for_secret(raw: &Raw, name: &str) -> Value {
    for _ in 0..100 {
        let (_, operation) = raw
            .call(
                Method::GET,
                &format!("/certificates/{name}/pending?api-version=2026-04-01"),
                None,
            )
            .await;
        let (status, body) = raw
            .call(
                Method::GET,
                &format!("/secrets/{name}?api-version=2026-04-01"),
                None,
            )
            .await;
        if status == 200 {
            return body;
        }
        assert_ne!(operation["status"], "failed", "{operation}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{name}: no secret after 5 s");
}
