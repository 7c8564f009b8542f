//! Every operationId in the pinned specs maps to exactly one generated method.

use std::collections::BTreeMap;
use std::path::Path;

/// Collects operation ids from the raw JSON, independently of the generator's own loader.
fn spec_operation_ids(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `cargo run -p codegen -- sync`",
            file.display()
        )
    });
    let json: serde_json::Value = serde_json::from_str(&text).expect("spec is JSON");
    let mut ids = Vec::new();
    for section in ["paths", "x-ms-paths"] {
        if let Some(paths) = json.get(section).and_then(|p| p.as_object()) {
            for item in paths.values() {
                for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                    if let Some(id) = item
                        .get(method)
                        .and_then(|op| op.get("operationId"))
                        .and_then(|v| v.as_str())
                    {
                        ids.push(id.to_owned());
                    }
                }
            }
        }
    }
    ids
}

/// Compares the operation ids of the crates' specs with the generated operations tables;
/// returns the number of operations.
fn assert_one_method_each(
    crates: &[&codegen::config::CrateConfig],
    specs_dir: impl Fn(&codegen::config::CrateConfig) -> std::path::PathBuf,
    operations: Vec<keyvault_runtime::OperationInfo>,
) -> usize {
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    for krate in crates {
        for module in &krate.modules {
            for id in module.spec.iter().flat_map(|f| spec_operation_ids(&specs_dir(krate).join(f))) {
                *expected.entry((module.name.clone(), id)).or_default() += 1;
            }
        }
    }
    let mut generated: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for op in operations {
        generated
            .entry((op.module.to_owned(), op.operation_id.to_owned()))
            .or_default()
            .push(format!("{}::{}", op.client, op.method));
    }
    let mut missing = Vec::new();
    for (key, count) in &expected {
        assert_eq!(
            *count, 1,
            "operationId {key:?} appears {count} times in its spec"
        );
        match generated.get(key).map(Vec::len) {
            Some(1) => {}
            Some(n) => panic!("{key:?} is served by {n} methods: {:?}", generated[key]),
            None => missing.push(key.clone()),
        }
    }
    let extra: Vec<_> = generated
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let total = expected.len();
    println!("operations: {}/{}", total - missing.len(), total);
    assert!(
        missing.is_empty(),
        "operations without a method: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "methods without a spec operation: {extra:?}"
    );
    total
}

fn config() -> (std::path::PathBuf, codegen::Config) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = codegen::Config::load(&root.join("specs/codegen.toml")).expect("config");
    (root, config)
}

#[test]
fn every_operation_id_has_exactly_one_method() {
    let (root, config) = config();
    let pinned: Vec<_> = config
        .crates
        .iter()
        .filter(|k| k.specs_dir.is_none())
        .collect();
    let total = assert_one_method_each(
        &pinned,
        |_| root.join(&config.specs_dir),
        keyvault::operations()
            .into_iter()
            .chain(keyvault_mgmt::operations())
            .collect(),
    );
    // FACTS.md: keys 25, secrets 12, certificates 27, rbac 8, backuprestore 8, settings 3,
    // securitydomain 5, storage 20; management 48.
    assert_eq!(total, 25 + 12 + 27 + 8 + 8 + 3 + 5 + 20 + 48);
}

#[test]
fn every_fixture_operation_has_exactly_one_method() {
    let (root, config) = config();
    let fixtures: Vec<_> = config
        .crates
        .iter()
        .filter(|k| k.name == "codegen-fixtures")
        .collect();
    assert_eq!(fixtures.len(), 1);
    let total = assert_one_method_each(
        &fixtures,
        |k| root.join(k.specs_dir.as_deref().unwrap_or_default()),
        codegen_fixtures::operations(),
    );
    assert!(total >= 20, "{total}");
}
