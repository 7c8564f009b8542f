//! The command line: help is a request, not a mistake; mistakes say what was wrong.

use std::process::Command;

fn codegen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(args)
        .output()
        .expect("run codegen")
}

#[test]
fn help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h", "help"] {
        let out = codegen(&[flag]);
        assert!(out.status.success(), "{flag}: {out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage: codegen"), "{flag}: {stdout}");
        assert!(out.stderr.is_empty(), "{flag}");
    }
    // After a command too.
    let out = codegen(&["generate", "--help"]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn unknown_commands_and_arguments_fail_with_usage() {
    for args in [&["frobnicate"][..], &["generate", "--frob"], &[]] {
        let out = codegen(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("usage: codegen"), "{args:?}: {stderr}");
    }
    let stderr = String::from_utf8_lossy(&codegen(&["frobnicate"]).stderr).into_owned();
    assert!(stderr.contains("unknown command `frobnicate`"), "{stderr}");
}
