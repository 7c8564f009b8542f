//! The JavaScript fidelity check: the official JavaScript SDKs (`@azure/keyvault-secrets`,
//! `-keys` with `CryptographyClient`, `-certificates` and `@azure/arm-keyvault`, pinned in
//! `tests/js/package-lock.json`, installed by the test command with `npm ci`) run
//! `tests/js/fidelity.mjs` against the emulator: the ARM vault lifecycle (create, get, list by
//! group and by subscription, delete, list deleted, purge), secrets with the delete and recover
//! pollers, keys with local and remote cryptography, and the certificate poller.

use std::path::Path;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_javascript_sdks_work_against_the_emulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let js = root.join("tests/js");
    assert!(
        js.join("node_modules/@azure/keyvault-secrets").exists(),
        "the JavaScript SDKs are not installed: run `npm ci --prefix tests/js` (scripts/test.sh does)"
    );
    let emulator = emulator::Emulator::start(emulator::EmulatorOptions::default())
        .await
        .unwrap();
    let cert = std::env::temp_dir().join(format!("kv-emulator-js-{}.pem", std::process::id()));
    std::fs::write(&cert, emulator.certificate_pem()).unwrap();
    let url = emulator.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("fidelity.mjs")
            .current_dir(js)
            .env("EMULATOR_URL", url)
            // How Node trusts a private CA: read once at start, added to the built-in roots.
            .env("NODE_EXTRA_CA_CERTS", &cert)
            .output()
    })
    .await
    .unwrap()
    .expect("node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the JavaScript fidelity script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("js fidelity: all "))
        .expect("the summary line");
    assert!(summary.ends_with(" checks passed"), "{summary}");
}
