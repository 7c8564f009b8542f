//! Tests for `codegen::sync`: mirror and HTTP sync, hash checks, atomic replacement and
//! lock validation.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::serve;

use codegen::sync::{self, Lock, LockedFile, SyncError, SyncSource};
use sha2::{Digest, Sha256};

const REPO: &str = "Azure/azure-rest-api-specs";
const COMMIT_A: &str = "1e74a8be95df3e53fd3a158bebcc5c558c62c0a4";
const COMMIT_B: &str = "e18652588ea9f6668aeaedb19918b58025398ab1";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Three files with nested directories; the bytes include CRLF, a BOM and non-UTF-8 so a
/// byte-exact copy is really checked.
fn sample_files() -> Vec<(&'static str, &'static str, &'static str, Vec<u8>)> {
    vec![
        ("top.json", "top.json", COMMIT_A, b"{\"a\": 1}\n".to_vec()),
        (
            "keyvault/data-plane/stable/secrets.json",
            "keyvault/data-plane/stable/older/secrets.json",
            COMMIT_B,
            b"\xef\xbb\xbf{\r\n  \"b\": 2\r\n}".to_vec(),
        ),
        (
            "keyvault/data-plane/common.json",
            "keyvault/data-plane/common.json",
            COMMIT_A,
            vec![0, 255, 10, 13, 128],
        ),
    ]
}

fn sample_lock() -> Lock {
    let mut text = format!("version = 1\nrepository = \"{REPO}\"\n");
    for (path, source, commit, bytes) in sample_files() {
        text.push_str(&format!(
            "\n[[file]]\npath = \"{path}\"\nsource = \"{source}\"\ncommit = \"{commit}\"\nsha256 = \"{}\"\n",
            sha256_hex(&bytes)
        ));
    }
    Lock::parse(&text, Path::new("test.lock")).expect("sample lock parses")
}

fn write_mirror(root: &Path) -> PathBuf {
    let mirror = root.join("mirror");
    for (path, _, _, bytes) in sample_files() {
        let file = mirror.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, bytes).unwrap();
    }
    mirror
}

/// Names in `dir` that look like sync scratch directories.
fn scratch_entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn assert_synced(dest: &Path) {
    for (path, _, _, bytes) in sample_files() {
        assert_eq!(fs::read(dest.join(path)).unwrap(), bytes, "{path}");
    }
}

#[test]
fn mirror_sync_copies_exact_bytes_and_second_sync_is_unchanged() {
    let root = tempfile::tempdir().unwrap();
    let mirror = write_mirror(root.path());
    let dest = root.path().join("specs").join("upstream");
    let lock = sample_lock();
    let source = SyncSource::Mirror(mirror);
    let total: u64 = sample_files().iter().map(|f| f.3.len() as u64).sum();

    let report = sync::sync(&lock, &source, &dest).unwrap();
    assert_eq!(
        (report.files, report.bytes, report.unchanged),
        (3, total, false)
    );
    assert_synced(&dest);
    sync::verify(&lock, &dest).unwrap();
    assert!(scratch_entries(&root.path().join("specs")).is_empty());

    let again = sync::sync(&lock, &source, &dest).unwrap();
    assert_eq!(
        (again.files, again.bytes, again.unchanged),
        (3, total, true)
    );

    // An extra file makes the tree inexact: it is rebuilt and the stray file disappears.
    fs::write(dest.join("keyvault/stray.json"), b"x").unwrap();
    assert!(!sync::sync(&lock, &source, &dest).unwrap().unchanged);
    assert!(!dest.join("keyvault/stray.json").exists());

    // A tampered file fails verify and is restored by sync.
    fs::write(dest.join("top.json"), b"tampered").unwrap();
    assert!(matches!(
        sync::verify(&lock, &dest),
        Err(SyncError::HashMismatch { .. })
    ));
    assert!(!sync::sync(&lock, &source, &dest).unwrap().unchanged);
    assert_synced(&dest);
    assert!(scratch_entries(&root.path().join("specs")).is_empty());

    fs::remove_file(dest.join("top.json")).unwrap();
    let err = sync::verify(&lock, &dest).unwrap_err();
    assert!(matches!(err, SyncError::MissingFile { .. }), "{err:?}");
    assert!(err.to_string().contains("top.json"), "{err}");
}

