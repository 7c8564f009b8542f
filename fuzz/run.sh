#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with cargo-fuzz on the nightly
# toolchain, from a corpus seeded with the pinned specs' examples, and prints per target the
# executions, the corpus size and whether it found a crash or a hang (a slow unit > 10 s).
# The test command runs it for a few seconds per target as a smoke run; findings are in
# fuzz/artifacts/<target>/ and become regression tests next to the code they break.
#
#   bash fuzz/run.sh 60
#
# KV_FUZZ_BUILD=dev builds the targets unoptimized (debug assertions and overflow checks on,
# as in release fuzzing): a third of the release build's time (on the 2-core machine 4.5
# against 13.6 min from clean: the generated crates are large and release fuzz builds use one
# codegen unit), for the test command's smoke run; long runs use the optimized default.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
case "${KV_FUZZ_BUILD:-release}" in
  release) build=-O ;;
  dev) build=-D ;;
  *) echo "KV_FUZZ_BUILD is release or dev, not ${KV_FUZZ_BUILD}" >&2; exit 2 ;;
esac

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi

# Where cargo keeps the url crate's sources (its package has the WHATWG URL test data).
export URL_CRATE_DIR="$(cargo metadata --format-version 1 --manifest-path Cargo.toml 2>/dev/null \
  | python3 -c 'import json,sys,os; m=json.load(sys.stdin); print(next((os.path.dirname(p["manifest_path"]) for p in m["packages"] if p["name"]=="url"), ""))' || true)"

# Seeds: example response bodies (one per model family byte), spec files, example URLs.
specs=../specs/upstream
if [ -d "$specs" ]; then
  python3 - "$specs" <<'PY'
import json, os, sys, glob
specs = sys.argv[1]
def put(target, name, data):
    d = os.path.join("corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
examples = sorted(glob.glob(os.path.join(specs, "**/examples/*.json"), recursive=True))
for i, path in enumerate(examples):
    try:
        with open(path, "rb") as f:
            example = json.loads(f.read().split(b"\n<<<<<<<")[0])
    except ValueError:
        continue
    for status, response in (example.get("responses") or {}).items():
        body = response.get("body") if isinstance(response, dict) else None
        if body is None:
            continue
        raw = json.dumps(body).encode()
        # The target reads the first byte as the model family (20 of them, then errors).
        put("responses", f"ex{i}-{status}", bytes([i % 21]) + raw)
        for value in json.dumps(body).split('"'):
            if value.startswith("https://"):
                put("url", f"ex{i}-{abs(hash(value)) % 10**8}", value.encode() + b"\n../x?y=1")
for i, path in enumerate(sorted(glob.glob(os.path.join(specs, "**/*.json"), recursive=True))):
    if "/examples/" not in path:
        with open(path, "rb") as f:
            put("spec_loader", f"spec{i}", f.read())
for i, header in enumerate([
    'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"',
    'Bearer realm="", authorization_uri="https://login.example/t/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="',
    "Negotiate abc+/==, Basic realm=\"a \\\"quoted\\\" realm\"",
]):
    put("challenge", f"seed{i}", header.encode())
for i, value in enumerate([b"\x0030", b"\x01250", b"\x021.5", b"\x00Wed, 21 Oct 2015 07:28:00 GMT"]):
    put("retry_after", f"seed{i}", value)
# The WHATWG URL test data (web-platform-tests' urltestdata.json, shipped in the url crate's
# package), as base and input pairs for both URL targets.
meta = os.environ.get("URL_CRATE_DIR", "")
data = os.path.join(meta, "tests", "urltestdata.json")
if meta and os.path.exists(data):
    with open(data, encoding="utf-8") as f:
        cases = [c for c in json.load(f) if isinstance(c, dict)]
    for i, case in enumerate(cases):
        base = case.get("base") or case.get("input", "")
        seed = (base + "\n" + case.get("input", "")).encode("utf-8", "surrogatepass")
        for target in ("url", "url_differential"):
            put(target, f"wpt{i}", seed)
for i, value in enumerate([
    b"\x00HTTP/1.1 200 Connection Established\r\n\r\n",
    b"\x00HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
    b"\x01.example.com, 10.0.0.0/8 fd00::/8,localhost\nwww.example.com",
    b"\x01*\n[::1]",
]):
    put("proxy", f"seed{i}", value)
# JSON Web Keys: the known-answer vectors' keys (RSA private, EC private, oct).
import base64
def b64(hexstr):
    return base64.urlsafe_b64encode(bytes.fromhex(hexstr)).rstrip(b"=").decode()
with open("../sdk/tests/data/jwa_vectors.json") as f:
    vectors = json.load(f)
for i, v in enumerate(vectors["rsa_encrypt"] + vectors["rsa_sign"]):
    jwk = {"kty": "RSA", **{k: b64(x) for k, x in v["jwk"].items()}}
    put("jwk", f"rsa{i}", bytes([i]) + json.dumps(jwk).encode())
crvs = {"P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "secp256k1": "P-256K"}
for i, v in enumerate(vectors["ec_sign"]):
    jwk = {"kty": "EC", "crv": crvs[v["crv"]], "x": b64(v["x"]), "y": b64(v["y"]), "d": b64(v["d"])}
    put("jwk", f"ec{i}", bytes([6 + i % 4]) + json.dumps(jwk).encode())
for i, v in enumerate(vectors["aes_kw"]):
    put("jwk", f"oct{i}", bytes([i]) + json.dumps({"kty": "oct", "k": b64(v["kek"])}).encode())
# Emulator state files: empty, and one vault with a live and a deleted secret, an oct key
# with a rotation policy, a deleted management vault and a pending purge.
attributes = {"enabled": True, "not_before": None, "expires": 4102444800, "created": 1700000000, "updated": 1700000000}
secret = {"value": "v", "content_type": None, "tags": None, "attributes": attributes}
key = {"jwk": {"kty": "oct", "k": "AAECAwQFBgcICQoLDA0ODw"}, "kty": "oct-HSM", "key_ops": ["encrypt"], "tags": None,
       "attributes": attributes, "spec": {"kty": "oct-HSM", "size": 128, "crv": None, "public_exponent": None}}
empty = {"live": {}, "deleted": {}}
vault = {
    "secrets": {"live": {"s": ["S", {"versions": [["0a", secret]]}]},
                "deleted": {"d": ["D", {"item": {"versions": [["0b", secret]]}, "deleted_date": 1700000000, "settled_at": 5}]}},
    "keys": {"live": {"k": ["k", {"versions": [["0c", key]]}]}, "deleted": {}},
    "rotation_policies": {"k": {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}]}},
    "certificates": empty, "pending": {}, "issuers": {}, "contacts": None,
    "ekm": {"connection": None, "client_certificate": None},
}
arm_vault = {"subscription": "s", "group": "g", "name": "v", "location": "l", "tags": {}, "properties": {"softDeleteRetentionInDays": 7},
             "ready_at": 0, "uri": "https://127.0.0.1:1/"}
