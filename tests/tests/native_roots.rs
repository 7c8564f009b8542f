//! The `native-roots` feature: the system's trust store (here `SSL_CERT_FILE`, as a company CA
//! would be installed) is trusted without naming the certificate in the options. A test binary
//! of its own, because it sets a process-wide environment variable.

use keyvault_emulator::{Emulator, EmulatorOptions};
use keyvault_runtime::http::{HttpClient, Method, Request};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::ErrorKind;

#[tokio::test]
async fn the_system_trust_store_is_trusted_and_can_be_turned_off() {
    let emulator = Emulator::start(EmulatorOptions::default()).await.unwrap();
    let file = std::env::temp_dir().join(format!("kv-native-roots-{}.pem", std::process::id()));
    std::fs::write(&file, emulator.certificate_pem()).unwrap();
    // The only test in this process: nothing else reads the variables concurrently. The
    // machine's own SSL_CERT_DIR (if any) would add its roots too; this test wants only the file.
    std::env::remove_var("SSL_CERT_DIR");
    std::env::set_var("SSL_CERT_FILE", &file);
    let request = || {
        Request::new(
            Method::GET,
            format!("{}/secrets?api-version=2025-07-01", emulator.url())
                .parse()
                .unwrap(),
        )
    };

    let trusting = HyperTransport::new(&TransportOptions::default()).unwrap();
    let response = trusting.execute(&request()).await.unwrap();
    // The TLS handshake succeeded: the emulator answers with its challenge.
    assert_eq!(response.status.as_u16(), 401);

    let mut options = TransportOptions::default();
    options.native_roots = false;
    let webpki_only = HyperTransport::new(&options).unwrap();
    let error = webpki_only.execute(&request()).await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { .. }),
        "{error:?}"
    );

    std::env::set_var("SSL_CERT_FILE", file.with_extension("missing"));
    let error = HyperTransport::new(&TransportOptions::default()).unwrap_err();
    assert!(
        error.to_string().contains("system's root certificates"),
        "{error}"
    );
    let _ = std::fs::remove_file(&file);
}
