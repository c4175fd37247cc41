#!/usr/bin/env bash
# Benchmarks ssoexec against the tools users would pick instead, all on one shared cache and the
# bundled mock IAM Identity Center (no AWS account, no network beyond 127.0.0.1), and writes
# bench/RESULTS.md. Not a timed test: run it by hand.
#
#   bench/run.sh                                  # installs what it needs, builds --release, measures
#   RUNS=200 MEM_RUNS=25 bench/run.sh             # more samples
#   BENCH_NO_INSTALL=1 bench/run.sh               # use only what is installed (missing peers are skipped)
#
# Knobs (environment): RUNS (hyperfine runs per command, default 100), WARMUP (10), MEM_RUNS (peak-RSS
# samples per command, 15), FANIN_NS ("1 8 32 128"), FANIN_REPEATS (5), COLD_RUNS (30),
# COLD_LATENCIES ("0 50"), BENCH_VENV (Python venv for the pip peers, default
# ~/.cache/ssoexec-bench/venv), AWS_CLI_V2 (default /usr/bin/aws), RESULTS_FILE (bench/RESULTS.md).
#
# What it does:
#   1. apt-get install hyperfine awscli time curl (Debian's awscli is AWS CLI v2; the script calls
#      /usr/bin/aws because a pip AWS CLI v1 may come first on PATH) and pip-installs aws-sso-util and
#      aws-export-credentials into a venv; builds ssoexec and examples/mock_idc with --release.
#   2. Starts the mock on 127.0.0.1 (stopped on exit), makes a temporary HOME with an sso-session
#      profile (`bench`) and a legacy profile (`bench-legacy`: aws-sso-util cannot read sso-session
#      profiles), signs both in once with the device-code flow (a fake BROWSER curls the URL), and
#      warms the role-credential and EKS token caches.
#   3. Cache hits: every command is first run once and checked (same AccessKeyId as ssoexec, mock
#      requests counted), then timed side by side in one hyperfine run per output kind; peak RSS is
#      the median of MEM_RUNS runs under GNU time.
#   4. Fan-in: N simultaneous `ssoexec credential-process --login-if-needed` callers with a warm cache,
#      expired role credentials and an expired SSO token (refreshable): wall time, success of all N,
#      and the requests the mock received.
#   5. Cold path: GetRoleCredentials with the mock at each latency in COLD_LATENCIES.
#
# Every process talks only to 127.0.0.1: the AWS endpoints point at the mock, and HTTP(S)_PROXY points
# at a closed local port (NO_PROXY=127.0.0.1) so a tool that ignores the endpoint variables fails
# locally instead of reaching AWS; IMDS is disabled.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

runs=${RUNS:-100}
warmup=${WARMUP:-10}
mem_runs=${MEM_RUNS:-15}
fanin_ns=${FANIN_NS:-1 8 32 128}
fanin_repeats=${FANIN_REPEATS:-5}
cold_runs=${COLD_RUNS:-30}
cold_latencies=${COLD_LATENCIES:-0 50}
results_file=${RESULTS_FILE:-$root/bench/RESULTS.md}
venv=${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ssoexec-bench/venv}
aws2=${AWS_CLI_V2:-/usr/bin/aws}
# .cargo/config.toml builds for the host triple: artifacts are under target/<triple>/.
target=${CARGO_TARGET_DIR:-$root/target}/$(rustc -vV | sed -n 's/^host: //p')

start_url=https://d-1234567890.awsapps.com/start
account=111111111111
role=ReadOnly
session=corp
cluster=prod-eks

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Processes and temporary files: everything started here is stopped on exit.

work=$(mktemp -d)
out=$work/out
mkdir -p "$out" "$work/bin"
. bench/mock.sh
caller_pids=()
cleanup() {
    local pid
    for pid in "${caller_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    mock_stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# skipped.tsv: peer, reason. notes.tsv: free-form notes for RESULTS.md.
# One line per skip: a reason quoting a tool's error may hold newlines (and would break the TSV).
skip() {
    local reason=${2//$'\n'/ }
    printf '%s\t%s\n' "$1" "${reason//$'\t'/ }" >>"$out/skipped.tsv"
    warn "skipping $1: $reason"
}
note() { printf '%s\n' "$*" >>"$out/notes.txt"; }
touch "$out/skipped.tsv" "$out/notes.txt"

# ---------------------------------------------------------------------------------------------
# 1. Tools

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

apt_wanted=()
command -v hyperfine >/dev/null 2>&1 || apt_wanted+=(hyperfine)
command -v curl >/dev/null 2>&1 || apt_wanted+=(curl)
command -v python3 >/dev/null 2>&1 || apt_wanted+=(python3)
[ -x /usr/bin/time ] || apt_wanted+=(time)
[ -x "$aws2" ] || apt_wanted+=(awscli)
if [ "${#apt_wanted[@]}" -gt 0 ] && [ -z "${BENCH_NO_INSTALL:-}" ]; then
    log "apt-get install ${apt_wanted[*]}"
    if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_wanted[@]}"; } >"$work/apt.log" 2>&1; then
        warn "apt-get install failed (see below); going on with what is installed"
        tail -5 "$work/apt.log" >&2
    fi
fi
for tool in hyperfine curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required (Debian: apt-get install $tool)" >&2; exit 1; }
done
have_time=false
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then have_time=true; fi

# AWS CLI v2 (Debian's awscli package).
aws2_ok=false
if [ -x "$aws2" ] && "$aws2" --version 2>&1 | grep -q '^aws-cli/2\.'; then
    aws2_ok=true
else
    skip "AWS CLI v2" "no AWS CLI v2 at $aws2 ($(
        "$aws2" --version 2>&1 | head -1 || echo 'not installed'
    )); Debian: apt-get install awscli"
