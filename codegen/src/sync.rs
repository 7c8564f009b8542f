//! Materializes the pinned upstream Swagger files listed in `specs/specs.lock`.
//!
//! The lock file is the build input: every file is pinned to a commit of the upstream
//! repository and to the sha256 of its bytes. [`sync`] fetches the files (from a local mirror
//! or over HTTP), checks every hash and only then swaps the new tree into place, so a failed
//! sync never leaves a half-written or unverified directory behind. [`verify`] is the cheap
//! check the generator runs first to tell the user to sync.
#![deny(missing_docs)]

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where [`SyncSource::Download`] fetches raw files from unless told otherwise.
pub const DEFAULT_DOWNLOAD_BASE: &str = "https://raw.githubusercontent.com";

/// The only lock file format version this module understands.
const LOCK_VERSION: u32 = 1;

/// Per-request limit for downloads; a spec file is at most a few hundred KiB.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Stands in for the lock file's name when a [`Lock`] built in memory is validated.
const IN_MEMORY_LOCK: &str = "<in-memory lock>";

/// The parsed contents of a lock file such as `specs/specs.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Format version; must be 1.
    pub version: u32,
    /// The upstream GitHub repository as `owner/name`, e.g. `Azure/azure-rest-api-specs`.
    pub repository: String,
    /// The pinned files, in lock file order (TOML key `file`).
    #[serde(rename = "file", default)]
    pub files: Vec<LockedFile>,
}

/// One pinned file of a [`Lock`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    /// Where the file is materialized below the destination (and found below a mirror), `/`-separated.
    pub path: String,
    /// Its path below the repository's `specification/` folder at `commit`; may differ from `path`.
    pub source: String,
    /// The upstream commit holding this content: 40 lowercase hex digits.
    pub commit: String,
    /// The sha256 of the file's exact bytes: 64 lowercase hex digits.
    pub sha256: String,
    /// The GitHub repository holding `commit` when it is not the lock's `repository` (a fork).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// Where [`sync`] gets the files from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncSource {
    /// A local directory laid out like the destination: each file is read from `<mirror>/<path>`.
    Mirror(PathBuf),
    /// Raw HTTP downloads from `{base_url}/{repository}/{commit}/specification/{source}`.
    Download {
        /// The server root, usually [`DEFAULT_DOWNLOAD_BASE`]; a trailing `/` is ignored.
        base_url: String,
    },
}

impl Default for SyncSource {
    fn default() -> Self {
        SyncSource::Download {
            base_url: DEFAULT_DOWNLOAD_BASE.to_owned(),
        }
    }
}

/// What [`sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    /// How many files the destination now holds.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// True when the destination already matched the lock exactly and was left alone.
    pub unchanged: bool,
}

