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
    // A named vault: by host name, on its own port, and through the alias `localhost`.
    let emulator = keyvault_emulator::Emulator::start(
        keyvault_emulator::EmulatorOptions::default()
            .with_vault("js-named")
            .with_alias("localhost", "js-named"),
    )
    .await
    .unwrap();
    let cert = std::env::temp_dir().join(format!("kv-emulator-js-{}.pem", std::process::id()));
    std::fs::write(&cert, emulator.certificate_pem()).unwrap();
    let url = emulator.url();
    let named = emulator.vault_url("js-named").unwrap();
    let by_host = emulator.vault_host_url("js-named");
    let alias = format!("https://localhost:{}", emulator.addr().port());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("fidelity.mjs")
            .current_dir(js)
            .env("EMULATOR_URL", url)
            .env("EMULATOR_NAMED_URL", named)
            .env("EMULATOR_HOST_URL", by_host)
            .env("EMULATOR_ALIAS_URL", alias)
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
