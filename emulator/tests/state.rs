//! `--state FILE` survives `kill -9`: every change the emulator acknowledged is in the file
//! when the process dies at any moment, and a new process serves it.

mod common;

use common::send;
use std::path::Path;
use std::process::{Child, Command};

/// Starts the binary over plain http with the state file; its address.
fn start(state: &Path) -> (Child, String) {
    let mut args: Vec<std::ffi::OsString> = ["--http", "--delete-delay-ms", "0", "--state"]
        .iter()
        .map(Into::into)
        .collect();
    args.push(state.into());
    let (child, line) = common::spawn(args);
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, addr)
}

#[test]
fn every_acknowledged_change_survives_kill_9() {
    let dir = std::env::temp_dir().join(format!("kv-emulator-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let mut acknowledged: Vec<(String, String)> = Vec::new();
    for round in 0..4 {
        let (mut child, addr) = start(&file);
        // Everything acknowledged before, in any earlier process, is served.
        for (name, value) in &acknowledged {
            let (status, body) = send(
                &addr,
                "GET",
                &format!("/secrets/{name}?api-version=2026-04-01"),
                "",
            )
            .unwrap_or_else(|| panic!("round {round}: no answer for {name}"));
            assert_eq!(status, 200, "round {round}: {name} lost: {body}");
            assert!(
                body.contains(value.as_str()),
                "round {round}: {name}: {body}"
            );
        }
        // A writer sets secrets as fast as it can; the process is killed while it does.
        let writer = {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut done = Vec::new();
                for i in 0.. {
                    let (name, value) = (format!("r{round}-s{i}"), format!("value-{round}-{i}"));
                    let body = format!(r#"{{"value": "{value}"}}"#);
                    match send(
                        &addr,
                        "PUT",
                        &format!("/secrets/{name}?api-version=2026-04-01"),
                        &body,
                    ) {
                        Some((200, _)) => done.push((name, value)),
                        Some((status, body)) => panic!("{name}: {status} {body}"),
                        None => return done,
                    }
                }
                done
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(150 + 70 * round));
        child.kill().unwrap(); // SIGKILL: no chance to flush anything
        child.wait().unwrap();
        let done = writer.join().unwrap();
        assert!(
            !done.is_empty(),
            "round {round}: nothing was written before the kill"
        );
        acknowledged.extend(done);
        // The file is whole JSON after every kill (the temporary file may remain).
        let text = std::fs::read(&file).unwrap();
        serde_json::from_slice::<serde_json::Value>(&text).expect("a whole state file");
    }
    // And a last process reads it all, including a soft delete in between.
    let (mut child, addr) = start(&file);
    let (name, _) = acknowledged[0].clone();
    let (status, _) = send(
        &addr,
        "DELETE",
        &format!("/secrets/{name}?api-version=2026-04-01"),
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, addr) = start(&file);
    let (status, _) = send(
        &addr,
        "GET",
        &format!("/secrets/{name}?api-version=2026-04-01"),
        "",
    )
    .unwrap();
    assert_eq!(status, 404, "deleted before the kill, still deleted");
    let (status, body) = send(
        &addr,
        "GET",
        &format!("/deletedsecrets/{name}?api-version=2026-04-01"),
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
    println!(
        "state: {} acknowledged secrets over 4 kills, none lost",
        acknowledged.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_state_file_that_is_not_one_is_refused_naming_it() {
    let dir = std::env::temp_dir().join(format!("kv-emulator-badstate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    for (content, expected) in [
        ("{not json", "not an emulator state"),
        (r#"{"format": 99}"#, "state format 99 is not supported"),
        (r#"{"vaults": {}}"#, "no `format` field"),
    ] {
        std::fs::write(&file, content).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_keyvault-emulator"))
            .args(["--http", "--state"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
