//! `codegen lock`: computes the lock file's entries for every file the config reaches.
//!
//! Starting from each module's spec files, every `$ref` is followed (other spec files,
//! common-types, and the `x-ms-examples` files the contract tests read), and each file is
//! pinned by path, upstream source path, commit and sha256. Bytes come from a mirror or from
//! downloads; the commit of a file comes, in this order, from the existing lock entry when
//! the bytes are unchanged, from the mirror's provenance table (`SOURCES.md`, as
//! `../shared/specs-upstream` has) when it lists those bytes, or from `--commit`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::config::Config;
use crate::documents::{collect_refs, resolve};
use crate::sync::{
    is_lower_hex, is_repository, local_path, path_problem, sha256_hex, Fetcher, Lock, LockedFile,
    SyncError, SyncSource,
};

/// What `lock` needs besides the config.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// Where the bytes come from.
    pub source: SyncSource,
    /// The upstream commit for files the existing lock and the mirror's provenance do not
    /// pin (new or changed files).
    pub commit: Option<String>,
    /// The repository of those files, when it is not the lock's (a fork).
    pub repository: Option<String>,
}

/// What [`compute`] found.
#[derive(Debug, Clone)]
pub struct LockReport {
    /// The new lock.
    pub lock: Lock,
    /// Paths pinned now but not before.
    pub added: Vec<String>,
    /// Paths whose pin (commit, source or hash) changed.
    pub changed: Vec<String>,
    /// Paths pinned before that the config no longer reaches.
    pub removed: Vec<String>,
    /// Example files a spec refers to that the source does not have, with the referring
    /// spec: upstream sometimes references examples it never committed. They stay unpinned
    /// and the contract tests report them.
    pub missing_examples: Vec<(String, String)>,
}

/// Why [`compute`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Fetching or validating failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// A spec file (not an example) the config reaches is not in the source.
    #[error("{path}: referenced by {referenced_by} but not found: {source}")]
    MissingSpec {
        /// The file.
        path: String,
        /// The file referring to it, or `the config`.
        referenced_by: String,
        /// The fetch error (boxed to keep the error small).
        #[source]
        source: Box<SyncError>,
    },
    /// A spec file is not JSON.
    #[error("{path}: not valid JSON: {message}")]
    NotJson {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// A `$ref` leads outside the specs folder or is not a plain relative path.
    #[error("{path}: reference `{reference}` {problem}")]
    BadReference {
        /// The referring file.
        path: String,
        /// The reference.
        reference: String,
        /// What is wrong.
        problem: String,
    },
    /// Nothing says which commit holds a file.
    #[error("{path}: no commit is known for these bytes (not in the lock, not in the mirror's SOURCES.md); pass --commit <sha> (and --repository owner/name for a fork)")]
    UnknownCommit {
        /// The file.
        path: String,
    },
    /// `--commit` or `--repository` is malformed.
    #[error("{0}")]
    BadOption(String),
}

/// One row of a mirror's provenance table.
#[derive(Debug, Clone)]
struct Provenance {
    source: String,
    commit: String,
    sha256: String,
}

