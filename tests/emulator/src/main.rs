//! `emulator --addr 127.0.0.1:PORT [--cert-out FILE] [--http] [--strict-auth]
//! [--delete-delay-ms N]`: runs the Key Vault emulator until interrupted.

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: emulator [--addr 127.0.0.1:PORT] [--cert-out FILE] [--http] [--strict-auth] [--delete-delay-ms N]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = emulator::EmulatorOptions::default();
    let mut cert_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let parsed: Result<(), String> = match arg.as_str() {
            "--addr" => value("--addr").and_then(|v| {
                v.parse()
                    .map(|addr| options = options.clone().with_addr(addr))
                    .map_err(|e| format!("--addr {v}: {e}"))
            }),
            "--cert-out" => value("--cert-out").map(|v| cert_out = Some(v)),
            "--http" => {
                options = options.clone().with_plain_http();
                Ok(())
            }
            "--strict-auth" => {
                options = options.clone().with_strict_auth(true);
                Ok(())
            }
            "--delete-delay-ms" => value("--delete-delay-ms").and_then(|v| {
                v.parse()
                    .map(|ms| {
                        options = options.clone().with_delete_delay(Duration::from_millis(ms))
                    })
                    .map_err(|e| format!("--delete-delay-ms {v}: {e}"))
            }),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        if let Err(message) = parsed {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    let emulator = match emulator::Emulator::start(options).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = cert_out {
        if let Err(e) = std::fs::write(&path, emulator.certificate_pem()) {
            eprintln!("error: cannot write the certificate to {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("listening on {}", emulator.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
