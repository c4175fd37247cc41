#!/usr/bin/env bash
# Benchmarks onboarding at organisation scale against the bundled mock IAM Identity Center:
# `ssoexec generate` (one profile per account × role) side by side with `aws-sso-util configure
# populate`, and `ssoexec kubeconfig --all` (every EKS cluster), at each mock latency. Updates the
# "Onboarding at scale" section of bench/RESULTS.md. Not a timed test: run it by hand.
#
#   bench/generate.sh                          # 1,000 accounts × 3 roles, latencies 0 and 50 ms
#   ACCOUNTS=200 LATENCIES="50" bench/generate.sh
#   BENCH_NO_INSTALL=1 bench/generate.sh       # do not pip-install aws-sso-util (it is skipped if missing)
#
# Knobs (environment): ACCOUNTS (1000), ROLES (3), LATENCIES ("0 50"), RUNS (3 timed runs of each
# ssoexec command; the median is reported), PEER_RUNS (1: aws-sso-util takes minutes), CONCURRENCY (8, ssoexec's default), PAGE_SIZE (100: the most a
# real portal page holds and what ssoexec asks for; the mock's default of 2 only exercises paging),
# DISCOVERY_CONCURRENCY ("8 32"), BENCH_VENV (~/.cache/ssoexec-bench/venv, shared with run.sh).
#
# The ideal time of a run is (requests × latency ÷ concurrency); ssoexec's target is 1.5× that.
# Every process talks only to 127.0.0.1 (proxies point at a closed port, IMDS is off).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
accounts=${ACCOUNTS:-1000}
roles=${ROLES:-3}
latencies=${LATENCIES:-0 50}
runs=${RUNS:-3}
# aws-sso-util writes 3,000 profiles in minutes of CPU: one run each unless asked.
peer_runs=${PEER_RUNS:-1}
concurrency=${CONCURRENCY:-8}
page_size=${PAGE_SIZE:-100}
discovery_concurrency=${DISCOVERY_CONCURRENCY:-8 32}
venv=${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ssoexec-bench/venv}
# .cargo/config.toml builds for the host triple: artifacts are under target/<triple>/.
target=${CARGO_TARGET_DIR:-$root/target}/$(rustc -vV | sed -n 's/^host: //p')
results_file=${RESULTS_FILE:-$root/bench/RESULTS.md}
start_url=https://d-1234567890.awsapps.com/start

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

work=$(mktemp -d)
. bench/mock.sh
trap 'mock_stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work/bin"

# aws-sso-util from PyPI in a venv, botocore pinned below 1.35 (see bench/run.sh: 1.34 honours
# AWS_ENDPOINT_URL_SSO the way the peer needs).
peer=
if [ -x "$venv/bin/aws-sso-util" ]; then
    peer=$venv/bin/aws-sso-util
elif [ -z "${BENCH_NO_INSTALL:-}" ]; then
    log "pip install aws-sso-util (venv: $venv)"
    if python3 -m venv "$venv" >"$work/venv.log" 2>&1 &&
        "$venv/bin/pip" install -q --disable-pip-version-check aws-sso-util 'botocore<1.35' 'boto3<1.35' >>"$work/venv.log" 2>&1; then
        peer=$venv/bin/aws-sso-util
    else
        tail -5 "$work/venv.log" >&2
    fi
fi
[ -n "$peer" ] || log "aws-sso-util is not available: its column stays empty"

log "cargo build --release (ssoexec, examples/mock_idc)"
cargo build --release --quiet --bin ssoexec --example mock_idc
cp "$target/release/ssoexec" "$work/bin/ssoexec"
cp "$target/release/examples/mock_idc" "$work/bin/mock_idc"
bin=$work/bin/ssoexec

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE XDG_CACHE_HOME \
    SSOEXEC_LOGIN_FLOW SSOEXEC_TEST_NOW KUBECONFIG
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export http_proxy=$HTTP_PROXY https_proxy=$HTTPS_PROXY no_proxy=$NO_PROXY AWS_EC2_METADATA_DISABLED=true
mock_browser "$work/bin"

mock_sum() { # ops...: the sum of their counts since the last reset
    mock_count "$@" | awk '{for (i = 1; i <= NF; i++) n += $i; print n}'
}
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fmt() { awk -v x="$1" 'BEGIN {printf "%.2f", x}'; }

base_config() {
    cat <<CONFIG
[sso-session corp]
sso_start_url = $start_url
sso_region = us-east-1
sso_registration_scopes = sso:account:access
CONFIG
}

