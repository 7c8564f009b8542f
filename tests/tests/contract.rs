//! Contract tests from the specs' own examples: for every `x-ms-examples` entry of every pinned
//! spec, the request built through the generated client must match the example (method, path
//! segments, query, headers, JSON body), and every example response must decode into the typed
//! result and serialize back to the example body (readOnly fields aside). Data-driven: the
//! operations come from the generator's IR, the per-operation code from the generated
//! `keyvault-contract` crate. Known defects of upstream examples are listed, with reasons, in
//! `tests/contract/exceptions.toml`; only the named check is skipped for them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use base64::Engine;
use codegen::ir::{OperationIr, ParamLocation, PathPiece, TypeDef, TypeKind, TypeRef};
use serde_json::{Map, Value};

#[derive(Debug, serde::Deserialize)]
struct ExceptionsFile {
    #[serde(rename = "exception", default)]
    exceptions: Vec<Exception>,
}

#[derive(Debug, serde::Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Exception {
    /// The example file, relative to the specs folder.
    example: String,
    /// The check skipped: `trailing-content`, `api-version`, `path`, `query`, `headers`,
    /// `body`, `response:<status>`.
    check: String,
    /// Why the example, not our code, is wrong.
    reason: String,
}

/// The checks of one example, minus its listed exceptions.
struct Checks<'a> {
    file: &'a str,
    exceptions: &'a [Exception],
    used: BTreeSet<(String, String)>,
    failures: Vec<String>,
}

impl<'a> Checks<'a> {
    fn skipped(&mut self, check: &str) -> bool {
        let hit = self
            .exceptions
            .iter()
            .any(|e| e.example == self.file && e.check == check);
        if hit {
            self.used.insert((self.file.to_owned(), check.to_owned()));
        }
        hit
    }

    fn expect(&mut self, check: &str, ok: bool, detail: impl FnOnce() -> String) {
        if !ok && !self.skipped(check) {
            self.failures
                .push(format!("{}: {check}: {}", self.file, detail()));
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The example as JSON; upstream files with trailing garbage (merge-conflict markers) yield
/// their first JSON value, reported through the `trailing-content` check.
fn load_example(path: &Path, checks: &mut Checks<'_>) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>();
    let first = match stream.next() {
        Some(Ok(value)) => value,
        other => {
            checks.expect("json", false, || format!("not JSON: {other:?}"));
            return None;
        }
    };
    let rest_ok = stream.next().is_none();
    checks.expect("trailing-content", rest_ok, || {
        "content after the JSON body".to_owned()
    });
    Some(first)
}

/// Makes a JSON value comparable by what it means for its type: readOnly fields and nulls
/// dropped, date-times as epoch seconds, bytes as hex, numbers as f64 (f32 for floats),
/// polymorphic values by their subtype. Properties the model does not know are kept under
/// `$unknown:` so that a model dropping them shows as a difference.
fn normalize(value: &Value, ty: &TypeRef, types: &BTreeMap<String, TypeDef>) -> Value {
    match (ty, value) {
        (_, Value::Null) => Value::Null,
        (TypeRef::Named(name), Value::Object(map)) => match types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => {
                let mut out = Map::new();
                for (key, v) in map {
                    if let Some(field) = s.fields.iter().find(|f| &f.wire_name == key) {
                        if field.read_only {
                            continue;
                        }
                        let n = normalize(v, &field.ty, types);
                        if !n.is_null() {
                            out.insert(key.clone(), n);
                        }
                    } else if s.tag.as_ref().is_some_and(|(d, _)| d == key) {
                        out.insert(key.clone(), v.clone());
                    } else if let Some(additional) = &s.additional {
                        out.insert(key.clone(), normalize(v, additional, types));
                    } else if !v.is_null() {
                        out.insert(format!("$unknown:{key}"), v.clone());
                    }
                }
                Value::Object(out)
            }
            Some(TypeKind::Union(u)) => {
                let tag = map.get(&u.discriminator).and_then(Value::as_str);
                match u.variants.iter().find(|v| Some(v.value.as_str()) == tag) {
                    Some(variant) => {
                        normalize(value, &TypeRef::Named(variant.struct_name.clone()), types)
                    }
                    None => value.clone(),
                }
            }
            _ => value.clone(),
        },
        (TypeRef::Array(inner), Value::Array(items)) => {
            Value::Array(items.iter().map(|i| normalize(i, inner, types)).collect())
        }
        (TypeRef::Map(inner), Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalize(v, inner, types)))
                .collect(),
        ),
        (TypeRef::DateTime(_), v) => epoch(v).map(Value::from).unwrap_or_else(|| v.clone()),
        (TypeRef::Bytes(_), Value::String(text)) => {
            let trimmed = text.trim_end_matches('=');
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(trimmed)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
                .map(|b| Value::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>()))
                .unwrap_or_else(|_| value.clone())
        }
        (TypeRef::F32, Value::Number(n)) => Value::from(n.as_f64().unwrap_or(0.0) as f32 as f64),
        (TypeRef::F64 | TypeRef::I32 | TypeRef::I64, Value::Number(n)) => {
            Value::from(n.as_f64().unwrap_or(0.0))
        }
        _ => value.clone(),
    }
}

