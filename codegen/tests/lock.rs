//! `codegen lock`: which files it pins (specs, what they `$ref`, their examples), where each
//! pin's commit comes from, and the errors that name what is missing.

mod common;

use std::collections::HashMap;
use std::path::Path;

use codegen::lock::{compute, render, LockError, LockOptions};
use codegen::sync::{Lock, SyncSource};
use serde_json::json;

const REPO: &str = "Azure/azure-rest-api-specs";
const COMMIT: &str = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
const TABLE_COMMIT: &str = "1234512345123451234512345123451234512345";

fn config() -> codegen::Config {
    codegen::Config::parse(
        r#"
specs_dir = "specs/upstream"
lock_file = "specs/specs.lock"
regenerate_command = "regen"

[[crate]]
name = "t"
path = "out"
version = "0.0.0"
description = "test"

[[crate.module]]
name = "api"
spec = "svc/api.json"
client = "ApiClient"

# Our own fixtures are not pinned.
[[crate]]
name = "fixtures"
path = "fx"
version = "0.0.0"
description = "fixtures"
specs_dir = "specs/fixtures"

[[crate.module]]
name = "local"
spec = "local.json"
client = "LocalClient"
"#,
        Path::new("inline.toml"),
    )
    .unwrap()
}

fn empty_lock() -> Lock {
    Lock {
        version: 1,
        repository: REPO.to_owned(),
        files: vec![],
    }
}

/// The files of the service: the spec, a common file it refers to, and two examples of
/// which only one exists.
fn files() -> Vec<(&'static str, String)> {
    vec![
        (
            "svc/api.json",
            json!({
                "paths": {"/a": {"get": {
                    "operationId": "A_Get",
                    "x-ms-examples": {
                        "present": {"$ref": "./examples/present.json"},
                        "absent": {"$ref": "./examples/absent.json"}
                    },
                    "responses": {"default": {"schema": {"$ref": "../common/types.json#/definitions/E"}}}
                }}}
            })
            .to_string(),
        ),
        (
            "common/types.json",
            json!({"definitions": {"E": {"type": "object"}}}).to_string(),
        ),
        // Examples are pinned byte for byte and not parsed (upstream ships broken ones).
        ("svc/examples/present.json", "{} <<<<<<< HEAD".to_owned()),
    ]
}

fn mirror(with_table: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut table = String::from(
        "| path | upstream path | commit | bytes | sha256 | note |\n|---|---|---|---|---|---|\n",
    );
    for (path, text) in files() {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, &text).unwrap();
        let sha = sha256(&text);
        table.push_str(&format!(
            "| `{path}` | `specification/upstream/{path}` | `{TABLE_COMMIT}` | {} | `{sha}` | |\n",
            text.len()
        ));
    }
    if with_table {
        std::fs::write(dir.path().join("SOURCES.md"), table).unwrap();
    }
    dir
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn options(source: SyncSource, commit: Option<&str>, repository: Option<&str>) -> LockOptions {
    LockOptions {
        source,
        commit: commit.map(str::to_owned),
        repository: repository.map(str::to_owned),
    }
}

#[test]
fn pins_specs_their_references_and_examples_with_the_mirrors_provenance() {
    let m = mirror(true);
    let report = compute(
        &config(),
        &empty_lock(),
        &options(SyncSource::Mirror(m.path().into()), None, None),
    )
    .unwrap();
    let paths: Vec<&str> = report.lock.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "common/types.json",
            "svc/api.json",
            "svc/examples/present.json"
        ]
    );
    for f in &report.lock.files {
        assert_eq!(f.commit, TABLE_COMMIT);
        assert_eq!(f.source, format!("upstream/{}", f.path));
        assert_eq!(
            f.sha256,
            sha256(&std::fs::read_to_string(m.path().join(&f.path)).unwrap())
        );
    }
    assert_eq!(
        report.missing_examples,
        [(
            "svc/examples/absent.json".to_owned(),
            "svc/api.json".to_owned()
        )]
    );
    assert_eq!(report.added.len(), 3);

    // Locking again changes nothing; an entry whose bytes are unchanged keeps its pin even
    // when --commit names another commit.
    let again = compute(
        &config(),
        &report.lock,
        &options(SyncSource::Mirror(m.path().into()), Some(COMMIT), None),
    )
    .unwrap();
    assert_eq!(again.lock, report.lock);
    assert!(again.added.is_empty() && again.changed.is_empty() && again.removed.is_empty());
}