/// Everything that can go wrong while loading a lock file, syncing or verifying.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The lock file could not be read.
    #[error("cannot read lock file {}: {source}", lock.display())]
    ReadLock {
        /// The lock file.
        lock: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The lock file is not valid TOML of the expected shape (including unknown keys).
    #[error("invalid lock file {}: {source}", lock.display())]
    ParseLock {
        /// The lock file.
        lock: PathBuf,
        /// The TOML decoder's error, with line and column (boxed to keep the error small).
        #[source]
        source: Box<toml::de::Error>,
    },
    /// The lock file has a version other than 1.
    #[error("lock file {}: unsupported version {found} (expected {LOCK_VERSION})", lock.display())]
    UnsupportedVersion {
        /// The lock file.
        lock: PathBuf,
        /// The version it declares.
        found: u32,
    },
    /// `repository` is not of the form `owner/name`.
    #[error("lock file {}: repository {repository:?} is not of the form owner/name", lock.display())]
    InvalidRepository {
        /// The lock file.
        lock: PathBuf,
        /// The offending value.
        repository: String,
    },
    /// An entry's `path` or `source` is not a plain relative `/`-separated path.
    #[error("lock file {}: entry {entry:?}: {field} {value:?} {problem}", lock.display())]
    InvalidPath {
        /// The lock file.
        lock: PathBuf,
        /// The entry's `path` as written.
        entry: String,
        /// Which key is wrong: `path` or `source`.
        field: &'static str,
        /// The offending value.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An entry's `commit` is not 40 lowercase hex digits.
    #[error("lock file {}: entry {entry:?}: commit {commit:?} is not 40 lowercase hex digits", lock.display())]
    InvalidCommit {
        /// The lock file.
        lock: PathBuf,
        /// The entry's `path`.
        entry: String,
        /// The offending value.
        commit: String,
    },
    /// An entry's `sha256` is not 64 lowercase hex digits.
    #[error("lock file {}: entry {entry:?}: sha256 {sha256:?} is not 64 lowercase hex digits", lock.display())]
    InvalidHash {
        /// The lock file.
        lock: PathBuf,
        /// The entry's `path`.
        entry: String,
        /// The offending value.
        sha256: String,
    },
    /// Two entries share the same `path`.
    #[error("lock file {}: duplicate entry for path {entry:?}", lock.display())]
    DuplicatePath {
        /// The lock file.
        lock: PathBuf,
        /// The repeated `path`.
        entry: String,
    },
    /// The mirror folder itself is missing: named as such rather than as the first file
    /// not found in it.
    #[error("the mirror folder {} does not exist (from --mirror or KV_SPECS_MIRROR); without a mirror, sync downloads the pinned files", mirror.display())]
    MissingMirror {
        /// The folder given.
        mirror: PathBuf,
    },
    /// A pinned file is not in the mirror.
    #[error("{path}: not found in mirror (looked at {})", mirror_file.display())]
    MissingMirrorFile {
        /// The entry's `path`.
        path: String,
        /// The file that was looked for.
        mirror_file: PathBuf,
    },
    /// A pinned file is missing from the destination (see [`verify`]).
    #[error("{path}: missing (looked at {})", file.display())]
    MissingFile {
        /// The entry's `path`.
        path: String,
        /// The file that was looked for.
        file: PathBuf,
    },
    /// The HTTP client could not be set up.
    #[error("cannot create HTTP client: {source}")]
    HttpClient {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A download failed before a complete response arrived.
    #[error("{path}: download of {url} failed: {cause} (without network access to it, sync from a mirror folder: --mirror DIR or KV_SPECS_MIRROR)")]
    Download {
        /// The entry's `path`.
        path: String,
        /// The requested URL.
        url: String,
        /// Why, down to the root cause (reqwest's own message only repeats the URL).
        cause: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered a download with a status other than 200.
    #[error("{path}: download of {url} failed with HTTP status {status}")]
    HttpStatus {
        /// The entry's `path`.
        path: String,
        /// The requested URL.
        url: String,
        /// The status code received.
        status: u16,
    },
    /// A file's bytes do not hash to the pinned sha256.
    #[error("{path}: sha256 mismatch: expected {expected}, actual {actual}")]
    HashMismatch {
        /// The entry's `path`.
        path: String,
        /// The sha256 the lock pins.
        expected: String,
        /// The sha256 of the bytes found.
        actual: String,
    },
    /// The destination exists but is not a plain directory, so it is not replaced.
    #[error("destination {} exists and is not a directory", dest.display())]
    DestinationNotDirectory {
        /// The destination.
        dest: PathBuf,
    },
    /// Any other file system operation failed.
    #[error("cannot {action} {}: {source}", file.display())]
    Io {
        /// What was being done, e.g. `write`.
        action: &'static str,
        /// The file or directory concerned.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl SyncError {
    fn io(action: &'static str, file: &Path) -> impl FnOnce(io::Error) -> SyncError {
        let file = file.to_path_buf();
        move |source| SyncError::Io {
            action,
            file,
            source,
        }
    }
}

impl Lock {
    /// Reads, parses and validates the lock file at `path`.
    pub fn load(path: &Path) -> Result<Lock, SyncError> {
        let text = fs::read_to_string(path).map_err(|source| SyncError::ReadLock {
            lock: path.to_path_buf(),
            source,
        })?;
        Lock::parse(&text, path)
    }

    /// Parses and validates lock file text; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Lock, SyncError> {
        let lock: Lock = toml::from_str(text).map_err(|e| SyncError::ParseLock {
            lock: origin.to_path_buf(),
            source: Box::new(e),
        })?;
        lock.validate(origin)?;
        Ok(lock)
    }

    /// Checks everything serde cannot: the values end up in file system paths and URLs,
    /// so anything that could escape the destination or the repository is refused here.
    fn validate(&self, origin: &Path) -> Result<(), SyncError> {
        let lock = || origin.to_path_buf();
        if self.version != LOCK_VERSION {
            return Err(SyncError::UnsupportedVersion {
                lock: lock(),
                found: self.version,
            });
        }
        if !is_repository(&self.repository) {
            return Err(SyncError::InvalidRepository {
                lock: lock(),
                repository: self.repository.clone(),
            });
        }
        let mut seen = HashSet::new();
        for file in &self.files {
            if let Some(repository) = file.repository.as_ref().filter(|r| !is_repository(r)) {
                return Err(SyncError::InvalidRepository {
                    lock: lock(),
                    repository: repository.clone(),
                });
            }
            for (field, value) in [("path", &file.path), ("source", &file.source)] {
                if let Some(problem) = path_problem(value) {
                    return Err(SyncError::InvalidPath {
                        lock: lock(),
                        entry: file.path.clone(),
                        field,
                        value: value.clone(),
                        problem,
                    });
                }
            }
            if !is_lower_hex(&file.commit, 40) {
                return Err(SyncError::InvalidCommit {
                    lock: lock(),
                    entry: file.path.clone(),
                    commit: file.commit.clone(),
                });
            }
            if !is_lower_hex(&file.sha256, 64) {
                return Err(SyncError::InvalidHash {
                    lock: lock(),
                    entry: file.path.clone(),
                    sha256: file.sha256.clone(),
                });
            }
            if !seen.insert(file.path.as_str()) {
                return Err(SyncError::DuplicatePath {
                    lock: lock(),
                    entry: file.path.clone(),
                });
            }
        }
        Ok(())
    }
}

/// An error's causes after its own message, joined ("error sending request: client error
/// (Connect): dns error: failed to lookup address information"); each only once, since
/// wrappers often repeat their cause's text.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

/// Whether `value` is a GitHub `owner/name` (it ends up in download URLs).
pub(crate) fn is_repository(value: &str) -> bool {
    value.split_once('/').is_some_and(|(owner, name)| {
        [owner, name].iter().all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    })
}

/// Says what is wrong with a lock path, if anything.
pub(crate) fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    if path.starts_with('/') {
        return Some("is absolute");
    }
    if path.contains('\\') {
        return Some("contains a backslash (use `/`)");
    }
    // A `:` would make `C:foo` a drive-relative path on Windows; NUL is never valid.
    if path.contains(':') || path.contains('\0') {
        return Some("contains `:` or NUL");
    }
    for component in path.split('/') {
        match component {
            "" => return Some("has an empty component"),
            "." => return Some("has a `.` component"),
            ".." => return Some("has a `..` component"),
            _ => {}
        }
    }
    None
}

pub(crate) fn is_lower_hex(value: &str, len: usize) -> bool {
    value.len() == len
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Joins a validated `/`-separated lock path onto `base` component by component, so the
/// result uses the platform's separator.
pub(crate) fn local_path(base: &Path, rel: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    out.extend(rel.split('/'));
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_hash(file: &LockedFile, bytes: &[u8]) -> Result<(), SyncError> {
    let actual = sha256_hex(bytes);
    if actual == file.sha256 {
        Ok(())
    } else {
        Err(SyncError::HashMismatch {
            path: file.path.clone(),
            expected: file.sha256.clone(),
            actual,
        })
    }
}

/// Checks that every file of `lock` is present below `dest` with its pinned hash.
///
/// Files in `dest` that the lock does not list are ignored here; [`sync`] removes them.
/// Stops at the first problem: [`SyncError::MissingFile`] or [`SyncError::HashMismatch`].
pub fn verify(lock: &Lock, dest: &Path) -> Result<(), SyncError> {
    lock.validate(Path::new(IN_MEMORY_LOCK))?;
    verify_files(lock, dest).map(|_| ())
}

/// [`verify`] without validation; returns the total size of the files.
fn verify_files(lock: &Lock, dest: &Path) -> Result<u64, SyncError> {
    let mut total = 0;
    for file in &lock.files {
        let local = local_path(dest, &file.path);
        let bytes = match fs::read(&local) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SyncError::MissingFile {
                    path: file.path.clone(),
                    file: local,
                });
            }
            Err(e) => return Err(SyncError::io("read", &local)(e)),
        };
        check_hash(file, &bytes)?;
        total += bytes.len() as u64;
    }
    Ok(total)
}

/// The files' total size when `dest` is a directory holding exactly the lock's files (right
/// hashes, nothing else but their parent directories), else `None`. Any I/O trouble just
/// means "not exact": the caller then rebuilds and reports real errors from that.
fn exact_size(lock: &Lock, dest: &Path) -> Option<u64> {
    if !fs::symlink_metadata(dest).ok()?.is_dir() {
        return None;
    }
    let files: HashSet<&str> = lock.files.iter().map(|f| f.path.as_str()).collect();
    let dirs: HashSet<&str> = lock
        .files
        .iter()
        .flat_map(|f| f.path.match_indices('/').map(|(i, _)| &f.path[..i]))
        .collect();
    fn walk(dir: &Path, prefix: &str, files: &HashSet<&str>, dirs: &HashSet<&str>) -> Option<()> {
        for entry in fs::read_dir(dir).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            // file_type() does not follow symlinks, so a symlink is never "exact".
            let kind = entry.file_type().ok()?;
            if kind.is_dir() && dirs.contains(rel.as_str()) {
                walk(&entry.path(), &rel, files, dirs)?;
            } else if !(kind.is_file() && files.contains(rel.as_str())) {
                return None;
            }
        }
        Some(())
    }
    walk(dest, "", &files, &dirs)?;
    verify_files(lock, dest).ok()
}

