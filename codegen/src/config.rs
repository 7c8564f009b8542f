//! The generator's configuration (`specs/codegen.toml`): which spec files feed which crate and
//! module. Moving to a new api-version is an edit here plus `sync` and `generate`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The whole configuration.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the synced spec files are, relative to the workspace root.
    pub specs_dir: String,
    /// The lock file, relative to the workspace root.
    pub lock_file: String,
    /// The command that regenerates, quoted in every file header.
    pub regenerate_command: String,
    /// Crates to generate.
    #[serde(rename = "crate")]
    pub crates: Vec<CrateConfig>,
    /// The contract-test support crate: per operation, a request built from an example's
    /// parameters through the generated client, and a decoder for its responses.
    pub contract: Option<ContractConfig>,
}

/// The generated contract-test support crate.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ContractConfig {
    /// The package name.
    pub name: String,
    /// Its folder, relative to the workspace root.
    pub path: String,
    /// The generated crates it covers (by package name).
    pub crates: Vec<String>,
}

/// One generated crate.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CrateConfig {
    /// The package name.
    pub name: String,
    /// Its folder, relative to the workspace root.
    pub path: String,
    /// The package version.
    pub version: String,
    /// The crate description (Cargo.toml and crate docs).
    pub description: String,
    /// Where this crate's spec files are, relative to the workspace root, when not the
    /// top-level `specs_dir` (the fixture crate reads our own specs, which are not locked).
    pub specs_dir: Option<String>,
    /// Whether the crate may be published (fixture crates may not).
    #[serde(default = "yes")]
    pub publish: bool,
    /// Long-running operations (by operationId) whose result is the initial response's body,
    /// although the spec's `final-state-via` names the status monitor (whose body is only a
    /// status): the poller still polls to the end, then returns the initial body.
    #[serde(default)]
    pub lro_result_from_initial_response: Vec<String>,
    /// How the crate's clients attach tokens.
    #[serde(default)]
    pub auth: AuthConfig,
    /// Path parameters that Key Vault lets callers leave empty ("the latest version"): they
    /// become optional builder settings instead of required arguments.
    #[serde(default)]
    pub optional_path_parameters: Vec<String>,
    /// Model fields that hold secrets the specs do not mark with `x-ms-secret`, as
    /// `Definition.property` (wire names); their Debug output is redacted.
    #[serde(default)]
    pub sensitive_fields: Vec<String>,
    /// The modules.
    #[serde(rename = "module")]
    pub modules: Vec<ModuleConfig>,
}

/// One module: one spec file and its client.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ModuleConfig {
    /// The Rust module name.
    pub name: String,
    /// The spec file, relative to the specs folder.
    pub spec: String,
    /// The client type's name.
    pub client: String,
    /// The Cargo feature that enables the module; `None` means always compiled.
    pub feature: Option<String>,
    /// Whether the feature is on by default.
    #[serde(default = "yes")]
    pub default: bool,
    /// Why the module is off by default or otherwise special, for its docs.
    pub note: Option<String>,
}

/// How a crate's clients authenticate.
#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthConfig {
    /// A bearer token for the spec's scopes on every request.
    #[default]
    Bearer,
    /// Key Vault's challenge flow (the data plane).
    KeyVaultChallenge,
}

fn yes() -> bool {
    true
}

impl Config {
    /// Reads and checks the configuration.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("cannot read the config {}: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Parses a configuration; unknown keys are errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text)
            .map_err(|e| Error::new(format!("invalid config {}: {e}", origin.display())))?;
        for krate in &config.crates {
            let mut names = std::collections::BTreeSet::new();
            for module in &krate.modules {
                if !names.insert(&module.name) {
                    return Err(Error::new(format!(
                        "config {}: crate `{}` has two modules named `{}`",
                        origin.display(),
                        krate.name,
                        module.name
                    )));
                }
            }
        }
        Ok(config)
    }
}