#[test]
fn hash_mismatch_leaves_nothing_behind_and_keeps_existing_dest() {
    let root = tempfile::tempdir().unwrap();
    let mirror = write_mirror(root.path());
    let good_hash = sha256_hex(&sample_files()[1].3);
    let bad_hash = "ab".repeat(32);
    let mut lock = sample_lock();
    lock.files[1].sha256 = bad_hash.clone();
    let source = SyncSource::Mirror(mirror);
    let parent = root.path().join("out");
    fs::create_dir(&parent).unwrap();
    let dest = parent.join("upstream");

    let err = sync::sync(&lock, &source, &dest).unwrap_err();
    match &err {
        SyncError::HashMismatch {
            path,
            expected,
            actual,
        } => {
            assert_eq!(path, "keyvault/data-plane/stable/secrets.json");
            assert_eq!(expected, &bad_hash);
            assert_eq!(actual, &good_hash);
        }
        other => panic!("expected HashMismatch, got {other:?}"),
    }
    let message = err.to_string();
    for needle in [
        "keyvault/data-plane/stable/secrets.json",
        bad_hash.as_str(),
        good_hash.as_str(),
    ] {
        assert!(message.contains(needle), "{message:?} lacks {needle}");
    }
    assert!(!dest.exists());
    assert!(
        scratch_entries(&parent).is_empty(),
        "{:?}",
        scratch_entries(&parent)
    );

    // An existing destination survives a failed sync untouched.
    fs::create_dir_all(dest.join("old")).unwrap();
    fs::write(dest.join("old/marker.txt"), b"keep me").unwrap();
    assert!(matches!(
        sync::sync(&lock, &source, &dest),
        Err(SyncError::HashMismatch { .. })
    ));
    assert_eq!(fs::read(dest.join("old/marker.txt")).unwrap(), b"keep me");
    assert_eq!(fs::read_dir(&dest).unwrap().count(), 1);
    assert!(
        scratch_entries(&parent).is_empty(),
        "{:?}",
        scratch_entries(&parent)
    );
}