rows=()
for latency in $latencies; do
    log "mock: $accounts accounts × $roles roles, ${latency} ms latency"
    mock_start "$work/bin/mock_idc" "$work" --latency-ms "$latency" --accounts "$accounts" --roles "$roles" \
        --page-size "$page_size" --clusters-per-account 1 --cluster-regions eu-west-1 \
        --access-token-ttl 28800 --role-ttl 43200
    export HOME=$work/home-$latency
    mkdir -p "$HOME/.aws"
    base_config >"$HOME/.aws/config"
    # One login for the sso-session (ssoexec) and one for the start URL (aws-sso-util's cache key).
    "$bin" login --sso-session corp --device-code 2>>"$work/login.log"
    "$bin" login --start-url "$start_url" --sso-region us-east-1 --device-code 2>>"$work/login.log"

    # ssoexec generate: each timed run starts from the bare config, so it writes every profile.
    times=()
    requests=0
    for ((r = 0; r < runs; r++)); do
        base_config >"$HOME/.aws/config"
        mock_reset
        t0=$(now)
        "$bin" generate --sso-session corp --region eu-west-1 --concurrency "$concurrency" 2>>"$work/generate.log"
        t1=$(now)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
        requests=$(mock_sum ListAccounts ListAccountRoles)
    done
    profiles=$(grep -c '^\[profile ' "$HOME/.aws/config")
    ours=$(printf '%s\n' "${times[@]}" | median)
    ideal=$(awk -v n="$requests" -v l="$latency" -v c="$concurrency" 'BEGIN {print n * l / 1000 / c}')
    # A re-run that changes nothing (byte-identical file).
    cp "$HOME/.aws/config" "$work/config.before"
    t0=$(now)
    "$bin" generate --sso-session corp --region eu-west-1 --concurrency "$concurrency" 2>>"$work/generate.log"
    t1=$(now)
    cmp -s "$work/config.before" "$HOME/.aws/config" || { echo "error: the re-run changed the file" >&2; exit 1; }
    rerun=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')

    # aws-sso-util configure populate against the same mock and the same login.
    peer_time=- peer_profiles=- peer_requests=-
    if [ -n "$peer" ]; then
        ptimes=()
        for ((r = 0; r < peer_runs; r++)); do
            base_config >"$HOME/.aws/config"
            mock_reset
            t0=$(now)
            "$peer" configure populate --sso-start-url "$start_url" --sso-region us-east-1 --region eu-west-1 \
                </dev/null >>"$work/peer.log" 2>&1
            t1=$(now)
            ptimes+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
            peer_requests=$(mock_sum ListAccounts ListAccountRoles)
        done
        peer_time=$(printf '%s\n' "${ptimes[@]}" | median)
        peer_profiles=$(grep -c '^\[profile ' "$HOME/.aws/config")
    fi
    rows+=("| generate, ${latency} ms | $profiles profiles, $requests requests | $(fmt "$ours") s | $(fmt "$ideal") s | $(awk -v a="$ours" -v b="$ideal" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "-"}') | $(fmt "$rerun") s | $peer_profiles profiles, $peer_requests requests | $([ "$peer_time" = - ] && echo - || echo "$(fmt "$peer_time") s") | $([ "$peer_time" = - ] && echo - || awk -v a="$peer_time" -v b="$ours" 'BEGIN {printf "%.1f×", a / b}') |")

    # kubeconfig --all over the generated profiles: every role (GetRoleCredentials, ListClusters,
    # DescribeCluster per role), then one role per account.
    base_config >"$HOME/.aws/config"
    "$bin" generate --sso-session corp --region eu-west-1 2>>"$work/generate.log"
    for c in $discovery_concurrency; do
        for filter in all AdministratorAccess; do
            rm -rf "$HOME/.aws/cli/cache" "$HOME/.kube"
            mock_reset
            args=(kubeconfig --all --concurrency "$c" --command ssoexec)
            [ "$filter" = all ] || args+=(--role-name "$filter")
            t0=$(now)
            "$bin" "${args[@]}" 2>>"$work/discovery.log"
            t1=$(now)
            took=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
            reqs=$(mock_sum GetRoleCredentials ListAccounts ListClusters DescribeCluster)
            contexts=$(grep -c '^  name: ' "$HOME/.kube/config" || true)
            ideal=$(awk -v n="$reqs" -v l="$latency" -v c="$c" 'BEGIN {print n * l / 1000 / c}')
            what=$([ "$filter" = all ] && echo "every role" || echo "--role-name $filter")
            rows+=("| kubeconfig --all ($what), ${latency} ms, concurrency $c | $((contexts / 3)) clusters, $reqs requests | $(fmt "$took") s | $(fmt "$ideal") s | $(awk -v a="$took" -v b="$ideal" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "-"}') | | | | |")
        done
    done
    mock_stop
done

section=$work/section.md
{
    echo "<!-- BEGIN bench/generate.sh -->"
    echo "## Onboarding at scale (\`bench/generate.sh\`)"
    echo
    echo "$accounts accounts × $roles roles on the mock (pages of $page_size), $(nproc) CPUs, ssoexec: median of $runs runs, concurrency $concurrency; aws-sso-util: median of $peer_runs."
    echo "Ideal = requests × latency ÷ concurrency (the target is within 1.5× of it); the peer is aws-sso-util $("$venv/bin/pip" show aws-sso-util 2>/dev/null | sed -n 's/^Version: //p') \`configure populate\` (botocore $("$venv/bin/pip" show botocore 2>/dev/null | sed -n 's/^Version: //p'))."
    echo
    echo "| run | work | ssoexec | ideal | ssoexec ÷ ideal | unchanged re-run | aws-sso-util work | aws-sso-util | aws-sso-util ÷ ssoexec |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Notes: both tools make the same requests (ListAccounts pages + one ListAccountRoles per account); aws-sso-util's time is CPU after them: it has all answers within seconds, then writes the profiles into the config one by one (watched: about 2,400 of 3,000 after 5 minutes). kubeconfig --all \"every role\" fetches credentials and lists and describes clusters for each of the 3 roles of an account (the same clusters); \"--role-name\" searches one role per account. The machine is shared with other builds, so the 0 ms rows are CPU-bound and noisy."
    echo "<!-- END bench/generate.sh -->"
} >"$section"
if [ -f "$results_file" ] && grep -q '^<!-- BEGIN bench/generate.sh -->' "$results_file"; then
    python3 - "$results_file" "$section" <<'PY'
import sys, re
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
text = re.sub(r"<!-- BEGIN bench/generate.sh -->.*?<!-- END bench/generate.sh -->\n", lambda m: section, text, flags=re.S)
open(path, "w").write(text)
PY
else
    { [ -s "$results_file" ] && echo; cat "$section"; } >>"$results_file"
fi
cat "$section"
