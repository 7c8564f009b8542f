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
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use e2e_tests::prism::{preprocess, Exchange, Prism, Recording, TempDir};
use keyvault_identity::CallbackCredential;
use keyvault_runtime::auth::AuthOptions;
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{AccessToken, ClientOptions, RetryOptions};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_passes_prism_request_validation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (config, crates) =
        codegen::lower_workspace(&root, &root.join("specs/codegen.toml")).unwrap();
    let contract = config.contract.clone().unwrap();
    let specs_dir = root.join(&config.specs_dir);
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
                .flat_map(|m| m.client.all_operations())
                .map(move |op| (op.origin.file.clone(), challenge))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
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
    let transport = Arc::new(Recording::new(
        HyperTransport::new(&TransportOptions::default()).unwrap(),
    ));
    let log = transport.log.clone();
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
            // One mock per spec file the module's operations come from.
            let files: std::collections::BTreeSet<&str> = module
                .client
                .all_operations()
                .map(|op| op.origin.file.as_str())
                .collect();
            for spec_file in files {
                let prism = Prism::mock(&temp.0.join(spec_file));
                let ops = module
                    .client
                    .all_operations()
                    .filter(|op| op.origin.file == spec_file);
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
                    let mut params = match example_parameters(&specs_dir.join(file)) {
                        Some(params) => params,
                        // Upstream references an example it never committed (SOURCES.md):
                        // the values other examples of the module give the same parameters.
                        None => module_parameters(&specs_dir, module),
                    };
                    pin_constants(op, &module.types, &mut params);
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
                        let parsed: Vec<Value> =
                            serde_json::from_str(violations).unwrap_or_default();
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
    }
    let exchanges = log.lock().unwrap().len();
    println!(
        "prism: {called} operations called, {exchanges} requests, {} request violations or failures ({mock_violations} findings about Prism's own mock bodies ignored)",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let operations: usize = crates
        .iter()
        .flat_map(|k| &k.modules)
        .map(|m| m.client.all_operations().count())
        .sum();
    assert_eq!(called, operations, "every operation is called");
}

/// An example file's `parameters`, or `None` when the file is missing.
fn example_parameters(path: &Path) -> Option<serde_json::Map<String, Value>> {
    let text = std::fs::read(path).ok()?;
    let example: Value = serde_json::Deserializer::from_slice(&text)
        .into_iter()
        .next()?
        .ok()?;
    Some(
        example["parameters"]
            .as_object()
            .cloned()
            .unwrap_or_default(),
    )
}

/// Every parameter value the module's present examples give, first one per name.
fn module_parameters(
    specs_dir: &Path,
    module: &codegen::ir::ModuleIr,
) -> serde_json::Map<String, Value> {
    let mut all = serde_json::Map::new();
    for op in module.client.all_operations() {
        for (_, file) in &op.examples {
            for (name, value) in example_parameters(&specs_dir.join(file)).unwrap_or_default() {
                all.entry(name).or_insert(value);
            }
        }
    }
    all
}

/// A required parameter whose type is a closed enum of one value is a constant: it is sent
/// as that value even where an upstream example says otherwise (`listVault.json` gives the
/// service's api-version to a parameter that only allows the resources API's 2015-11-01; the
/// contract test lists that example's defect).
fn pin_constants(
    op: &codegen::ir::OperationIr,
    types: &BTreeMap<String, codegen::ir::TypeDef>,
    params: &mut serde_json::Map<String, Value>,
) {
    for p in &op.params {
        let codegen::ir::TypeRef::Named(name) = &p.ty else {
            continue;
        };
        if let Some(codegen::ir::TypeKind::Enum(e)) = types.get(name).map(|t| &t.kind) {
            if let [only] = e.variants.as_slice() {
                if !e.extensible && p.required {
                    params.insert(p.wire_name.clone(), Value::String(only.value.clone()));
                }
            }
        }
    }
}
