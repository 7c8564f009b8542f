#!/usr/bin/env bash
# Packages every publishable crate (`cargo package`, which checks the manifests, the file list
# and that path dependencies carry versions) and checks what each package holds: its LICENSE
# and README, and no key material (test certificates and keys stay in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(keyvault-runtime keyvault-identity keyvault keyvault-mgmt keyvault-sdk keyvault-emulator)
# --no-verify: verifying would compile every package again from its tarball (the workspace
# build already compiles the same sources); --allow-dirty: the test command runs on work trees.
cargo package -q --no-verify --allow-dirty $(printf -- '-p %s ' "${crates[@]}") 2>&1 \
  | grep -v -e '^warning: ignoring \(example\|test\)' -e '^\s*$' || true
status=0
for crate in "${crates[@]}"; do
  file="target/package/$crate-0.1.0.crate"
  listing="$(tar tzf "$file")"
  for needed in LICENSE README.md Cargo.toml src/lib.rs; do
    grep -qx "$crate-0.1.0/$needed" <<<"$listing" || { echo "$file: no $needed"; status=1; }
  done
  if grep -E '\.(pem|pfx|p12|key)$|/tests/data/' <<<"$listing"; then
    echo "$file: carries key material or test data"
    status=1
  fi
  echo "package $crate: $(wc -l <<<"$listing") files"
done
python3 scripts/check_rust_version.py "${crates[@]}" || status=1
exit "$status"
