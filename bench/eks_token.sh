#!/usr/bin/env bash
# Benchmark: `ssoexec eks-token` as kubectl calls it, on a cache hit (the EKS token cached) and on
# a token-cache miss with cached role credentials (one local signing), side by side with
# `aws eks get-token` (static credentials in the environment, so it signs locally as well).
# Nothing here touches the network: every credential is a fake that is only used for signing.
#
#   bench/eks_token.sh                  # builds --release, then measures
#   SSOEXEC_BIN=path/to/ssoexec bench/eks_token.sh
#   RUNS=500 bench/eks_token.sh
#
# Uses hyperfine when installed (Debian: apt-get install hyperfine), else a loop timed with
# `date +%s%N`. Prints the median of each command in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-200}
bin=${SSOEXEC_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=${CARGO_TARGET_DIR:-$PWD/target}/$(rustc -vV | sed -n 's/^host: //p')/release/ssoexec
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CONFIG_FILE XDG_CACHE_HOME \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_SSO AWS_ENDPOINT_URL_SSO_OIDC SSOEXEC_TEST_NOW
mkdir -p "$HOME/.aws/cli/cache"
# The bench config (bench/mock.sh; no mock is started: every credential here is cached).
. bench/mock.sh
mock_config dev
# Role credentials valid for 12 hours, in the AWS CLI cache file ssoexec reads first.
key=$(printf '%s' '{"accountId":"111111111111","roleName":"ReadOnly","sessionName":"corp"}' | sha1sum | cut -d' ' -f1)
expires=$(date -u -d '+12 hours' +%Y-%m-%dT%H:%M:%SZ)
cat >"$HOME/.aws/cli/cache/$key.json" <<EOF
{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIABENCHFAKE0000001", "SecretAccessKey": "bench/fake+secret", "SessionToken": "bench-fake-session-token", "Expiration": "$expires", "AccountId": "111111111111"}}
EOF
export KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'

hit="$bin eks-token --profile dev --cluster-name prod-eks"
"$bin" eks-token --profile dev --cluster-name prod-eks >/dev/null # fills the token cache
miss_prepare="rm -rf $HOME/.cache/ssoexec/eks"

aws_cmd=""
if command -v aws >/dev/null 2>&1; then
    aws_cmd="env AWS_ACCESS_KEY_ID=ASIABENCHFAKE0000001 AWS_SECRET_ACCESS_KEY=bench/fake+secret AWS_SESSION_TOKEN=bench-fake-session-token AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null aws eks get-token --cluster-name prod-eks --region eu-west-1"
    $aws_cmd >/dev/null
    aws_version=$(aws --version 2>&1)
fi

echo "ssoexec: $("$bin" --version)"
[ -n "$aws_cmd" ] && echo "aws:     $aws_version"
echo "runs:    $runs per command, $(nproc) cores"
echo

if command -v hyperfine >/dev/null 2>&1; then
    args=(-N --warmup 10 --runs "$runs" --export-json "$work/hyperfine.json"
        -n "ssoexec eks-token (cache hit)" --prepare true "$hit"
        -n "ssoexec eks-token (token cache miss: sign)" --prepare "$miss_prepare" "$hit")
    [ -n "$aws_cmd" ] && args+=(-n "aws eks get-token" --prepare true "$aws_cmd")
    hyperfine "${args[@]}" >/dev/null
    python3 - "$work/hyperfine.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-45s median %8.2f ms   mean %8.2f ms   min %8.2f ms" % (r["command"], r["median"] * 1e3, r["mean"] * 1e3, r["min"] * 1e3))
EOF
    exit 0
fi

# No hyperfine: time each run with date +%s%N and report the median.
median_ms() { # command, prepare
    local times=() i start end
    for ((i = 0; i < runs; i++)); do
        [ -n "$2" ] && eval "$2"
        start=$(date +%s%N)
        $1 >/dev/null
        end=$(date +%s%N)
        times+=($((end - start)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1e6}'
}
printf '%-45s median %8s ms\n' "ssoexec eks-token (cache hit)" "$(median_ms "$hit" "")"
printf '%-45s median %8s ms\n' "ssoexec eks-token (token cache miss: sign)" "$(median_ms "$hit" "$miss_prepare")"
[ -n "$aws_cmd" ] && printf '%-45s median %8s ms\n' "aws eks get-token" "$(median_ms "$aws_cmd" "")"
exit 0
