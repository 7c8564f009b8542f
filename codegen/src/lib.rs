//! The Key Vault client generator: spec loader -> intermediate representation -> Rust source.
//!
//! Three front doors: [`generate`] (pure: config and specs in, file map out) used by tests,
//! [`write()`] / [`check()`] over a workspace, and the `codegen` CLI.
#![deny(missing_docs)]

pub mod api;
pub mod config;
pub mod diff;
pub mod documents;
pub mod emit;
pub mod error;
pub mod ir;
pub mod lock;
pub mod lower;
pub mod naming;
pub mod spec;
pub mod sync;

use std::collections::BTreeMap;
use std::path::Path;

pub use config::Config;
pub use error::{Error, Origin, Result};

/// Lowers every crate of the config into the IR. `specs_dir` holds the synced spec files
/// (crates with their own `specs_dir` read it below `workspace_root`); `commits` maps spec paths
/// to pinned commits (for file headers).
pub fn lower(
    config: &Config,
    workspace_root: &Path,
    specs_dir: &Path,
    commits: &BTreeMap<String, String>,
) -> Result<Vec<ir::CrateIr>> {
    config
        .crates
        .iter()
        .map(|krate| {
            let dir = match &krate.specs_dir {
                Some(dir) => workspace_root.join(dir),
                None => specs_dir.to_owned(),
            };
            let mut lowered = lower::lower_crate(krate, &dir, commits)?;
            lowered.rust_version = config.rust_version.clone();
            if let (true, Some(file)) = (krate.publish, &config.license_file) {
                let path = workspace_root.join(file);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::new(format!("license_file {}: {e}", path.display())))?;
                lowered.license_text = Some(text);
            }
            Ok(lowered)
        })
        .collect()
}

/// Generates every file: a map from path (relative to the workspace root) to content.
pub fn generate(
    config: &Config,
    workspace_root: &Path,
    specs_dir: &Path,
    commits: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let crates = lower(config, workspace_root, specs_dir, commits)?;
    emit::emit_all(
        &crates,
        &config.regenerate_command,
        config.contract.as_ref(),
    )
}

/// Loads the config, the lock file and the synced specs of a workspace (verified against the
/// lock) and lowers every crate into the IR.
pub fn lower_workspace(root: &Path, config_path: &Path) -> Result<(Config, Vec<ir::CrateIr>)> {
    let config = Config::load(config_path)?;
    let lock =
        sync::Lock::load(&root.join(&config.lock_file)).map_err(|e| Error::new(e.to_string()))?;
    let specs_dir = root.join(&config.specs_dir);
    sync::verify(&lock, &specs_dir).map_err(|e| {
        Error::new(format!(
            "{e}\nthe synced specs are missing or stale: run `cargo run -p codegen -- sync` first"
        ))
    })?;
    let commits = lock
        .files
        .iter()
        .map(|f| (f.path.clone(), f.commit.clone()))
        .collect();
    let crates = lower(&config, root, &specs_dir, &commits)?;
    Ok((config, crates))
}

/// Loads, verifies and lowers a workspace (see [`lower_workspace`]) and generates.
pub fn generate_workspace(
    root: &Path,
    config_path: &Path,
) -> Result<(Config, BTreeMap<String, String>)> {
    let (config, crates) = lower_workspace(root, config_path)?;
    let files = emit::emit_all(
        &crates,
        &config.regenerate_command,
        config.contract.as_ref(),
    )?;
    Ok((config, files))
}

/// The API change between the generated crates checked in below `baseline` (usually the
/// workspace root itself) and what the workspace's config and synced specs generate now.
/// Only publishable crates count: the contract and fixture crates are not users' API.
pub fn api_diff(root: &Path, config_path: &Path, baseline: &Path) -> Result<diff::ApiDiff> {
    let (config, candidate) = generate_workspace(root, config_path)?;
    let crates: Vec<(String, String)> = config
        .crates
        .iter()
        .filter(|k| k.publish)
        .map(|k| (k.name.clone(), k.path.clone()))
        .collect();
    let mut checked_in = BTreeMap::new();
    for (_, path) in &crates {
        for rel in files_below(baseline, &format!("{path}/src")) {
            if rel.ends_with(".rs") {
                let file = baseline.join(&rel);
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| Error::new(format!("cannot read {}: {e}", file.display())))?;
                checked_in.insert(rel, text);
            }
        }
    }
    let old = api::Api::from_sources(&checked_in, &crates)?;
    let new = api::Api::from_sources(&candidate, &crates)?;
    Ok(diff::ApiDiff::between(&old, &new))
}

/// What [`write()`] or [`check()`] found.
#[derive(Debug, Default)]
pub struct Diff {
    /// Files whose content differs (or that are missing).
    pub changed: Vec<String>,
    /// Files in generated folders that generation no longer produces.
    pub stale: Vec<String>,
}

impl Diff {
    /// Whether the tree matches.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.stale.is_empty()
    }
}

fn diff(root: &Path, config: &Config, files: &BTreeMap<String, String>) -> Result<Diff> {
    let mut result = Diff::default();
    for (path, content) in files {
        match std::fs::read(root.join(path)) {
            Ok(existing) if existing == content.as_bytes() => {}
            _ => result.changed.push(path.clone()),
        }
    }
    let roots = config
        .crates
        .iter()
        .map(|k| k.path.as_str())
        .chain(config.contract.as_ref().map(|c| c.path.as_str()));
    for path in roots {
        result.stale.extend(
            files_below(root, path)
                .into_iter()
                .filter(|rel| !files.contains_key(rel)),
        );
    }
    result.stale.sort();
    Ok(result)
}

/// Every file below `root/dir`, as paths relative to `root` with `/` (none when the folder
/// does not exist).
fn files_below(root: &Path, dir: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

/// Writes the files that changed and removes stale ones; returns what it did.
pub fn write(root: &Path, config: &Config, files: &BTreeMap<String, String>) -> Result<Diff> {
    let d = diff(root, config, files)?;
    for path in &d.changed {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&target, &files[path])
            .map_err(|e| Error::new(format!("cannot write {}: {e}", target.display())))?;
    }
    for path in &d.stale {
        let file = root.join(path);
        std::fs::remove_file(&file)
            .map_err(|e| Error::new(format!("cannot remove {path}: {e}")))?;
        // A removed module leaves no empty folder behind (`remove_dir` fails on a folder
        // that still has files, which ends the walk up).
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(root) && *d != root) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(d)
}

/// Compares the files with the tree without writing.
pub fn check(root: &Path, config: &Config, files: &BTreeMap<String, String>) -> Result<Diff> {
    diff(root, config, files)
}