fi

# aws-sso-util and aws-export-credentials from PyPI, in a venv so the real entry points are timed
# (not pyenv shims) and Debian's externally-managed Python is left alone. botocore is pinned below
# 1.35: aws-export-credentials 0.18.0 (its latest release) unpacks botocore's ReadOnlyCredentials
# into a 4-field tuple and fails with "Credentials.__new__() takes 5 positional arguments but 6
# were given" since botocore 1.35 added account_id to it. 1.34 still honours AWS_ENDPOINT_URL_*.
pip_ok=false
if [ -x "$venv/bin/aws-sso-util" ] && [ -x "$venv/bin/aws-export-credentials" ]; then
    pip_ok=true
elif [ -z "${BENCH_NO_INSTALL:-}" ]; then
    log "pip install aws-sso-util aws-export-credentials (venv: $venv)"
    if ! python3 -m venv "$venv" >"$work/venv.log" 2>&1; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >>"$work/venv.log" 2>&1 || true
        python3 -m venv "$venv" >>"$work/venv.log" 2>&1 || true
    fi
    if [ -x "$venv/bin/pip" ] &&
        "$venv/bin/pip" install -q --disable-pip-version-check aws-sso-util aws-export-credentials \
            'botocore<1.35' 'boto3<1.35' >>"$work/venv.log" 2>&1; then
        pip_ok=true
    else
        tail -5 "$work/venv.log" >&2
    fi
fi
if $pip_ok; then
    note "aws-sso-util and aws-export-credentials run from a venv ($venv) with boto3/botocore pinned below 1.35: aws-export-credentials 0.18.0, its latest release, fails on newer botocore (\`Credentials.__new__() takes 5 positional arguments but 6 were given\`: botocore 1.35 added account_id to ReadOnlyCredentials). botocore 1.34 honours AWS_ENDPOINT_URL_*."
    ln -s "$venv/bin/aws-sso-util" "$work/bin/aws-sso-util"
    ln -s "$venv/bin/aws-export-credentials" "$work/bin/aws-export-credentials"
elif [ -n "${BENCH_NO_INSTALL:-}" ]; then
    skip "aws-sso-util" "not installed in $venv (BENCH_NO_INSTALL is set)"
    skip "aws-export-credentials" "not installed in $venv (BENCH_NO_INSTALL is set)"
else
    skip "aws-sso-util" "pip install into $venv failed"
    skip "aws-export-credentials" "pip install into $venv failed"
fi

log "cargo build --release (ssoexec, examples/mock_idc)"
cargo build --release --quiet --bin ssoexec --example mock_idc
# Copies in a path without spaces: hyperfine and the loops below split command lines on spaces.
cp "$target/release/ssoexec" "$work/bin/ssoexec"
cp "$target/release/examples/mock_idc" "$work/bin/mock_idc"
bin=$work/bin/ssoexec

# ---------------------------------------------------------------------------------------------
# Machine and versions (before HOME changes).

