//! The generator on arbitrary documents: any JSON (or not) as a module's spec gives code or
//! an error naming the file and pointer, never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (tempfile::TempDir, codegen::Config) {
    static SETUP: OnceLock<(tempfile::TempDir, codegen::Config)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let config = codegen::Config::parse(
            "specs_dir = \"s\"\nlock_file = \"l\"\nregenerate_command = \"r\"\n\n[[crate]]\nname = \"f\"\npath = \"out\"\nversion = \"0.0.0\"\ndescription = \"f\"\n\n[[crate.module]]\nname = \"api\"\nspec = \"api.json\"\nclient = \"ApiClient\"\n",
            Path::new("fuzz.toml"),
        )
        .unwrap();
        (tempfile::tempdir().unwrap(), config)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, config) = setup();
    std::fs::write(dir.path().join("api.json"), data).unwrap();
    if let Err(e) = codegen::generate(config, dir.path(), dir.path(), &BTreeMap::new()) {
        let message = e.to_string();
        assert!(!message.is_empty());
    }
});