admin = {"jobs": {}, "backups": {}, "role_definitions": [], "role_assignments": [], "settings": [[["/", "s"], "v"]]}
for i, (vaults, arm) in enumerate([
    ({}, {"vaults": {}, "deleted": {}, "purges": {}}),
    ({"127.0.0.1": vault}, {"vaults": {}, "deleted": {"v": {"vault": arm_vault, "deleted_at": "2026-01-01T00:00:00Z"}}, "purges": {"p": 10}}),
]):
    state = {"format": 1, "clockOffsetSeconds": 86400 * i, "vaults": vaults, "tokens": ["t"], "management": arm, "administration": admin}
    put("emulator_state", f"seed{i}", json.dumps(state).encode())
# A kept emulator CA: a self-signed P-256 certificate, then its PKCS#8 key (as the emulator
# writes FILE.ca.pem), made with openssl when it is there.
import shutil, subprocess, tempfile
if shutil.which("openssl"):
    with tempfile.TemporaryDirectory() as tmp:
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                               "-nodes", "-keyout", f"{tmp}/k.pem", "-out", f"{tmp}/c.pem", "-days", "1",
                               "-subj", "/CN=Key Vault emulator CA"], capture_output=True)
        if made.returncode == 0:
            put("emulator_ca", "seed0", open(f"{tmp}/c.pem", "rb").read() + open(f"{tmp}/k.pem", "rb").read())
put("form", "seed0", b"grant_type\tclient_credentials\nclient_secret\ta+b/c=d&e\nscope\thttps://vault.azure.net/.default")
PY
fi

cargo +nightly fuzz build "$build" 2>&1 | tail -3
status=0
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target" "artifacts/$target"
  log="$(mktemp)"
  if cargo +nightly fuzz run "$build" "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      >"$log" 2>&1; then
    result="0 crashes, 0 hangs"
  else
    result="FOUND A PROBLEM (see fuzz/artifacts/$target and the log below)"
    status=1
    tail -40 "$log"
  fi
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  corpus="$(find "corpus/$target" -type f | wc -l)"
  printf 'fuzz %-20s %6ss %10s executions, corpus %6s: %s\n' "$target" "$seconds" "${runs:-?}" "$corpus" "$result"
  rm -f "$log"
done
exit "$status"