fn epoch(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_f64().map(|f| f as i64),
        Value::String(s) => keyvault_runtime::codec::parse_rfc3339(s)
            .ok()
            .or_else(|| {
                time::OffsetDateTime::parse(
                    &s.replace("GMT", "+0000"),
                    &time::format_description::well_known::Rfc2822,
                )
                .ok()
            })
            .map(|t| t.unix_timestamp()),
        _ => None,
    }
}

/// A parameter value as the request carries it (strings unquoted).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn check_request(
    op: &OperationIr,
    client_params: &[codegen::ir::Param],
    host_template: bool,
    params: &Map<String, Value>,
    request: &keyvault_runtime::http::Request,
    types: &BTreeMap<String, TypeDef>,
    checks: &mut Checks<'_>,
) {
    checks.expect("method", request.method.as_str() == op.http_method, || {
        format!("{} instead of {}", request.method, op.http_method)
    });

    // Path: every parameter one segment, decoded value equal to the example's.
    let mut expected = String::new();
    for piece in &op.path {
        match piece {
            PathPiece::Literal(l) => expected.push_str(l),
            PathPiece::Param(wire) => {
                let value = params.get(wire).map(text).unwrap_or_default();
                let skip_encoding = op
                    .params
                    .iter()
                    .chain(client_params)
                    .any(|p| &p.wire_name == wire && p.skip_encoding);
                if skip_encoding {
                    // A path of its own (a role scope): its segments are real segments, and an
                    // empty one collapses into its neighbour, as Azure's SDKs send it.
                    let trimmed = value.trim_matches('/');
                    if trimmed.is_empty() {
                        expected.pop();
                    } else {
                        expected.push_str(trimmed);
                    }
                } else {
                    // Any value, `/` included, is one segment (marked so that splitting on `/`
                    // below keeps it whole).
                    expected.push('\u{0}');
                    expected.push_str(&value.replace('/', "\u{1}"));
                    expected.push('\u{0}');
                }
            }
        }
    }
    let actual_path = request.url.path();
    let base_path = if host_template {
        // The vault URL's own path (usually `/`) precedes the operation's.
        params
            .get("vaultBaseUrl")
            .and_then(Value::as_str)
            .and_then(|u| url::Url::parse(u).ok())
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let expected_segments: Vec<String> = format!("{base_path}{expected}")
        .split('/')
        .map(|s| s.replace('\u{0}', "").replace('\u{1}', "/"))
        .collect();
    let actual_segments: Vec<String> = actual_path
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    checks.expect("path", expected_segments == actual_segments, || {
        format!("{actual_path} does not match {expected_segments:?}")
    });

    // Query: api-version, the fixed query of x-ms-paths, and every query parameter given.
    let mut expected_query: Vec<(String, String)> = Vec::new();
    if op.sends_api_version {
        if let Some(v) = params.get("api-version") {
            expected_query.push(("api-version".into(), text(v)));
        }
    }
    expected_query.extend(op.fixed_query.iter().cloned());
    for p in op
        .params
        .iter()
        .chain(client_params.iter())
        .filter(|p| p.location == ParamLocation::Query)
    {
        match params.get(&p.wire_name) {
            Some(Value::Array(items)) => {
                let joined: Vec<String> = items.iter().map(text).collect();
                if p.collection_format.as_deref() == Some("multi") {
                    for item in joined {
                        expected_query.push((p.wire_name.clone(), item));
                    }
                } else {
                    let sep = match p.collection_format.as_deref() {
                        Some("ssv") => " ",
                        Some("tsv") => "\t",
                        Some("pipes") => "|",
                        _ => ",",
                    };
                    expected_query.push((p.wire_name.clone(), joined.join(sep)));
                }
            }
            Some(Value::Null) | None => {
                if let Some(default) = &p.client_default {
                    expected_query.push((p.wire_name.clone(), default.clone()));
                }
            }
            Some(v) => expected_query.push((p.wire_name.clone(), text(v))),
        }
    }
    let mut actual_query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    expected_query.sort();
    actual_query.sort();
    let check = if expected_query.iter().any(|(k, _)| k == "api-version")
        && actual_query.iter().any(|(k, _)| k == "api-version")
        && expected_query.iter().find(|(k, _)| k == "api-version")
            != actual_query.iter().find(|(k, _)| k == "api-version")
    {
        "api-version"
    } else {
        "query"
    };
    checks.expect(check, expected_query == actual_query, || {
        format!("{actual_query:?} instead of {expected_query:?}")
    });

    // Headers the example gives.
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Header)
    {
        if let Some(v) = params.get(&p.wire_name).filter(|v| !v.is_null()) {
            let actual = request
                .headers
                .get(p.wire_name.to_ascii_lowercase())
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned);
            checks.expect("headers", actual.as_deref() == Some(&*text(v)), || {
                format!("header {} is {actual:?}, not {}", p.wire_name, text(v))
            });
        }
    }

    // Body: semantically equal to the example's body parameter.
    if let Some(body) = &op.body {
        match params.get(&body.wire_name) {
            Some(example_body) => {
                let sent: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let want = normalize(example_body, &body.ty, types);
                let got = normalize(&sent, &body.ty, types);
                checks.expect("body", want == got, || {
                    format!("sent {got} for the example's {want}")
                });
            }
            None => checks.expect("body", !body.required, || {
                "the example has no body parameter".to_owned()
            }),
        }
    }
}

