#!/usr/bin/env bash
# The test command (README): sync the pinned specs, check generated/ is fresh, lint, test.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned spec files come from a mirror folder when there is one (KV_SPECS_MIRROR, or
# ../shared/specs-upstream beside the checkout, as in CI); without one, `sync` downloads them at
# their pinned commits.
if [ -z "${KV_SPECS_MIRROR:-}" ] && [ -d ../shared/specs-upstream ]; then
  KV_SPECS_MIRROR="$(cd ../shared/specs-upstream && pwd)"
fi
[ -n "${KV_SPECS_MIRROR:-}" ] && export KV_SPECS_MIRROR

# Prism, the independent spec validator the contract tests run (pinned by its lock file).
SCARF_ANALYTICS=false DO_NOT_TRACK=1 npm ci --prefix tests/prism --no-audit --no-fund --loglevel=error

# The official JavaScript SDKs for the emulator's JS fidelity check (pinned by its lock file).
SCARF_ANALYTICS=false DO_NOT_TRACK=1 npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

# The official Python SDKs for the fidelity check against the emulator (pinned).
[ -x tests/python/.venv/bin/python ] || python3 -m venv tests/python/.venv
tests/python/.venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
# The cryptography known-answer vectors, checked independently with Python's `cryptography`
# (a dependency of the official SDKs above) before the Rust tests run them.
tests/python/.venv/bin/python sdk/tests/data/verify_vectors.py

cargo run -q -p codegen -- sync
cargo run -q -p codegen -- check
cargo fmt --all --check
cargo clippy -q --workspace --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -q --workspace --all-features --no-deps
# Every publishable crate packages, with its LICENSE and README and without test keys.
bash scripts/check_packages.sh
# Without default features (no HTTP/2): still builds, still lint-free.
cargo clippy -q -p keyvault-runtime -p keyvault --no-default-features -- -D warnings
cargo test --workspace --all-features -- --show-output

# Every fuzz target for a few seconds, built unoptimized to keep the build short (nightly +
# cargo-fuzz; long runs, optimized: bash fuzz/run.sh 600).
KV_FUZZ_BUILD="${KV_FUZZ_BUILD:-dev}" bash fuzz/run.sh "${KV_FUZZ_SECONDS:-5}"

# The emulator without its `crypto` feature (what the main job builds).
cargo test -q -p keyvault-emulator --no-default-features --test without_crypto

# The README's main job and the other examples, against the in-process emulator.
for example in quickstart get_key_and_secret create_vault manage_vaults recovery ids_and_cache local_crypto; do
  env -u AZURE_KEYVAULT_URL -u AZURE_SUBSCRIPTION_ID \
    cargo run -q --features keyvault-sdk/cryptography --example "$example"
done

# A new `cargo new` app with one dependency line for keyvault-sdk, against the emulator binary.
bash tests/new_app/run.sh
