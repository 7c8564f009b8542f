//! A real version split over several files: management 2025-05-01 as upstream's older format
//! has it (keyvault.json, managedHsm.json, keys.json, ... beside common.json) makes one
//! client with the same operations, methods and routes as the same version's single
//! TypeSpec-generated openapi.json. Reads the shared mirror (`../shared/specs-upstream`).

use std::collections::BTreeMap;
use std::path::Path;

use codegen::api::{Api, ItemKind};

const DIR: &str = "keyvault/resource-manager/Microsoft.KeyVault/stable/2025-05-01";

fn operations(files: &BTreeMap<String, String>, krate: &str) -> BTreeMap<String, String> {
    let api = Api::from_sources(files, &[(krate.to_owned(), format!("out-{krate}"))]).unwrap();
    api.items
        .into_iter()
        .filter(|(_, item)| item.kind == ItemKind::Operation)
        .map(|(path, item)| (path.replacen(krate, "", 1), item.signature))
        .collect()
}

#[test]
fn split_files_make_the_same_client_as_the_single_file() {
    let mirror = std::env::var_os("KV_SPECS_MIRROR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs-upstream")
        });
    if !mirror.is_dir() {
        eprintln!("skipping: {} does not exist", mirror.display());
        return;
    }
    let split: Vec<String> = [
        "keyvault",
        "managedHsm",
        "keys",
        "keysManagedHsm",
        "secrets",
        "providers",
    ]
    .iter()
    .map(|f| format!("\"{DIR}/{f}.json\""))
    .collect();
    let config = format!(
        r#"specs_dir = "unused"
lock_file = "unused.lock"
regenerate_command = "regen"

[[crate]]
name = "split"
path = "out-split"
version = "0.0.0"
description = "split"

[[crate.module]]
name = "management"
spec = [{}]
client = "KeyVaultManagementClient"

[[crate]]
name = "single"
path = "out-single"
version = "0.0.0"
description = "single"

[[crate.module]]
name = "management"
spec = "{DIR}/openapi.json"
client = "KeyVaultManagementClient"
"#,
        split.join(", ")
    );
    let config = codegen::Config::parse(&config, Path::new("inline.toml")).unwrap();
    let files = codegen::generate(&config, &mirror, &mirror, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let split_ops = operations(&files, "split");
    assert_eq!(split_ops.len(), 48);
    assert_eq!(split_ops, operations(&files, "single"));
    // The files' shared definitions (from common.json and common-types) are emitted once.
    let models = &files["out-split/src/management/models.rs"];
    assert_eq!(models.matches("pub struct SystemData {").count(), 1);
}