fn check_responses(
    op: &OperationIr,
    responses: &Map<String, Value>,
    decode: keyvault_contract::Decode,
    types: &BTreeMap<String, TypeDef>,
    checks: &mut Checks<'_>,
) {
    for (code, response) in responses {
        let check = format!("response:{code}");
        // `default` examples show the error model; any non-success status decodes it.
        let status = match code.as_str() {
            "default" => 400,
            other => match other.parse::<u16>() {
                Ok(status) => status,
                Err(_) => {
                    checks.expect(&check, false, || "not a status code".to_owned());
                    continue;
                }
            },
        };
        let body = response.get("body");
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let success = op.success.iter().any(|(s, _)| *s == status);
        let ty = if success {
            match &op.result {
                codegen::ir::ResultShape::Body(t) | codegen::ir::ResultShape::OptionalBody(t) => {
                    Some(t.clone())
                }
                _ => None,
            }
        } else {
            op.error_type.clone()
        };
        if !success && !(200..300).contains(&status) && op.error_type.is_none() {
            continue;
        }
        match decode(status, &bytes) {
            Ok(Some(decoded)) => {
                let Some(ty) = ty else { continue };
                let want = normalize(body.unwrap_or(&Value::Null), &ty, types);
                let got = normalize(&decoded, &ty, types);
                checks.expect(&check, want == got, || {
                    format!("decoded and re-serialized as {got}, the example says {want}")
                });
            }
            Ok(None) => checks.expect(
                &check,
                body.is_none_or(|b| b.is_null() || b == &Value::Object(Map::new())),
                || format!("the spec defines no body for {status}, the example has one"),
            ),
            Err(e) => checks.expect(&check, false, || format!("does not decode: {e}")),
        }
    }
}