#[test]
fn missing_mirror_file_is_named() {
    let root = tempfile::tempdir().unwrap();
    let mirror = write_mirror(root.path());
    let missing = mirror.join("keyvault/data-plane/common.json");
    fs::remove_file(&missing).unwrap();
    let dest = root.path().join("upstream");

    let err = sync::sync(&sample_lock(), &SyncSource::Mirror(mirror), &dest).unwrap_err();
    assert!(
        matches!(err, SyncError::MissingMirrorFile { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("keyvault/data-plane/common.json"),
        "{message}"
    );
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(!dest.exists());
    assert!(scratch_entries(root.path()).is_empty());
}

#[test]
fn missing_mirror_folder_is_named_as_such() {
    let root = tempfile::tempdir().unwrap();
    let absent = root.path().join("shared/specs-upstream");
    let dest = root.path().join("upstream");
    let err = sync::sync(&sample_lock(), &SyncSource::Mirror(absent.clone()), &dest).unwrap_err();
    assert!(matches!(err, SyncError::MissingMirror { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&absent.display().to_string()), "{message}");
    assert!(message.contains("does not exist"), "{message}");
    assert!(!dest.exists());
}

fn upstream_url_path(source: &str, commit: &str) -> String {
    format!("/{REPO}/{commit}/specification/{source}")
}

#[test]
fn download_requests_pinned_urls_and_writes_files() {
    let routes = sample_files()
        .into_iter()
        .map(|(_, source, commit, bytes)| (upstream_url_path(source, commit), bytes))
        .collect();
    let (addr, requested) = serve(routes);
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("upstream");
    // The trailing slash must not produce `//` in the URL.
    let source = SyncSource::Download {
        base_url: format!("http://{addr}/"),
    };

    let report = sync::sync(&sample_lock(), &source, &dest).unwrap();
    assert_eq!(report.files, 3);
    assert!(!report.unchanged);
    assert_synced(&dest);
    let expected: Vec<String> = sample_files()
        .iter()
        .map(|(_, source, commit, _)| upstream_url_path(source, commit))
        .collect();
    assert_eq!(*requested.lock().unwrap(), expected);

    // Up to date: no request at all.
    assert!(
        sync::sync(&sample_lock(), &source, &dest)
            .unwrap()
            .unchanged
    );
    assert_eq!(requested.lock().unwrap().len(), 3);
}

#[test]
fn download_404_names_file_and_status() {
    let mut routes: HashMap<String, Vec<u8>> = sample_files()
        .into_iter()
        .map(|(_, source, commit, bytes)| (upstream_url_path(source, commit), bytes))
        .collect();
    let gone = upstream_url_path("keyvault/data-plane/stable/older/secrets.json", COMMIT_B);
    routes.remove(&gone);
    let (addr, _) = serve(routes);
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("upstream");

    let source = SyncSource::Download {
        base_url: format!("http://{addr}"),
    };
    let err = sync::sync(&sample_lock(), &source, &dest).unwrap_err();
    assert!(
        matches!(err, SyncError::HttpStatus { status: 404, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("keyvault/data-plane/stable/secrets.json"),
        "{message}"
    );
    assert!(message.contains("404"), "{message}");
    assert!(
        message.contains(&format!("http://{addr}{gone}")),
        "{message}"
    );
    assert!(!dest.exists());
    assert!(scratch_entries(root.path()).is_empty());
}

#[test]
fn an_unreachable_download_host_names_the_cause_and_the_mirror_alternative() {
    // Nothing listens on the port: the message must say why (refused), not only the URL.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let root = tempfile::tempdir().unwrap();
    let source = SyncSource::Download {
        base_url: format!("http://{addr}"),
    };
    let err = sync::sync(&sample_lock(), &source, &root.path().join("upstream")).unwrap_err();
    assert!(matches!(err, SyncError::Download { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.to_ascii_lowercase().contains("connect"),
        "the cause: {message}"
    );
    assert!(
        message.contains("--mirror DIR or KV_SPECS_MIRROR"),
        "{message}"
    );
}

fn lock_text(entries: &[(&str, &str, &str, &str)]) -> String {
    let mut text = format!("version = 1\nrepository = \"{REPO}\"\n");
    for (path, source, commit, sha) in entries {
        text.push_str(&format!(
            "[[file]]\npath = '{path}'\nsource = '{source}'\ncommit = '{commit}'\nsha256 = '{sha}'\n"
        ));
    }
    text
}

fn parse_err(text: &str) -> SyncError {
    Lock::parse(text, Path::new("specs/specs.lock")).expect_err("lock should be rejected")
}

#[test]
fn lock_validation_rejects_bad_entries() {
    let sha = "0".repeat(64);
    let ok = lock_text(&[("a/b.json", "a/b.json", COMMIT_A, &sha)]);
    assert_eq!(Lock::parse(&ok, Path::new("x")).unwrap().files.len(), 1);

    for bad_path in [
        "a/../b.json",
        "../b.json",
        "/abs.json",
        "a//b.json",
        "./a.json",
        "a\\b.json",
        "",
        "C:/x.json",
    ] {
        let err = parse_err(&lock_text(&[(bad_path, "a/b.json", COMMIT_A, &sha)]));
        assert!(
            matches!(&err, SyncError::InvalidPath { field: "path", .. }),
            "{bad_path}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("specs/specs.lock"), "{message}");
    }
    let err = parse_err(&lock_text(&[(
        "a/b.json",
        "x/../../etc/passwd",
        COMMIT_A,
        &sha,
    )]));
    assert!(
        matches!(
            &err,
            SyncError::InvalidPath {
                field: "source",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("a/b.json") && err.to_string().contains("`..`"),
        "{err}"
    );

    let err = parse_err(&lock_text(&[(
        "a/b.json",
        "a/b.json",
        COMMIT_A,
        &"0".repeat(63),
    )]));
    assert!(
        matches!(&err, SyncError::InvalidHash { entry, .. } if entry == "a/b.json"),
        "{err:?}"
    );
    assert!(err.to_string().contains("specs/specs.lock"), "{err}");
    let err = parse_err(&lock_text(&[(
        "a/b.json",
        "a/b.json",
        COMMIT_A,
        &"A".repeat(64),
    )]));
    assert!(matches!(err, SyncError::InvalidHash { .. }), "{err:?}");
    let err = parse_err(&lock_text(&[(
        "a/b.json",
        "a/b.json",
        &COMMIT_A.to_uppercase(),
        &sha,
    )]));
    assert!(matches!(err, SyncError::InvalidCommit { .. }), "{err:?}");

    let err = parse_err(&lock_text(&[
        ("a/b.json", "a/b.json", COMMIT_A, &sha),
        ("a/b.json", "c.json", COMMIT_B, &sha),
    ]));
    assert!(
        matches!(&err, SyncError::DuplicatePath { entry, .. } if entry == "a/b.json"),
        "{err:?}"
    );

    let err = parse_err(&ok.replace("[[file]]\n", "[[file]]\nmirror = 'x'\n"));
    assert!(matches!(err, SyncError::ParseLock { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("specs/specs.lock") && message.contains("mirror"),
        "{message}"
    );
    let err = parse_err(&format!("extra = true\n{ok}"));
    assert!(matches!(err, SyncError::ParseLock { .. }), "{err:?}");

    let err = parse_err(&ok.replace("version = 1", "version = 2"));
    assert!(
        matches!(err, SyncError::UnsupportedVersion { found: 2, .. }),
        "{err:?}"
    );
    let err = parse_err(&ok.replace(REPO, "../evil"));
    assert!(
        matches!(err, SyncError::InvalidRepository { .. }),
        "{err:?}"
    );
}

#[test]
fn sync_revalidates_hand_built_locks() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("upstream");
    let lock = Lock {
        version: 1,
        repository: REPO.to_owned(),
        files: vec![LockedFile {
            path: "../escape.json".to_owned(),
            source: "escape.json".to_owned(),
            commit: COMMIT_A.to_owned(),
            sha256: "0".repeat(64),
            repository: None,
        }],
    };
    let err = sync::sync(&lock, &SyncSource::Mirror(root.path().to_path_buf()), &dest).unwrap_err();
    assert!(matches!(err, SyncError::InvalidPath { .. }), "{err:?}");
    assert!(matches!(
        sync::verify(&lock, &dest),
        Err(SyncError::InvalidPath { .. })
    ));
    assert!(!dest.exists() && !root.path().parent().unwrap().join("escape.json").exists());
}

#[test]
fn real_lock_loads_and_syncs_from_shared_mirror() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let lock = Lock::load(&workspace.join("specs/specs.lock")).unwrap();
    assert_eq!(lock.repository, REPO);

    let mirror = std::env::var_os("KV_SPECS_MIRROR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace.join("../shared/specs-upstream"));
    if !mirror.is_dir() {
        eprintln!("skipping mirror sync: {} does not exist", mirror.display());
        return;
    }
    // The lock is exactly what `codegen lock --mirror` computes from the config.
    let config = codegen::Config::load(&workspace.join("specs/codegen.toml")).unwrap();
    let options = codegen::lock::LockOptions {
        source: SyncSource::Mirror(mirror.clone()),
        commit: None,
        repository: None,
    };
    let computed = codegen::lock::compute(&config, &lock, &options).unwrap();
    assert_eq!(
        (computed.added, computed.changed, computed.removed),
        (vec![], vec![], vec![]),
        "specs/specs.lock is stale: run `cargo run -p codegen -- lock --mirror <mirror>`"
    );
    assert_eq!(computed.lock, lock);

    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("upstream");
    let report = sync::sync(&lock, &SyncSource::Mirror(mirror), &dest).unwrap();
    assert_eq!(report.files, lock.files.len());
    assert!(!report.unchanged);
    sync::verify(&lock, &dest).unwrap();
}
