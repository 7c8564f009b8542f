//! Helpers shared by the generator's integration tests.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Generates the config's crates from `specs` (file name -> JSON) in a temporary folder.
pub fn generate(config: &str, specs: &[(&str, Value)]) -> Result<BTreeMap<String, String>, String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, spec) in specs {
        std::fs::write(dir.path().join(name), spec.to_string()).unwrap();
    }
    let text = format!(
        "specs_dir = \"specs\"\nlock_file = \"unused.lock\"\nregenerate_command = \"regen\"\n\n[[crate]]\nname = \"t\"\npath = \"out\"\nversion = \"0.0.0\"\ndescription = \"test\"\n{config}"
    );
    let config =
        codegen::Config::parse(&text, Path::new("inline.toml")).map_err(|e| e.to_string())?;
    codegen::generate(&config, dir.path(), dir.path(), &BTreeMap::new()).map_err(|e| e.to_string())
}
