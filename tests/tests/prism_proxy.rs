//! Prism in proxy mode in front of the emulator: the end-to-end flows of secrets, keys and
//! certificates go through Prism, which checks every request and every emulator response
//! against the spec. No response violation is allowed (and no request violation apart from the
//! unauthenticated challenge request, which is unauthenticated on purpose, and an empty
//! object version: `/secrets/{name}/` means "the latest version" to the service and is what the
//! official SDKs send, but the spec's path template cannot express an empty segment; see
//! FACTS.md and `optional_path_parameters` in `specs/codegen.toml`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use e2e_tests::prism::{preprocess, Prism, Recording, TempDir};
use futures::TryStreamExt;
use keyvault_identity::CallbackCredential;
use keyvault_runtime::auth::AuthOptions;
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{AccessToken, ClientOptions, PollerOptions, RetryOptions};
use keyvault_sdk::prelude::*;

/// The spec file of a module of the `keyvault` crate, as the generator's config names it.
fn spec_of(root: &Path, module: &str) -> String {
    let config = codegen::Config::load(&root.join("specs/codegen.toml")).unwrap();
    config
        .crates
        .iter()
        .filter(|k| k.name == "keyvault")
        .flat_map(|k| &k.modules)
        .find(|m| m.name == module)
        .map(|m| m.spec[0].clone())
        .unwrap_or_else(|| panic!("no module `{module}` in specs/codegen.toml"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_responses_pass_prism_validation_in_the_end_to_end_flows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs = root.join("specs/upstream");
    let temp = TempDir(std::env::temp_dir().join(format!("kv-prism-proxy-{}", std::process::id())));
    let groups = ["secrets", "keys", "certificates"];
    let entries: Vec<(String, bool)> = groups.iter().map(|g| (spec_of(&root, g), true)).collect();
    preprocess(&specs, &temp.0, &entries);
    let emulator = keyvault_emulator::Emulator::start(
        keyvault_emulator::EmulatorOptions::default()
            .with_plain_http()
            .with_delete_delay(Duration::from_millis(100)),
    )
    .await
    .unwrap();

    let transport = Arc::new(Recording::new(
        HyperTransport::new(&TransportOptions::default()).unwrap(),
    ));
    let log = transport.log.clone();
    let credential = Arc::new(CallbackCredential::new(|_| {
        Box::pin(async {
            Ok(AccessToken::new(
                "proxy-token",
                keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(3600),
            ))
        })
    }));
    let options = ClientOptions::default()
        .with_transport(transport)
        .with_credential(credential)
        .with_auth_options(AuthOptions::default().with_http_loopback(true))
        .with_retry(RetryOptions::default().with_max_retries(0));
    let fast = PollerOptions::with_interval(Duration::from_millis(50));

    for group in groups {
        let prism = Prism::proxy(&temp.0.join(spec_of(&root, group)), &emulator.url());
        match group {
            "secrets" => {
                use keyvault::secrets::{models, SecretClient};
                let client = SecretClient::new(&prism.url, options.clone()).unwrap();
                client
                    .set_secret("proxied", models::SecretSetParameters::new("v1"))
                    .await
                    .unwrap();
                client
                    .set_secret("proxied", models::SecretSetParameters::new("v2"))
                    .await
                    .unwrap();
                client.get_secret("proxied").await.unwrap();
                let _: Vec<_> = client
                    .get_secrets()
                    .into_stream()
                    .try_collect()
                    .await
                    .unwrap();
                let _: Vec<_> = client
                    .get_secret_versions("proxied")
                    .into_stream()
                    .try_collect()
                    .await
                    .unwrap();
                client
                    .update_secret("proxied", models::SecretUpdateParameters::default())
                    .await
                    .unwrap();
                client.backup_secret("proxied").await.unwrap();
                let mut delete = client.begin_delete_secret("proxied");
                delete.set_options(fast);
                delete.await.unwrap();
                let _: Vec<_> = client
                    .get_deleted_secrets()
                    .into_stream()
                    .try_collect()
                    .await
                    .unwrap();
                let mut recover = client.begin_recover_deleted_secret("proxied");
                recover.set_options(fast);
                recover.await.unwrap();
            }
            "keys" => {
                use keyvault::keys::{models, KeyClient};
                let client = KeyClient::new(&prism.url, options.clone()).unwrap();
                let created = client
                    .create_key(
                        "proxied-key",
                        models::KeyCreateParameters::new(models::JsonWebKeyType::Rsa),
                    )
                    .await
                    .unwrap();
                // Cryptographic operations name the version, as SDKs do from the key id.
                let kid = created.key.unwrap().kid.unwrap();
                let version = kid.rsplit('/').next().unwrap().to_owned();
                let signed = client
                    .sign(
                        "proxied-key",
                        models::KeySignParameters::new(
                            models::JsonWebKeySignatureAlgorithm::Rs256,
                            vec![1u8; 32],
                        ),
                    )
                    .key_version(version.clone())
                    .await
                    .unwrap();
                client
                    .verify(
                        "proxied-key",
                        models::KeyVerifyParameters::new(
                            models::JsonWebKeySignatureAlgorithm::Rs256,
                            vec![1u8; 32],
                            signed.result.unwrap().into_inner(),
                        ),
                    )
                    .key_version(version.clone())
                    .await
                    .unwrap();
                client
                    .encrypt(
                        "proxied-key",
                        models::KeyOperationsParameters::new(
                            models::JsonWebKeyEncryptionAlgorithm::RsaOaep256,
                            b"x".to_vec(),
                        ),
                    )
                    .key_version(version)
                    .await
                    .unwrap();
                client.rotate_key("proxied-key").await.unwrap();
                client.get_key_rotation_policy("proxied-key").await.unwrap();
                client
                    .get_random_bytes(models::GetRandomBytesRequest::new(8))
                    .await
                    .unwrap();
                let _: Vec<_> = client.get_keys().into_stream().try_collect().await.unwrap();
                let mut delete = client.begin_delete_key("proxied-key");
                delete.set_options(fast);
                delete.await.unwrap();
            }
            _ => {
                use keyvault::certificates::{models, CertificateClient};
                let client = CertificateClient::new(&prism.url, options.clone()).unwrap();
                let mut create = client.begin_create_certificate(
                    "proxied-cert",
                    models::CertificateCreateParameters::default(),
                );
                create.set_options(fast);
                create.await.unwrap();
                client.get_certificate("proxied-cert").await.unwrap();
                client.get_certificate_policy("proxied-cert").await.unwrap();
                let _: Vec<_> = client
                    .get_certificates()
                    .into_stream()
                    .try_collect()
                    .await
                    .unwrap();
                let mut delete = client.begin_delete_certificate("proxied-cert");
                delete.set_options(fast);
                delete.await.unwrap();
            }
        }
        drop(prism);
    }

    let exchanges = log.lock().unwrap().clone();
    let mut violations = Vec::new();
    for exchange in &exchanges {
        let challenge = !exchange.authorized && exchange.status == 401;
        for side in ["request", "response"] {
            for v in exchange.violations_of(side) {
                let latest_version = side == "request"
                    && v["location"][1] == "path"
                    && ["secret-version", "key-version", "certificate-version"]
                        .iter()
                        .any(|p| v["message"].as_str().is_some_and(|m| m.contains(p)));
                let expected_challenge = challenge && side == "request";
                if !(expected_challenge || latest_version) {
                    violations.push(format!(
                        "{} -> {}: {side}: {v}",
                        exchange.request, exchange.status
                    ));
                }
            }
        }
    }
    println!(
        "prism proxy: {} exchanges through Prism, {} violations",
        exchanges.len(),
        violations.len()
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
