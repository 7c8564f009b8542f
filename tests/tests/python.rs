//! The fidelity check: the official Python SDKs (pinned in `tests/python/requirements.txt`,
//! installed into `tests/python/.venv` by the test command) run `tests/python/fidelity.py`
//! against the emulator: secrets, keys with cryptography, the certificate poller, and a vault
//! created through the management client.

use std::path::Path;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdks_work_against_the_emulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join("tests/python/.venv/bin/python");
    assert!(
        python.exists(),
        "the Python SDKs are not installed: run `python3 -m venv tests/python/.venv && tests/python/.venv/bin/pip install -r tests/python/requirements.txt` (scripts/test.sh does)"
    );
    let emulator =
        keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default())
            .await
            .unwrap();
    let cert = std::env::temp_dir().join(format!("kv-emulator-{}.pem", std::process::id()));
    std::fs::write(&cert, emulator.certificate_pem()).unwrap();
    let script = root.join("tests/python/fidelity.py");
    let url = emulator.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("EMULATOR_URL", url)
            .env("EMULATOR_CERT", &cert)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the Python fidelity script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("python fidelity: all checks passed"));
}
