#!/usr/bin/env python3
"""Checks that each publishable crate's `rust-version` is at least what its dependencies, as
locked, declare: the highest `rust-version` in its normal-dependency closure with default
features. Optional features that need a newer compiler are printed (the README names them),
not failed: an MSRV-aware resolver picks older versions of those dependencies for older
compilers.

Usage: check_rust_version.py CRATE... (run from the workspace root)
"""
import json
import subprocess
import sys


def version(text):
    """`1.88` and `1.88.0` alike, as (1, 88, 0)."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def closure(crate, features):
    """(name, version) of every package in the crate's normal-dependency tree."""
    out = subprocess.run(
        ["cargo", "tree", "-q", "-p", crate, "-e", "normal", "--prefix", "none", *features],
        check=True, capture_output=True, text=True,
    ).stdout
    return {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}


def main(crates):
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "-q"],
        check=True, capture_output=True, text=True,
    ).stdout)
    declared = {}
    needs = {}
    for package in metadata["packages"]:
        key = (package["name"], "v" + package["version"])
        if package.get("rust_version"):
            needs[key] = package["rust_version"]
        if package["name"] in crates and package.get("source") is None:
            declared[package["name"]] = package.get("rust_version")
    status = 0
    for crate in crates:
        ours = declared.get(crate)
        if not ours:
            print(f"{crate}: no rust-version")
            status = 1
            continue
        for features, strict in ([], True), (["--all-features"], False):
            found = [(version(needs[k]), k) for k in closure(crate, features) if k in needs]
            top, (name, ver) = max(found)
            shown = ".".join(map(str, top))
            label = "default features" if strict else "all features"
            if top > version(ours):
                print(f"{crate} ({label}): rust-version {ours}, but {name} {ver} needs {shown}")
                if strict:
                    status = 1
            elif strict:
                print(f"{crate}: rust-version {ours} covers its dependencies (highest: {name} {ver}, {shown})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
