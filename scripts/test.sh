#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, unit and integration tests, the fuzz targets build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-tools.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
# The fuzz crate is its own workspace, fuzzed by fuzz/run.sh: type-check its
# targets on this toolchain so an API change cannot silently break them.
cargo check --manifest-path fuzz/Cargo.toml --locked