{
    printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'cpu\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    printf 'nproc\t%s\n' "$(nproc)"
    printf 'load average at start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'memory\t%s\n' "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    printf 'os\t%s, kernel %s\n' "$(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release)" "$(uname -r)"
    printf 'ssoexec\t%s (%s, git %s)\n' "$("$bin" --version)" "$(rustc --version 2>/dev/null || echo rustc)" \
        "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    printf 'hyperfine\t%s\n' "$(hyperfine --version)"
    printf 'GNU time\t%s\n' "$(dpkg-query -W -f '${Version}' time 2>/dev/null || /usr/bin/time --version 2>&1 | head -1)"
    printf 'python3\t%s\n' "$(python3 --version 2>&1)"
    # ssoexec fsyncs the temp file and then the directory on every cache write (temp, fsync, rename).
    printf 'fsync latency (this disk)\t%s\n' "$(python3 - "$work" <<'EOF'
import os, statistics, sys, time
def median_ms(sample):
    return statistics.median(sample(i) for i in range(50)) * 1e3
def file_fsync(i):
    fd = os.open(os.path.join(sys.argv[1], "fsync.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b"x" * 300)
    t = time.perf_counter(); os.fsync(fd); t = time.perf_counter() - t
    os.close(fd)
    return t
def dir_fsync(i):
    file_fsync(i)
    os.rename(os.path.join(sys.argv[1], "fsync.tmp"), os.path.join(sys.argv[1], "fsync.json"))
    fd = os.open(sys.argv[1], os.O_RDONLY)
    t = time.perf_counter(); os.fsync(fd); t = time.perf_counter() - t
    os.close(fd)
    return t
print(f"file {median_ms(file_fsync):.2f} ms, directory {median_ms(dir_fsync):.2f} ms (median of 50, 300-byte file)")
EOF
)"
    printf 'filesystem of HOME\t%s\n' "$(df -T "$work" | awk 'NR == 2 {print $2 " on " $1}')"
    if $aws2_ok; then printf 'AWS CLI v2\t%s\n' "$("$aws2" --version 2>&1)"; fi
    if $pip_ok; then
        printf 'aws-sso-util\t%s\n' "$("$venv/bin/pip" show aws-sso-util 2>/dev/null | sed -n 's/^Version: //p')"
        printf 'aws-export-credentials\t%s\n' "$("$venv/bin/pip" show aws-export-credentials 2>/dev/null | sed -n 's/^Version: //p')"
        printf 'botocore (pip peers)\t%s (venv Python %s)\n' \
            "$("$venv/bin/pip" show botocore 2>/dev/null | sed -n 's/^Version: //p')" "$("$venv/bin/python" --version 2>&1 | cut -d' ' -f2)"
    fi
} >"$out/machine.tsv"

# ---------------------------------------------------------------------------------------------
# 2. Mock, environment, sign-in

# Starts a mock (bench/mock.sh) and points the endpoints at it. Role credentials live 12 h and tokens
# 8 h, so no cache entry crosses the 15-minute refresh window while the script runs.
start_mock() { # latency_ms
    mock_start "$work/bin/mock_idc" "$work" --latency-ms "$1" --role-ttl 43200 --access-token-ttl 28800
}

# The environment every measured command runs in.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SSO AWS_ENDPOINT_URL_SSO_OIDC AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_EKS \
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS AWS_CA_BUNDLE AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE \
    AWS_ROLE_ARN XDG_CACHE_HOME SSOEXEC_PROFILE SSOEXEC_LOGIN_FLOW SSOEXEC_LOGIN_IF_NEEDED SSOEXEC_NO_BROWSER \
    SSOEXEC_HTTP_TIMEOUT SSOEXEC_TEST_NOW KUBECONFIG AWS_SSO_CREDENTIAL_PROCESS_DEBUG
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY no_proxy=$NO_PROXY
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER='' AWS_CLI_AUTO_PROMPT=off
export KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
# The "browser": visits the verification URL, which approves the device code in the mock.
mock_browser "$work/bin"

sha1() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
# Cache files (docs/cache-files.md): the token of the sso-session and of the legacy profile, and the role
# credentials of each.
token_file_rel=.aws/sso/cache/$(sha1 "$session").json
role_file_rel=.aws/cli/cache/$(sha1 "{\"accountId\":\"$account\",\"roleName\":\"$role\",\"sessionName\":\"$session\"}").json
legacy_role_file_rel=.aws/cli/cache/$(sha1 "{\"accountId\":\"$account\",\"roleName\":\"$role\",\"startUrl\":\"$start_url\"}").json

# Points HOME at a fresh home for the current mock and signs both profiles in.
setup_home() { # dir
    export HOME=$1
    mkdir -p "$HOME/.aws"
    cat >"$HOME/.aws/config" <<CONFIG
[profile bench]
sso_session = $session
sso_account_id = $account
sso_role_name = $role
region = eu-west-1

[profile bench-legacy]
sso_start_url = $start_url
sso_region = us-east-1
sso_account_id = $account
sso_role_name = $role
region = eu-west-1

[sso-session $session]
sso_start_url = $start_url
sso_region = us-east-1
sso_registration_scopes = sso:account:access
CONFIG
    "$bin" login --profile bench --device-code 2>>"$work/login.log"
    "$bin" login --profile bench-legacy --device-code 2>>"$work/login.log"
    # Warm the role-credential caches.
    "$bin" credential-process --profile bench >/dev/null
    "$bin" credential-process --profile bench-legacy >/dev/null
    token_file=$HOME/$token_file_rel
    role_file=$HOME/$role_file_rel
    legacy_role_file=$HOME/$legacy_role_file_rel
    local f
    for f in "$token_file" "$role_file" "$legacy_role_file"; do
        [ -s "$f" ] || { echo "error: expected cache file $f after sign-in" >&2; exit 1; }
    done
}

# The AccessKeyId in a command's output: credential_process JSON, env lines, or the presigned URL
# inside an EKS token.
akid_of() {
    python3 -c '
import base64, json, re, sys, urllib.parse
text = sys.stdin.read()
try:
    doc = json.loads(text)
except ValueError:
    doc = None
if isinstance(doc, dict) and isinstance(doc.get("roleCredentials"), dict):
    print(doc["roleCredentials"].get("accessKeyId", "")); sys.exit()  # a raw GetRoleCredentials answer
if isinstance(doc, dict) and isinstance(doc.get("Credentials"), dict):
    doc = doc["Credentials"]  # a ~/.aws/cli/cache entry
if isinstance(doc, dict) and "AccessKeyId" in doc:
    print(doc["AccessKeyId"]); sys.exit()
if isinstance(doc, dict) and str(doc.get("status", {}).get("token", "")).startswith("k8s-aws-v1."):
    raw = doc["status"]["token"][len("k8s-aws-v1."):]
    url = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    print(query["X-Amz-Credential"][0].split("/")[0]); sys.exit()
match = re.search(r"AWS_ACCESS_KEY_ID=[\x27\"]?([A-Z0-9]+)", text)
print(match.group(1) if match else "")'
}

main_home=$work/home
log "starting the mock and signing in (home: $main_home)"
start_mock 0
setup_home "$main_home"
"$bin" eks-token --profile bench --cluster-name "$cluster" >/dev/null # warms the EKS token cache
ak=$("$bin" credential-process --profile bench | akid_of)
ak_legacy=$("$bin" credential-process --profile bench-legacy | akid_of)
note "After the sign-in the sso-session profile's role credentials are $ak and the legacy profile's $ak_legacy; every cache-hit row printed the AccessKeyId of its profile (checked before timing)."

# Does the AWS CLI reach the mock? Ask it for role credentials with its role cache removed, in a
# copy of the home. A CLI that ignores AWS_ENDPOINT_URL_SSO tries the real portal endpoint and is
# stopped by the dead local proxy.
aws2_reaches_mock=false
if $aws2_ok; then
    probe_home=$work/probe-home
    cp -a "$main_home" "$probe_home"
    rm -f "$probe_home/$role_file_rel"
    mock_reset
    if probe=$(HOME=$probe_home timeout 60 "$aws2" configure export-credentials --profile bench --format process \
        --cli-connect-timeout 5 2>&1) && [ "$(mock_count GetRoleCredentials)" -ge 1 ]; then
        aws2_reaches_mock=true
        note "AWS CLI v2 honours AWS_ENDPOINT_URL_SSO: it fetched role credentials from the mock."
    else
        reason=$(printf '%s\n' "$probe" | grep -v '^$' | tail -1)
        note "AWS CLI v2 ($("$aws2" --version 2>&1 | cut -d' ' -f1)) ignores AWS_ENDPOINT_URL_SSO/_SSO_OIDC/_STS (endpoint variables arrived in CLI 2.13 / botocore 1.31): with its role cache removed it called the real portal endpoint, which the dead local proxy refused (\`${reason}\`); the mock got $(mock_count GetRoleCredentials) requests. It is measured on cache hits only, where it reads the role credentials ssoexec wrote to ~/.aws/cli/cache and signs EKS tokens locally."
    fi
    rm -rf "$probe_home"
fi

# ---------------------------------------------------------------------------------------------
# 3. Cache hits

# Rows: group | label | baseline label (empty for the baseline itself) | expected AccessKeyId
# ("fresh": new credentials from the mock each call) | prepare command ("-" for none) | command | note
rows=()
add_row() { rows+=("$1|$2|$3|$4|$5|$6|$7"); }

ssoexec_cp="ssoexec credential-process"
add_row process "$ssoexec_cp" "" "$ak" - "$bin credential-process --profile bench" "sso-session profile"
if $aws2_ok; then
    add_row process "aws configure export-credentials --format process" "$ssoexec_cp" "$ak" - \
        "$aws2 configure export-credentials --profile bench --format process" "AWS CLI v2; reads ~/.aws/cli/cache"
fi
if $pip_ok; then
    add_row process "aws-export-credentials --cache-file (shared role cache)" "$ssoexec_cp" "$ak" - \
        "$work/bin/aws-export-credentials --profile bench --cache-file $main_home/$role_file_rel" \
        "its --cache-file pointed at the ~/.aws/cli/cache file ssoexec writes"
    add_row process "aws-export-credentials (no --cache-file)" "$ssoexec_cp" fresh - \
        "$work/bin/aws-export-credentials --profile bench" \
        "botocore keeps role credentials in memory only: 1 GetRoleCredentials per call (not a cache hit)"
fi
ssoexec_cp_legacy="ssoexec credential-process (legacy profile)"
add_row process "$ssoexec_cp_legacy" "" "$ak_legacy" - "$bin credential-process --profile bench-legacy" \
    "legacy profile (sso_start_url in the profile)"
if $pip_ok; then
    add_row process "aws-sso-util credential-process (legacy profile)" "$ssoexec_cp_legacy" "$ak_legacy" - \
        "$work/bin/aws-sso-util credential-process --profile bench-legacy" \
        "cannot read sso-session profiles, so it runs on the legacy profile (token and role keyed by start URL)"
fi

ssoexec_env="ssoexec export --format env"
add_row env "$ssoexec_env" "" "$ak" - "$bin export --profile bench --format env" ""
if $aws2_ok; then
    add_row env "aws configure export-credentials --format env" "$ssoexec_env" "$ak" - \
        "$aws2 configure export-credentials --profile bench --format env" "AWS CLI v2"
fi
if $pip_ok; then
    add_row env "aws-export-credentials --env-export --cache-file" "$ssoexec_env" "$ak" - \
        "$work/bin/aws-export-credentials --profile bench --env-export --cache-file $main_home/$role_file_rel" \
        "shared role cache file"
fi

ssoexec_eks="ssoexec eks-token"
add_row eks "$ssoexec_eks" "" "$ak" - "$bin eks-token --profile bench --cluster-name $cluster" \
    "EKS token cache hit"
add_row eks "ssoexec eks-token (token-cache miss: signs)" "$ssoexec_eks" "$ak" "rm -rf $main_home/.cache/ssoexec/eks" \
    "$bin eks-token --profile bench --cluster-name $cluster" "role credentials cached, token signed anew"
if $aws2_ok; then
    add_row eks "aws eks get-token" "$ssoexec_eks" "$ak" - \
        "$aws2 eks get-token --profile bench --cluster-name $cluster" \
        "AWS CLI v2; never caches the token, signs locally from ~/.aws/cli/cache"
fi

field() { # row index(1-based field)
    local IFS='|'
    local parts
    read -r -a parts <<<"$1"
    printf '%s' "${parts[$2 - 1]:-}"
}

run_words() { # command string; runs it with stdout to the caller
    local argv
    read -r -a argv <<<"$1"
    "${argv[@]}"
}

median_rss() { # prepare command
    $have_time || { echo -; return; }
    local i argv prep_argv
    local samples=()
    read -r -a argv <<<"$2"
    read -r -a prep_argv <<<"$1"
    for ((i = 0; i < mem_runs; i++)); do
        [ "$1" = - ] || "${prep_argv[@]}"
        /usr/bin/time -f %M -o "$work/rss" "${argv[@]}" >/dev/null 2>&1
        samples+=("$(tail -1 "$work/rss")")
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

: >"$out/rows.tsv"
for group in process env eks; do
    log "cache hits: $group"
    hf=(-N --style basic --warmup "$warmup" --runs "$runs" --export-json "$out/hf-$group.json")
    measured=()
    measured_requests=()
    for row in "${rows[@]}"; do
        [ "$(field "$row" 1)" = "$group" ] || continue
        label=$(field "$row" 2) expect=$(field "$row" 4) prep=$(field "$row" 5) cmd=$(field "$row" 6)
        # Check the output before timing it, and count the requests one call makes.
        [ "$prep" = - ] || run_words "$prep"
        mock_reset
        rc=0
        output=$(run_words "timeout 120 $cmd" 2>"$work/stderr") || rc=$?
        if [ "$rc" -ne 0 ]; then
            skip "$label" "exit status $rc on the first run: $(head -c 300 "$work/stderr" | tr '\n' ' ')"
            continue
        fi
        requests=$(mock_count total)
        got=$(printf '%s' "$output" | akid_of)
        if [ "$expect" = fresh ]; then
            if [[ $got != ASIAMOCK* ]] || [ "$got" = "$ak" ]; then
                skip "$label" "expected fresh credentials from the mock, got AccessKeyId '$got'"
                continue
            fi
        elif [ "$got" != "$expect" ]; then
            skip "$label" "AccessKeyId '$got', expected '$expect' (same cache as ssoexec)"
            continue
        fi
        if [ "$prep" = - ]; then prep_hf=true; else prep_hf=$prep; fi
        hf+=(-n "$label" --prepare "$prep_hf" "$cmd")
        measured+=("$row")
        measured_requests+=("$requests")
    done
    [ "${#measured[@]}" -gt 0 ] || continue
    hyperfine "${hf[@]}" >&2
    # Peak RSS (re-warm the EKS token cache first: the miss row's prepare empties it).
    "$bin" eks-token --profile bench --cluster-name "$cluster" >/dev/null
    for i in "${!measured[@]}"; do
        row=${measured[$i]}
        rss=$(median_rss "$(field "$row" 5)" "$(field "$row" 6)")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$(field "$row" 2)" "$(field "$row" 3)" \
            "${measured_requests[$i]}" "$(field "$row" 7)" "$rss" >>"$out/rows.tsv"
    done
done

# ---------------------------------------------------------------------------------------------
# 4. Fan-in

# Rewrites a timestamp in a cache file to 5 minutes ago (file mode and other keys kept).
expire() { # file, key path (Credentials.Expiration or expiresAt)
    python3 - "$1" "$2" <<'EOF'
import datetime, json, sys
path, key = sys.argv[1], sys.argv[2].split(".")
with open(path) as f:
    doc = json.load(f)
node = doc
for k in key[:-1]:
    node = node[k]
past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
node[key[-1]] = past.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(path, "w") as f:
    f.write(json.dumps(doc))
EOF
}

log "fan-in: N = $fanin_ns, $fanin_repeats repeats each"
: >"$out/fanin.tsv"
for case in warm role-expired token-expired; do
    for n in $fanin_ns; do
        for ((rep = 1; rep <= fanin_repeats; rep++)); do
            "$bin" credential-process --profile bench >/dev/null # start from a valid cache
            before=$(akid_of <"$role_file")
            case $case in
            role-expired) expire "$role_file" Credentials.Expiration ;;
            token-expired)
                expire "$role_file" Credentials.Expiration
                expire "$token_file" expiresAt
                ;;
            esac
            dir=$work/fanin
            rm -rf "$dir"
            mkdir -p "$dir"
            mock_reset
            caller_pids=()
            t0=$(date +%s%N)
            for ((i = 0; i < n; i++)); do
                "$bin" credential-process --profile bench --login-if-needed >"$dir/out.$i" 2>"$dir/err.$i" &
                caller_pids+=($!)
            done
            ok=0 failed=0
            for pid in "${caller_pids[@]}"; do
                if wait "$pid"; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
            done
            t1=$(date +%s%N)
            caller_pids=()
            read -r grc refresh device total < <(mock_count GetRoleCredentials CreateTokenRefresh CreateTokenDevice total)
            keys=$(cat "$dir"/out.* | python3 -c '
import json, sys
text = sys.stdin.read()
docs, pos, dec = [], 0, json.JSONDecoder()
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    doc, pos = dec.raw_decode(text, pos)
    docs.append(doc.get("AccessKeyId"))
print(len(set(docs)), docs[0] if docs else "")')
            read -r distinct key <<<"$keys"
            if [ "$case" = warm ]; then changed=$([ "$key" = "$before" ] && echo same || echo changed); else
                changed=$([ "$key" != "$before" ] && echo new || echo old); fi
            if [ "$failed" -gt 0 ]; then warn "fan-in $case N=$n: $failed callers failed: $(head -c 300 "$dir"/err.* | tr '\n' ' ')"; fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$n" "$rep" \
                "$(((t1 - t0) / 1000))" "$ok" "$failed" "$grc" "$refresh" "$device" "$total" "$distinct" "$changed" >>"$out/fanin.tsv"
        done
        printf '  %-14s N=%-4s done\n' "$case" "$n" >&2
    done
done
mock_stop

# ---------------------------------------------------------------------------------------------
# 5. Cold path: role credentials deleted, token valid, one GetRoleCredentials at each latency.

: >"$out/cold.tsv"
for latency in $cold_latencies; do
    log "cold path: mock latency $latency ms"
    start_mock "$latency"
    setup_home "$work/home-cold-$latency"
    # What one GetRoleCredentials round trip to this mock takes, seen from the client (curl's own
    # timer): the "network" part of a cold call, slightly above the nominal latency.
    access_token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["accessToken"])' "$token_file")
    portal_url="$mock_url/federation/credentials?role_name=$role&account_id=$account"
    for ((i = 0; i < 21; i++)); do
        curl -fsS -o /dev/null -w '%{time_total}\n' -H "x-amz-sso_bearer_token: $access_token" "$portal_url"
    done | sort -n | awk -v latency="$latency" 'NR == 11 {printf "%s\t%.2f\n", latency, $1 * 1000}' >>"$out/cold-rtt.tsv"
    cold=()
    cold+=("ssoexec credential-process|rm -f $role_file|$bin credential-process --profile bench")
    # Reference, not a peer: a process that sends the same request and does nothing else.
    cold+=("curl (the same GetRoleCredentials request; reference)|-|curl -fsS -H x-amz-sso_bearer_token:$access_token $portal_url")
    if $aws2_ok && $aws2_reaches_mock; then
        cold+=("aws configure export-credentials --format process|rm -f $role_file|$aws2 configure export-credentials --profile bench --format process")
    fi
    if $pip_ok; then
        cold+=("aws-sso-util credential-process (legacy profile)|rm -f $legacy_role_file|$work/bin/aws-sso-util credential-process --profile bench-legacy")
        cold+=("aws-export-credentials (no --cache-file)|-|$work/bin/aws-export-credentials --profile bench")
    fi
    hf=(-N --style basic --warmup 3 --runs "$cold_runs" --export-json "$out/hf-cold-$latency.json")
    for entry in "${cold[@]}"; do
        IFS='|' read -r label prep cmd <<<"$entry"
        [ "$prep" = - ] || run_words "$prep"
        mock_reset
        rc=0
        output=$(run_words "timeout 120 $cmd" 2>"$work/stderr") || rc=$?
        if [ "$rc" -ne 0 ]; then
            skip "$label (cold, $latency ms)" "exit status $rc: $(head -c 300 "$work/stderr" | tr '\n' ' ')"
            continue
        fi
        got=$(printf '%s' "$output" | akid_of)
        if [[ $got != ASIAMOCK* ]]; then
            skip "$label (cold, $latency ms)" "no credentials in the output"
            continue
        fi
        read -r total grc < <(mock_count total GetRoleCredentials)
        if [ "$prep" = - ]; then prep_hf=true; else prep_hf=$prep; fi
        hf+=(-n "$label" --prepare "$prep_hf" "$cmd")
        printf '%s\t%s\t%s\t%s\n' "$latency" "$label" "$total" "$grc" >>"$out/cold.tsv"
    done
    [ "${#hf[@]}" -le 9 ] || hyperfine "${hf[@]}" >&2
    mock_stop
