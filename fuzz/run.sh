#!/usr/bin/env bash
# Bounded fuzzing of the parsers (cargo-fuzz / libFuzzer). Needs `cargo install cargo-fuzz`.
# libFuzzer needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
#   fuzz/run.sh            # 30 s per target; exits non-zero on the first crash (artifact kept)
#   SECONDS_PER_TARGET=600 fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${SECONDS_PER_TARGET:-30}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in config_parse generated_block token_cache exec_info env_merge server_response; do
  echo "== $target ($secs s)"
  if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$secs" >"$log" 2>&1; then
    tail -40 "$log"
    echo "== $target FOUND A CRASH (see fuzz/artifacts/$target)" >&2
    exit 1
  fi
  grep -E '^Done' "$log"
done
