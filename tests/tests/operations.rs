//! Every operationId in the pinned specs maps to exactly one generated method.

use std::collections::{BTreeMap, BTreeSet};
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

/// Compares the operation ids of the crates' spec files with the generated operations
/// tables: each id is served by exactly one method, of a module that reads its file (several
/// modules may share a file, each serving some of its operations). Returns the number of
/// operations.
fn assert_one_method_each(
    crates: &[&codegen::config::CrateConfig],
    specs_dir: impl Fn(&codegen::config::CrateConfig) -> std::path::PathBuf,
    operations: Vec<keyvault_runtime::OperationInfo>,
) -> usize {
    // (file, operationId) -> the modules reading that file
    let mut expected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for krate in crates {
        let mut readers: BTreeMap<&String, BTreeSet<String>> = BTreeMap::new();
        for module in &krate.modules {
            for file in &module.spec {
                readers.entry(file).or_default().insert(module.name.clone());
            }
        }
        for (file, modules) in readers {
            let ids = spec_operation_ids(&specs_dir(krate).join(file));
            for id in &ids {
                let count = ids.iter().filter(|i| *i == id).count();
                assert_eq!(
                    count, 1,
                    "operationId {id:?} appears {count} times in {file}"
                );
                expected.insert((file.clone(), id.clone()), modules.clone());
            }
        }
    }
    // (module, operationId) -> the methods serving it
    let mut generated: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for op in operations {
        generated
            .entry((op.module.to_owned(), op.operation_id.to_owned()))
            .or_default()
            .push(format!("{}::{}", op.client, op.method));
    }
    let mut missing = Vec::new();
    for ((file, id), modules) in &expected {
        let serving: Vec<_> = modules
            .iter()
            .filter_map(|m| {
                generated
                    .get(&(m.clone(), id.clone()))
                    .map(|methods| (m, methods))
            })
            .collect();
        match serving.as_slice() {
            [] => missing.push(format!("{file}: {id}")),
            [(_, methods)] if methods.len() == 1 => {}
            several => panic!("{file}: {id} is served by {several:?}"),
        }
    }
    let extra: Vec<_> = generated
        .keys()
        .filter(|(module, id)| {
            !expected
                .iter()
                .any(|((_, i), modules)| i == id && modules.contains(module))
        })
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
    // keys 27, secrets 12, certificates 27, administration 25 (rbac 8, backup/restore 8,
    // settings 3, ekm 6), security domain 5 (2026-04-01); storage 20 (2025-07-01);
    // management 48 (2026-02-01).
    assert_eq!(total, 27 + 12 + 27 + 25 + 5 + 20 + 48);
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
