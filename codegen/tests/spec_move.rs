//! Following a spec move with configuration alone: a small workspace (the real runtime, a
//! generated crate, a hand-written crate on top) moves from version 1 of a service to
//! version 2 through a config edit and the CLI (`lock`, `sync`, `diff`, `generate`), and
//! `cargo check` passes before and after. Version 2 feeds one module from two files (sharing
//! a definition) and drops another module, which the hand-written crate's code for it follows
//! through `cfg(svc_module = "...")` instead of breaking.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const COMMIT_1: &str = "1111111111111111111111111111111111111111";
const COMMIT_2: &str = "2222222222222222222222222222222222222222";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            write(&target, &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
}

/// Runs the codegen CLI in `root`; returns its stdout, panicking with stderr on failure.
fn codegen(root: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(args)
        .args(["--root", root.to_str().unwrap()])
        .env_remove("KV_SPECS_MIRROR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "codegen {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `cargo check` of the small workspace, sharing one target folder across runs.
fn cargo_check(root: &Path) {
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--offline",
            "--quiet",
            "--workspace",
            "--all-targets",
        ])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn target_dir() -> PathBuf {
    workspace_root().join("target/spec-move")
}

/// The cfgs the hand-written crate's build script set in the last check.
fn app_cfgs() -> String {
    let build = target_dir().join("debug/build");
    let mut outputs: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&build)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("app-"))
        .filter_map(|e| {
            let output = e.path().join("output");
            let modified = std::fs::metadata(&output).ok()?.modified().ok()?;
            Some((modified, std::fs::read_to_string(output).ok()?))
        })
        .collect();
    outputs.sort();
    outputs.pop().map(|(_, text)| text).unwrap_or_default()
}

/// A data-plane style spec: `{vaultBaseUrl}` host, operations returning `Widget`, whose
/// `Error` comes from a common file.
fn service(version: &str, ops: &[(&str, &str)], examples: bool) -> Value {
    let mut paths = serde_json::Map::new();
    for (id, path) in ops {
        let mut op = json!({
            "operationId": id,
            "parameters": [{"name": "api-version", "in": "query", "required": true, "type": "string"}],
            "responses": {
                "200": {"description": "ok", "schema": {"$ref": "#/definitions/Widget"}},
                "default": {"description": "error", "schema": {"$ref": "../common/types.json#/definitions/Error"}}
            }
        });
        if examples {
            op["x-ms-examples"] = json!({*id: {"$ref": format!("./examples/{id}.json")}});
        }
        paths.insert((*path).to_owned(), json!({"get": op}));
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "Svc", "version": version},
        "x-ms-parameterized-host": {
            "hostTemplate": "{vaultBaseUrl}", "useSchemePrefix": false,
            "parameters": [{"name": "vaultBaseUrl", "in": "path", "required": true, "type": "string", "x-ms-skip-url-encoding": true}]
        },
        "paths": paths,
        "definitions": {"Widget": {"type": "object", "properties": {"name": {"type": "string"}}}}
    })
}

fn config(modules: &str) -> String {
    format!(
        r#"specs_dir = "specs/upstream"
lock_file = "specs/specs.lock"
regenerate_command = "codegen sync && codegen generate"

[[crate]]
name = "svc"
path = "generated/svc"
version = "0.1.0"
description = "A test service."
{modules}"#
    )
}

const V1_MODULES: &str = r#"
[[crate.module]]
name = "widgets"
spec = "svc/v1/widgets.json"
client = "WidgetClient"
feature = "widgets"

[[crate.module]]
name = "gadgets"
spec = "svc/v1/gadgets.json"
client = "GadgetClient"
feature = "gadgets"
"#;

const V2_MODULES: &str = r#"
[[crate.module]]
name = "widgets"
spec = ["svc/v2/widgets.json", "svc/v2/widgets-more.json"]
client = "WidgetClient"
feature = "widgets"
"#;

const APP_BUILD: &str = r#"fn main() {
    println!("cargo::rustc-check-cfg=cfg(svc_module, values(any()))");
    let modules = std::env::var("DEP_SVC_MODULES").expect("svc publishes its modules");
    for module in modules.split(',').filter(|m| !m.is_empty()) {
        println!("cargo::rustc-cfg=svc_module=\"{module}\"");
    }
}
"#;

const APP_LIB: &str = r#"//! Hand-written code on top of the generated crate.

pub fn widget_client(url: &str) -> svc::runtime::Result<svc::widgets::WidgetClient> {
    svc::widgets::WidgetClient::new(url, Default::default())
}

#[cfg(svc_module = "gadgets")]
pub fn gadget_client(url: &str) -> svc::runtime::Result<svc::gadgets::GadgetClient> {
    svc::gadgets::GadgetClient::new(url, Default::default())
}
"#;