/// Computes the lock for `config`'s pinned crates (those reading the top-level specs folder).
/// `existing` is the current lock, whose entries are kept where the bytes did not change.
pub fn compute(
    config: &Config,
    existing: &Lock,
    options: &LockOptions,
) -> Result<LockReport, LockError> {
    if let Some(commit) = &options.commit {
        if !is_lower_hex(commit, 40) {
            return Err(LockError::BadOption(format!(
                "--commit {commit:?} is not 40 lowercase hex digits"
            )));
        }
    }
    if let Some(repository) = &options.repository {
        if !is_repository(repository) {
            return Err(LockError::BadOption(format!(
                "--repository {repository:?} is not of the form owner/name"
            )));
        }
    }
    let provenance = match &options.source {
        SyncSource::Mirror(dir) => read_provenance(dir),
        SyncSource::Download { .. } => BTreeMap::new(),
    };
    let previous: BTreeMap<&str, &LockedFile> = existing
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let fetcher = Fetcher::new(&options.source, &existing.repository)?;
    let repository = options
        .repository
        .clone()
        .filter(|r| r != &existing.repository);

    // (path, referring file, is an example)
    let mut pending: Vec<(String, String, bool)> = config
        .crates
        .iter()
        .filter(|k| k.specs_dir.is_none())
        .flat_map(|k| &k.modules)
        .flat_map(|m| &m.spec)
        .map(|f| (f.clone(), "the config".to_owned(), false))
        .collect();
    pending.reverse();
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    let mut missing_examples = Vec::new();
    while let Some((path, referenced_by, example)) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        if let Some(problem) = path_problem(&path) {
            return Err(LockError::BadReference {
                path: referenced_by,
                reference: path,
                problem: problem.to_owned(),
            });
        }
        // What to ask the source for: a download needs the commit before the bytes, so a
        // pinned file is fetched at its pin (and stays pinned) and a new one at `--commit`.
        let mut entry = match previous.get(path.as_str()) {
            Some(old) => (*old).clone(),
            None => {
                let commit = match &options.commit {
                    Some(commit) => commit.clone(),
                    // A mirror has every file whatever its commit: the bytes decide it below.
                    None if fetcher.is_mirror() => "0".repeat(40),
                    None => return Err(LockError::UnknownCommit { path }),
                };
                LockedFile {
                    path: path.clone(),
                    source: path.clone(),
                    commit,
                    sha256: String::new(),
                    repository: repository.clone(),
                }
            }
        };
        let bytes = match fetcher.fetch(&entry) {
            Ok(bytes) => bytes,
            Err(e) if example && is_not_found(&e) => {
                missing_examples.push((path, referenced_by));
                continue;
            }
            Err(source) if is_not_found(&source) => {
                return Err(LockError::MissingSpec {
                    path,
                    referenced_by,
                    source: Box::new(source),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let sha256 = sha256_hex(&bytes);
        if entry.sha256 != sha256 {
            match provenance.get(&path).filter(|p| p.sha256 == sha256) {
                Some(p) => {
                    entry.source = p.source.clone();
                    entry.commit = p.commit.clone();
                    entry.repository = None;
                }
                None => match &options.commit {
                    Some(commit) => {
                        entry.source = path.clone();
                        entry.commit = commit.clone();
                        entry.repository = repository.clone();
                    }
                    None => return Err(LockError::UnknownCommit { path }),
                },
            }
            entry.sha256 = sha256;
        }
        if !example {
            let json: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| LockError::NotJson {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            let mut refs = Vec::new();
            collect_refs(&json, false, &mut refs);
            for (reference, is_example) in refs {
                let target = resolve(&path, &reference).map_err(|e| LockError::BadReference {
                    path: path.clone(),
                    reference: reference.clone(),
                    problem: e.message,
                })?;
                if target.file != path {
                    pending.push((target.file, path.clone(), is_example));
                }
            }
        }
        files.push(entry);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let now: BTreeMap<&str, &LockedFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let added = files
        .iter()
        .filter(|f| !previous.contains_key(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect();
    let changed = files
        .iter()
        .filter(|f| previous.get(f.path.as_str()).is_some_and(|old| *old != *f))
        .map(|f| f.path.clone())
        .collect();
    let removed = previous
        .keys()
        .filter(|p| !now.contains_key(*p))
        .map(|p| (*p).to_owned())
        .collect();
    missing_examples.sort();
    Ok(LockReport {
        lock: Lock {
            version: existing.version,
            repository: existing.repository.clone(),
            files,
        },
        added,
        changed,
        removed,
        missing_examples,
    })
}

/// Whether a fetch failed because the file is not there (rather than for another reason).
fn is_not_found(e: &SyncError) -> bool {
    matches!(
        e,
        SyncError::MissingMirrorFile { .. } | SyncError::HttpStatus { status: 404, .. }
    )
}

/// A mirror's `SOURCES.md` rows: `| \`path\` | \`specification/source\` | \`commit\` | bytes |
/// \`sha256\` | note |`. Anything else in the file is ignored; no table means no provenance.
fn read_provenance(mirror: &Path) -> BTreeMap<String, Provenance> {
    let Ok(text) = std::fs::read_to_string(local_path(mirror, "SOURCES.md")) else {
        return BTreeMap::new();
    };
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        if cells.len() < 5 {
            continue;
        }
        let (path, upstream, commit, sha256) = (cells[0], cells[1], cells[2], cells[4]);
        let Some(source) = upstream.strip_prefix("specification/") else {
            continue;
        };
        if is_lower_hex(commit, 40) && is_lower_hex(sha256, 64) && path_problem(path).is_none() {
            rows.insert(
                path.to_owned(),
                Provenance {
                    source: source.to_owned(),
                    commit: commit.to_owned(),
                    sha256: sha256.to_owned(),
                },
            );
        }
    }
    rows
}

/// The lock file's text: `header` (comment lines), then the entries.
pub fn render(lock: &Lock, header: &str) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(line);
        out.push('\n');
    }
    if !header.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "version = {}\nrepository = {}\n",
        lock.version,
        toml_string(&lock.repository)
    ));
    for f in &lock.files {
        out.push_str(&format!(
            "\n[[file]]\npath = {}\nsource = {}\ncommit = {}\nsha256 = {}\n",
            toml_string(&f.path),
            toml_string(&f.source),
            toml_string(&f.commit),
            toml_string(&f.sha256)
        ));
        if let Some(repository) = &f.repository {
            out.push_str(&format!("repository = {}\n", toml_string(repository)));
        }
    }
    out
}

/// The leading comment lines of a lock file, kept when it is rewritten.
pub fn header_of(text: &str) -> String {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}
