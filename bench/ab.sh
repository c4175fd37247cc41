#!/usr/bin/env bash
# A/B of two ssoexec binaries on the cache-hit path, side by side in one hyperfine run on one
# shared, warmed cache and the bundled mock (so machine load affects both alike). Use it to check
# that a change does not slow the fast path down:
#
#   bench/ab.sh OLD_BINARY NEW_BINARY        # e.g. a release build of main's parent and of HEAD
#
# Knobs: RUNS (default 200), WARMUP (20), MOCK (path of a built examples/mock_idc; default: builds
# it with --release). Prints hyperfine's table (markdown) on stdout; nothing is written elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1") new=$(realpath "$2")
runs=${RUNS:-200} warmup=${WARMUP:-20}
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
if [ -z "${MOCK:-}" ]; then
    cargo build --release --quiet --example mock_idc
    MOCK=${CARGO_TARGET_DIR:-target}/$(rustc -vV | sed -n 's/^host: //p')/release/examples/mock_idc
fi
work=$(mktemp -d)
. bench/mock.sh
trap 'mock_stop_all; rm -rf "$work"' EXIT
mock_start "$MOCK" "$work" --role-ttl 43200 --access-token-ttl 28800

export HOME=$work/home PATH=/usr/bin:/bin
export HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1
mkdir -p "$work/bin"
mock_browser "$work/bin"
mock_config bench
cp "$old" "$work/bin/ssoexec-old"
cp "$new" "$work/bin/ssoexec-new"
"$work/bin/ssoexec-new" login --profile bench --device-code 2>"$work/login.log" </dev/null
"$work/bin/ssoexec-new" credential-process --profile bench >/dev/null </dev/null
"$work/bin/ssoexec-new" eks-token --profile bench --cluster-name prod-eks >/dev/null </dev/null
# Both binaries must answer from the cache (no request to the mock) with the same document.
before=$(mock_count total)
a=$("$work/bin/ssoexec-old" credential-process --profile bench </dev/null)
b=$("$work/bin/ssoexec-new" credential-process --profile bench </dev/null)
[ "$a" = "$b" ] || { echo "error: the two binaries print different credentials" >&2; exit 1; }
"$work/bin/ssoexec-old" eks-token --profile bench --cluster-name prod-eks >/dev/null </dev/null
after=$(mock_count total)
[ "$before" = "$after" ] || { echo "error: a cache hit reached the mock" >&2; exit 1; }

hf=(-N --warmup "$warmup" --runs "$runs" --export-markdown "$work/table.md")
for cmd in "credential-process --profile bench" "export --profile bench --format env" \
    "eks-token --profile bench --cluster-name prod-eks"; do
    hyperfine "${hf[@]}" -n "old $cmd" "$work/bin/ssoexec-old $cmd" -n "new $cmd" "$work/bin/ssoexec-new $cmd" >&2
    cat "$work/table.md"
    echo
done