/// The small workspace: the real runtime (copied), the config, the mirror, the app.
fn set_up(root: &Path, mirror: &Path) {
    let real = workspace_root();
    let manifest: toml::Table = std::fs::read_to_string(real.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut workspace = manifest["workspace"].as_table().unwrap().clone();
    workspace.insert(
        "members".into(),
        toml::Value::Array(
            ["runtime", "generated/svc", "app"]
                .map(|m| toml::Value::String(m.into()))
                .into(),
        ),
    );
    workspace.remove("exclude");
    // The real workspace's default member (the sdk) is not in the small one.
    workspace.remove("default-members");
    let mut out = toml::Table::new();
    out.insert("workspace".into(), toml::Value::Table(workspace));
    write(&root.join("Cargo.toml"), &toml::to_string(&out).unwrap());
    write(
        &root.join("Cargo.lock"),
        &std::fs::read_to_string(real.join("Cargo.lock")).unwrap(),
    );
    copy_dir(&real.join("runtime"), &root.join("runtime"));
    write(
        &root.join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n# `full`, never a module's feature: version 2 has no `gadgets` feature.\nsvc = { path = \"../generated/svc\", features = [\"full\"] }\n",
    );
    write(&root.join("app/build.rs"), APP_BUILD);
    write(&root.join("app/src/lib.rs"), APP_LIB);
    write(
        &root.join("specs/specs.lock"),
        "# Pinned spec files.\n\nversion = 1\nrepository = \"Azure/azure-rest-api-specs\"\n",
    );

    let put = |path: &str, value: &Value| write(&mirror.join(path), &value.to_string());
    put(
        "svc/common/types.json",
        &json!({"swagger": "2.0", "info": {"title": "common", "version": "1"}, "paths": {},
                "definitions": {"Error": {"type": "object", "properties": {"message": {"type": "string"}}}}}),
    );
    put(
        "svc/v1/widgets.json",
        &service("1", &[("GetWidget", "/widgets")], true),
    );
    put(
        "svc/v1/examples/GetWidget.json",
        &json!({"parameters": {"vaultBaseUrl": "https://x", "api-version": "1"}, "responses": {"200": {"body": {"name": "w"}}}}),
    );
    put(
        "svc/v1/gadgets.json",
        &service("1", &[("GetGadget", "/gadgets")], false),
    );
    put(
        "svc/v2/widgets.json",
        &service("2", &[("GetWidget", "/widgets")], false),
    );
    put(
        "svc/v2/widgets-more.json",
        &service("2", &[("ListWidgets", "/widgets/all")], false),
    );
}

#[test]
fn a_spec_move_is_a_config_edit_and_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mirror) = (dir.path().join("ws"), dir.path().join("mirror"));
    set_up(&root, &mirror);
    let mirror_s = mirror.to_str().unwrap();
    let config_path = root.join("specs/codegen.toml");

    // Version 1.
    write(&config_path, &config(V1_MODULES));
    let report = codegen(&root, &["lock", "--mirror", mirror_s, "--commit", COMMIT_1]);
    assert!(
        report.contains("4 files pinned (4 added, 0 changed, 0 removed)"),
        "{report}"
    );
    let lock1 = std::fs::read_to_string(root.join("specs/specs.lock")).unwrap();
    assert!(
        lock1.starts_with("# Pinned spec files."),
        "the header is kept: {lock1}"
    );
    for file in [
        "svc/common/types.json",
        "svc/v1/widgets.json",
        "svc/v1/gadgets.json",
        "svc/v1/examples/GetWidget.json",
    ] {
        assert!(
            lock1.contains(&format!("path = \"{file}\"")),
            "{file}: {lock1}"
        );
    }
    codegen(&root, &["sync", "--mirror", mirror_s]);
    codegen(&root, &["generate"]);
    assert!(root.join("generated/svc/src/gadgets/mod.rs").exists());
    cargo_check(&root);
    assert!(
        app_cfgs().contains("svc_module=\"gadgets\""),
        "{}",
        app_cfgs()
    );
    let baseline = dir.path().join("v1");
    copy_dir(&root.join("generated"), &baseline.join("generated"));

    // Version 2: the config edit, then the same commands.
    write(&config_path, &config(V2_MODULES));
    let report = codegen(&root, &["lock", "--mirror", mirror_s, "--commit", COMMIT_2]);
    assert!(
        report.contains("3 files pinned (2 added, 0 changed, 3 removed)"),
        "{report}"
    );
    let lock2 = std::fs::read_to_string(root.join("specs/specs.lock")).unwrap();
    // The common file's bytes did not change: its pin (commit 1) is kept.
    let common = lock2
        .split("[[file]]")
        .find(|e| e.contains("svc/common/types.json"))
        .unwrap();
    assert!(common.contains(COMMIT_1), "{lock2}");
    assert!(!lock2.contains("svc/v1/"), "{lock2}");
    codegen(&root, &["sync", "--mirror", mirror_s]);
    let diff = codegen(&root, &["diff"]);
    assert!(diff.contains("- [breaking] module svc::gadgets"), "{diff}");
    assert!(
        diff.contains("+ operation svc::widgets::ListWidgets"),
        "{diff}"
    );
    assert!(diff.contains("svc::widgets: api-version 1 -> 2"), "{diff}");
    codegen(&root, &["generate"]);
    let widgets = std::fs::read_to_string(root.join("generated/svc/src/widgets/mod.rs")).unwrap();
    assert!(widgets.contains("pub fn get_widget(") && widgets.contains("pub fn list_widgets("));
    let models = std::fs::read_to_string(root.join("generated/svc/src/widgets/models.rs")).unwrap();
    assert_eq!(models.matches("pub struct Widget {").count(), 1, "{models}");
    assert!(!root.join("generated/svc/src/gadgets").exists());
    cargo_check(&root);
    assert!(!app_cfgs().contains("gadgets"), "{}", app_cfgs());
    assert!(
        app_cfgs().contains("svc_module=\"widgets\""),
        "{}",
        app_cfgs()
    );

    // The diff against the version-1 tree, after generating: the same report.
    let against_v1 = codegen(&root, &["diff", "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(against_v1, diff);
}