#[test]
fn without_provenance_the_commit_must_be_given() {
    let m = mirror(false);
    let err = compute(
        &config(),
        &empty_lock(),
        &options(SyncSource::Mirror(m.path().into()), None, None),
    )
    .unwrap_err();
    assert!(
        matches!(err, LockError::UnknownCommit { ref path } if path == "svc/api.json"),
        "{err}"
    );
    assert!(err.to_string().contains("--commit"), "{err}");

    // With --commit and a fork: entries name the fork, and the rendered lock reads back.
    let report = compute(
        &config(),
        &empty_lock(),
        &options(
            SyncSource::Mirror(m.path().into()),
            Some(COMMIT),
            Some("someone/specs-fork"),
        ),
    )
    .unwrap();
    assert!(report.lock.files.iter().all(|f| f.commit == COMMIT
        && f.repository.as_deref() == Some("someone/specs-fork")
        && f.source == f.path));
    let text = render(&report.lock, "# header");
    assert!(text.starts_with("# header\n\nversion = 1\n"), "{text}");
    assert!(
        text.contains("repository = \"someone/specs-fork\""),
        "{text}"
    );
    assert_eq!(
        Lock::parse(&text, Path::new("specs.lock")).unwrap(),
        report.lock
    );
}

#[test]
fn a_missing_spec_is_an_error_naming_who_refers_to_it() {
    let m = mirror(true);
    std::fs::remove_file(m.path().join("common/types.json")).unwrap();
    let err = compute(
        &config(),
        &empty_lock(),
        &options(SyncSource::Mirror(m.path().into()), None, None),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("common/types.json") && text.contains("referenced by svc/api.json"),
        "{text}"
    );
}

#[test]
fn bad_options_are_refused() {
    let m = mirror(true);
    for (commit, repository) in [(Some("abc"), None), (None, Some("no-slash"))] {
        let err = compute(
            &config(),
            &empty_lock(),
            &options(SyncSource::Mirror(m.path().into()), commit, repository),
        )
        .unwrap_err();
        assert!(matches!(err, LockError::BadOption(_)), "{err}");
    }
}

#[test]
fn downloads_each_file_at_the_given_commit_from_the_given_repository() {
    let mut routes = HashMap::new();
    for (path, text) in files() {
        routes.insert(
            format!("/someone/fork/{COMMIT}/specification/{path}"),
            text.into_bytes(),
        );
    }
    let (addr, requested) = common::serve(routes);
    let report = compute(
        &config(),
        &empty_lock(),
        &options(
            SyncSource::Download {
                base_url: format!("http://{addr}"),
            },
            Some(COMMIT),
            Some("someone/fork"),
        ),
    )
    .unwrap();
    assert_eq!(report.lock.files.len(), 3);
    assert_eq!(
        report.missing_examples.len(),
        1,
        "a 404 example is reported, not fatal"
    );
    let first: Vec<String> = requested.lock().unwrap().drain(..).collect();
    assert!(first
        .iter()
        .all(|p| p.starts_with(&format!("/someone/fork/{COMMIT}/"))));
    // Pinned files are fetched at their pins: another --commit only pins new files (here
    // only the example upstream never had is asked for at it).
    let other = "0123401234012340123401234012340123401234";
    let again = compute(
        &config(),
        &report.lock,
        &options(
            SyncSource::Download {
                base_url: format!("http://{addr}"),
            },
            Some(other),
            Some("someone/fork"),
        ),
    )
    .unwrap();
    assert_eq!(again.lock, report.lock);
    let second = requested.lock().unwrap().clone();
    assert_eq!(
        second
            .iter()
            .filter(|p| p.starts_with(&format!("/someone/fork/{other}/")))
            .count(),
        1,
        "{second:?}"
    );

    // Without a commit, nothing says where a new file is.
    let err = compute(
        &config(),
        &empty_lock(),
        &options(
            SyncSource::Download {
                base_url: format!("http://{addr}"),
            },
            None,
            None,
        ),
    )
    .unwrap_err();
    assert!(matches!(err, LockError::UnknownCommit { .. }), "{err}");
}