done
if ! $aws2_reaches_mock && $aws2_ok; then
    skip "AWS CLI v2 (cold path)" "cannot be pointed at the mock: it ignores AWS_ENDPOINT_URL_* (see the notes), so it is measured on cache hits only"
fi

# ---------------------------------------------------------------------------------------------
# 6. RESULTS.md

log "writing $results_file"
printf 'load average at end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.tsv"
python3 - "$out" "$results_file" "$runs" "$warmup" "$mem_runs" "$fanin_repeats" "$cold_runs" <<'EOF'
import csv, json, os, statistics, sys

out, results_file = sys.argv[1], sys.argv[2]
runs, warmup, mem_runs, fanin_repeats, cold_runs = sys.argv[3:8]

def tsv(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [row for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if row]

def hyperfine(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["command"]: r for r in json.load(f)["results"]}

extra_notes = []
def add_note(text):
    extra_notes.append(text)

def ms(seconds):
    return f"{seconds * 1e3:.2f}"

def ratio(a, b):
    if not a or not b:
        return "—"
    return f"{a / b:.1f}×" if a / b >= 10 else f"{a / b:.2f}×"

lines = []
w = lines.append
w("# Benchmarks")
w("")
w("Generated by `bench/run.sh` (re-run it to refresh this file). Every command ran against the same")
w("temporary `HOME`: one SSO sign-in through the bundled mock Identity Center (`examples/mock_idc`,")
w("127.0.0.1 only), the same `~/.aws/sso/cache` token and the same `~/.aws/cli/cache` role credentials.")
w("Ratios are **peer median / ssoexec median** (so 50× means the peer takes 50 times as long).")
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
for key, value in tsv("machine.tsv"):
    w(f"| {key} | {value} |")
w("")

groups = [
    ("process", "Cache hit: credential_process JSON"),
    ("env", "Cache hit: env exports"),
    ("eks", "Cache hit: EKS ExecCredential"),
]
rows = tsv("rows.tsv")
hf_groups = {group: hyperfine(f"hf-{group}.json") for group, _ in groups}

def rss_mib(row):
    return float(row[5]) / 1024 if row[5] not in ("", "-") else None

summary = [r for r in rows if r[2] and not r[1].startswith("ssoexec") and hf_groups[r[0]].get(r[1])]
if summary:
    by_label = {r[1]: r for r in rows}
    w("## Summary (cache hits)")
    w("")
    w("| peer | peer median ms | ssoexec median ms | time ratio | peer peak RSS MiB | ssoexec peak RSS MiB | RSS ratio |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for r in summary:
        hf = hf_groups[r[0]]
        peer, base = hf[r[1]]["median"], hf.get(r[2], {}).get("median")
        peer_rss, base_rss = rss_mib(r), rss_mib(by_label[r[2]])
        fmt = lambda v: f"{v:.1f}" if v else "—"
        extra = f" ({r[3]} request per call)" if r[3] not in ("0", "") else ""
        w(f"| `{r[1]}`{extra} vs `{r[2]}` | {ms(peer)} | {ms(base) if base else '—'} | **{ratio(peer, base)}** "
          f"| {fmt(peer_rss)} | {fmt(base_rss)} | {ratio(peer_rss, base_rss)} |")
    w("")
w("## Cache hits")
w("")
w(f"hyperfine, `-N` (no shell), {warmup} warm-up runs and {runs} timed runs per command, all commands of")
w(f"a table in one hyperfine run. Peak RSS: median of {mem_runs} runs of GNU `time -f %M`. \"Requests\" is")
w("what the mock received during one call (0 = served from the cache).")
w("")
for group, title in groups:
    hf = hf_groups[group]
    grows = [r for r in rows if r[0] == group]
    if not grows:
        continue
    primary = next(r[1] for r in grows if not r[2])
    medians = {r[1]: hf.get(r[1], {}).get("median") for r in grows}
    rss = {r[1]: rss_mib(r) for r in grows}
    w(f"### {title}")
    w("")
    w("| command | median ms | mean ± σ ms | min ms | peak RSS MiB | time ratio | RSS ratio | requests | note |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for _, label, base, requests, note, _rss in grows:
        r = hf.get(label)
        if not r:
            continue
        base_label = base or label
        rss_text = f"{rss[label]:.1f}" if rss[label] else "—"
        t_ratio = "1 (baseline)" if not base else ratio(r["median"], medians.get(base_label))
        m_ratio = "1 (baseline)" if not base else ratio(rss[label], rss.get(base_label))
        if base and base != primary:
            note = (note + "; " if note else "") + f"ratio vs `{base}`"
        w(f"| `{label}` | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} "
          f"| {rss_text} | {t_ratio} | {m_ratio} | {requests} | {note} |")
    w("")

fanin = tsv("fanin.tsv")
if fanin:
    w("## Fan-in")
    w("")
    w(f"N simultaneous `ssoexec credential-process --profile bench --login-if-needed` callers started by")
    w(f"a bash loop; wall time from the first start to the last exit; {fanin_repeats} repeats per cell (median")
    w("wall time; request counts shown as min–max over the repeats). Counts were reset before each repeat.")
    w("Expected: 0 requests when warm, 1 GetRoleCredentials when the role credentials expired, 1 refresh +")
    w("1 GetRoleCredentials when the SSO token expired too — whatever N. The wall time includes starting N")
    w("processes on the machine's cores and, for (b) and (c), waiting for the one caller that holds the")
    w("lock; \"key vs before\" says whether the callers printed the cached key (warm) or a new one.")
    w("")
    w("| case | N | wall ms (median) | callers OK | GetRoleCredentials | CreateToken (refresh) | CreateToken (device) | total requests | distinct AccessKeyIds | key vs before |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    titles = {"warm": "(a) warm cache", "role-expired": "(b) role credentials expired",
              "token-expired": "(c) SSO token expired (refresh token valid)"}
    seen = []
    for row in fanin:
        if (row[0], row[1]) not in seen:
            seen.append((row[0], row[1]))
    def span(values):
        lo, hi = min(values), max(values)
        return str(lo) if lo == hi else f"{lo}–{hi}"
    for case, n in seen:
        cell = [r for r in fanin if r[0] == case and r[1] == n]
        wall = statistics.median(int(r[3]) for r in cell) / 1000
        ok = sum(int(r[4]) for r in cell)
        calls = sum(int(r[4]) + int(r[5]) for r in cell)
        w(f"| {titles.get(case, case)} | {n} | {wall:.1f} | {ok}/{calls} | {span([int(r[6]) for r in cell])} "
          f"| {span([int(r[7]) for r in cell])} | {span([int(r[8]) for r in cell])} | {span([int(r[9]) for r in cell])} "
          f"| {span([int(r[10]) for r in cell])} | {', '.join(sorted(set(r[11] for r in cell)))} |")
    w("")

cold = tsv("cold.tsv")
if cold:
    w("## Cold path")
    w("")
    w(f"Role credentials deleted before each run (token valid), so each call makes its GetRoleCredentials")
    w(f"request; the mock delays every answer by the latency. hyperfine `-N`, 3 warm-up + {cold_runs} runs.")
    w("Overhead beyond the network = median − round trip × requests per call. It includes process start-up;")
    w("for ssoexec it also includes the durable cache write (temp file, fsync, rename, fsync of the")
    w("directory: see the fsync latency in the machine table).")
    w("")
    w("The \"network\" part is the round trip curl measured for the same request (its `time_total`,")
    w("median of 21), a little above the nominal latency; the curl row is a floor for comparison: a")
    w("process that sends the same request and does nothing else.")
    w("")
    rtt = {lat: float(v) for lat, v in tsv("cold-rtt.tsv")}
    w("| mock latency | measured round trip ms | command | median ms | mean ± σ ms | requests per call | overhead beyond network ms | ratio |")
    w("|---:|---:|---|---:|---:|---:|---:|---:|")
    for latency in dict.fromkeys(r[0] for r in cold):
        hf = hyperfine(f"hf-cold-{latency}.json")
        base = hf.get("ssoexec credential-process", {}).get("median")
        network = rtt.get(latency, float(latency))
        for lat, label, total, grc in [r for r in cold if r[0] == latency]:
            r = hf.get(label)
            if not r:
                continue
            overhead = r["median"] * 1e3 - network * int(total)
            w(f"| {lat} ms | {network:.2f} | `{label}` | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {total} "
              f"| {overhead:.2f} | {'1 (baseline)' if label == 'ssoexec credential-process' else ratio(r['median'], base)} |")
    w("")
    reached = sorted({(label, total) for _, label, total, grc in cold
                      if not label.startswith(("ssoexec", "curl")) and int(grc) >= 1})
    for label, total in reached:
        add_note(f"`{label}` honours AWS_ENDPOINT_URL_SSO: its cold call reached the mock ({total} request per call).")

skipped = tsv("skipped.tsv")
w("## Peers or measurements that could not be run")
w("")
if skipped:
    for peer, reason in skipped:
        w(f"- **{peer}**: {reason}")
else:
    w("- none")
w("")
with open(os.path.join(out, "notes.txt")) as f:
    notes = [line.strip() for line in f if line.strip()] + extra_notes
if notes:
    w("## Notes")
    w("")
    for line in notes:
        w(f"- {line}")
    w("")
# Keep the section bench/generate.sh writes.
kept = ""
if os.path.exists(results_file):
    old = open(results_file).read()
    start = old.find("<!-- BEGIN bench/generate.sh -->")
    end = old.find("<!-- END bench/generate.sh -->")
    if start != -1 and end != -1:
        kept = "\n" + old[start:end] + "<!-- END bench/generate.sh -->\n"
with open(results_file, "w") as f:
    f.write("\n".join(lines) + kept)
EOF
log "done: $results_file"
cat "$results_file"