#[test]
fn every_example_builds_the_same_request_and_decodes_its_responses() {
    let root = root();
    let (config, crates) =
        codegen::lower_workspace(&root, &root.join("specs/codegen.toml")).unwrap();
    let contract = config
        .contract
        .clone()
        .expect("a contract crate is configured");
    let specs_dir = root.join(&config.specs_dir);
    let exceptions: ExceptionsFile = toml::from_str(
        &std::fs::read_to_string(root.join("tests/contract/exceptions.toml")).unwrap(),
    )
    .unwrap();
    for e in &exceptions.exceptions {
        assert!(
            !e.reason.trim().is_empty(),
            "exception without a reason: {e:?}"
        );
    }
    let generated: HashMap<(&str, &str, &str), keyvault_contract::ContractOperation> =
        keyvault_contract::operations()
            .into_iter()
            .map(|o| ((o.crate_name, o.module, o.operation_id), o))
            .collect();

    let (mut examples, mut passed, mut operations, mut covered) = (0, 0, 0, 0);
    let mut missing = Vec::new();
    let mut without_examples = Vec::new();
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for krate in crates.iter().filter(|k| contract.crates.contains(&k.name)) {
        for module in &krate.modules {
            let all = module
                .client
                .operations
                .iter()
                .chain(module.client.groups.iter().flat_map(|g| &g.operations));
            for op in all {
                operations += 1;
                let Some(contract_op) = generated.get(&(
                    krate.name.as_str(),
                    module.name.as_str(),
                    op.operation_id.as_str(),
                )) else {
                    failures.push(format!("{}: no contract function", op.operation_id));
                    continue;
                };
                if op.examples.is_empty() {
                    without_examples.push(op.operation_id.clone());
                    continue;
                }
                let mut op_ok = true;
                for (_, file) in &op.examples {
                    examples += 1;
                    let path = specs_dir.join(file);
                    if !path.exists() {
                        missing.push(file.clone());
                        op_ok = false;
                        continue;
                    }
                    let mut checks = Checks {
                        file,
                        exceptions: &exceptions.exceptions,
                        used: BTreeSet::new(),
                        failures: Vec::new(),
                    };
                    if let Some(example) = load_example(&path, &mut checks) {
                        let params = example
                            .get("parameters")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        match (contract_op.build)(&keyvault_contract::Example::new(&params)) {
                            Ok(request) => check_request(
                                op,
                                &module.client.params,
                                matches!(module.client.host, codegen::ir::Host::Template { .. }),
                                &params,
                                &request,
                                &module.types,
                                &mut checks,
                            ),
                            Err(e) => checks.expect("build", false, || e.to_string()),
                        }
                        let responses = example
                            .get("responses")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        check_responses(
                            op,
                            &responses,
                            contract_op.decode,
                            &module.types,
                            &mut checks,
                        );
                    }
                    used.extend(checks.used);
                    if checks.failures.is_empty() {
                        passed += 1;
                    } else {
                        op_ok = false;
                        failures.extend(checks.failures);
                    }
                }
                if op_ok {
                    covered += 1;
                }
            }
        }
    }
    println!("contract coverage: examples {passed}/{examples}, operations {covered}/{operations}");
    println!(
        "operations without examples ({}): {}",
        without_examples.len(),
        without_examples.join(", ")
    );
    println!(
        "examples the specs reference but upstream does not ship ({}): {}",
        missing.len(),
        missing.join(", ")
    );
    println!("exceptions applied ({}):", used.len());
    for e in exceptions
        .exceptions
        .iter()
        .filter(|e| used.contains(&(e.example.clone(), e.check.clone())))
    {
        println!("  {} [{}]: {}", e.example, e.check, e.reason);
    }
    let stale: Vec<_> = exceptions
        .exceptions
        .iter()
        .filter(|e| !used.contains(&(e.example.clone(), e.check.clone())))
        .collect();
    assert!(
        stale.is_empty(),
        "exceptions that no longer apply: {stale:#?}"
    );
    assert!(
        failures.is_empty(),
        "{} contract failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(passed + missing.len(), examples);
}
