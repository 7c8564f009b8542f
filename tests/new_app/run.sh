#!/usr/bin/env bash
# A new application as a user makes it: `cargo new`, one dependency line for keyvault-sdk
# (plus tokio), tests/new_app/main.rs as its code. Built outside this workspace (its own
# target directory, the workspace's Cargo.lock for the same versions) and run against the
# emulator binary. Prints the cold build time. Run by scripts/test.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
emulator_pid=
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$repo" && cargo build -q -p keyvault-emulator)
"$repo/target/debug/keyvault-emulator" --addr 127.0.0.1:0 --cert-out "$work/emulator.pem" >"$work/emulator.log" 2>&1 &
emulator_pid=$!

cd "$work"
cargo new -q --vcs none app
cd app
cat >>Cargo.toml <<TOML
keyvault-sdk = { path = "$repo/sdk", features = ["cryptography"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
TOML
cp "$repo/tests/new_app/main.rs" src/main.rs
cp "$repo/Cargo.lock" Cargo.lock

# Its own target directory, kept between runs (cargo's own incremental reuse); delete it
# for a cold figure.
export CARGO_TARGET_DIR="$repo/target/new-app"
start=$(date +%s)
cargo build -q
echo "new app: built in $(($(date +%s) - start)) s ($(ls "$CARGO_TARGET_DIR/debug/deps" | grep -c '\.rlib$') rlibs)"

for _ in $(seq 100); do
  grep -q '^listening on' "$work/emulator.log" && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/emulator.log")
[ -n "$url" ] || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }
AZURE_KEYVAULT_URL="$url" KEYVAULT_MANAGEMENT_ENDPOINT="$url" KEYVAULT_CA_PEM="$work/emulator.pem" \
  "$CARGO_TARGET_DIR/debug/app"
