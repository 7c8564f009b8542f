//! The independent validator: Prism (`@stoplight/prism-cli`, pinned in `tests/prism/`) mocks
//! each pinned spec, and every operation of every generated client is called through it (with
//! its first example's parameters, through the generated method, with authentication). Prism
//! reports any request that breaks the spec in an `sl-violations` header; none may appear, and
//! every response must decode.
//!
//! Preprocessing of each spec copy (the upstream files are not changed):
//! - `x-ms-examples` are removed: Prism does not use them, and loading them only costs time.
//! - Data plane: every operation gets a `401` response whose `WWW-Authenticate` header is a Key
//!   Vault challenge naming `http://127.0.0.1` as the resource, so that the clients' challenge
//!   flow runs as against a real vault (the first, unauthenticated request of each client is
//!   answered with it; that one expected security violation is the only one allowed).
//! - Data plane specs that declare no security (`storage.json`) get the OAuth2 requirement the
//!   other data-plane specs declare: the service authenticates them the same way, and without
//!   it Prism would answer the bodiless challenge request by validating its (absent) body.
//! - Routes `/{scope}/...` (role definitions and assignments) also get a scope-less copy:
//!   the global scope `/` is sent as `/providers/...` (as by Azure's other SDKs, and accepted by
//!   the service), which the spec's template cannot express with an empty segment.
//!
//! Only request violations count: Prism also reports its own generated mock bodies (e.g. the
//! placeholder `"string"` in `format: byte` fields), which says nothing about the client.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keyvault_identity::CallbackCredential;
use keyvault_runtime::auth::AuthOptions;
use keyvault_runtime::http::{BoxFuture, HttpClient, RawResponse, Request};
use keyvault_runtime::transport::{ReqwestTransport, TransportOptions};
use keyvault_runtime::{AccessToken, ClientOptions, RetryOptions};
use serde_json::Value;

const CHALLENGE: &str = r#"Bearer authorization="https://login.microsoftonline.com/prism-tenant", resource="http://127.0.0.1""#;

