//! `codegen sync | generate | check`: see `--help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: codegen <command> [options]

commands:
  sync      materialize the pinned spec files (specs/specs.lock) into specs/upstream
            --mirror DIR     copy from a mirror folder (or env KV_SPECS_MIRROR)
            --base-url URL   download from this raw-file host (default https://raw.githubusercontent.com)
  generate  regenerate generated/ from the synced specs, writing only changed files
  check     regenerate in memory; exit 1 listing files that differ from generated/

common options:
  --root DIR      the workspace root (default: the current directory)
  --config FILE   the generator config (default: <root>/specs/codegen.toml)";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or_else(|| USAGE.to_owned())?;
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut root = PathBuf::from(".");
    let mut config = None;
    let mut mirror = std::env::var_os("KV_SPECS_MIRROR").map(PathBuf::from);
    let mut base_url = None;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--root" => root = PathBuf::from(value("--root")?),
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--mirror" => mirror = Some(PathBuf::from(value("--mirror")?)),
            "--base-url" => base_url = Some(value("--base-url")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let config_path = config.unwrap_or_else(|| root.join("specs/codegen.toml"));
    match command.as_str() {
        "sync" => {
            let cfg = codegen::Config::load(&config_path).map_err(|e| e.to_string())?;
            let lock =
                codegen::sync::Lock::load(&root.join(&cfg.lock_file)).map_err(|e| e.to_string())?;
            let source = match (mirror, base_url) {
                (_, Some(base_url)) => codegen::sync::SyncSource::Download { base_url },
                (Some(dir), None) => codegen::sync::SyncSource::Mirror(dir),
                (None, None) => codegen::sync::SyncSource::Download {
                    base_url: codegen::sync::DEFAULT_DOWNLOAD_BASE.to_owned(),
                },
            };
            let report = codegen::sync::sync(&lock, &source, &root.join(&cfg.specs_dir))
                .map_err(|e| e.to_string())?;
            if report.unchanged {
                println!(
                    "specs up to date: {} files verified in {}",
                    report.files, cfg.specs_dir
                );
            } else {
                println!(
                    "synced {} files ({} bytes) into {}, every sha256 verified",
                    report.files, report.bytes, cfg.specs_dir
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        "generate" | "check" => {
            let started = Instant::now();
            let (cfg, files) =
                codegen::generate_workspace(&root, &config_path).map_err(|e| e.to_string())?;
            let elapsed = started.elapsed();
            if command == "generate" {
                let diff = codegen::write(&root, &cfg, &files).map_err(|e| e.to_string())?;
                println!(
                    "generated {} files in {:.0} ms: {} written, {} stale removed",
                    files.len(),
                    elapsed.as_secs_f64() * 1000.0,
                    diff.changed.len(),
                    diff.stale.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                let diff = codegen::check(&root, &cfg, &files).map_err(|e| e.to_string())?;
                if diff.is_clean() {
                    println!("generated code is up to date ({} files)", files.len());
                    Ok(ExitCode::SUCCESS)
                } else {
                    for f in &diff.changed {
                        eprintln!("stale: {f}");
                    }
                    for f in &diff.stale {
                        eprintln!("no longer generated: {f}");
                    }
                    eprintln!(
                        "generated/ is out of date; run `{}`",
                        cfg.regenerate_command
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}
