//! The generator's configuration (`specs/codegen.toml`): which spec files feed which crate and
//! module. Moving to a new api-version is an edit here, then `lock`, `sync`, `diff` and
//! `generate`.

use std::collections::BTreeMap;
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
    /// The license text, relative to the workspace root: copied into every publishable
    /// generated crate (MIT asks for the notice in every copy, and a package holds only its
    /// own folder).
    pub license_file: Option<String>,
    /// The `rust-version` of every generated crate: what the crates and their dependencies
    /// need (the hand-written crates declare the same; `scripts/check_rust_version.py`
    /// checks it against the dependencies). None: no `rust-version` line.
    pub rust_version: Option<String>,
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
    /// crates.io keywords (at most 5).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// crates.io category slugs.
    #[serde(default)]
    pub categories: Vec<String>,
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
    /// `Definition.property`: the definition's name and the property's key as the spec writes
    /// them (wire names, not `x-ms-client-name`s: `JsonWebKey.key_hsm`, not `JsonWebKey.t`).
    /// Their Debug output is redacted.
    #[serde(default)]
    pub sensitive_fields: Vec<String>,
    /// Method names for operations whose operationId does not make a readable one
    /// (`securewrapkey` -> `secure_wrap_key`), keyed by operationId.
    #[serde(default)]
    pub method_names: BTreeMap<String, String>,
    /// POST and PATCH operations the service treats as idempotent (a computation such as
    /// encrypt or sign, a backup blob, an update that sets absolute values), by operationId or
    /// `*` pattern: the retry policy may re-send them after a lost connection. Others (create,
    /// import, restore, recover) are only retried when the request never left the client. An
    /// entry that matches no POST or PATCH operation is an error.
    #[serde(default)]
    pub idempotent_operations: Vec<String>,
    /// Notes added to the docs of the operations they name (hand-written guidance that the
    /// spec lacks, such as which poller waits for a delete); each must match an operation.
    #[serde(default, rename = "doc_note")]
    pub doc_notes: Vec<DocNote>,
    /// The modules.
    #[serde(rename = "module")]
    pub modules: Vec<ModuleConfig>,
}

/// A note for the docs of some operations.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DocNote {
    /// The operations, by operationId or `*` pattern.
    pub operations: Vec<String>,
    /// The text (Markdown), appended to each one's docs.
    pub note: String,
}

/// One module: one client, fed by one or more spec files (autorest's readme tags list several
/// files for one client; a version split over files, or merged into one, keeps one client).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ModuleConfig {
    /// The Rust module name.
    pub name: String,
    /// The spec files, relative to the specs folder: one path or a list. The first one gives
    /// the module's title, host and api-version; the others must agree on host and version.
    #[serde(deserialize_with = "one_or_many")]
    pub spec: Vec<String>,
    /// Which of the files' operations this module serves, by operationId: exact ids or
    /// patterns with `*` (`RoleDefinitions_*`). Absent: all of them. When several modules read
    /// one file, each of its operations must belong to exactly one of them.
    pub operations: Option<Vec<String>>,
    /// The client type's name.
    pub client: String,
    /// The Cargo feature that enables the module; `None` means always compiled.
    pub feature: Option<String>,
    /// Whether the feature is on by default.
    #[serde(default = "yes")]
    pub default: bool,
    /// Why the module is off by default or otherwise special, for its docs.
    pub note: Option<String>,
    /// What the client does, one sentence for its docs and the crate's module list. Without
    /// it the spec's `info.title` and `info.description` are used, which Key Vault's files
    /// share (every data-plane file says "performs cryptographic key operations").
    pub summary: Option<String>,
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

/// A string or a list of strings.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// Whether an operationId matches a config pattern: the exact id, or `*` standing for any
/// run of characters.
pub fn matches_pattern(pattern: &str, id: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == id;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if id.len() < first.len() + last.len() || !id.starts_with(first) || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
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
                if module.spec.is_empty() {
                    return Err(Error::new(format!(
                        "config {}: module `{}` names no spec file",
                        origin.display(),
                        module.name
                    )));
                }
                if module.operations.as_ref().is_some_and(Vec::is_empty) {
                    return Err(Error::new(format!(
                        "config {}: module `{}` has an empty `operations` list (leave it out to serve every operation)",
                        origin.display(),
                        module.name
                    )));
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn operation_patterns() {
        let cases = [
            ("GetSecret", "GetSecret", true),
            ("GetSecret", "GetSecrets", false),
            ("RoleDefinitions_*", "RoleDefinitions_List", true),
            ("RoleDefinitions_*", "RoleAssignments_List", false),
            ("*EkmConnection", "GetEkmConnection", true),
            ("*Ekm*", "GetEkmCertificate", true),
            ("*Ekm*", "FullBackup", false),
            ("Get*Status", "GetStatus", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "ac", false),
            ("a*a", "a", false),
            ("*", "anything", true),
        ];
        for (pattern, id, expected) in cases {
            assert_eq!(matches_pattern(pattern, id), expected, "{pattern} vs {id}");
        }
    }
}
