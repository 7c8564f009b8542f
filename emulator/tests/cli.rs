//! The emulator binary's command line: `--help` documents every flag it parses, and
//! `--cert-out` writes the certificate even into a folder that does not exist yet.

mod common;

use std::process::Command;

#[test]
fn help_lists_every_flag_the_binary_parses() {
    let output = Command::new(env!("CARGO_BIN_EXE_keyvault-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    let source = include_str!("../src/main.rs");
    let parsed: Vec<&str> = source
        .lines()
        .filter_map(|line| line.trim().strip_prefix('"'))
        .filter_map(|rest| rest.split_once('"').map(|(flag, _)| flag))
        .filter(|flag| flag.starts_with("--"))
        .collect();
    assert!(parsed.len() >= 10, "{parsed:?}");
    for flag in parsed {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}

#[test]
fn cert_out_creates_its_folder_and_an_unknown_flag_is_refused() {
    let dir = std::env::temp_dir().join(format!("kv-emulator-cli-{}", std::process::id()));
    let path = dir.join("nested/emulator.pem");
    let (mut child, line) = common::spawn(["--cert-out", path.to_str().unwrap()]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("listening on https://127.0.0.1:"),
        "{line}"
    );
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    std::fs::remove_dir_all(&dir).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_keyvault-emulator"))
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown argument `--no-such-flag`"));
}
