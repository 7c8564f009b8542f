//! `codegen sync | lock | generate | check | diff`: see `--help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: codegen <command> [options]

commands:
  sync      materialize the pinned spec files (specs/specs.lock) into specs/upstream
            --mirror DIR     copy from a mirror folder (or env KV_SPECS_MIRROR)
            --base-url URL   download from this raw-file host (default https://raw.githubusercontent.com)
  lock      rewrite specs/specs.lock for every file the config reaches (module specs, what
            they $ref, their examples): path, source, commit, sha256
            --mirror DIR     read the files from a mirror (its SOURCES.md gives commits)
            --base-url URL   or download them (default https://raw.githubusercontent.com)
            --commit SHA     the upstream commit of files the lock and mirror do not pin
            --repository R   their repository (owner/name), when not the lock's (a fork)
  generate  regenerate generated/ from the synced specs, writing only changed files
  check     regenerate in memory; exit 1 listing files that differ from generated/
  diff      regenerate in memory and print the API change against the checked-in crates:
            operations, methods, models, fields and enum values added, removed or changed,
            and which changes break users (semver)
            --baseline DIR   compare with the crates below DIR instead (e.g. a checkout of
                             the last release)

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
    let mut commit = None;
    let mut baseline = None;
    let mut repository = None;
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
            "--commit" => commit = Some(value("--commit")?),
            "--baseline" => baseline = Some(PathBuf::from(value("--baseline")?)),
            "--repository" => repository = Some(value("--repository")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let config_path = config.unwrap_or_else(|| root.join("specs/codegen.toml"));
    let source = match (mirror, base_url) {
        (_, Some(base_url)) => codegen::sync::SyncSource::Download { base_url },
        (Some(dir), None) => codegen::sync::SyncSource::Mirror(dir),
        (None, None) => codegen::sync::SyncSource::Download {
            base_url: codegen::sync::DEFAULT_DOWNLOAD_BASE.to_owned(),
        },
    };
    match command.as_str() {
        "lock" => {
            let cfg = codegen::Config::load(&config_path).map_err(|e| e.to_string())?;
            let lock_path = root.join(&cfg.lock_file);
            let text = std::fs::read_to_string(&lock_path)
                .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
            let existing =
                codegen::sync::Lock::parse(&text, &lock_path).map_err(|e| e.to_string())?;
            let options = codegen::lock::LockOptions {
                source,
                commit,
                repository,
            };
            let report =
                codegen::lock::compute(&cfg, &existing, &options).map_err(|e| e.to_string())?;
            let rendered = codegen::lock::render(&report.lock, &codegen::lock::header_of(&text));
            if rendered != text {
                std::fs::write(&lock_path, rendered)
                    .map_err(|e| format!("cannot write {}: {e}", lock_path.display()))?;
            }
            println!(
                "{}: {} files pinned ({} added, {} changed, {} removed)",
                cfg.lock_file,
                report.lock.files.len(),
                report.added.len(),
                report.changed.len(),
                report.removed.len()
            );
            for (example, spec) in &report.missing_examples {
                println!("not found, left unpinned: {example} (an example of {spec})");
            }
            Ok(ExitCode::SUCCESS)
        }
        "diff" => {
            let baseline = baseline.unwrap_or_else(|| root.clone());
            let diff =
                codegen::api_diff(&root, &config_path, &baseline).map_err(|e| e.to_string())?;
            print!("{}", diff.render());
            Ok(ExitCode::SUCCESS)
        }
        "sync" => {
            let cfg = codegen::Config::load(&config_path).map_err(|e| e.to_string())?;
            let lock =
                codegen::sync::Lock::load(&root.join(&cfg.lock_file)).map_err(|e| e.to_string())?;
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