/// A Prism mock server, stopped (by its own pid) when dropped.
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start(spec: &Path) -> Prism {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let cli = root.join("tests/prism/node_modules/@stoplight/prism-cli/dist/index.js");
        assert!(
            cli.exists(),
            "Prism is not installed: run `npm ci --prefix tests/prism` (scripts/test.sh does)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("node")
            .arg(&cli)
            .args([
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-v",
                "error",
            ])
            .arg(spec)
            .env("SCARF_ANALYTICS", "false")
            .env("DO_NOT_TRACK", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Prism did not start for {}",
                spec.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as the transport sent it and Prism answered it.
#[derive(Debug, Clone)]
struct Exchange {
    request: String,
    authorized: bool,
    status: u16,
    violations: Option<String>,
}

/// The real transport, recording every exchange.
#[derive(Debug, Clone)]
struct Recording {
    inner: Arc<ReqwestTransport>,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl HttpClient for Recording {
    fn execute<'a>(
        &'a self,
        request: &'a Request,
    ) -> BoxFuture<'a, keyvault_runtime::Result<RawResponse>> {
        Box::pin(async move {
            let response = self.inner.execute(request).await?;
            self.log.lock().unwrap().push(Exchange {
                request: format!("{} {}", request.method, request.url.path()),
                authorized: request.headers.contains_key("authorization"),
                status: response.status.as_u16(),
                violations: response.header("sl-violations").map(str::to_owned),
            });
            Ok(response)
        })
    }
}

/// Copies the synced specs and preprocesses the entry files (see the module docs).
fn preprocess(specs: &Path, out: &Path, entries: &[(String, bool)]) {
    copy_dir(specs, out);
    for (entry, challenge) in entries {
        let path = out.join(entry);
        let mut spec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if *challenge && spec.get("security").is_none() {
            spec["securityDefinitions"] = serde_json::json!({"OAuth2Auth": {
                "type": "oauth2",
                "flow": "implicit",
                "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/authorize",
                "scopes": {"https://vault.azure.net/.default": ""}
            }});
            spec["security"] =
                serde_json::json!([{"OAuth2Auth": ["https://vault.azure.net/.default"]}]);
        }
        if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
            let scoped: Vec<(String, Value)> = paths
                .iter()
                .filter_map(|(k, v)| {
                    let rest = k.strip_prefix("/{scope}")?;
                    let mut item = v.clone();
                    for op in item.as_object_mut()?.values_mut() {
                        let Some(op) = op.as_object_mut() else {
                            continue;
                        };
                        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut)
                        {
                            params
                                .retain(|p| p.get("name").and_then(Value::as_str) != Some("scope"));
                        }
                        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                            let id = format!("{id}GlobalScope");
                            op.insert("operationId".into(), Value::from(id));
                        }
                    }
                    Some((rest.to_owned(), item))
                })
                .collect();
            for (path, item) in scoped {
                paths.insert(path, item);
            }
        }
        for section in ["paths", "x-ms-paths"] {
            let Some(paths) = spec.get_mut(section).and_then(Value::as_object_mut) else {
                continue;
            };
            for item in paths.values_mut() {
                for op in item.as_object_mut().unwrap().values_mut() {
                    let Some(op) = op.as_object_mut() else {
                        continue;
                    };
                    if !op.contains_key("responses") {
                        continue;
                    }
                    op.remove("x-ms-examples");
                    if *challenge {
                        op["responses"].as_object_mut().unwrap().insert(
                            "401".into(),
                            serde_json::json!({
                                "description": "Key Vault's authentication challenge.",
                                "headers": {"WWW-Authenticate": {"type": "string", "default": CHALLENGE}}
                            }),
                        );
                    }
                }
            }
        }
        std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_passes_prism_request_validation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = codegen::Config::load(&root.join("specs/codegen.toml")).unwrap();
    let contract = config.contract.clone().unwrap();
    let specs_dir = root.join(&config.specs_dir);
    let lock = codegen::sync::Lock::load(&root.join(&config.lock_file)).unwrap();
    let commits = lock
        .files
        .iter()
        .map(|f| (f.path.clone(), f.commit.clone()))
        .collect();
    let crates = codegen::lower(&config, &root, &specs_dir, &commits).unwrap();
    let crates: Vec<_> = crates
        .into_iter()
        .filter(|k| contract.crates.contains(&k.name))
        .collect();
    let challenge_crates: Vec<&str> = config
        .crates
        .iter()
        .filter(|k| k.auth == codegen::config::AuthConfig::KeyVaultChallenge)
        .map(|k| k.name.as_str())
        .collect();
    let entries: Vec<(String, bool)> = crates
        .iter()
        .flat_map(|k| {
            let challenge = challenge_crates.contains(&k.name.as_str());
            k.modules
                .iter()
                .map(move |m| (m.sources[0].path.clone(), challenge))
        })
        .collect();
    let temp = TempDir(std::env::temp_dir().join(format!("kv-prism-{}", std::process::id())));
    preprocess(&specs_dir, &temp.0, &entries);

    let contract_ops: BTreeMap<(&str, &str, &str), keyvault_contract::ContractOperation> =
        keyvault_contract::operations()
            .into_iter()
            .map(|o| ((o.crate_name, o.module, o.operation_id), o))
            .collect();
    let credential = Arc::new(CallbackCredential::new(|_| {
        Box::pin(async {
            Ok(AccessToken::new(
                "prism-token",
                keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(3600),
            ))
        })
    }));
    let log = Arc::new(Mutex::new(Vec::new()));
    let transport = Arc::new(Recording {
        inner: Arc::new(ReqwestTransport::new(&TransportOptions::default()).unwrap()),
        log: log.clone(),
    });
    let options = ClientOptions::default()
        .with_transport(transport)
        .with_credential(credential)
        .with_auth_options(AuthOptions::default().with_http_loopback(true))
        .with_retry(RetryOptions::default().with_max_retries(0));

    let mut failures = Vec::new();
    let mut called = 0;
    let mut mock_violations = 0;
    for krate in &crates {
        for module in &krate.modules {
            let prism = Prism::start(&temp.0.join(&module.sources[0].path));
            let ops = module
                .client
                .operations
                .iter()
                .chain(module.client.groups.iter().flat_map(|g| &g.operations));
            for op in ops {
                let key = (
                    krate.name.as_str(),
                    module.name.as_str(),
                    op.operation_id.as_str(),
                );
                let contract_op = contract_ops[&key];
                let Some((_, file)) = op.examples.first() else {
                    failures.push(format!("{}: no example to call it with", op.operation_id));
                    continue;
                };
                let text = std::fs::read(specs_dir.join(file)).unwrap();
                let example: Value = serde_json::Deserializer::from_slice(&text)
                    .into_iter()
                    .next()
                    .unwrap()
                    .unwrap();
                let params = example["parameters"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                let before = log.lock().unwrap().len();
                let call = keyvault_contract::Example::new(&params)
                    .with_endpoint(prism.url.clone())
                    .with_options(options.clone());
                let result = (contract_op.call)(call).await;
                called += 1;
                let exchanges: Vec<Exchange> = log.lock().unwrap()[before..].to_vec();
                for exchange in &exchanges {
                    let expected_challenge = !exchange.authorized && exchange.status == 401;
                    let Some(violations) = &exchange.violations else {
                        continue;
                    };
                    let parsed: Vec<Value> = serde_json::from_str(violations).unwrap_or_default();
                    let (request_side, response_side): (Vec<_>, Vec<_>) = parsed
                        .into_iter()
                        .partition(|v| v["location"][0] == "request");
                    mock_violations += response_side.len();
                    if !request_side.is_empty() && !expected_challenge {
                        failures.push(format!(
                            "{}: {} -> {}: {}",
                            op.operation_id,
                            exchange.request,
                            exchange.status,
                            Value::Array(request_side)
                        ));
                    }
                }
                if let Err(e) = result {
                    failures.push(format!("{}: {e}", op.operation_id));
                }
            }
            drop(prism);
        }
    }
    let exchanges = log.lock().unwrap().len();
    println!(
        "prism: {called} operations called, {exchanges} requests, {} request violations or failures ({mock_violations} findings about Prism's own mock bodies ignored)",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(called, 156);
}
