//! `keyvault-emulator [flags]` (see `--help`): runs the Key Vault emulator until interrupted.

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: keyvault-emulator [flags]

A local Azure Key Vault (data plane and management plane) for tests.

  --addr IP:PORT         where to listen (default 127.0.0.1:0, a free port)
  --cert-out FILE        write the emulator's CA certificate (PEM) to trust there
  --http                 plain http instead of HTTPS (loopback addresses only)
  --strict-auth          accept only tokens its own token endpoint issued
  --delete-delay-ms N    how long a soft delete stays in progress (default 200)
  --vault NAME           name a vault (repeatable): served on a port of its own as well, and
                         NAME.localhost is in the certificate (any vault also works unnamed:
                         https://NAME.localhost:PORT or https://127.0.0.1:PORT/vaults/NAME)
  --alias HOST=NAME      requests addressed to HOST go to the vault NAME (repeatable)
  --state FILE           load the state from FILE (if it exists) and write it there after
                         every change, atomically (export and import it at run time with
                         GET/PUT /_emulator/state); without it the state is in memory only.
                         The CA is kept beside it (FILE.ca.pem), so clients keep trusting it
  --clock-offset-days N  start the emulator's clock N days ahead (move it at run time with
                         POST /_emulator/clock {\"advance\": \"P30D\"}; GET shows it)

Fault injection (also at run time: PUT/GET/DELETE /_emulator/faults):
  --fault KIND           throttle (429 + Retry-After), unavailable (503 + Retry-After), reset
  --fault-share X        the share of requests faulted, 0 to 1 (default 1)
  --fault-count N        only the next N faults
  --retry-after S        the Retry-After seconds of 429 and 503 answers (default 1)
  --latency-ms N         added to every request

  -h, --help             this text";

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = keyvault_emulator::EmulatorOptions::default();
    let mut cert_out = None;
    let mut faults = keyvault_emulator::FaultSettings::default();
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
            "--state" => value("--state").map(|v| options = options.clone().with_state_file(v)),
            "--vault" => value("--vault").map(|v| options = options.clone().with_vault(&v)),
            "--alias" => value("--alias").and_then(|v| match v.split_once('=') {
                Some((host, vault)) if !host.is_empty() && !vault.is_empty() => {
                    options = options.clone().with_alias(host, vault);
                    Ok(())
                }
                _ => Err(format!("--alias {v}: expected HOST=NAME")),
            }),
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
            "--clock-offset-days" => value("--clock-offset-days").and_then(|v| {
                let days: u64 = v
                    .parse()
                    .map_err(|e| format!("--clock-offset-days {v}: {e}"))?;
                if days > 36_500 {
                    return Err(format!("--clock-offset-days {v}: at most 36500"));
                }
                options = options
                    .clone()
                    .with_clock_offset(Duration::from_secs(days * 86_400));
                Ok(())
            }),
            "--fault" => {
                value("--fault").and_then(|v| v.parse().map(|kind| faults.kind = Some(kind)))
            }
            "--fault-share" => value("--fault-share").and_then(|v| {
                v.parse()
                    .map(|share| faults.share = Some(share))
                    .map_err(|e| format!("--fault-share {v}: {e}"))
            }),
            "--fault-count" => value("--fault-count").and_then(|v| {
                v.parse()
                    .map(|count| faults.count = Some(count))
                    .map_err(|e| format!("--fault-count {v}: {e}"))
            }),
            "--retry-after" => value("--retry-after").and_then(|v| {
                v.parse()
                    .map(|seconds| faults.retry_after_seconds = Some(seconds))
                    .map_err(|e| format!("--retry-after {v}: {e}"))
            }),
            "--latency-ms" => value("--latency-ms").and_then(|v| {
                v.parse()
                    .map(|ms| faults.latency_ms = Some(ms))
                    .map_err(|e| format!("--latency-ms {v}: {e}"))
            }),
            "-h" | "--help" => {
                // Not println!: a closed pipe (`emulator --help | head`) is not a panic.
                use std::io::Write;
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        if let Err(message) = parsed {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    let emulator = match keyvault_emulator::Emulator::start(options.with_faults(faults)).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = cert_out {
        let written = std::path::Path::new(&path)
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, emulator.certificate_pem()));
        if let Err(e) = written {
            eprintln!("error: cannot write the certificate to {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("listening on {}", emulator.url());
    for (name, url) in emulator.named_vaults() {
        println!(
            "vault {name}: {url} (also {})",
            emulator.vault_host_url(name)
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
