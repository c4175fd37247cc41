#!/usr/bin/env bash
# A cache hit against `cat` of the same role-credential file: how close ssoexec's start-up plus
# one file read comes to the cheapest program that reads that file. Paired runs (ssoexec, cat,
# ssoexec, cat, …, so machine load hits both alike), each process timed from spawn to exit:
#
#   bench/startup.sh [BINARY...]      # default: the release build of this checkout
#
# Knobs: PAIRS (default 400), WARMUP (20), MOCK (path of a built examples/mock_idc; default: built
# with --release). Prints, per binary, the median time of each and the median of the per-pair
# ratios, as a markdown table on stdout, plus what `ldd` says about the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${PAIRS:-400} warmup=${WARMUP:-20}
host=$(rustc -vV | sed -n 's/^host: //p')
# .cargo/config.toml builds for the host triple: artifacts are under target/<triple>/.
out=${CARGO_TARGET_DIR:-target}/$host/release
if [ $# -eq 0 ]; then
    cargo build --release --locked --quiet --bin ssoexec
    set -- "$out/ssoexec"
fi
if [ -z "${MOCK:-}" ]; then
    cargo build --release --locked --quiet --example mock_idc
    MOCK=$out/examples/mock_idc
fi
work=$(mktemp -d)
. bench/mock.sh
trap 'mock_stop_all; rm -rf "$work"' EXIT
mock_start "$MOCK" "$work" --auto-approve --role-ttl 43200 --access-token-ttl 28800

export HOME=$work/home PATH=/usr/bin:/bin
mock_config bench
first=$(realpath "$1")
"$first" login --profile bench --device-code --no-browser 2>"$work/login.log" </dev/null
"$first" credential-process --profile bench >/dev/null </dev/null
role=$(ls "$HOME"/.aws/cli/cache/*.json)
[ "$(echo "$role" | wc -l)" = 1 ] || { echo "error: expected one role cache file" >&2; exit 1; }

echo "| binary | linking (ldd) | ssoexec median µs | cat median µs | median ratio (paired) |"
echo "|---|---|---:|---:|---:|"
for bin in "$@"; do
    bin=$(realpath "$bin")
    before=$(mock_count total)
    "$bin" credential-process --profile bench >/dev/null </dev/null
    [ "$(mock_count total)" = "$before" ] || { echo "error: $bin did not answer from the cache" >&2; exit 1; }
    # ldd exits 1 for a binary with no dynamic section ("not a dynamic executable").
    linking=$( (ldd "$bin" 2>&1 || true) | head -n1 | sed 's/^[[:space:]]*//; s/ (0x.*//')
    python3 - "$bin" "$role" "$pairs" "$warmup" "$linking" <<'PY'
import os, statistics, sys, time
binary, role, pairs, warmup, linking = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
# Write-only, as a shell's >/dev/null: a read-write /dev/null on fd 1 is what Rust's runtime puts
# on a closed stdout, which ssoexec refuses to write credentials to.
null_in, null_out = os.open(os.devnull, os.O_RDONLY), os.open(os.devnull, os.O_WRONLY)
actions = [(os.POSIX_SPAWN_DUP2, null_in, 0), (os.POSIX_SPAWN_DUP2, null_out, 1), (os.POSIX_SPAWN_DUP2, null_out, 2)]
env = dict(os.environ)
def run(argv):
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"error: {argv} failed")
    return elapsed
ours = [binary, "credential-process", "--profile", "bench"]
cat = ["/bin/cat", role]
for _ in range(warmup):
    run(ours); run(cat)
a, b = [], []
for _ in range(pairs):
    a.append(run(ours)); b.append(run(cat))
ratios = [x / y for x, y in zip(a, b)]
print(f"| `{os.path.basename(binary)}` | {linking} | {statistics.median(a)/1000:.0f} | "
      f"{statistics.median(b)/1000:.0f} | **{statistics.median(ratios):.2f}×** |")
PY
done
