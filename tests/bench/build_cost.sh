#!/usr/bin/env bash
# Build cost, side by side in one run: a hello-world that gets a secret with our secrets client
# and DefaultAzureCredential, and the same with the official azure_security_keyvault_secrets and
# azure_identity crates. Each is built from clean (its own target folder) in debug, then in
# release; reported: debug build wall time and its ratio, unique crates, stripped release binary.
# Also the README's main job, `cargo run --example quickstart` (the sdk with its default
# features and the in-process emulator), built from clean in debug in the same run: its time
# against the official hello-world's.
#
#   bash tests/bench/build_cost.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/ours/src" "$work/official/src"
cat > "$work/ours/Cargo.toml" <<TOML
[package]
name = "hello-ours"
version = "0.0.0"
edition = "2021"
[dependencies]
keyvault = { path = "$root/generated/keyvault", default-features = false, features = ["secrets", "http2"] }
keyvault-identity = { path = "$root/identity" }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
[workspace]
TOML
cat > "$work/ours/src/main.rs" <<'RS'
use std::sync::Arc;
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("AZURE_KEYVAULT_URL").unwrap_or_else(|_| "https://example.vault.azure.net".into());
    let options = keyvault::runtime::ClientOptions::default()
        .with_credential(Arc::new(keyvault_identity::DefaultAzureCredential::new()));
    let client = keyvault::secrets::SecretClient::new(&url, options)?;
    if std::env::args().count() > 1 {
        let secret = client.get_secret("hello").await?;
        println!("{}", secret.value.map(|v| v.expose().len()).unwrap_or(0));
    }
    Ok(())
}
RS
cat > "$work/official/Cargo.toml" <<TOML
[package]
name = "hello-official"
version = "0.0.0"
edition = "2021"
[dependencies]
azure_security_keyvault_secrets = "1"
azure_identity = "1"
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
[workspace]
TOML
cat > "$work/official/src/main.rs" <<'RS'
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("AZURE_KEYVAULT_URL").unwrap_or_else(|_| "https://example.vault.azure.net".into());
    let credential = azure_identity::DeveloperToolsCredential::new(None)?;
    let client = azure_security_keyvault_secrets::SecretClient::new(&url, credential, None)?;
    if std::env::args().count() > 1 {
        let secret = client.get_secret("hello", None).await?.into_model()?;
        println!("{}", secret.value.map(|v| v.len()).unwrap_or(0));
    }
    Ok(())
}
RS

measure() {
  local dir="$1"
  (cd "$dir" && cargo generate-lockfile -q && cargo fetch -q)
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build -q)
  end=$(date +%s.%N)
  debug=$(echo "$end - $start" | bc)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build -q --release)
  local bin
  bin=$(find "$dir/target/release" -maxdepth 1 -type f -name 'hello-*' -perm -u+x | head -1)
  strip "$bin"
  size=$(stat -c %s "$bin")
  crates=$(cd "$dir" && cargo tree -e normal,build --prefix none 2>/dev/null | sed 's/ (\*)//; s/ (proc-macro)//' | awk '{print $1" "$2}' | sort -u | wc -l)
  echo "$debug $crates $size"
}

main_job() {
  local start end
  start=$(date +%s.%N)
  (cd "$root" && CARGO_TARGET_DIR="$work/main-job" cargo build -q --example quickstart)
  end=$(date +%s.%N)
  local crates
  crates=$(cd "$root" && cargo tree -p keyvault-sdk -e normal,build,dev --prefix none 2>/dev/null | sed 's/ (\*)//; s/ (proc-macro)//' | awk '{print $1" "$2}' | sort -u | wc -l)
  echo "$(echo "$end - $start" | bc) $crates"
}

read -r ours_time ours_crates ours_size < <(measure "$work/ours")
read -r off_time off_crates off_size < <(measure "$work/official")
read -r main_time main_crates < <(main_job)
printf '%-10s %14s %14s %18s\n' "hello" "debug build s" "unique crates" "release stripped"
printf '%-10s %14.1f %14d %15.1f MB\n' ours "$ours_time" "$ours_crates" "$(echo "$ours_size / 1000000" | bc -l)"
printf '%-10s %14.1f %14d %15.1f MB\n' official "$off_time" "$off_crates" "$(echo "$off_size / 1000000" | bc -l)"
printf '%-10s %14.1f %14d %18s\n' main-job "$main_time" "$main_crates" "(debug only)"
printf 'ratio build ours/official = %.2f\n' "$(echo "$ours_time / $off_time" | bc -l)"
printf 'ratio build main-job/official-hello = %.2f\n' "$(echo "$main_time / $off_time" | bc -l)"