/// `<parent>/.<name>.<tag>-<pid>-<n>`: hidden, and unique per process and call.
fn sibling(parent: &Path, name: &str, tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

/// A directory that is removed on drop unless [`ScratchDir::keep`] was called, so every
/// early return (and even a panic) cleans up after itself.
struct ScratchDir {
    path: PathBuf,
    keep: bool,
}

impl ScratchDir {
    /// Creates a fresh, empty sibling directory of `<parent>/<name>`.
    fn create(parent: &Path, name: &str) -> Result<ScratchDir, SyncError> {
        loop {
            let path = sibling(parent, name, "tmp");
            match fs::create_dir(&path) {
                Ok(()) => return Ok(ScratchDir { path, keep: false }),
                // Left over from a crashed run with a recycled pid: try the next number.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(SyncError::io("create directory", &path)(e)),
            }
        }
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: the error that caused the drop is what the caller needs to see.
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Fetches one file's bytes, from the mirror or over HTTP.
pub(crate) enum Fetcher<'a> {
    Mirror(&'a Path),
    Download {
        client: reqwest::blocking::Client,
        base_url: &'a str,
        repository: &'a str,
    },
}

impl<'a> Fetcher<'a> {
    pub(crate) fn new(source: &'a SyncSource, repository: &'a str) -> Result<Self, SyncError> {
        Ok(match source {
            SyncSource::Mirror(mirror) if !mirror.is_dir() => {
                return Err(SyncError::MissingMirror {
                    mirror: mirror.clone(),
                })
            }
            SyncSource::Mirror(mirror) => Fetcher::Mirror(mirror),
            SyncSource::Download { base_url } => Fetcher::Download {
                client: reqwest::blocking::Client::builder()
                    .timeout(DOWNLOAD_TIMEOUT)
                    .user_agent(concat!("keyvault-codegen/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|source| SyncError::HttpClient { source })?,
                base_url: base_url.trim_end_matches('/'),
                repository,
            },
        })
    }

    /// Whether files come from a local mirror (which has every file, whatever its commit).
    pub(crate) fn is_mirror(&self) -> bool {
        matches!(self, Fetcher::Mirror(_))
    }

    pub(crate) fn fetch(&self, file: &LockedFile) -> Result<Vec<u8>, SyncError> {
        match self {
            Fetcher::Mirror(mirror) => {
                let local = local_path(mirror, &file.path);
                fs::read(&local).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => SyncError::MissingMirrorFile {
                        path: file.path.clone(),
                        mirror_file: local.clone(),
                    },
                    _ => SyncError::io("read", &local)(e),
                })
            }
            Fetcher::Download {
                client,
                base_url,
                repository,
            } => {
                let repository = file.repository.as_deref().unwrap_or(repository);
                let url = format!(
                    "{base_url}/{repository}/{}/specification/{}",
                    file.commit, file.source
                );
                let failed = |source: reqwest::Error| SyncError::Download {
                    path: file.path.clone(),
                    url: url.clone(),
                    cause: causes(&source),
                    source,
                };
                let response = client.get(&url).send().map_err(failed)?;
                let status = response.status();
                if status != reqwest::StatusCode::OK {
                    return Err(SyncError::HttpStatus {
                        path: file.path.clone(),
                        url,
                        status: status.as_u16(),
                    });
                }
                Ok(response.bytes().map_err(failed)?.to_vec())
            }
        }
    }
}

/// Makes `dest` hold exactly the files of `lock`, each verified against its sha256.
///
/// All files are fetched into a fresh temporary sibling of `dest` and verified there; only
/// then is the old `dest` (if any) replaced. On error the temporary directory is removed and
/// an existing `dest` is left as it was. If `dest` already matches the lock exactly, nothing
/// is fetched or written and the report says `unchanged`. Should removing the old tree fail
/// after the new one is in place, that is reported as an error although `dest` is updated.
pub fn sync(lock: &Lock, source: &SyncSource, dest: &Path) -> Result<SyncReport, SyncError> {
    // Fields are public, so a Lock may not have come through `parse`: its paths must still
    // not be able to escape `dest`.
    lock.validate(Path::new(IN_MEMORY_LOCK))?;
    if let Some(bytes) = exact_size(lock, dest) {
        return Ok(SyncReport {
            files: lock.files.len(),
            bytes,
            unchanged: true,
        });
    }
    let existing = match fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => {
            return Err(SyncError::DestinationNotDirectory {
                dest: dest.to_path_buf(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(SyncError::io("inspect", dest)(e)),
    };
    let name = dest.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        SyncError::DestinationNotDirectory {
            dest: dest.to_path_buf(),
        }
    })?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(SyncError::io("create directory", parent))?;

    let temp = ScratchDir::create(parent, name)?;
    let fetcher = Fetcher::new(source, &lock.repository)?;
    for file in &lock.files {
        let bytes = fetcher.fetch(file)?;
        // Check before writing so a bad download never touches the disk.
        check_hash(file, &bytes)?;
        let target = local_path(&temp.path, &file.path);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(SyncError::io("create directory", dir))?;
        }
        fs::write(&target, &bytes).map_err(SyncError::io("write", &target))?;
    }
    // Re-read what landed on disk: the swap below must only ever install a verified tree.
    let bytes = verify_files(lock, &temp.path)?;

    if existing {
        // Move the old tree aside rather than deleting it first, so a failed rename can
        // put it back and `dest` is never lost.
        // A name nothing sits at (any lookup error also ends the search; rename reports it).
        let backup = loop {
            let candidate = sibling(parent, name, "old");
            if fs::symlink_metadata(&candidate).is_err() {
                break candidate;
            }
        };
        fs::rename(dest, &backup).map_err(SyncError::io("move aside", dest))?;
        if let Err(e) = fs::rename(&temp.path, dest) {
            let _ = fs::rename(&backup, dest);
            return Err(SyncError::io("move into place", &temp.path)(e));
        }
        temp.keep();
        fs::remove_dir_all(&backup).map_err(SyncError::io("remove old copy", &backup))?;
    } else {
        fs::rename(&temp.path, dest).map_err(SyncError::io("move into place", &temp.path))?;
        temp.keep();
    }
    Ok(SyncReport {
        files: lock.files.len(),
        bytes,
        unchanged: false,
    })
}
